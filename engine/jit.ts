/**
 * `transform.jit(f)`: a training step function that is called many times with the same structure.
 *
 * What it guarantees: the same results as `f`; every tensor `f` creates and does not return is freed when
 * the call ends (it runs inside a `tidy`), so memory is flat across calls; values assigned to States inside
 * `f` are kept by their States.
 *
 * Lifetime of the results: the tensors a call creates and returns are valid until the NEXT call of the same
 * jitted function returns; that call frees them, unless they were `keep()`-ed, became a State's value, or
 * were disposed already. So `for (…) losses.push(await step().item())` holds one loss tensor at a time
 * instead of one per call (which only the garbage collector reclaimed, late on the GPU), and a result passed
 * to the next call (`h = step(h)`) is still valid inside it. Read a result before the next call, or `keep()`
 * it (then dispose it yourself); using a freed result fails with a message saying why. Tensors a call
 * returns without creating them (an argument, a captured constant) are never freed by jit. A call that
 * throws frees nothing of the previous call. (A jit that records and replays its dispatches can reuse a
 * result's storage from the next call on under this rule.)
 *
 * What it reuses: each call runs inside the backend's `jitScope` when the backend has one, under a key
 * unique to this jitted function, so that a backend can keep what the previous call built and replay it
 * while the call does the same work again. Without that hook the backends already reuse across calls what
 * a repeated step makes reusable: on WebGPU, compiled pipelines (by program key), bind groups (by the
 * pooled buffers, which recur step after step), the buffers themselves and the uniform arena; on the CPU,
 * the released large arrays (kernels/cpu/arrayPool.ts) and the sparse view of a constant input. No backend
 * records a dispatch plan yet; `jitScope` is where one would. `stats` reports the work of the last call
 * (ops, dispatches, submits, readbacks) and how many calls differed from the one before in op count, the
 * sign that a plan could not be replayed.
 */
import type { Backend, BackendCounters } from './backend.js';
import { getBackend } from './backends.js';
import { SpikegradError, describeValue } from './errors.js';
import { tensorsIn, tidyCollect, type TensorContainer } from './scope.js';
import { disposeBecause, type Tensor } from './tensor.js';
import { inJitCall, numerics } from './numerics.js';

/** What a jitted function's `stats` holds: calls, the last call's backend work, retraces and memory after the call. */
export interface JitStats {
  /** Calls so far. */
  calls: number;
  /** Backend work of the last call. */
  last: BackendCounters;
  /** Calls whose op count differed from the previous call's (the first call counts as one). */
  retraces: number;
  /** Bytes held by live tensors after the last call returned (its result included). */
  bytesInUseAfter: number;
}

/** The function `transform.jit(f)` returns: call it as `f`; it also carries `stats` and the original `fn`. */
export type Jitted<A extends unknown[], R> = ((...args: A) => R) & {
  readonly stats: JitStats;
  /** The function that was jitted. */
  readonly fn: (...args: A) => R;
};

function delta(a: BackendCounters, b: BackendCounters): BackendCounters {
  return { ops: b.ops - a.ops, dispatches: b.dispatches - a.dispatches, submits: b.submits - a.submits, readbacks: b.readbacks - a.readbacks };
}

/**
 * Wraps a synchronous function that returns tensors (or arrays/records of them) for repeated calls. The
 * tensors a call creates and returns live until the next call returns (then they are freed unless
 * `keep()`-ed or held by a State): read them before calling again.
 * @example const trainStep = transform.jit(() => { ...; optimizer.update(grads); return loss; });
 *          for (let i = 0; i < 150; i++) losses.push(await trainStep().item());   // one loss tensor alive at a time
 */
export function jit<A extends unknown[], R extends TensorContainer>(f: (...args: A) => R): Jitted<A, R> {
  if (typeof f !== 'function') throw new SpikegradError(`jit: argument 'f' expected a function, got ${describeValue(f)}`);
  if (f.constructor?.name === 'AsyncFunction') {
    throw new SpikegradError("jit: argument 'f' expected a synchronous function, got an async one (await the result of the jitted call instead: `await step().item()`)");
  }
  const key = {}; // identifies this jitted function to the backend's plan cache
  const stats: JitStats = { calls: 0, last: { ops: 0, dispatches: 0, submits: 0, readbacks: 0 }, retraces: 0, bytesInUseAfter: 0 };
  /** The tensors the previous call created and returned: freed when this call returns. */
  let previous: Tensor[] = [];
  let started = 0; // calls begun, those that threw included (checkNumerics names the call)
  const call = (...args: A): R => {
    const be: Backend = getBackend();
    const before = { ...be.counters };
    const n = ++started;
    const body = numerics.on ? () => inJitCall(n, () => tidyCollect(() => f(...args))) : () => tidyCollect(() => f(...args));
    const [result, created] = be.jitScope ? be.jitScope(key, body) : body();
    const returned = previous.length ? tensorsIn(result) : null;
    for (const t of previous) {
      if (!t.kept && !returned!.has(t)) disposeBecause(t, `it was a result of call ${stats.calls} of a transform.jit function, freed when call ${stats.calls + 1} returned; keep() a result to use it longer`);
    }
    // A previous result returned again stays this call's result.
    previous = returned ? [...created, ...previous.filter((t) => returned.has(t))] : created;
    const d = delta(before, be.counters);
    if (stats.calls === 0 || d.ops !== stats.last.ops) stats.retraces++;
    stats.calls++;
    stats.last = d;
    stats.bytesInUseAfter = be.memory().bytesInUse;
    return result;
  };
  return Object.assign(call, { stats, fn: f }) as Jitted<A, R>;
}
