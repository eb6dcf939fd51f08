/**
 * `transform.jit(f)`: a training step function that is called many times with the same structure.
 *
 * What it guarantees: the same results as `f`, bit for bit; every tensor `f` creates and does not return is
 * freed when the call ends (it runs inside a `tidy`), so memory is flat across calls; values assigned to
 * States inside `f` are kept by their States.
 *
 * Record and replay (engine/jitRecord.ts): the first call runs `f` and records the work it hands the backend
 * (kernels, in-place updates, uploads; which States it reads and writes; the structure of its result). The
 * second call records again; when both recordings do the same work, later calls with the same argument
 * shapes and dtypes REPLAY the recording without running `f`'s JavaScript, the op table's shape inference or
 * the tape: the CPU backend runs the recorded kernels on the inputs' storage directly, the WebGPU backend
 * encodes its recorded commands (kernels/webgpu/replay.ts). Values that change between calls without being
 * tensors (the Adam step count, the learning-rate schedule, random draws) are computed in `hostValue` and
 * recomputed by each replay. New argument shapes or dtypes, a State whose value changed shape, or a captured
 * tensor that was disposed make a new recording; `stats` counts hits and misses and says why each miss was.
 *
 * A step that cannot be replayed runs as a plain call every time, with a one-time console message saying
 * why: it reads a tensor's values inside `f` (its JavaScript may depend on them), it keeps a tensor it made
 * beyond the call without returning it or storing it in a State, or two recordings kept differing (control
 * flow or constants that depend on something other than the arguments' shapes). `transform.jit(f, { record:
 * false })` never records. checkNumerics mode runs every call unrecorded (it checks each op as it runs).
 *
 * Lifetime of the results: the tensors a call creates and returns are valid until the NEXT call of the same
 * jitted function returns; that call frees them, unless they were `keep()`-ed, became a State's value, or
 * were disposed already. So `for (…) losses.push(await step().item())` holds one loss tensor at a time
 * instead of one per call (which only the garbage collector reclaimed, late on the GPU), and a result passed
 * to the next call (`h = step(h)`) is still valid inside it. Read a result before the next call, or `keep()`
 * it (then dispose it yourself); using a freed result fails with a message saying why. Tensors a call
 * returns without creating them (an argument, a captured constant) are never freed by jit. A call that
 * throws frees nothing of the previous call.
 *
 * Each call also runs inside the backend's `jitScope` when the backend has one, under a key unique to this
 * jitted function.
 */
import type { Backend, BackendCounters, DataId } from './backend.js';
import { getBackend } from './backends.js';
import { SpikegradError, describeValue } from './errors.js';
import { tensorsIn, tidyCollect, type TensorContainer } from './scope.js';
import { Tensor, disposeBecause } from './tensor.js';
import { inJitCall, numerics } from './numerics.js';
import { finishReplay, firstDifference, hostValues, record, replayKernels, resolveExternals, type Recording } from './jitRecord.js';

export { hostValue } from './jitRecord.js';

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
  /** Calls that replayed a recording (f's JavaScript did not run). */
  hits: number;
  /** Calls that ran `f` (to record it, or unrecorded). */
  misses: number;
  /** Why calls missed, oldest first (the last 20): `call 3: tensor argument 0 changed from … to …`. */
  reasons: string[];
  /** How the last call ran. */
  mode: 'replayed' | 'recorded' | 'unrecorded';
  /** Why this step runs unrecorded for its current argument shapes (null: it records and replays). */
  unrecorded: string | null;
}

/** Options of `transform.jit`. */
export interface JitOptions {
  /** Record and replay the step (default true); false runs `f` on every call. */
  record?: boolean;
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

/** Two recordings that differ this many times in a row: the step is not stable enough to replay. */
const MAX_MISMATCHES = 3;
/** Recordings kept per jitted function (one per signature: argument shapes, dtypes, backend). */
const MAX_PLANS = 8;
const MAX_REASONS = 20;

/** What one signature of a jitted function has learnt. */
interface Plan {
  /** A recording waiting for a second, identical one. */
  candidate: Recording | null;
  /** Two consecutive recordings agreed: replayed from now on. */
  verified: Recording | null;
  mismatches: number;
  /** Why this signature runs unrecorded (null: it records). */
  unrecorded: string | null;
}

const backendIds = new WeakMap<object, number>();
const objectIds = new WeakMap<object, number>();
let nextId = 1;
function idOf(map: WeakMap<object, number>, o: object): number {
  let id = map.get(o);
  if (id === undefined) map.set(o, (id = nextId++));
  return id;
}

/**
 * The call's signature (backend, each argument's shape and dtype or value) and its tensor arguments in a
 * fixed order (arrays and plain records are walked, as `tidy` walks results).
 */
function signature(be: Backend, args: readonly unknown[]): { key: string; tensors: Tensor[] } {
  const tensors: Tensor[] = [];
  let key = `${be.name}#${idOf(backendIds, be)}`;
  const walk = (v: unknown, depth: number): void => {
    if (v instanceof Tensor) {
      tensors.push(v);
      key += `|T${v.dtype}[${v.shape.join(',')}]`;
    } else if (depth < 8 && Array.isArray(v)) {
      key += '|[';
      for (const x of v) walk(x, depth + 1);
      key += ']';
    } else if (depth < 8 && v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      key += '|{';
      for (const [k, x] of Object.entries(v)) {
        key += `${JSON.stringify(k)}:`;
        walk(x, depth + 1);
      }
      key += '}';
    } else if (v !== null && (typeof v === 'object' || typeof v === 'function')) key += `|obj#${idOf(objectIds, v)}`;
    else key += `|${typeof v === 'string' ? JSON.stringify(v) : String(v)}`;
  };
  for (const a of args) walk(a, 0);
  return { key, tensors };
}

/**
 * Wraps a synchronous function that returns tensors (or arrays/records of them) for repeated calls: records
 * its work and replays it on later calls with the same argument shapes (see above). The tensors a call
 * creates and returns live until the next call returns (then they are freed unless `keep()`-ed or held by
 * a State): read them before calling again.
 * @example const trainStep = transform.jit(() => { ...; optimizer.update(grads); return loss; });
 *          for (let i = 0; i < 150; i++) losses.push(await trainStep().item());   // one loss tensor alive at a time
 */
export function jit<A extends unknown[], R extends TensorContainer>(f: (...args: A) => R, opts: JitOptions = {}): Jitted<A, R> {
  if (typeof f !== 'function') throw new SpikegradError(`jit: argument 'f' expected a function, got ${describeValue(f)}`);
  if (f.constructor?.name === 'AsyncFunction') {
    throw new SpikegradError("jit: argument 'f' expected a synchronous function, got an async one (await the result of the jitted call instead: `await step().item()`)");
  }
  if (opts === null || typeof opts !== 'object') throw new SpikegradError(`jit: argument 'opts' expected an options object such as { record: false }, got ${describeValue(opts)}`);
  if (opts.record !== undefined && typeof opts.record !== 'boolean') throw new SpikegradError(`jit: option 'record' expected true or false, got ${describeValue(opts.record)}`);
  const recording = opts.record ?? true;
  const key = {}; // identifies this jitted function to the backend
  const stats: JitStats = {
    calls: 0, last: { ops: 0, dispatches: 0, submits: 0, readbacks: 0 }, retraces: 0, bytesInUseAfter: 0,
    hits: 0, misses: 0, reasons: [], mode: 'unrecorded', unrecorded: recording ? null : 'transform.jit(f, { record: false })',
  };
  const plans = new Map<string, Plan>();
  let warned = false;
  const miss = (n: number, why: string) => {
    stats.reasons.push(`call ${n}: ${why}`);
    if (stats.reasons.length > MAX_REASONS) stats.reasons.shift();
  };
  const giveUp = (plan: Plan, why: string) => {
    plan.unrecorded = why;
    plan.candidate = plan.verified = null;
    if (!warned) {
      warned = true;
      console.warn(`spikegrad: transform.jit(${f.name || 'f'}) runs unrecorded (f runs on every call, nothing is replayed): ${why}`);
    }
  };
  /** The tensors the previous call created and returned: freed when this call returns. */
  let previous: Tensor[] = [];
  let started = 0; // calls begun, those that threw included (checkNumerics names the call)

  /** Runs f as a plain call, or records it; returns what tidyCollect returns. */
  const runF = (n: number, be: Backend, args: A, plan: Plan | null, argTensors: Tensor[]): [R, Tensor[]] => {
    const plain = () => tidyCollect(() => f(...args));
    if (!plan || plan.unrecorded) {
      stats.mode = 'unrecorded';
      return numerics.on ? inJitCall(n, plain) : plain();
    }
    const r = record(be, argTensors, plain);
    const rec = r.finish(r.value[0]);
    stats.mode = 'recorded';
    if (rec.unrecordable) giveUp(plan, rec.unrecordable);
    else if (rec.unusable) {
      // Often a first call's lazy set-up (a cache filled once): the next recording may be replayable.
      miss(n, rec.unusable);
      plan.candidate = null;
      if (++plan.mismatches >= MAX_MISMATCHES) giveUp(plan, `${rec.unusable}, on ${MAX_MISMATCHES} calls in a row`);
    } else if (!plan.candidate) {
      plan.candidate = rec;
    } else {
      const diff = firstDifference(plan.candidate, rec);
      if (diff === null) {
        plan.verified = rec;
        plan.candidate = null;
        plan.mismatches = 0;
      } else {
        miss(n, `the step did different work than on the call before: ${diff}`);
        plan.candidate = rec;
        if (++plan.mismatches >= MAX_MISMATCHES) giveUp(plan, `its work differed between consecutive calls ${MAX_MISMATCHES} times (control flow or constants in f that depend on more than the arguments' shapes): ${diff}`);
      }
    }
    return r.value;
  };

  /** Replays `rec`; returns what tidyCollect returns, or a reason it cannot. */
  const replay = (be: Backend, rec: Recording, argTensors: Tensor[]): [R, Tensor[]] | string => {
    const res = resolveExternals(rec, be, argTensors);
    if ('miss' in res) return res.miss;
    const hosts = hostValues(rec);
    const store: DataId[] = be.replayRecording ? be.replayRecording(key, rec, res.infos, hosts) : replayKernels(rec, be, res.infos, hosts);
    be.counters.ops += rec.ops;
    stats.mode = 'replayed';
    return tidyCollect(() => finishReplay(rec, be, store, res.infos, res.tensors) as R);
  };

  const call = (...args: A): R => {
    const be: Backend = getBackend();
    const before = { ...be.counters };
    const n = ++started;
    const body = (): [R, Tensor[]] => {
      if (!recording || numerics.on) {
        stats.misses++;
        return runF(n, be, args, null, []);
      }
      const sig = signature(be, args);
      let plan = plans.get(sig.key);
      if (!plan) {
        if (plans.size >= MAX_PLANS) {
          const oldest = plans.keys().next().value!;
          const dropped = plans.get(oldest)!.verified;
          if (dropped) be.forgetRecording?.(key, dropped);
          plans.delete(oldest);
        }
        plan = { candidate: null, verified: null, mismatches: 0, unrecorded: null };
        plans.set(sig.key, plan);
        miss(n, plans.size === 1 && stats.calls === 0 ? 'first call' : 'new argument shapes, dtypes or backend');
      }
      stats.unrecorded = plan.unrecorded;
      if (plan.verified) {
        const out = replay(be, plan.verified, sig.tensors);
        if (typeof out !== 'string') {
          stats.hits++;
          return out;
        }
        miss(n, out);
        be.forgetRecording?.(key, plan.verified);
        plan.verified = null;
      }
      stats.misses++;
      const out = runF(n, be, args, plan, sig.tensors);
      stats.unrecorded = plan.unrecorded;
      return out;
    };
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
