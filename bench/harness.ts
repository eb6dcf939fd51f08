/**
 * The benchmark harness: a case is `{ name, backend, setup, run }`. Each iteration runs `run` inside a `tidy`
 * and then waits for the device (`backend.sync()`: the queue's onSubmittedWorkDone on WebGPU, nothing on the
 * CPU, whose kernels are synchronous), so the time is the work's, not its submission's. After `warmup`
 * untimed iterations (pipeline compilation, pool warm-up; the first one's time is reported as `firstMs`),
 * at least `minIterations` and at most `iterations` are timed, stopping once `maxTimeMs` is spent; the
 * result is one JSON line with the median and p90 in ms, and per iteration the ops, dispatches, submits,
 * the peak bytes held by live tensors and (when the case gives its FLOPs or bytes moved) GFLOP/s or GB/s.
 * The process's CPU time is reported too: on a software adapter it is the work done, even when other
 * processes share the cores.
 */
import * as sg from '../index.js';
import * as internal from '../internal.js';

export interface BenchCase<S = unknown> {
  name: string;
  backend: sg.Backend;
  setup(): S | Promise<S>;
  /** One iteration's work. Tensors it creates are disposed after the iteration (it runs in a tidy). */
  run(state: S): unknown;
  teardown?(state: S): void;
  /** Floating-point operations per iteration (for GFLOP/s). */
  flops?: number;
  /** Bytes read and written per iteration (for GB/s of memory-bound kernels). */
  bytes?: number;
  /** Extra fields for the JSON line (shape, parameters). */
  info?: Record<string, unknown>;
}

export interface BenchOptions {
  warmup?: number;
  iterations?: number;
  /** Stop early once this much time was spent timing (ms), keeping at least `minIterations`. */
  maxTimeMs?: number;
  /** Timed iterations at least (default 3). */
  minIterations?: number;
}

export interface BenchResult {
  name: string;
  backend: string;
  iterations: number;
  medianMs: number;
  p90Ms: number;
  minMs: number;
  /** The first warm-up iteration (compilation included); absent without warm-up. */
  firstMs?: number;
  /** Process CPU time per iteration (all threads, the software rasteriser's included). */
  cpuMs: number;
  ops: number;
  dispatches: number;
  submits: number;
  /** High-water mark of bytes held by live tensors during the timed iterations (data and weights included). */
  peakBytes: number;
  gflops?: number;
  gbps?: number;
  [k: string]: unknown;
}

function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export async function runBench<S>(c: BenchCase<S>, opts: BenchOptions = {}): Promise<BenchResult> {
  const warmup = opts.warmup ?? 2, iterations = opts.iterations ?? 10, maxTimeMs = opts.maxTimeMs ?? 20_000;
  const minIterations = Math.min(iterations, Math.max(1, opts.minIterations ?? 3));
  const be = c.backend;
  const state = await sg.withBackend(be, () => c.setup());
  const once = async () => {
    sg.withBackend(be, () => sg.tidy(() => { c.run(state); }));
    await be.sync();
  };
  let firstMs: number | undefined;
  const times: number[] = [];
  let o0 = 0, d0 = 0, s0 = 0, cpu0 = process.cpuUsage(), cpu = cpu0, peakBytes = 0;
  try {
    for (let i = 0; i < warmup; i++) {
      const t0 = performance.now();
      await once();
      if (i === 0) firstMs = performance.now() - t0;
    }
    be.resetPeak();
    [o0, d0, s0, cpu0] = [be.counters.ops, be.counters.dispatches, be.counters.submits, process.cpuUsage()];
    const start = performance.now();
    for (let i = 0; i < iterations; i++) {
      const t0 = performance.now();
      await once();
      times.push(performance.now() - t0);
      if (times.length >= minIterations && performance.now() - start > maxTimeMs) break;
    }
    cpu = process.cpuUsage(cpu0);
    peakBytes = be.memory().peakBytesInUse;
  } finally {
    sg.withBackend(be, () => c.teardown?.(state));
  }
  const n = times.length;
  const sorted = [...times].sort((a, b) => a - b);
  const median = quantile(sorted, 0.5);
  const r: BenchResult = {
    name: c.name,
    backend: be.name,
    ...c.info,
    iterations: n,
    medianMs: round(median),
    p90Ms: round(quantile(sorted, 0.9)),
    minMs: round(sorted[0]!),
    ...(firstMs !== undefined ? { firstMs: round(firstMs) } : {}),
    cpuMs: round((cpu.user + cpu.system) / 1000 / n),
    ops: (be.counters.ops - o0) / n,
    dispatches: (be.counters.dispatches - d0) / n,
    submits: (be.counters.submits - s0) / n,
    peakBytes,
  };
  if (c.flops) r.gflops = round(c.flops / median / 1e6);
  if (c.bytes) r.gbps = round(c.bytes / median / 1e6);
  return r;
}

function round(x: number): number {
  return Number(x.toPrecision(4));
}

/** Prints a result as one JSON line (the machine-readable output of every bench script). */
export function report(r: BenchResult): void {
  console.log(JSON.stringify(r));
}

/** The WebGPU backend, or null (with a note on stderr) when this machine has no adapter. */
export async function webgpuOrNull(): Promise<sg.Backend | null> {
  try {
    return await internal.getBackendInstance('webgpu');
  } catch (e) {
    console.error(`bench: WebGPU unavailable (${e instanceof Error ? e.message : String(e)}); CPU only`);
    return null;
  }
}
