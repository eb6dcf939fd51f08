/**
 * The one validator of a sequence op's inputs (the neuron and synapse families: neuronRun, synapseRun; their
 * states are packed, `requirePacked`): `x` a float sequence
 * [T, …] with T ≥ 1, and each initial state shaped like x without its time axis, in x's dtype. Errors name the op, the argument, the expected and the actual.
 */
import { isFloat } from './dtype.js';
import { SpikegradError, fmtShape } from './errors.js';
import type { InMeta } from './ops.js';
import { sameShape } from './shape.js';

/** Checks that `x` is a float sequence [T, …] with T ≥ 1 (ops whose states are packed check those themselves). */
export function checkSequenceX(op: string, x: InMeta): void {
  if (!isFloat(x.dtype)) throw new SpikegradError(`${op}: argument 'x' expected a float32 or float64 tensor, got ${x.dtype} ${fmtShape(x.shape)}`);
  if (x.shape.length < 1 || x.shape[0]! < 1) {
    throw new SpikegradError(`${op}: argument 'x' expected a sequence [T, ...] with T >= 1, got ${fmtShape(x.shape)}`);
  }
}

/**
 * `s` [T, K, …] (`seq`: the states after each step) or [K, …] (stacked) for K states of the per-step shape of x;
 * without `stateAxis` (one state, K = 1) the K axis is absent: [T, …] or […].
 */
export function requirePacked(op: string, name: string, x: InMeta, s: InMeta, K: number, seq: boolean, stateAxis = true): void {
  const want = [...(seq ? [x.shape[0]!] : []), ...(stateAxis ? [K] : []), ...x.shape.slice(1)];
  if (!sameShape(s.shape, want) || s.dtype !== x.dtype) {
    const what = stateAxis ? `the ${K} states ${seq ? 'after each step' : 'stacked'}` : seq ? 'the state after each step' : "x's shape without its time axis";
    throw new SpikegradError(`${op}: argument '${name}' expected ${x.dtype} ${fmtShape(want)} (${what}), got ${s.dtype} ${fmtShape(s.shape)}`);
  }
}
