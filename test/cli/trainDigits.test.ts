/**
 * `spikegrad train digits` end to end on a small part of the digits (40 training and 20 test images per
 * class, T = 10, 3 epochs: a few seconds): the accuracy must climb far above chance (10 %), the outputs
 * must be written, and bad input must fail before any training.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { register, runTrain, type TrainCliOptions } from '../../cli/commands/train.js';
import { chartSpec, formatConfusion, toCsv } from '../../cli/trainReport.js';
import { DIGITS_DEFAULTS, trainDigits } from '../../train/digits.js';

const tmp = mkdtempSync(join(tmpdir(), 'spikegrad-train-'));
const cacheDir = join(tmp, 'cache');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await sg.setBackend('cpu');
});

const small: TrainCliOptions = {
  ...DIGITS_DEFAULTS, hidden: 64, steps: 10, epochs: 3, batch: 40, lr: 5e-3, backend: 'cpu', out: join(tmp, 'out'),
  trainPerClass: 40, testPerClass: 20, cacheDir, json: false, progress: false,
};

describe('spikegrad train digits', () => {
  it('trains a small SNN to well above chance, prints each epoch and the confusion matrix, writes the curves', async () => {
    const lines: string[] = [];
    const r = await runTrain('digits', small, { out: (s) => lines.push(s), err: () => {} });
    expect([r.trainSize, r.testSize]).toEqual([400, 200]);
    expect(r.epochs).toHaveLength(3);
    const last = r.epochs.at(-1)!;
    expect(last.testAccuracy).toBeGreaterThan(0.6);
    expect(last.trainLoss).toBeLessThan(r.epochs[0]!.trainLoss);
    expect(r.confusion.flat().reduce((a, b) => a + b, 0)).toBe(200);
    expect(r.confusion.map((row, i) => row[i]!).reduce((a, b) => a + b, 0) / 200).toBeCloseTo(last.testAccuracy, 10);
    const text = lines.join('\n');
    expect(text).toMatch(/epoch 3\/3 {2}train loss \d\.\d{4} {2}train acc \d+\.\d% {2}test acc \d+\.\d%/);
    expect(text).toContain('confusion matrix (test set, 10 classes)');
    for (const f of ['accuracy-curves.svg', 'accuracy-curves.png', 'curves.json', 'curves.csv']) expect(existsSync(join(small.out, f))).toBe(true);
    expect(readFileSync(join(small.out, 'curves.csv'), 'utf8').trim().split('\n')).toHaveLength(4);
    expect((JSON.parse(readFileSync(join(small.out, 'curves.json'), 'utf8')) as { epochs: unknown[] }).epochs).toHaveLength(3);
    expect(readFileSync(join(small.out, 'accuracy-curves.png')).subarray(1, 4).toString()).toBe('PNG');
    // A second run into the same folder keeps the first run's results unless --force.
    await expect(runTrain('digits', small, { out: () => {}, err: () => {} })).rejects.toThrow(/--force/);
  });

  it('reports spike counts by first spike too, and formats the confusion matrix with recalls', async () => {
    const r = await runTrain('digits', { ...small, loss: 'ce-count', epochs: 1, out: join(tmp, 'out2') }, { out: () => {}, err: () => {} });
    expect(r.epochs[0]!.testAccuracyFirstSpike).not.toBeNull();
    const m = formatConfusion({ confusion: [[3, 1], [0, 4]], classNames: ['a', 'b'] });
    expect(m.split('\n')[2]).toMatch(/^a\s+3\s+1\s+75\.0%$/);
    expect(toCsv(r).split('\n')[0]).toBe('epoch,train_loss,train_accuracy,test_accuracy,test_accuracy_first_spike,train_seconds,test_seconds');
    expect(JSON.stringify(chartSpec(r))).toContain('Training loss');
  });

  it('bad input fails before training with the argument and the value', async () => {
    const parse = async (...args: string[]): Promise<string> => {
      const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
      register(program);
      try {
        await program.parseAsync(['node', 'spikegrad', 'train', ...args]);
        return 'ok';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(await parse('digits', '--steps', '0')).toMatch(/--steps expects an integer >= 1, got '0'/);
    expect(await parse('digits', '--batch', '0')).toMatch(/--batch expects an integer >= 1, got '0'/);
    expect(await parse('digits', '--lr', '-1')).toMatch(/--lr expects a positive number, got '-1'/);
    expect(await parse('digits', '--beta', '1')).toMatch(/--beta expects a number strictly between 0 and 1, got '1'/);
    expect(await parse('digits', '--encoder', 'poisson')).toMatch(/argument 'poisson' is invalid.*rate, latency/);
    expect(await parse('digits', '--loss', 'hinge')).toMatch(/argument 'hinge' is invalid/);
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'keep me');
    const t0 = performance.now();
    await expect(runTrain('digits', { ...small, out: file }, { out: () => {}, err: () => {} })).rejects.toThrow(/train: option '--out' expected a folder to write the results to, got '.*a-file'/);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
    await expect(runTrain('mnist', small, { out: () => {}, err: () => {} })).rejects.toThrow(/argument 'task' expected one of digits, fashion, got 'mnist'/);
    await expect(runTrain('digits', { ...small, out: join(tmp, 'out3'), cacheDir: join(file, 'sub') }, { out: () => {}, err: () => {} })).rejects.toThrow(/cannot create the cache directory/);
    // Shifts need images: flat samples are refused (with the way out) before training.
    const flat = sg.data.fromArrays(new Float32Array(4 * 16), Int32Array.from([0, 1, 0, 1]), { shape: [16] });
    await expect(trainDigits({ epochs: 1 }, {}, { train: flat, test: flat })).rejects.toThrow(/trainDigits: argument 'shift' 2 moves images, but the training samples have the shape \[16\]; .* or pass shift: 0/);
    expect(performance.now() - t0).toBeLessThan(20_000);
  });
});
