/**
 * Waiting on the device without spinning a CPU core, for software adapters.
 *
 * Dawn's Node binding delivers the result of every promise it returns (onSubmittedWorkDone, mapAsync, ...) by
 * polling: while any is pending it re-queues a tick with `globalThis.setImmediate`, looked up afresh each time
 * (dawn/node/binding/AsyncRunner.cpp, crbug.com/dawn/1127), so the main thread spins for as long as the device
 * works. On a software adapter the device's work runs on the CPU's other threads (lavapipe: one per core), and
 * the spinning thread takes a core from them: a 1024³ matmul on 2 cores ran at 11 GFLOP/s while the process
 * waited this way and at 37 GFLOP/s with the ticks spaced 1 ms apart (bench/RESULTS.md).
 *
 * `quietly(wait)` therefore turns the ticks into 1 ms timers for the duration of the wait, after a short
 * stretch of ordinary ticks so that waits on little work are not slowed. Only callbacks that look like Dawn's
 * (native functions taking no argument) are delayed; JavaScript callbacks pass straight through, and the
 * original setImmediate is back once the last concurrent wait ends.
 */

/** Ordinary (spinning) ticks for this long after a wait begins: short waits keep their latency. */
const SPIN_MS = 0.5;
/** Then one tick per this many milliseconds. */
const TICK_MS = 1;

type SetImmediate = typeof globalThis.setImmediate;

let active = 0;
let original: SetImmediate | null = null;
let since = 0;

const nativeSource = /\{\s*\[native code\]\s*\}\s*$/;

/** Dawn's tick is a native (N-API) function of no arguments; Promise resolvers take one. */
function isDawnTick(fn: unknown): boolean {
  return typeof fn === 'function' && fn.length === 0 && nativeSource.test(Function.prototype.toString.call(fn));
}

function install(): void {
  original = globalThis.setImmediate;
  since = performance.now();
  const real = original;
  const throttled = ((fn: (...a: unknown[]) => void, ...args: unknown[]) =>
    isDawnTick(fn) && performance.now() - since >= SPIN_MS ? setTimeout(fn, TICK_MS, ...args) : real(fn, ...args)) as unknown as SetImmediate;
  globalThis.setImmediate = throttled;
}

function uninstall(): void {
  if (original) globalThis.setImmediate = original;
  original = null;
}

/** Runs `wait` (a Dawn promise-returning call) with Dawn's polling throttled; nested and concurrent calls share it. */
export async function quietly<T>(wait: () => Promise<T>): Promise<T> {
  if (typeof globalThis.setImmediate !== 'function') return wait(); // browsers: no Node polling to tame
  if (active++ === 0) install();
  else since = performance.now(); // a new wait gets its own short spin
  try {
    return await wait();
  } finally {
    if (--active === 0) uninstall();
  }
}
