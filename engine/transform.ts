/**
 * Function transforms, brainstate-style: `grad` (reverse mode w.r.t. tensors or States), `forLoop`
 * (run a step function over the leading axis and stack the results; differentiable, full BPTT) and `jit`
 * (repeated calls of a step function: per-call memory freed, backend work reused; engine/jit.ts).
 */
import { SpikegradError, describeValue } from './errors.js';
import { index, stack } from './api.js';
import { Tensor } from './tensor.js';
import { loopEnter, loopExit, loopStep, numerics } from './numerics.js';

export { grad, valueAndGrad } from './grad.js';
export { jit, hostValue, type JitOptions, type Jitted, type JitStats } from './jit.js';

type StepOutput = Tensor | Tensor[] | Record<string, Tensor>;

function stackOutputs(outs: StepOutput[]): StepOutput {
  const first = outs[0]!;
  if (first instanceof Tensor) return stack(outs as Tensor[], 0);
  if (Array.isArray(first)) return first.map((_, k) => stack((outs as Tensor[][]).map((o) => o[k]!), 0));
  return Object.fromEntries(Object.keys(first).map((k) => [k, stack((outs as Record<string, Tensor>[]).map((o) => o[k]!), 0)]));
}

/**
 * Calls `f(xs[t], t)` for t = 0 … T−1 along the leading axis of `xs` (a tensor, or an array of tensors with a
 * common leading length, passed as separate arguments) and stacks the results along a new leading axis.
 * Differentiable: gradients flow through every step (backpropagation through time).
 * @example const ys = transform.forLoop((x) => net.update(x), xs); // [T, B, n]
 */
export function forLoop<R extends StepOutput>(f: (x: Tensor, t: number) => R, xs: Tensor): R;
export function forLoop<R extends StepOutput>(f: (...args: never[]) => R, xs: Tensor[]): R;
export function forLoop<R extends StepOutput>(f: (...args: never[]) => R, xs: Tensor | Tensor[]): R {
  if (typeof f !== 'function') throw new SpikegradError(`forLoop: argument 'f' expected a function, got ${describeValue(f)}`);
  const seqs = xs instanceof Tensor ? [xs] : xs;
  if (!Array.isArray(seqs) || seqs.length === 0 || !seqs.every((s) => s instanceof Tensor)) {
    throw new SpikegradError(`forLoop: argument 'xs' expected a Tensor or a non-empty array of Tensors, got ${describeValue(xs)}`);
  }
  const T = seqs[0]!.shape[0];
  for (const [i, s] of seqs.entries()) {
    if (s.rank === 0 || s.shape[0] !== T) {
      throw new SpikegradError(`forLoop: argument 'xs[${i}]' expected a leading (time) axis of length ${T}, got shape [${s.shape.join(', ')}]`);
    }
  }
  if (!T) throw new SpikegradError('forLoop: argument \'xs\' has an empty leading axis (T = 0)');
  const outs: StepOutput[] = [];
  const step = f as unknown as (...args: (Tensor | number)[]) => R;
  const track = numerics.on; // checkNumerics names the step of an op
  if (track) loopEnter();
  try {
    for (let t = 0; t < T; t++) {
      if (track) loopStep(t);
      outs.push(step(...seqs.map((s) => index(s, t, 0)), t));
    }
  } finally {
    if (track) loopExit();
  }
  return stackOutputs(outs) as R;
}
