/**
 * `spikegrad compare`: train the tutorial network with several surrogate gradients and compare the loss
 * curves (the project's main job). Defaults are the tutorial's; see `spikegrad compare --help`.
 * While running: one progress bar per surrogate with the current loss (on a terminal; one line per run
 * otherwise). When done: a table, and loss-curves.svg/png, curves.json and curves.csv in --out.
 * Nothing is lost: --out is checked before training (a writable folder; earlier results there are replaced
 * only with --force), the table is printed before the files are written, and the files are written as a
 * set of temporaries renamed into place (cli/outputFiles.ts).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { intArg, positiveArg } from '../optionParsers.js';
import cliProgress from 'cli-progress';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker, type MessagePort } from 'node:worker_threads';
import { setBackend, type BackendChoice } from '../../engine/backends.js';
import { SpikegradError } from '../../engine/errors.js';
import { compareSurrogates, TUTORIAL_CONFIG, type CompareConfig, type CompareHooks, type CompareResult, type TrainerFactory } from '../../train/compare.js';
import { parseSurrogateSpecs, resolveSurrogates, type SurrogateClass } from '../../train/surrogateSpec.js';
import { formatTable, OUTPUT_FILES, rasterFileName, rasterFiles, toJson, writeOutputs } from '../compareReport.js';
import { makeFolders, prepareOutputDir } from '../outputFiles.js';
import { serveRuns, workerExecutor, type WorkerLike } from '../workerPool.js';
import { loadChartLibs } from '../plot.js';

export const DEFAULT_SURROGATES = 'ReluGrad,Sigmoid,Arctan';
export const DEFAULT_OUT = 'out/compare';

export interface CompareCliOptions {
  surrogates: string;
  epochs: number;
  seeds: number;
  seed: number;
  backend: BackendChoice;
  mode: CompareConfig['mode'];
  nIn: number;
  nRec: number;
  nOut: number;
  steps: number;
  batch: number;
  rate: number;
  lr: number;
  out: string;
  /** Overwrite the results of an earlier run in `out`. */
  force: boolean;
  json: boolean;
  progress: boolean;
  /** Worker threads for the runs ('auto': up to two per core on the CPU backend, none on WebGPU). */
  jobs: number | 'auto';
  /** A folder to save each run's trained network in (safetensors); none if absent. */
  save?: string;
  /** Write raster-<surrogate>.svg/.png: the hidden layer's spikes before and after training. */
  raster?: boolean;
}

/**
 * The file each run's network is saved to with --save: the label made file-name safe
 * ('Sigmoid(alpha=8)' → 'Sigmoid-alpha=8'), with the seed when there are several.
 */
export function savedNetworkFile(dir: string, label: string, seed: number, seeds: number): string {
  const base = label.replace(/[^A-Za-z0-9._=-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
  return join(dir, `${base}${seeds > 1 ? `-seed${seed}` : ''}.safetensors`);
}

/** What the command needs besides its options: the surrogate classes and the network builder. */
export interface CompareDeps {
  catalog: Readonly<Record<string, SurrogateClass>>;
  trainer?: TrainerFactory;
  /** Starts a worker thread that serves runs (workerPool.ts); without it every run is in this thread. */
  spawnWorker?: () => WorkerLike;
  /** Where the table and messages go (stdout and stderr by default). */
  out?: (s: string) => void;
  err?: (s: string) => void;
}

function jobsArg(v: string): number | 'auto' {
  if (v === 'auto') return v;
  return intArg('--jobs', 1)(v);
}

/** Progress display: a bar per surrogate on a terminal, a line per finished run elsewhere. */
function progressHooks(labels: string[], cfg: { epochs: number; seeds: number }, tty: boolean, err: (s: string) => void): { hooks: CompareHooks; stop(): void } {
  const width = Math.max(...labels.map((l) => l.length));
  if (!tty) {
    let last = NaN;
    return {
      hooks: {
        onEpoch: (label, k, e, loss) => {
          last = loss;
          if (e === cfg.epochs) err(`${label.padEnd(width)}${cfg.seeds > 1 ? ` seed ${k + 1}/${cfg.seeds}` : ''}: ${e} epochs, last loss ${last.toFixed(4)}`);
        },
        onStop: (_l, _k, message) => err(`! ${message}`),
      },
      stop: () => {},
    };
  }
  const multi = new cliProgress.MultiBar({
    format: `{label} |{bar}| {value}/{total} epochs | loss {loss}`,
    barCompleteChar: '█', barIncompleteChar: '░', hideCursor: true, clearOnComplete: false, fps: 12, barsize: 30,
  });
  const bars = new Map(labels.map((l) => [l, multi.create(cfg.epochs * cfg.seeds, 0, { label: l.padEnd(width), loss: '  —   ' })]));
  return {
    hooks: {
      onEpoch: (label, k, e, loss) => bars.get(label)!.update(k * cfg.epochs + e, { loss: loss.toFixed(4) }),
      onStop: (label, k, message) => {
        const bar = bars.get(label)!;
        bar.update((k + 1) * cfg.epochs, { loss: 'stopped' });
        multi.log(`! ${message}\n`);
      },
    },
    stop: () => multi.stop(),
  };
}

/** Runs the comparison for parsed options; returns the result (the CLI prints and writes it). */
export async function runCompare(o: CompareCliOptions, deps: CompareDeps): Promise<CompareResult> {
  const out = deps.out ?? ((s: string) => process.stdout.write(`${s}\n`));
  const err = deps.err ?? ((s: string) => process.stderr.write(`${s}\n`));
  const entries = resolveSurrogates(parseSurrogateSpecs(o.surrogates), deps.catalog);
  // Before any training: a run whose results cannot be written must not start.
  const rasterNames = o.raster ? entries.flatMap((e) => [`${rasterFileName(e.label)}.svg`, `${rasterFileName(e.label)}.png`]) : [];
  const twiceRaster = rasterNames.find((f, i) => rasterNames.indexOf(f) !== i);
  if (twiceRaster) throw new InvalidArgumentError(`--raster: two surrogates' labels give the same file name '${twiceRaster}'.`);
  const outDir = await prepareOutputDir(o.out, { files: [...OUTPUT_FILES, ...rasterNames], force: o.force ?? false, what: "compare: option '--out'" });
  // The chart packages (optional) load while the backend starts; missing ones fail here, before training.
  const charts = loadChartLibs('compare');
  charts.catch(() => undefined); // handled below; this keeps the rejection from counting as unhandled meanwhile
  const backend = await setBackend(o.backend);
  await charts;
  const cfg = { epochs: o.epochs, seeds: o.seeds };
  // Runs are independent and single-threaded on the CPU: spread them over the cores. 'auto' allows up to two
  // workers per core, so that e.g. 3 runs on 2 cores finish in about half their total time rather than in
  // two runs' time. On WebGPU the runs share the one device of this process.
  const runs = entries.length * o.seeds;
  const jobs = backend.name !== 'cpu' || !deps.spawnWorker ? 1 : Math.min(runs, o.jobs === 'auto' ? 2 * availableParallelism() : o.jobs);
  const executor = jobs > 1 ? workerExecutor(jobs, deps.spawnWorker!) : undefined;
  if (jobs > 1) err(`spikegrad: ${runs} runs on ${jobs} worker threads`);
  let saveTo: ((label: string, k: number) => string) | undefined;
  if (o.save !== undefined) {
    const dir = o.save;
    const files = entries.flatMap((e) => Array.from({ length: o.seeds }, (_, k) => savedNetworkFile(dir, e.label, o.seed + k, o.seeds)));
    const twice = files.find((f, i) => files.indexOf(f) !== i);
    if (twice) throw new InvalidArgumentError(`--save: two surrogates' labels give the same file name '${twice}'.`);
    try {
      await makeFolders(dir); // before training, so a bad folder fails at once (not recursive mkdir: it spins under /proc)
    } catch (e) {
      throw new InvalidArgumentError(`--save: cannot create the folder '${dir}': ${(e as Error).message}`);
    }
    saveTo = (label, k) => savedNetworkFile(dir, label, o.seed + k, o.seeds);
  }
  const progress = progressHooks(entries.map((e) => e.label), cfg, o.progress && !!process.stderr.isTTY, err);
  let result: CompareResult;
  try {
    result = await compareSurrogates({
      surrogates: entries, ...(deps.trainer ? { trainer: deps.trainer } : {}), ...(executor ? { executor } : {}), ...(saveTo ? { saveTo } : {}), ...(o.raster ? { raster: true } : {}), hooks: progress.hooks,
      epochs: o.epochs, seeds: o.seeds, seed: o.seed, mode: o.mode,
      nIn: o.nIn, nRec: o.nRec, nOut: o.nOut, steps: o.steps, batch: o.batch, rateHz: o.rate, lr: o.lr,
    });
  } finally {
    progress.stop();
  }
  // The results go to stdout first: whatever happens to the files, they are not lost.
  out(o.json ? toJson(result) : formatTable(result));
  let files: string[];
  try {
    files = await writeOutputs(result, outDir, o.raster ? await rasterFiles(result) : []);
  } catch (e) {
    throw new SpikegradError(`compare: the results are printed above, but the files were not written: ${e instanceof Error ? e.message : String(e)}`);
  }
  files.push(...result.surrogates.flatMap((s) => s.runs.flatMap((r) => (r.savedTo ? [r.savedTo] : []))));
  if (!o.json) out(`\nWrote ${files.join(', ')}`);
  return result;
}

/** Adds the command to `program`; `deps` supplies the surrogate classes and the network. */
export function registerWith(program: Command, deps: () => Promise<CompareDeps>): void {
  const d = TUTORIAL_CONFIG;
  program
    .command('compare')
    .description('Train the tutorial SNN with several surrogate gradients and compare their loss curves')
    .option('--surrogates <list>', "comma-separated surrogate classes, with parameters as Name:param=value (e.g. 'Sigmoid:alpha=8'), or 'all'", DEFAULT_SURROGATES)
    .option('--epochs <n>', 'training epochs (full-batch steps) per run', intArg('--epochs', 1), d.epochs)
    .option('--seeds <k>', 'runs per surrogate (curves: mean with a min–max band)', intArg('--seeds', 1), d.seeds)
    .option('--seed <n>', 'seed of the first run (run k uses seed + k; every surrogate gets the same seeds)', intArg('--seed', -(2 ** 31)), d.seed)
    .addOption(new Option('--backend <name>', 'compute backend').choices(['auto', 'cpu', 'webgpu']).default('auto'))
    .addOption(new Option('--mode <mode>', "'sequence': each layer over the whole sequence (fused); 'step': one time step at a time").choices(['sequence', 'step']).default(d.mode))
    .option('--n-in <n>', 'input neurons', intArg('--n-in', 1), d.nIn)
    .option('--n-rec <n>', 'hidden LIF neurons', intArg('--n-rec', 1), d.nRec)
    .option('--n-out <n>', 'output classes', intArg('--n-out', 1), d.nOut)
    .option('--steps <n>', 'time steps per sample (T)', intArg('--steps', 1), d.steps)
    .option('--batch <n>', 'samples in the (full) training batch', intArg('--batch', 1), d.batch)
    .option('--rate <hz>', 'input Poisson rate in Hz', positiveArg('--rate'), d.rateHz)
    .option('--lr <x>', 'Adam learning rate', positiveArg('--lr'), d.lr)
    .option('--out <dir>', 'folder for loss-curves.svg/png, curves.json, curves.csv (created; checked before training)', DEFAULT_OUT)
    .option('--force', 'overwrite the results of an earlier run in --out (without it, such a folder is an error before training)', false)
    .option('--json', 'print the full result as JSON instead of the table', false)
    .option('--no-progress', 'no progress bars')
    .option('--jobs <n>', "worker threads running the runs in parallel on the CPU backend ('auto': up to two per core)", jobsArg, 'auto')
    .option('--save <dir>', "save each surrogate's trained network to DIR/<surrogate>.safetensors (with -seed<n> for several seeds); load it with io.load")
    .option('--raster', "also write raster-<surrogate>.svg/.png: the hidden layer's spikes for one sample before and after training, with firing rates", false)
    .action(async (opts: CompareCliOptions) => {
      await runCompare(opts, await deps());
    });
}

/** `workerData.role` of a worker thread that serves compare runs. */
export const COMPARE_WORKER = 'spikegrad-compare-worker';

let workerEntry: URL | null = null;
/** The CLI's entry file sets this, so that worker threads can be started on it (see cli/main.ts). */
export function setWorkerEntry(url: string | URL): void {
  workerEntry = new URL(url);
}

async function tutorialDeps(): Promise<CompareDeps> {
  const [{ CLASSES }, { tutorialTrainer }] = await Promise.all([import('../../surrogate/catalog.js'), import('../../train/tutorial.js')]);
  const entry = workerEntry;
  return {
    catalog: CLASSES as unknown as Record<string, SurrogateClass>,
    trainer: tutorialTrainer,
    ...(entry ? { spawnWorker: () => new Worker(entry, { workerData: { role: COMPARE_WORKER } }) as unknown as WorkerLike } : {}),
  };
}

/** The worker-thread side: trains the runs the CLI sends (the entry file calls this in a worker). */
export async function serveCompareWorker(port: MessagePort): Promise<void> {
  const deps = await tutorialDeps();
  await serveRuns(port, deps.catalog, deps.trainer!);
}

/** `spikegrad compare` with the tutorial network and the 18 surrogate classes. */
export function register(program: Command): void {
  registerWith(program, tutorialDeps);
}
