/**
 * Checkpoints of the digit classifier (`spikegrad train digits --save FILE --resume FILE`): after each epoch the
 * network, Adam's moments and step count, the default generator and the run's own generators (the rate
 * encoder's and the augmentation's), the epoch, the configuration and the epochs' records so far, in one
 * safetensors file written atomically (io.saveCheckpoint). Resuming rebuilds the run from the configuration,
 * restores all of it and continues with the next epoch: on the CPU backend the resumed run is bit-identical to
 * one that never stopped (test/cli/trainResume.test.ts, across processes). The data loader needs no state: an
 * epoch's order depends only on (seed, epoch).
 *
 * A checkpoint is checked before any data is loaded or any training starts: readable, a checkpoint of this
 * task, of the same configuration (every option but --epochs; with --schedule cosine, --epochs too, since the
 * schedule spans the run), and not already at or past the epochs asked for.
 */
import { SpikegradError } from '../engine/errors.js';
import { defaultGenerator } from '../engine/random.js';
import { loadCheckpoint, saveCheckpoint } from '../io/checkpoint.js';
import { readFileBytes } from '../io/files.js';
import { decodeSafetensors } from '../io/safetensors.js';
import type { DigitsConfig, DigitsTrainer, EpochRecord } from './digits.js';

/** The metadata that marks a checkpoint of this task, and the one that holds the epochs' records. */
export const DIGITS_CHECKPOINT_META = { task: 'train.task', history: 'train.history', backend: 'train.backend' } as const;
export const DIGITS_CHECKPOINT_TASK = 'train digits';

/** A checked checkpoint, ready to restore into a trainer built from its configuration. */
export interface DigitsResumePoint {
  path: string;
  bytes: Uint8Array;
  /** Epochs completed. */
  epoch: number;
  /** Their records, in order (epochs 1 … epoch). */
  history: EpochRecord[];
}

/** The configuration as a checkpoint records it: everything that shapes the run (not where the images are cached). */
export function savedConfig(c: DigitsConfig): Omit<DigitsConfig, 'cacheDir'> {
  const { cacheDir: _cacheDir, ...rest } = c;
  return rest;
}

/** The options that differ between a checkpoint's configuration and this run's, as "name: saved → now". */
function differences(saved: Record<string, unknown>, c: DigitsConfig): string[] {
  const now = savedConfig(c) as unknown as Record<string, unknown>;
  const keys = new Set([...Object.keys(saved), ...Object.keys(now)]);
  const out: string[] = [];
  for (const k of keys) {
    if (k === 'epochs' && c.schedule !== 'cosine') continue; // a constant learning rate can go on for more epochs
    const a = saved[k] ?? null, b = now[k] ?? null;
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${k} ${JSON.stringify(a)} in the checkpoint, ${JSON.stringify(b)} now`);
  }
  return out;
}

const RECORD_FIELDS = ['epoch', 'trainLoss', 'trainAccuracy', 'testAccuracy', 'trainMs', 'testMs'] as const;

/**
 * Reads and checks the checkpoint at `path` for a run of configuration `c` (see the file's note); nothing is
 * restored yet. Errors name the file and what is wrong.
 */
export async function readDigitsCheckpoint(path: string, c: DigitsConfig, where = "trainDigits: argument 'resume'"): Promise<DigitsResumePoint> {
  const bytes = await readFileBytes(where, path);
  const { metadata } = decodeSafetensors(bytes, { where, source: `'${path}'` });
  const fail = (problem: string): never => { throw new SpikegradError(`${where}: '${path}' ${problem}`); };
  if (metadata['spikegrad.format'] !== 'checkpoint' || metadata[DIGITS_CHECKPOINT_META.task] !== DIGITS_CHECKPOINT_TASK) {
    fail(`is not a checkpoint of 'spikegrad train' (its metadata has spikegrad.format ${JSON.stringify(metadata['spikegrad.format'] ?? null)}, ${DIGITS_CHECKPOINT_META.task} ${JSON.stringify(metadata[DIGITS_CHECKPOINT_META.task] ?? null)}); write one with --save FILE`);
  }
  let saved: unknown, history: unknown;
  try {
    saved = JSON.parse(metadata['spikegrad.config'] ?? 'null');
    history = JSON.parse(metadata[DIGITS_CHECKPOINT_META.history] ?? 'null');
  } catch {
    fail('has metadata that is not JSON (spikegrad.config or train.history)');
  }
  if (saved === null || typeof saved !== 'object' || Array.isArray(saved)) fail(`holds no run configuration (spikegrad.config is ${metadata['spikegrad.config'] ?? 'absent'})`);
  const epoch = Number(metadata['spikegrad.epoch']);
  if (!Number.isSafeInteger(epoch) || epoch < 1) fail(`records no completed epoch (spikegrad.epoch is ${metadata['spikegrad.epoch'] ?? 'absent'})`);
  if (!Array.isArray(history) || history.length !== epoch || history.some((r, i) => r === null || typeof r !== 'object'
    || RECORD_FIELDS.some((f) => typeof (r as Record<string, unknown>)[f] !== 'number') || (r as EpochRecord).epoch !== i + 1)) {
    fail(`has no valid record of its ${epoch} epochs (train.history)`);
  }
  const diff = differences(saved as Record<string, unknown>, c);
  if (diff.length) fail(`was saved by a run of another configuration: ${diff.join('; ')}. Resume with the options it was saved with`);
  if (epoch >= c.epochs) fail(`has already trained ${epoch} epoch${epoch === 1 ? '' : 's'}; --epochs ${c.epochs} leaves nothing to do${c.schedule === 'cosine' ? '' : ` (ask for more, e.g. --epochs ${epoch + c.epochs})`}`);
  return { path, bytes, epoch, history: history as EpochRecord[] };
}

/** Restores a checked checkpoint into a trainer built from the same configuration. */
export async function restoreDigitsCheckpoint(point: DigitsResumePoint, trainer: DigitsTrainer): Promise<void> {
  await loadCheckpoint(point.bytes, {
    net: trainer.net, optimizer: trainer.optimizer, generator: defaultGenerator, generators: trainer.generators,
  }, { name: `'${point.path}'` });
}

/** Writes the run's state after `history.length` epochs to `path`, atomically. */
export async function saveDigitsCheckpoint(path: string, trainer: DigitsTrainer, history: readonly EpochRecord[], backend: string): Promise<void> {
  await saveCheckpoint(path, {
    net: trainer.net, optimizer: trainer.optimizer, generator: defaultGenerator, generators: trainer.generators,
    epoch: history.length, config: savedConfig(trainer.config),
    metadata: { [DIGITS_CHECKPOINT_META.task]: DIGITS_CHECKPOINT_TASK, [DIGITS_CHECKPOINT_META.history]: JSON.stringify(history), [DIGITS_CHECKPOINT_META.backend]: backend },
  });
}
