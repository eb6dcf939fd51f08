/**
 * How many threads the CPU backend's large kernels use by default (kernels/cpu/threadPool.ts), read once:
 * the environment variable SPIKEGRAD_CPU_THREADS, else every logical core Node reports (1 inside a worker
 * thread: the application parallelises there already). With 1, the arena
 * (wasmArena.ts) is plain memory, not shared, and no worker thread ever starts.
 */
import { SpikegradError } from '../../engine/errors.js';

/** The number of logical cores Node reports (1 where it cannot say). */
function coreCount(): number {
  const g = globalThis as { process?: { getBuiltinModule?: (m: string) => unknown } };
  try {
    const os = g.process?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number; cpus(): unknown[] } | undefined;
    if (os) return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  } catch { /* not Node */ }
  return 1;
}

/**
 * Whether this is Node's main thread (or not Node). In a worker thread the application already spreads its
 * work over threads (compare's runs, cli/workerPool.ts: one run per core), and a pool per worker would put
 * cores × cores threads on the cores.
 */
function onMainThread(): boolean {
  const g = globalThis as { process?: { getBuiltinModule?: (m: string) => unknown } };
  try {
    const wt = g.process?.getBuiltinModule?.('node:worker_threads') as { isMainThread?: boolean } | undefined;
    return wt?.isMainThread !== false;
  } catch {
    return true;
  }
}

/**
 * The thread count from the environment variable SPIKEGRAD_CPU_THREADS (a whole number ≥ 1), else every core
 * on the main thread and 1 in a worker thread.
 * A malformed value is an error naming the variable, not a silent default.
 */
export function defaultThreads(): number {
  const g = globalThis as { process?: { env?: Record<string, string | undefined> } };
  const text = g.process?.env?.SPIKEGRAD_CPU_THREADS;
  if (text === undefined || text === '') return onMainThread() ? coreCount() : 1;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1024) {
    throw new SpikegradError(`environment variable SPIKEGRAD_CPU_THREADS: expected a whole number of threads from 1 to 1024, got ${JSON.stringify(text)}`);
  }
  return n;
}

