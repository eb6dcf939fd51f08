/**
 * Which backend new tensors go to. One instance of each backend per process (one WebGPU device per
 * process: Dawn and lavapipe misbehave with several), created on first use and freed by `shutdown()`.
 */
import type { Backend, BackendName } from './backend.js';
import { SpikegradError, describeValue } from './errors.js';
import { tidy } from './scope.js';
import type { Tensor } from './tensor.js';

export interface AdapterReport {
  /** True for a real GPU; false for software rasterisers (lavapipe, SwiftShader, WARP). */
  hardware: boolean;
  description: string;
}

export interface BackendFactory {
  create(): Promise<Backend>;
  /** Says whether the backend can run here and on what; null when it cannot (with the reason). */
  probe?(): Promise<AdapterReport | { unavailable: string }>;
}

const factories = new Map<BackendName, BackendFactory>();
const instances = new Map<BackendName, Backend>();
const pending = new Map<BackendName, Promise<Backend>>();
let current: Backend | null = null;
let createCpuSync: (() => Backend) | null = null;
let autoMessageShown = false;

/** What `setBackend` takes: a backend, or 'auto' (WebGPU on a hardware adapter, else the CPU, and it says why). */
export type BackendChoice = BackendName | 'auto';

/** Registered by the package entry point (index.ts) for each backend it ships. */
export function registerBackend(name: BackendName, factory: BackendFactory, createSync?: () => Backend): void {
  factories.set(name, factory);
  if (name === 'cpu' && createSync) createCpuSync = createSync;
}

export async function getBackendInstance(name: BackendName): Promise<Backend> {
  const have = instances.get(name);
  if (have) return have;
  const inFlight = pending.get(name);
  if (inFlight) return inFlight;
  const f = factories.get(name);
  if (!f) throw new SpikegradError(`setBackend: argument 'name' expected one of ${[...factories.keys()].map((k) => `'${k}'`).join(', ')} or 'auto', got '${name}'`);
  const p = f.create().then((b) => {
    instances.set(name, b);
    pending.delete(name);
    return b;
  }, (e) => {
    pending.delete(name);
    throw e;
  });
  pending.set(name, p);
  return p;
}

/** What `setBackend('auto')` chose and why (the line it prints). */
export interface AutoDecision {
  backend: BackendName;
  reason: string;
  /** The WebGPU adapter found is a software one (lavapipe, SwiftShader): the case a benchmark can settle. */
  softwareAdapter?: boolean;
}

/**
 * 'auto': a hardware WebGPU adapter wins; on a software adapter (lavapipe, SwiftShader) or none, the CPU
 * backend: bench/RESULTS.md measures it several times faster than lavapipe on the tutorial's network (seed),
 * while lavapipe wins on wide dense layers (dense, wide), which a user selects with setBackend('webgpu').
 */
export async function decideAuto(): Promise<AutoDecision> {
  const gpu = factories.get('webgpu');
  if (!gpu?.probe) return { backend: 'cpu', reason: 'no WebGPU backend is registered' };
  const r = await gpu.probe();
  if ('unavailable' in r) return { backend: 'cpu', reason: `WebGPU is unavailable here: ${r.unavailable}` };
  if (r.hardware) return { backend: 'webgpu', reason: `hardware adapter: ${r.description}` };
  return {
    backend: 'cpu',
    softwareAdapter: true,
    reason: `only a software adapter (${r.description}); the CPU backend trains small networks such as the tutorial's several times faster there (for wide dense layers the adapter is faster: pass setBackend('auto', { benchmark }) to measure your work, or choose 'webgpu'; bench/RESULTS.md)`,
  };
}

/**
 * A representative piece of the work (typically one training step that builds its own network and data and
 * returns the loss), run synchronously inside a `tidy` on the backend being timed; its result is read back so
 * the time includes the device's work.
 */
export type BackendBenchmark = () => Tensor;

/** Options of `setBackend`: whether 'auto' prints its decision, and a benchmark for it to time. */
export interface SetBackendOptions {
  /** Print the 'auto' decision (once per process). Default true. */
  verbose?: boolean;
  /**
   * 'auto' on a software WebGPU adapter only: time this work on the CPU backend and on the adapter (a warm-up
   * call each, then the best of `benchmarkRuns`) and keep the faster. Ignored with a hardware adapter (the
   * GPU wins) or none (the CPU is all there is).
   */
  benchmark?: BackendBenchmark;
  /** Timed calls per backend after the warm-up. Default 2. */
  benchmarkRuns?: number;
}

/** Best wall time in ms of `work` on `backend` over `runs` calls after one warm-up (pipelines, caches). */
async function timeWork(backend: Backend, work: BackendBenchmark, runs: number): Promise<number> {
  let best = Infinity;
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    const out = withBackend(backend, () => tidy(() => {
      const y = work();
      if (!y || typeof (y as Tensor).data !== 'function') {
        throw new SpikegradError(`setBackend: option 'benchmark' expected a function returning a Tensor, got ${describeValue(y)}`);
      }
      return y;
    }));
    await out.data();
    out.dispose();
    if (i > 0) best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** The faster of two measured backends, with the numbers as the reason (pure: tested on made-up times). */
export function pickMeasured(cpuMs: number, webgpuMs: number, adapter: string): AutoDecision {
  const fmt = (ms: number) => `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms`;
  const [backend, ratio] = webgpuMs < cpuMs ? ['webgpu', cpuMs / webgpuMs] as const : ['cpu', webgpuMs / cpuMs] as const;
  return {
    backend,
    softwareAdapter: true,
    reason: `measured on your benchmark: cpu ${fmt(cpuMs)}, webgpu ${fmt(webgpuMs)} per call (${adapter}); ${backend} is ${ratio.toFixed(2)}× faster`,
  };
}

/** Selects the backend for new tensors: 'cpu', 'webgpu', or 'auto' (see decideAuto). */
export async function setBackend(name: BackendChoice, opts: SetBackendOptions = {}): Promise<Backend> {
  if (name !== 'auto' && name !== 'cpu' && name !== 'webgpu') {
    throw new SpikegradError(`setBackend: argument 'name' expected 'auto', 'cpu' or 'webgpu', got ${JSON.stringify(name)}`);
  }
  if (opts.benchmark !== undefined && typeof opts.benchmark !== 'function') {
    throw new SpikegradError(`setBackend: option 'benchmark' expected a function returning a Tensor, got ${describeValue(opts.benchmark)}`);
  }
  const runs = opts.benchmarkRuns ?? 2;
  if (!Number.isInteger(runs) || runs < 1) {
    throw new SpikegradError(`setBackend: option 'benchmarkRuns' expected a positive integer, got ${describeValue(runs)}`);
  }
  let chosen: BackendName = name === 'auto' ? 'cpu' : name;
  if (name === 'auto') {
    let d = await decideAuto();
    if (d.softwareAdapter && opts.benchmark) {
      const [cpu, gpu] = [await getBackendInstance('cpu'), await getBackendInstance('webgpu')];
      d = pickMeasured(await timeWork(cpu, opts.benchmark, runs), await timeWork(gpu, opts.benchmark, runs), gpu.description);
    }
    chosen = d.backend;
    if ((opts.verbose ?? true) && (!autoMessageShown || opts.benchmark)) {
      autoMessageShown = true;
      console.error(`spikegrad: backend 'auto' chose '${d.backend}': ${d.reason}`);
    }
  }
  current = await getBackendInstance(chosen);
  return current;
}

/** The backend new tensors go to; the CPU backend unless `setBackend` chose another. */
export function getBackend(): Backend {
  if (current) return current;
  const cpu = instances.get('cpu');
  if (cpu) return (current = cpu);
  if (!createCpuSync) throw new SpikegradError('getBackend: no CPU backend is registered (import spikegrad from its entry point)');
  const b = createCpuSync();
  instances.set('cpu', b);
  return (current = b);
}

/** Runs `fn` with `backend` as the default for new tensors, then restores the previous default. */
export function withBackend<T>(backend: Backend, fn: () => T): T {
  const prev = current;
  current = backend;
  try {
    return fn();
  } finally {
    current = prev;
  }
}

/**
 * Drains every queue and destroys every device, so the process can exit on its own (some versions of
 * Dawn's Node binding spin or hang while a device lives). Tensors are unusable afterwards.
 */
export async function shutdown(): Promise<void> {
  const all = [...instances.values()];
  instances.clear();
  current = null;
  for (const b of all) await b.shutdown();
}
