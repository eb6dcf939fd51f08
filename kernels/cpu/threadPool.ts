/**
 * Worker threads that run the CPU backend's WebAssembly kernels on the same shared memory (the arena,
 * wasmArena.ts), so that a large product uses every core. Node only (worker_threads); in a browser, and
 * wherever the arena cannot be shared, everything runs on the calling thread, with the same results.
 *
 * A job is one kernel called over a range of tasks (e.g. a product's row strips): the calling thread and the
 * workers claim chunks of the range from a shared counter (Atomics, no message per job), so a thread that the
 * OS deschedules on a busy machine simply takes fewer chunks. Kernels write disjoint parts of the output per
 * task, so the result does not depend on which thread ran which chunk nor on the thread count.
 *
 * The kernel's compiled module is sent to each worker once (a message the worker reads synchronously when a
 * job names a kernel it does not have yet). Workers are unref'd (they never keep the process alive) and
 * `shutdownPool()` ends them; the next parallel job starts a new pool.
 *
 * Sequence kernels (the neuron and synapse loops over [T, B·n]) parallelise the same way: write the WebAssembly
 * kernel with (thread, lo, hi) as its last parameters, lo/hi counting groups of 4 columns (one f32x4), each
 * column group swept over all T (columns are independent, so the bits do not depend on the split), work rows
 * at `scratch + thread · stride` from one arena block of `threads · stride` bytes, and call
 * `parallelFor(key, run, args, Math.ceil(N / 4), threads)` with `threads` from `poolThreads()` when the sweep is
 * large (all operands must live in the arena: workers see nothing else).
 *
 * Protocol on the control words (an Int32Array on a SharedArrayBuffer):
 * - GEN is a sequence lock: odd while the calling thread writes a job, even once it is complete. A worker
 *   reads the job, enters (ACTIVE + 1) and re-reads GEN: if it changed, it leaves and reads again.
 * - NEXT is the next ticket; this job's tickets are [BASE, BASE + chunks), claimed by compare-and-swap only
 *   while below the claimer's end, so a worker late for a finished job takes nothing from the next one (with
 *   a reset counter it could, and run the new job's chunk with the old job's arguments: seen in tests as
 *   rows never computed). DONE counts finished chunks.
 * - The caller returns once DONE covers every chunk and ACTIVE is 0 (no worker still inside the job), so the
 *   next job may rewrite the words.
 */
import { defaultThreads } from './threadCount.js';
import { arenaMemory, arenaShared, nodeWorkerThreads } from './wasmArena.js';
import { wasmModule } from './wasmKernels.js';

const GEN = 0, NEXT = 1, TASKS = 2, DONE = 3, ACTIVE = 4, KERNEL = 5, NARGS = 6, ERROR = 7, STOP = 8, CHUNK = 9, THREADS = 10, BY_WORKERS = 11, BASE = 12, ARGS = 16;
const MAX_ARGS = 32;

/**
 * How many threads large kernels use, the calling thread included (default: SPIKEGRAD_CPU_THREADS, else every
 * core, `os.availableParallelism()`); 1 runs everything on the calling thread. Set it before a run, or in
 * tests to compare thread counts (results are identical for every count).
 */
export const threadPool = { threads: defaultThreads() };

/**
 * The worker's program: wait for a job, claim chunks, run them, report; forever (until STOP). It reaches
 * worker_threads through process.getBuiltinModule (Node >= 20.16) rather than a require() of a node: module,
 * which a bundler scanning the browser build would take for an import.
 */
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = process.getBuiltinModule('node:worker_threads');
const { memory, control, port, index } = workerData;
const c = new Int32Array(control);
const kernels = [];
let seen = 0;
for (;;) {
  Atomics.wait(c, ${GEN}, seen);
  const g = Atomics.load(c, ${GEN});
  if (Atomics.load(c, ${STOP})) break;
  // Odd: a job is being written. A job for fewer threads than the pool has leaves the later workers out
  // (their thread index has no scratch in it).
  if ((g & 1) || index >= Atomics.load(c, ${THREADS})) { seen = g; continue; }
  // Every field of the job, BASE included, is read before the check below: a worker that passes it for a job
  // the caller has just finished (it entered after the caller saw ACTIVE = 0) may see the next job being
  // written, and with that job's BASE and this job's arguments it would run the next job's tickets wrongly
  // (seen in tests as an output group never computed). With this job's BASE its tickets are all taken.
  const id = Atomics.load(c, ${KERNEL}), tasks = Atomics.load(c, ${TASKS}), chunk = Atomics.load(c, ${CHUNK}), nargs = Atomics.load(c, ${NARGS});
  const base = Atomics.load(c, ${BASE});
  const args = [];
  for (let i = 0; i < nargs; i++) args.push(Atomics.load(c, ${ARGS} + i));
  Atomics.add(c, ${ACTIVE}, 1);
  if (Atomics.load(c, ${GEN}) !== g) {
    if (Atomics.sub(c, ${ACTIVE}, 1) === 1) Atomics.notify(c, ${ACTIVE});
    continue;
  }
  seen = g;
  try {
    while (kernels[id] === undefined) {
      const m = receiveMessageOnPort(port);
      if (!m) throw new Error('kernel ' + id + ' never arrived');
      kernels[m.message.id] = new WebAssembly.Instance(m.message.module, { env: { memory } }).exports.run;
    }
  } catch (e) {
    Atomics.store(c, ${ERROR}, 1);
  }
  const run = kernels[id];
  const chunks = Math.ceil(tasks / chunk), end = base + chunks;
  for (;;) {
    // Claim the next ticket only while it belongs to this job (a worker late for a finished job sees
    // NEXT ≥ its end and takes nothing from the next job).
    const v = Atomics.load(c, ${NEXT});
    if (v >= end) break;
    if (Atomics.compareExchange(c, ${NEXT}, v, v + 1) !== v) continue;
    const k = v - base;
    try {
      if (run) run(...args, index, k * chunk, Math.min(tasks, (k + 1) * chunk));
      Atomics.add(c, ${BY_WORKERS}, 1);
    } catch (e) {
      Atomics.store(c, ${ERROR}, 1);
    }
    if (Atomics.add(c, ${DONE}, 1) === chunks - 1) Atomics.notify(c, ${DONE});
  }
  if (Atomics.sub(c, ${ACTIVE}, 1) === 1) Atomics.notify(c, ${ACTIVE});
}
`;

interface Pool {
  workers: import('node:worker_threads').Worker[];
  ports: import('node:worker_threads').MessagePort[];
  control: Int32Array;
  /** Kernel key → the id the workers know it by (its module was sent to every worker). */
  ids: Map<string, number>;
}

let pool: Pool | null = null;

/** Jobs run on the pool, and chunks of them that workers (not the calling thread) ran: tests check the split happens. */
export const poolCounters = { jobs: 0, workerChunks: 0 };

/** A pool of `n` workers (threads besides the caller), or null where none can run. */
function startPool(n: number): Pool | null {
  const wt = nodeWorkerThreads();
  const memory = arenaMemory();
  if (!wt || !memory || !arenaShared() || n < 1) return null;
  const control = new Int32Array(new SharedArrayBuffer(4 * (ARGS + MAX_ARGS)));
  const workers: Pool['workers'] = [], ports: Pool['ports'] = [];
  try {
    for (let i = 0; i < n; i++) {
      const { port1, port2 } = new wt.MessageChannel();
      const w = new wt.Worker(WORKER_SOURCE, { eval: true, workerData: { memory, control: control.buffer, port: port2, index: i + 1 }, transferList: [port2] });
      w.unref();
      port1.unref();
      workers.push(w);
      ports.push(port1);
    }
  } catch {
    for (const w of workers) void w.terminate();
    return null;
  }
  return { workers, ports, control, ids: new Map() };
}

/** Threads a kernel may use now: `threadPool.threads` where workers can run, else 1. */
export function poolThreads(): number {
  const want = Math.max(1, Math.floor(threadPool.threads));
  if (want === 1 || !arenaShared() || !nodeWorkerThreads()) return 1;
  return want;
}

/**
 * Calls `run(...args, thread, lo, hi)` over the tasks [0, tasks) in chunks, on `threads` threads (the caller
 * is thread 0, workers 1 …; a kernel uses `thread` to find its own scratch). With one thread, or where no
 * pool can run, it is one call `run(...args, 0, 0, tasks)` on the calling thread. `key` names the
 * WebAssembly kernel (wasmKernels.ts) whose module the workers instantiate.
 */
export function parallelFor(key: string, run: (...a: number[]) => void, args: readonly number[], tasks: number, threads: number): void {
  if (tasks <= 0) return;
  if (threads > 1 && tasks > 1 && args.length <= MAX_ARGS) {
    if (pool && pool.workers.length < threads - 1) shutdownPool();
    pool ??= startPool(threads - 1);
    const module = wasmModule(key);
    if (pool && module) {
      runJob(pool, key, module, run, args, tasks, threads);
      return;
    }
  }
  run(...args, 0, 0, tasks);
}

function runJob(p: Pool, key: string, module: WebAssembly.Module, run: (...a: number[]) => void, args: readonly number[], tasks: number, threads: number): void {
  let id = p.ids.get(key);
  if (id === undefined) {
    id = p.ids.size;
    p.ids.set(key, id);
    for (const port of p.ports) port.postMessage({ id, module });
  }
  const c = p.control;
  // Several chunks per thread, so a descheduled thread delays the job by a fraction of it.
  const chunk = Math.max(1, Math.ceil(tasks / (4 * threads)));
  const chunks = Math.ceil(tasks / chunk);
  const gen = Atomics.load(c, GEN);
  Atomics.store(c, GEN, gen + 1); // odd: writing
  Atomics.store(c, KERNEL, id);
  Atomics.store(c, TASKS, tasks);
  Atomics.store(c, CHUNK, chunk);
  Atomics.store(c, THREADS, threads);
  Atomics.store(c, NARGS, args.length);
  args.forEach((v, i) => Atomics.store(c, ARGS + i, v));
  // Tickets are never reset: this job's are [base, base + chunks), after every earlier job's (a worker late
  // for an earlier job could otherwise take a ticket of this one and run it with the old job's arguments).
  // An int32 holds 2³¹ of them: at most 4 per thread per job, hundreds of millions of jobs.
  const base = Atomics.load(c, NEXT);
  Atomics.store(c, BASE, base);
  Atomics.store(c, DONE, 0);
  Atomics.store(c, ERROR, 0);
  Atomics.store(c, BY_WORKERS, 0);
  Atomics.store(c, GEN, gen + 2); // even: ready
  // Wake only as many workers as the job wants (the others sleep on through this generation).
  Atomics.notify(c, GEN, threads - 1);
  let failure: unknown;
  for (;;) {
    const v = Atomics.load(c, NEXT);
    if (v >= base + chunks) break;
    if (Atomics.compareExchange(c, NEXT, v, v + 1) !== v) continue;
    const k = v - base;
    try {
      run(...args, 0, k * chunk, Math.min(tasks, (k + 1) * chunk));
    } catch (e) {
      failure ??= e;
    }
    Atomics.add(c, DONE, 1);
  }
  for (let d = Atomics.load(c, DONE); d < chunks; d = Atomics.load(c, DONE)) Atomics.wait(c, DONE, d);
  for (let a = Atomics.load(c, ACTIVE); a !== 0; a = Atomics.load(c, ACTIVE)) Atomics.wait(c, ACTIVE, a);
  poolCounters.jobs++;
  poolCounters.workerChunks += Atomics.load(c, BY_WORKERS);
  if (failure) throw failure;
  if (Atomics.load(c, ERROR)) throw new Error(`spikegrad internal error: the kernel '${key}' failed on a worker thread`);
}

/** Ends the worker threads (the next parallel job starts new ones). */
export function shutdownPool(): void {
  if (!pool) return;
  const p = pool;
  pool = null;
  Atomics.store(p.control, STOP, 1);
  Atomics.add(p.control, GEN, 2);
  Atomics.notify(p.control, GEN);
  for (const port of p.ports) port.close();
  for (const w of p.workers) void w.terminate();
}
