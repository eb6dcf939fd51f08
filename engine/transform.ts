/**
 * Function transforms, brainstate-style: `grad` (reverse mode w.r.t. tensors or States), `forLoop`
 * (run a step function over the leading axis and stack the results; differentiable, full BPTT) and `jit`
 * (repeated calls of a step function: per-call memory freed, backend work reused; engine/jit.ts), and
 * truncated BPTT over long or streaming sequences (`truncatedBptt`, `detachStates`).
 */
import { SpikegradError, describeValue } from './errors.js';
import { index, slice, stack, stopGradient } from './api.js';
import { tidy } from './scope.js';
import { HiddenState, type State, type StateClass } from './state.js';
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

/** Anything whose hidden states can be listed: a module (`nn.Module.states`). */
export interface Stateful {
  states(kind?: StateClass): Record<string, State>;
}

/**
 * Cuts the gradient history of every initialized hidden state of `net` (`HiddenState`: membranes, spikes,
 * synaptic currents) while keeping its value: the next steps continue from the same state, but gradients stop
 * here. The boundary of truncated BPTT (`truncatedBptt`); call it yourself between the chunks of a stream
 * you iterate by hand (e.g. an async one).
 */
export function detachStates(net: Stateful): void {
  if (net === null || typeof net !== 'object' || typeof (net as Partial<Stateful>).states !== 'function') {
    throw new SpikegradError(`detachStates: argument 'net' expected a module (something with states()), got ${describeValue(net)}`);
  }
  for (const h of Object.values(net.states(HiddenState))) if (h.initialized) h.value = stopGradient(h.value);
}

/** Options of `transform.truncatedBptt`. */
export interface TruncatedBpttOptions {
  /** Steps per window when `xs` is one tensor (1 ≤ window ≤ T; the last window may be shorter). */
  window?: number;
}

/**
 * Truncated backpropagation through time over a long or streaming sequence: calls `step(chunk, i)` on each
 * window of the time axis in turn (your training step: forward with `net.run(chunk)`, `grad`, optimizer
 * update) and between windows keeps every hidden state of `net` but cuts its gradient history
 * (`detachStates`), so the network runs on across windows while gradients, and the memory BPTT keeps, span
 * one window. `xs` is either one tensor [T, …], cut into windows of `opts.window` steps, or an iterable of
 * chunks [t_i, …] (a stream: each chunk is one window). Each window runs in its own `tidy` (what `step`
 * returns is kept). Initialize the states once before (`nn.initAllStates`), not inside `step`.
 * Returns the results of `step`, one per window.
 * @example
 *   nn.initAllStates(net, { batchSize: 8 });
 *   const losses = transform.truncatedBptt(net, xs, (chunk) => {
 *     const [grads, loss] = grad(() => lossOf(net.run(chunk)), net.states(ParamState), { returnValue: true })();
 *     opt.update(grads);
 *     return loss;
 *   }, { window: 100 });
 */
export function truncatedBptt<R>(net: Stateful, xs: Tensor | Iterable<Tensor>, step: (chunk: Tensor, index: number) => R, opts: TruncatedBpttOptions = {}): R[] {
  if (net === null || typeof net !== 'object' || typeof (net as Partial<Stateful>).states !== 'function') {
    throw new SpikegradError(`truncatedBptt: argument 'net' expected a module (something with states()), got ${describeValue(net)}`);
  }
  if (typeof step !== 'function') throw new SpikegradError(`truncatedBptt: argument 'step' expected a function, got ${describeValue(step)}`);
  if (opts === null || typeof opts !== 'object') throw new SpikegradError(`truncatedBptt: argument 'opts' expected an options object, got ${describeValue(opts)}`);
  let chunks: Iterable<Tensor>;
  if (xs instanceof Tensor) {
    const T = xs.rank === 0 ? 0 : xs.shape[0]!;
    if (T < 1) throw new SpikegradError(`truncatedBptt: argument 'xs' expected a sequence [T, …] with T >= 1, got shape [${xs.shape.join(', ')}]`);
    const w = opts.window;
    if (typeof w !== 'number' || !Number.isInteger(w) || w < 1 || w > T) {
      throw new SpikegradError(`truncatedBptt: argument 'window' expected an integer from 1 to T = ${T} (the sequence's length), got ${describeValue(w)}`);
    }
    chunks = (function* () {
      for (let t0 = 0; t0 < T; t0 += w) yield slice(xs, [t0, ...xs.shape.slice(1).map(() => 0)], [Math.min(w, T - t0), ...xs.shape.slice(1)]);
    })();
  } else {
    if (xs === null || typeof xs !== 'object' || typeof (xs as Partial<Iterable<Tensor>>)[Symbol.iterator] !== 'function') {
      throw new SpikegradError(`truncatedBptt: argument 'xs' expected a Tensor [T, …] or an iterable of Tensor chunks, got ${describeValue(xs)}`);
    }
    if (opts.window !== undefined) throw new SpikegradError("truncatedBptt: argument 'window' applies to one tensor; an iterable's chunks are the windows");
    chunks = xs;
  }
  const out: R[] = [];
  let i = 0;
  for (const chunk of chunks) {
    if (!(chunk instanceof Tensor) || chunk.rank === 0) {
      throw new SpikegradError(`truncatedBptt: chunk ${i} expected a Tensor [t, …], got ${describeValue(chunk)}`);
    }
    const index = i++;
    out.push(tidy(() => {
      const r = step(chunk, index);
      detachStates(net);
      return r;
    }));
    if (xs instanceof Tensor) chunk.dispose(); // the slice; an iterable's chunks are the caller's
  }
  return out;
}
