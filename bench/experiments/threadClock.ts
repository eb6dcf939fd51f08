/**
 * The calling thread's CPU time in ms (clock_gettime(CLOCK_THREAD_CPUTIME_ID)) for the jit benchmarks, from
 * the small addon bench/experiments/threadCpu.c built into out/threadCpu.node (`node bench/experiments/jitAB.mjs --build-addon`);
 * null when it is not built. Node 20 has no such clock: process.cpuUsage() counts every thread of the
 * process (lavapipe's device threads, the CPU backend's workers), and wall time on a loaded machine counts
 * the time the thread waited for a core.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

export function threadClock(): (() => number) | null {
  const path = `${process.cwd()}/out/threadCpu.node`; // run from the checkout's root
  if (!existsSync(path)) return null;
  return (createRequire(import.meta.url)(path) as { threadCpuMs: () => number }).threadCpuMs;
}
