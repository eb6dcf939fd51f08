/**
 * Sequential digits (`spikegrad train digits --sequential rows|pixels`): the options and their conflicts are
 * refused before any work with the option, the expected and the actual; the network is nn.Recurrent over LIF
 * or ALIF fed [T, B, inputs] sequences of the images; and a short seeded run on a small part of the digits
 * learns (test accuracy far above the 10 % of chance after a few epochs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { register, runTrain, sequentialOptions, type TrainCliOptions } from '../../cli/commands/train.js';
import { describeRun } from '../../cli/trainReport.js';
import { DIGITS_DEFAULTS, DigitsRSNN, checkDigitsConfig, createDigitsTrainer, loadDigitsData, trainDigits, type DigitsConfig } from '../../train/digits.js';
import * as u from '../../units/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'spikegrad-seq-'));
const cacheDir = join(tmp, 'cache');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await sg.setBackend('cpu');
});

/** `spikegrad train …` as the command line parses it: 'ok' or the error message. */
async function parse(...args: string[]): Promise<string> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  register(program);
  try {
    await program.parseAsync(['node', 'spikegrad', 'train', ...args]);
    return 'ok';
  } catch (e) {
    return (e as Error).message;
  }
}

const base: TrainCliOptions = { ...DIGITS_DEFAULTS, backend: 'cpu', out: join(tmp, 'out'), cacheDir, json: false, progress: false };

describe('train digits --sequential: options', () => {
  it('refuses a bad --sequential or --neuron value, and options that conflict with it, before any work', async () => {
    expect(await parse('digits', '--sequential', 'columns')).toMatch(/option '--sequential <order>' argument 'columns' is invalid\. Allowed choices are rows, pixels/);
    expect(await parse('digits', '--sequential', 'rows', '--neuron', 'izhikevich')).toMatch(/argument 'izhikevich' is invalid\. Allowed choices are lif, alif/);
    expect(await parse('digits', '--sequential', 'rows', '--model', 'csnn')).toMatch(/train: option '--sequential rows' trains a recurrent SNN and expected --model snn, got '--model csnn'/);
    expect(await parse('digits', '--sequential', 'pixels', '--model', 'mlp')).toMatch(/expected --model snn, got '--model mlp'/);
    expect(await parse('digits', '--sequential', 'rows', '--steps', '25')).toMatch(/option '--sequential rows' sets T itself .*; it cannot be used with '--steps 25'/);
    expect(await parse('digits', '--sequential', 'rows', '--encoder', 'rate')).toMatch(/feeds the intensities as input currents and expected --encoder direct, got '--encoder rate'/);
    expect(await parse('digits', '--neuron', 'alif')).toMatch(/option '--neuron alif' is for the recurrent network of --sequential rows\|pixels/);
  });

  it('--sequential makes the encoder direct unless given, and keeps the other options', () => {
    const given = new Set(['sequential']);
    const sourceOf = (k: string) => (given.has(k) ? 'cli' : 'default');
    const o = sequentialOptions({ ...base, sequential: 'rows', neuron: 'alif' }, sourceOf);
    expect([o.encoder, o.sequential, o.neuron, o.hidden]).toEqual(['direct', 'rows', 'alif', DIGITS_DEFAULTS.hidden]);
    given.add('encoder');
    expect(sequentialOptions({ ...base, sequential: 'pixels', encoder: 'direct' }, sourceOf).encoder).toBe('direct');
    expect(sequentialOptions({ ...base }, sourceOf)).toEqual(base); // without --sequential nothing changes
  });

  it('the library refuses the same combinations, naming the argument', async () => {
    const full = (c: Partial<DigitsConfig>): DigitsConfig => ({ ...DIGITS_DEFAULTS, ...c });
    expect(() => checkDigitsConfig(full({ sequential: 'columns' as 'rows', encoder: 'direct' }))).toThrow(/trainDigits: argument 'sequential' expected 'rows' or 'pixels', got "columns"/);
    expect(() => checkDigitsConfig(full({ sequential: 'rows', encoder: 'direct', model: 'csnn' }))).toThrow(/argument 'sequential' \('rows'\) trains the recurrent SNN and expected model 'snn', got model 'csnn'/);
    expect(() => checkDigitsConfig(full({ sequential: 'pixels' }))).toThrow(/argument 'encoder' expected 'direct' with sequential 'pixels' .*, got 'rate'/);
    expect(() => checkDigitsConfig(full({ neuron: 'alif' }))).toThrow(/argument 'neuron' 'alif' is for the recurrent network of a sequential run/);
    expect(() => checkDigitsConfig(full({ sequential: 'rows', encoder: 'direct', neuron: 'adex' as 'lif' }))).toThrow(/argument 'neuron' expected one of lif, alif, got "adex"/);
    // runTrain checks the configuration before it creates --out or loads any data.
    await expect(runTrain('digits', { ...base, sequential: 'rows', encoder: 'latency', out: join(tmp, 'never') }, { out: () => {}, err: () => {} }))
      .rejects.toThrow(/argument 'encoder' expected 'direct'/);
    expect(await import('node:fs').then((fs) => fs.existsSync(join(tmp, 'never')))).toBe(false);
    // Images without an image shape cannot be read as rows.
    const flat = sg.data.fromArrays(new Float32Array(2 * 16), Int32Array.from([0, 1]), { shape: [16] });
    expect(() => createDigitsTrainer({ sequential: 'rows', encoder: 'direct', shift: 0 }, flat, flat)).toThrow(/argument 'sequential' 'rows' reads one-channel images \[height, width\], but the samples have the shape \[16\]/);
  });
});

describe('train digits --sequential: the network and its input', () => {
  it('rows: batches [28, B, 28] into nn.Recurrent(28 → hidden, LIF); pixels: [784, B, 1]; ALIF on request', async () => {
    const { train, test } = await loadDigitsData({ dataset: 'digits', seed: 0, trainPerClass: 2, testPerClass: 1, cacheDir });
    await sg.environ.context({ dt: u.ms(1) }, async () => {
      for (const [order, T, inputs, neuron] of [['rows', 28, 28, 'lif'], ['pixels', 784, 1, 'alif']] as const) {
        const tr = createDigitsTrainer({ sequential: order, encoder: 'direct', neuron, hidden: 16, batch: 4, shift: 0 }, train, test);
        try {
          const net = tr.net as DigitsRSNN;
          expect(net).toBeInstanceOf(DigitsRSNN);
          expect([net.rec.inFeatures, net.rec.size]).toEqual([inputs, 16]);
          expect(net.rec.neuron).toBeInstanceOf(neuron === 'alif' ? sg.nn.ALIF : sg.nn.LIF);
          const { value } = await tr.testLoader.epoch(0)[Symbol.asyncIterator]().next();
          const { x, indices } = value as { x: sg.Tensor; indices: Int32Array };
          expect(x.shape).toEqual([T, indices.length, inputs]);
          // Image b's pixel (r, c) is at step r, input c (rows) or at step 28·r + c (pixels).
          const xv = await x.data();
          const img = test.features(Int32Array.of(indices[1]!));
          const at = (r: number, c: number) => (order === 'rows' ? xv[(r * indices.length + 1) * 28 + c] : xv[(r * 28 + c) * indices.length + 1]);
          for (const [r, c] of [[14, 14], [10, 20], [20, 5], [27, 27]] as const) expect(at(r, c)).toBe(img[r * 28 + c]);
        } finally {
          tr.dispose();
        }
      }
    });
  });

  it('describes the run as a recurrent network read row by row', () => {
    const line = describeRun({ config: { ...DIGITS_DEFAULTS, sequential: 'rows', encoder: 'direct', neuron: 'alif', hidden: 64 }, backend: 'cpu', trainSize: 8000, testSize: 2000 });
    expect(line).toContain('recurrent SNN 28→64 ALIF (recurrent)→10 leaky readout, T=28 rows of 28 px as input currents');
  });

  it('a short seeded row-by-row run learns: test accuracy far above chance', async () => {
    const r = await trainDigits({
      sequential: 'rows', encoder: 'direct', hidden: 48, epochs: 4, batch: 20, lr: 1e-2, shift: 0, seed: 1,
      trainPerClass: 20, testPerClass: 10, cacheDir,
    });
    expect(r.epochs).toHaveLength(4);
    expect(r.epochs.at(-1)!.trainLoss).toBeLessThan(r.epochs[0]!.trainLoss);
    expect(r.epochs.at(-1)!.testAccuracy).toBeGreaterThan(0.4); // chance: 0.1
  }, 60_000);
});
