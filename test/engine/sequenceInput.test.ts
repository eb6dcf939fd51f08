/**
 * Every sequence op of the neuron and synapse families checks its inputs with the one validator
 * (engine/sequenceInput.ts), before any work, with errors that name the op, the argument, the expected and the
 * actual. Fails when an op stops checking (a kernel would read past a state of the wrong shape) or when the
 * families' messages drift apart again.
 */
import { describe, expect, it } from 'vitest';
import { OPS, type OpName } from '../../internal.js';
import type { InMeta } from '../../engine/ops.js';

const SEQUENCE_OPS: [OpName, string[]][] = [
  ['lifRun', ['v0']],
];

const meta = (shape: number[], dtype: InMeta['dtype'] = 'float32'): InMeta => ({ shape, dtype });
const infer = (op: OpName, ins: InMeta[]) => (OPS[op].infer as (i: readonly InMeta[], a: unknown) => unknown)(ins, {});

describe.each(SEQUENCE_OPS)('%s', (op, states) => {
  const good = () => [meta([5, 2, 3]), ...states.map(() => meta([2, 3]))];

  it('accepts x [T, …] with each state shaped like x without its time axis', () => {
    expect(() => infer(op, good())).not.toThrow();
  });

  it('refuses the wrong number of inputs', () => {
    expect(() => infer(op, good().slice(0, -1))).toThrow(new RegExp(`^${op}: expected ${states.length + 1} inputs, got ${states.length}$`));
  });

  it("refuses an integer x and an empty sequence, naming 'x'", () => {
    expect(() => infer(op, [meta([5, 2, 3], 'int32'), ...good().slice(1)])).toThrow(new RegExp(`^${op}: argument 'x' expected a float32 or float64 tensor, got int32 \\[5, 2, 3\\]$`));
    expect(() => infer(op, [meta([0, 2, 3]), ...good().slice(1)])).toThrow(new RegExp(`^${op}: argument 'x' expected a sequence \\[T, \\.\\.\\.\\] with T >= 1, got \\[0, 2, 3\\]$`));
  });

  it('refuses each state of the wrong shape or dtype, naming it', () => {
    states.forEach((name, i) => {
      for (const bad of [meta([2, 4]), meta([5, 2, 3]), meta([2, 3], 'float64')]) {
        const ins = good();
        ins[i + 1] = bad;
        expect(() => infer(op, ins)).toThrow(new RegExp(`^${op}: argument '${name}' expected float32 \\[2, 3\\] \\(x's shape without its time axis\\), got ${bad.dtype} \\[${bad.shape.join(', ')}\\]$`));
      }
    });
  });
});
