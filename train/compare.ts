/**
 * `compareSurrogates`: the project's main job as a library call. Trains the same network once per surrogate
 * (and per seed), with the same seed giving every surrogate the same initial weights and the same data, and
 * returns the loss curves with their summaries. `spikegrad compare` is a thin CLI over it.
 *
 * A run whose loss becomes NaN or ±Infinity stops there (with a message naming the surrogate and the epoch);
 * the other runs go on.
 */
import { SpikegradError, describeValue } from '../engine/errors.js';
import * as environ from '../engine/environ.js';
import { getBackend } from '../engine/backends.js';
import * as random from '../engine/random.js';
import type { Tensor } from '../engine/tensor.js';
import { save, type Target } from '../io/weights.js';
import { meanBand, summarizeCurve, type Band, type CurveSummary } from './summary.js';

export type CompareMode = 'sequence' | 'step';

/** The experiment; the defaults are the tutorial's (TARGET_USAGE.md). */
export interface CompareConfig {
  epochs: number;
  /** Runs per surrogate; run k uses seed `seed + k`. */
  seeds: number;
  seed: number;
  nIn: number;
  nRec: number;
  nOut: number;
  /** Time steps per sample (T). */
  steps: number;
  batch: number;
  /** Input firing rate in Hz (spike probability rate·dt per step). */
  rateHz: number;
  /** Time step in ms. */
  dt: number;
  lr: number;
  /** 'sequence': each layer over the whole sequence at once (`net.run`); 'step': `forLoop(net.update)`. */
  mode: CompareMode;
}

export const TUTORIAL_CONFIG: Readonly<CompareConfig> = Object.freeze({
  epochs: 150, seeds: 1, seed: 2024, nIn: 100, nRec: 4, nOut: 2, steps: 200, batch: 256, rateHz: 5, dt: 1, lr: 3e-3, mode: 'sequence',
});

/** One training setup: `step()` runs one epoch (a full-batch train step) and returns its loss. */
export interface Trainer {
  step(): Tensor;
  /** Training accuracy of the current weights on the training batch (float32 scalar). */
  accuracy(): Tensor;
  dispose(): void;
  /** The network being trained: what a run with `saveTo` saves (io.save) when it finishes. */
  net?: Target;
  /**
   * The hidden layer for the first training sample in one forward pass of the current weights: its spikes
   * and membranes, each [T, 1, nHidden] (for `raster` runs, and the playground's plots).
   */
  hidden?(): Promise<{ spikes: RasterTrace; membrane: RasterTrace }>;
}

/** A recorded spike trace in plain arrays (it crosses worker threads): data [T, samples, neurons]. */
export interface RasterTrace {
  data: number[];
  shape: [number, number, number];
}

/** Builds the network and data for one run; called right after `random.seed(seed)`. */
export type TrainerFactory = (spkFun: unknown, config: CompareConfig) => Trainer;

export interface SurrogateEntry {
  /** Name in the table and the legend ("Sigmoid", or "Sigmoid(alpha=8)" for non-default parameters). */
  label: string;
  /** The surrogate instance handed to the network as its spike function. */
  surrogate: unknown;
  /** Class name and parameters, from which another thread can rebuild the surrogate (surrogateSpec.ts). */
  spec?: { name: string; params: Record<string, number> };
}

/** One training run: a surrogate and a seed index. */
export interface RunTask {
  entry: SurrogateEntry;
  /** Seed index: the run uses seed `config.seed + k`. */
  k: number;
  /** A file to save the trained network to (Node), when the run finishes without a NaN stop. */
  saveTo?: string;
  /** Record the hidden layer's raster before and after training. */
  raster?: boolean;
}

/**
 * Runs the tasks and returns their results in task order. The default runs them one after another in this
 * thread; the CLI can spread them over worker threads (cli/workerPool.ts).
 */
export type RunExecutor = (tasks: readonly RunTask[], config: CompareConfig, hooks: CompareHooks) => Promise<RunResult[]>;

export interface RunResult {
  seed: number;
  losses: number[];
  /** Final training accuracy; null when the run stopped early. */
  accuracy: number | null;
  wallMs: number;
  /** Set when the loss became NaN or infinite. */
  stopped: { epoch: number; loss: number; message: string } | null;
  /** The file the trained network was saved to (runs given `saveTo` that finished). */
  savedTo?: string;
  /** The hidden layer's spikes (first sample) before training and after it (runs asked for a raster). */
  raster?: { before: RasterTrace; after: RasterTrace | null };
}

export interface SurrogateResult extends CurveSummary {
  label: string;
  /** The surrogate's own description (its `toString()`, e.g. "Sigmoid(alpha=4)"). */
  description: string;
  runs: RunResult[];
  /** Mean curve and min–max band over the runs. */
  curve: Band;
  /** Mean final training accuracy over the runs that finished (null if none did). */
  accuracy: number | null;
  /** Wall time of all this surrogate's runs. */
  wallMs: number;
}

export interface CompareResult {
  config: CompareConfig;
  backend: string;
  surrogates: SurrogateResult[];
  wallMs: number;
}

export interface CompareHooks {
  /** A run is about to start (its surrogate, seed index, and the number of epochs). */
  onRunStart?(label: string, seedIndex: number, epochs: number): void;
  /** After every epoch, with that epoch's loss. */
  onEpoch?(label: string, seedIndex: number, epoch: number, loss: number): void;
  /** A run stopped early on a NaN or infinite loss. */
  onStop?(label: string, seedIndex: number, message: string): void;
}

export interface CompareOptions extends Partial<CompareConfig> {
  /** The surrogates, as a record label → instance or a list of entries. */
  surrogates: Readonly<Record<string, unknown>> | readonly SurrogateEntry[];
  /** Builds each run's network; the tutorial SNN by default. */
  trainer?: TrainerFactory;
  /** Runs the runs; one after another in this thread by default. */
  executor?: RunExecutor;
  hooks?: CompareHooks;
  /**
   * Where to save each run's trained network (a safetensors file, Node only), by surrogate label and seed
   * index; the file's metadata records the surrogate, the seed, the configuration and the final loss and
   * accuracy. Runs stopped by a NaN are not saved. None by default.
   */
  saveTo?: (label: string, seedIndex: number) => string;
  /** Record the hidden layer's spikes (first sample, first seed) before and after training: RunResult.raster. */
  raster?: boolean;
}

function checkInt(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new SpikegradError(`compareSurrogates: argument '${name}' expected an integer >= ${min}, got ${describeValue(v)}`);
  }
  return v;
}

function checkPositive(name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) {
    throw new SpikegradError(`compareSurrogates: argument '${name}' expected a positive number, got ${describeValue(v)}`);
  }
  return v;
}

/** Fills in the tutorial defaults and validates every field (before any work). */
export function resolveConfig(opts: Partial<CompareConfig>): CompareConfig {
  // Only the config's own keys: `opts` may be a whole CompareOptions (surrogates, hooks, functions).
  const given = Object.fromEntries(Object.keys(TUTORIAL_CONFIG).flatMap((k) => {
    const v = (opts as Record<string, unknown>)[k];
    return v === undefined ? [] : [[k, v]];
  }));
  const c = { ...TUTORIAL_CONFIG, ...given } as CompareConfig;
  for (const k of ['epochs', 'seeds', 'nIn', 'nRec', 'nOut', 'steps', 'batch'] as const) checkInt(k, c[k], 1);
  checkInt('seed', c.seed, Number.MIN_SAFE_INTEGER);
  for (const k of ['rateHz', 'dt', 'lr'] as const) checkPositive(k, c[k]);
  if (c.rateHz * c.dt * 1e-3 > 1) {
    throw new SpikegradError(`compareSurrogates: argument 'rateHz' × 'dt' expected a spike probability <= 1 per step, got ${c.rateHz} Hz × ${c.dt} ms = ${c.rateHz * c.dt * 1e-3}`);
  }
  if (c.mode !== 'sequence' && c.mode !== 'step') throw new SpikegradError(`compareSurrogates: argument 'mode' expected 'sequence' or 'step', got ${describeValue(c.mode)}`);
  return c;
}

function entriesOf(s: CompareOptions['surrogates']): SurrogateEntry[] {
  const list = Array.isArray(s) ? [...s] : s && typeof s === 'object' ? Object.entries(s).map(([label, surrogate]) => ({ label, surrogate })) : null;
  if (!list || list.length === 0) throw new SpikegradError(`compareSurrogates: argument 'surrogates' expected a non-empty record or list of surrogates, got ${describeValue(s)}`);
  const seen = new Set<string>();
  for (const e of list) {
    if (seen.has(e.label)) throw new SpikegradError(`compareSurrogates: the label '${e.label}' appears twice; give each surrogate its own label`);
    seen.add(e.label);
  }
  return list;
}

/** Trains one run (call inside `environ.context({ dt })`); stops early on a NaN or infinite loss. */
export async function runOnce(entry: SurrogateEntry, k: number, c: CompareConfig, factory: TrainerFactory, hooks: CompareHooks, saveTo?: string, raster = false): Promise<RunResult> {
  const seed = c.seed + k;
  const t0 = performance.now();
  random.seed(seed);
  const trainer = factory(entry.surrogate, c);
  const losses: number[] = [];
  let stopped: RunResult['stopped'] = null;
  let accuracy: number | null = null;
  let savedTo: string | undefined;
  let rasters: RunResult['raster'];
  try {
    if (raster) {
      if (!trainer.hidden) throw new SpikegradError("compareSurrogates: argument 'raster' needs a trainer that records its hidden layer (hidden())");
      rasters = { before: (await trainer.hidden()).spikes, after: null };
    }
    hooks.onRunStart?.(entry.label, k, c.epochs);
    for (let e = 0; e < c.epochs; e++) {
      const l = trainer.step();
      const loss = await l.item();
      l.dispose();
      losses.push(loss);
      hooks.onEpoch?.(entry.label, k, e + 1, loss);
      if (!Number.isFinite(loss)) {
        const message = `${entry.label}${c.seeds > 1 ? ` (seed ${seed})` : ''}: the loss became ${loss} at epoch ${e + 1}; this run stopped, the others go on`;
        stopped = { epoch: e + 1, loss, message };
        hooks.onStop?.(entry.label, k, message);
        break;
      }
    }
    if (!stopped) {
      const a = trainer.accuracy();
      accuracy = await a.item();
      a.dispose();
      if (rasters) rasters.after = (await trainer.hidden!()).spikes;
      if (saveTo !== undefined) {
        if (!trainer.net) throw new SpikegradError(`compareSurrogates: argument 'saveTo' needs a trainer that exposes its network as 'net'`);
        await save(trainer.net, saveTo, {
          metadata: {
            'compare.label': entry.label, 'compare.surrogate': String(entry.surrogate), ...(entry.spec ? { 'compare.spec': JSON.stringify(entry.spec) } : {}),
            'compare.seed': String(seed), 'compare.config': JSON.stringify(c), 'compare.lastLoss': String(losses.at(-1)), 'compare.accuracy': String(accuracy),
          },
        });
        savedTo = saveTo;
      }
    }
  } finally {
    trainer.dispose();
  }
  return { seed, losses, accuracy, wallMs: performance.now() - t0, stopped, ...(savedTo !== undefined ? { savedTo } : {}), ...(rasters ? { raster: rasters } : {}) };
}

/**
 * Trains the network once per surrogate and seed and summarises the loss curves.
 * @example const r = await compareSurrogates({ surrogates: { Sigmoid: new surrogate.Sigmoid() }, epochs: 50 });
 *          r.surrogates[0].last
 */
export async function compareSurrogates(opts: CompareOptions): Promise<CompareResult> {
  if (opts === null || typeof opts !== 'object') throw new SpikegradError(`compareSurrogates: expected an options object, got ${describeValue(opts)}`);
  const config = resolveConfig(opts);
  const entries = entriesOf(opts.surrogates);
  if (opts.trainer !== undefined && typeof opts.trainer !== 'function') {
    throw new SpikegradError(`compareSurrogates: argument 'trainer' expected a function, got ${describeValue(opts.trainer)}`);
  }
  const factory = opts.trainer ?? (await import('./tutorial.js')).tutorialTrainer;
  const hooks = opts.hooks ?? {};
  const execute: RunExecutor = opts.executor ?? (async (tasks, c, h) => {
    const out: RunResult[] = [];
    await environ.context({ dt: c.dt }, async () => {
      for (const t of tasks) out.push(await runOnce(t.entry, t.k, c, factory, h, t.saveTo, t.raster));
    });
    return out;
  });
  const t0 = performance.now();
  if (opts.saveTo !== undefined && typeof opts.saveTo !== 'function') {
    throw new SpikegradError(`compareSurrogates: argument 'saveTo' expected a function (label, seedIndex) => file path, got ${describeValue(opts.saveTo)}`);
  }
  // The raster is recorded for each surrogate's first seed.
  const tasks: RunTask[] = entries.flatMap((entry) => Array.from({ length: config.seeds }, (_, k) => ({ entry, k, ...(opts.saveTo ? { saveTo: opts.saveTo(entry.label, k) } : {}), ...(opts.raster && k === 0 ? { raster: true } : {}) })));
  const results = await execute(tasks, config, hooks);
  const surrogates = entries.map((entry, i): SurrogateResult => {
    const runs = results.slice(i * config.seeds, (i + 1) * config.seeds);
    const curve = meanBand(runs.map((r) => r.losses));
    const finished = runs.filter((r) => r.accuracy !== null);
    return {
      label: entry.label,
      description: String(entry.surrogate),
      runs,
      curve,
      ...summarizeCurve(curve.mean),
      accuracy: finished.length ? finished.reduce((a, r) => a + r.accuracy!, 0) / finished.length : null,
      wallMs: runs.reduce((a, r) => a + r.wallMs, 0),
    };
  });
  return { config, backend: getBackend().name, surrogates, wallMs: performance.now() - t0 };
}
