/**
 * The sequence ops of the neuron and synapse families (neuronRun, synapseRun and their backward ops) check their
 * inputs with the one validator (engine/sequenceInput.ts: checkSequenceX, requirePacked), before any work,
 * with errors that name the op, the argument, the expected and the actual. Fails when an op stops checking (a
 * kernel would read past a state of the wrong shape) or when the families' messages drift apart again.
 */
import { describe, expect, it } from 'vitest';
import { OPS } from '../../internal.js';
import type { InMeta } from '../../engine/ops.js';
import { bindNeuron, bindSynapse } from '../../dynamics/bind.js';
import { declareNeuron, declareSynapse } from '../../dynamics/declaration.js';
import { ALIF_SOFT, DUAL_EXPON, EXPON } from '../../dynamics/models/index.js';
import { ReluGrad } from '../../surrogate/index.js';

const meta = (shape: number[], dtype: InMeta['dtype'] = 'float32'): InMeta => ({ shape, dtype });
const ALIF = { neuron: bindNeuron(declareNeuron(ALIF_SOFT), {}, 1, 'float32'), spkFun: new ReluGrad(), detachReset: false };
const CASES = [
  { op: 'neuronRun' as const, attrs: ALIF, s0: [2, 2, 3], what: 'the 2 states stacked' },
  { op: 'synapseRun' as const, attrs: { synapse: bindSynapse(declareSynapse(DUAL_EXPON), {}, 1, 'float32') }, s0: [2, 2, 3], what: 'the 2 states stacked' },
  { op: 'synapseRun' as const, attrs: { synapse: bindSynapse(declareSynapse(EXPON), {}, 1, 'float32') }, s0: [2, 3], what: "x's shape without its time axis" },
];

describe.each(CASES)('$op, s0 $s0', ({ op, attrs, s0, what }) => {
  const infer = (ins: InMeta[]) => (OPS[op].infer as (i: readonly InMeta[], a: unknown) => unknown)(ins, attrs);
  it('accepts x [T, …] with the states packed', () => expect(() => infer([meta([5, 2, 3]), meta(s0)])).not.toThrow());
  it("refuses an integer x and an empty sequence, naming 'x'", () => {
    expect(() => infer([meta([5, 2, 3], 'int32'), meta(s0)])).toThrow(new RegExp(`^${op}: argument 'x' expected a float32 or float64 tensor, got int32 \\[5, 2, 3\\]$`));
    expect(() => infer([meta([0, 2, 3]), meta(s0)])).toThrow(new RegExp(`^${op}: argument 'x' expected a sequence \\[T, \\.\\.\\.\\] with T >= 1, got \\[0, 2, 3\\]$`));
  });
  it('refuses initial states of the wrong shape or dtype, naming s0', () => {
    for (const bad of [meta([2, 4]), meta([5, ...s0]), meta(s0, 'float64')]) {
      expect(() => infer([meta([5, 2, 3]), bad])).toThrow(new RegExp(`^${op}: argument 's0' expected float32 \\[${s0.join(', ')}\\] \\(${what.replace(/[()']/g, '.')}\\), got ${bad.dtype} \\[${bad.shape.join(', ')}\\]$`));
    }
  });
});
