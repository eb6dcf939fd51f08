/**
 * `spikegrad train digits --save FILE --resume FILE` on a small part of the digits (30 training and 10 test
 * images per class, T = 8, 32 hidden neurons, 4 epochs, shifted images): 4 epochs straight equal 2 epochs, a
 * crash, the real CLI in a FRESH PROCESS resuming the checkpoint, 2 epochs — bit for bit on the CPU backend
 * (every epoch's numbers, the confusion matrix, the final weights, Adam's moments and the generators). And bad
 * input (a missing file, a checkpoint of another configuration, a weights file, nothing left to train, a --save
 * file that belongs to another run) fails before any training, naming the option and the value.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { runTrain, type TrainCliOptions } from '../../cli/commands/train.js';
import { decodeSafetensors } from '../../io/safetensors.js';
import { DIGITS_DEFAULTS, loadDigitsData, trainDigits, type DigitsConfig, type DigitsResult } from '../../train/digits.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'spikegrad-resume-'));
const cacheDir = join(tmp, 'cache');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await sg.setBackend('cpu', { verbose: false });
});

const small: TrainCliOptions = {
  ...DIGITS_DEFAULTS, hidden: 32, steps: 8, epochs: 4, batch: 40, lr: 5e-3, shift: 2, backend: 'cpu', out: join(tmp, 'unused'),
  trainPerClass: 30, testPerClass: 10, cacheDir, json: false, progress: false,
};
const quiet = { out: () => {}, err: () => {} };
/** What runTrain hands trainDigits for `small` (the CLI's options as a configuration). */
const smallConfig: Partial<DigitsConfig> = {
  dataset: 'digits', model: small.model, hidden: small.hidden, steps: small.steps, epochs: small.epochs, batch: small.batch, lr: small.lr,
  encoder: small.encoder, loss: small.loss, seed: small.seed, schedule: small.schedule, shift: small.shift,
  trainPerClass: small.trainPerClass!, testPerClass: small.testPerClass!, cacheDir,
};

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(root, 'out/test/cli/spikegrad.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += String(d); });
    p.stderr.on('data', (d: Buffer) => { stderr += String(d); });
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The run's numbers without its wall times. */
const numbers = (r: Pick<DigitsResult, 'epochs' | 'confusion'>) => ({
  epochs: r.epochs.map(({ trainMs: _a, testMs: _b, ...rest }) => rest), confusion: r.confusion,
});

function tensorsOf(file: string): Record<string, number[]> {
  const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(file)), { where: 't', source: file });
  return Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, Array.from(t.data as ArrayLike<number>)]));
}

describe('spikegrad train --save / --resume', () => {
  it('4 epochs straight = 2 epochs, a crash, a fresh process resuming the checkpoint, 2 epochs (bit for bit, CPU)', async () => {
    const straightFile = join(tmp, 'straight.safetensors');
    const straight = await runTrain('digits', { ...small, out: join(tmp, 'out-straight'), save: straightFile }, quiet);
    expect(straight.epochs).toHaveLength(4);

    // The same run, stopped by an exception after its second epoch's checkpoint was written.
    const crashFile = join(tmp, 'crash.safetensors');
    const data = await loadDigitsData({ ...smallConfig, dataset: 'digits', seed: 0 });
    await expect(trainDigits(smallConfig, {
      save: crashFile, onEpoch: (e) => { if (e.epoch === 2) throw new Error('crash after epoch 2'); },
    }, data)).rejects.toThrow('crash after epoch 2');
    const halfway = decodeSafetensors(new Uint8Array(readFileSync(crashFile)), { where: 't', source: 'c' });
    expect(halfway.metadata['spikegrad.epoch']).toBe('2');
    expect(Object.keys(halfway.tensors)).toEqual(expect.arrayContaining(['generator.state', 'generator.encoder.state', 'generator.augment.state', 'optimizer.fc1.weight.mu']));

    await build({
      entryPoints: [join(root, 'cli/main.ts')], outfile: join(root, 'out/test/cli/spikegrad.mjs'), bundle: true, platform: 'node', format: 'esm',
      target: 'node20', packages: 'external', loader: { '.wgsl': 'text' }, logLevel: 'warning',
    });
    const args = ['train', 'digits', '--hidden', '32', '--steps', '8', '--epochs', '4', '--batch', '40', '--lr', '5e-3', '--shift', '2', '--backend', 'cpu',
      '--train-per-class', '30', '--test-per-class', '10', '--cache-dir', cacheDir, '--no-progress'];
    const child = await runCli([...args, '--resume', crashFile, '--save', crashFile, '--out', join(tmp, 'out-resumed'), '--json']);
    expect(child.code, `child stderr: ${child.stderr}`).toBe(0);
    const resumed = JSON.parse(child.stdout) as DigitsResult;
    expect(numbers(resumed)).toEqual(numbers(straight));
    // The resumed epochs are new work, not the first ones replayed: epoch 3 differs from epoch 1.
    expect(resumed.epochs[2]!.trainLoss).not.toBe(resumed.epochs[0]!.trainLoss);
    // The checkpoints after epoch 4: the same weights, moments, step count and generator states.
    expect(tensorsOf(crashFile)).toEqual(tensorsOf(straightFile));

    // The human-readable run says where it resumed and lists the earlier epochs.
    const text = await runCli([...args, '--epochs', '5', '--resume', crashFile, '--out', join(tmp, 'out-more')]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`resuming after epoch 4 from ${crashFile}`);
    expect(text.stdout).toMatch(/epoch 1\/5 {2}train loss[\s\S]*epoch 5\/5 {2}train loss/);
  }, 180_000);

  it('bad input fails before training, naming the option, the file and what is wrong', async () => {
    const ckpt = join(tmp, 'bad-input.safetensors');
    await runTrain('digits', { ...small, epochs: 1, out: join(tmp, 'out-bad0'), save: ckpt }, quiet);
    const fail = (o: Partial<TrainCliOptions>) => runTrain('digits', { ...small, out: join(tmp, 'out-bad'), ...o }, quiet);

    await expect(fail({ resume: join(tmp, 'missing.safetensors') })).rejects.toThrow(/train: option '--resume': cannot read '.*missing\.safetensors': no such file/);
    await expect(fail({ resume: ckpt, hidden: 16 })).rejects.toThrow(/'.*bad-input\.safetensors' was saved by a run of another configuration: hidden 32 in the checkpoint, 16 now/);
    await expect(fail({ resume: ckpt, shift: 0, lr: 1e-3 })).rejects.toThrow(/lr 0\.005 in the checkpoint, 0\.001 now; shift 2 in the checkpoint, 0 now/);
    await expect(fail({ resume: ckpt, epochs: 1 })).rejects.toThrow(/has already trained 1 epoch; --epochs 1 leaves nothing to do \(ask for more, e\.g\. --epochs 2\)/);
    await expect(fail({ resume: ckpt, schedule: 'cosine' })).rejects.toThrow(/schedule "constant" in the checkpoint, "cosine" now/);
    const weights = join(tmp, 'weights.safetensors');
    await sg.io.save({ w: new sg.ParamState(sg.zeros([2])) }, weights);
    await expect(fail({ resume: weights })).rejects.toThrow(/is not a checkpoint of 'spikegrad train'/);
    const garbage = join(tmp, 'garbage.safetensors');
    writeFileSync(garbage, 'not a safetensors file');
    await expect(fail({ resume: garbage })).rejects.toThrow(/train: option '--resume'.*garbage\.safetensors/);

    // --save: another file at the path needs --force; a folder or a missing folder is refused.
    const other = join(tmp, 'other-run.safetensors');
    writeFileSync(other, 'another run');
    await expect(fail({ save: other })).rejects.toThrow(/train: option '--save': '.*other-run\.safetensors' already exists \(another run's checkpoint\?\); pass --force/);
    mkdirSync(join(tmp, 'a-folder'));
    await expect(fail({ save: join(tmp, 'a-folder') })).rejects.toThrow(/expected a file path, got the folder/);
    await expect(fail({ save: join(tmp, 'no', 'such', 'x.safetensors') })).rejects.toThrow(/expected a file in an existing folder/);
    expect(readFileSync(other, 'utf8')).toBe('another run');
    // Nothing trained: no results were written.
    expect(existsSync(join(tmp, 'out-bad', 'curves.json'))).toBe(false);
  }, 120_000);
});
