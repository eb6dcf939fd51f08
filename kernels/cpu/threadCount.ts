/**
 * How many threads the CPU backend's large kernels use by default (kernels/cpu/threadPool.ts), read once:
 * the environment variable SPIKEGRAD_CPU_THREADS, else every logical core Node reports. With 1, the arena
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
 * The thread count from the environment variable SPIKEGRAD_CPU_THREADS (a whole number ≥ 1), else every core.
 * A malformed value is an error naming the variable, not a silent default.
 */
export function defaultThreads(): number {
  const g = globalThis as { process?: { env?: Record<string, string | undefined> } };
  const text = g.process?.env?.SPIKEGRAD_CPU_THREADS;
  if (text === undefined || text === '') return coreCount();
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1024) {
    throw new SpikegradError(`environment variable SPIKEGRAD_CPU_THREADS: expected a whole number of threads from 1 to 1024, got ${JSON.stringify(text)}`);
  }
  return n;
}

