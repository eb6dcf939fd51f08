/**
 * `trainDigits({ model: 'csnn' })` (what `spikegrad train digits --model csnn` runs) learns: on synthetic
 * 28×28 images of two classes that only a spatial filter separates (a vertical or a horizontal bar at a
 * random place, under the same noise and the same total brightness), a small CSNN trained for a few epochs
 * classifies the held-out images. Broken convolution gradients, a wrong reshape between the layers or a
 * time axis folded the wrong way would leave it at chance. Plus the option's checks.
 */
import { describe, expect, it } from 'vitest';
import { ArrayDataset } from '../../data/dataset.js';
import { trainDigits } from '../../train/digits.js';
import { rng } from '../support/helpers.js';

function bars(n: number, seed: number): ArrayDataset {
  const r = rng(seed);
  const S = 28;
  const values = new Float32Array(n * S * S);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    labels[i] = label;
    const at = 4 + Math.floor(r() * 20), from = 2 + Math.floor(r() * 6), len = 16;
    for (let p = 0; p < S * S; p++) values[i * S * S + p] = 0.3 * r();
    for (let k = from; k < from + len; k++) {
      const [y, x] = label === 0 ? [k, at] : [at, k];
      values[i * S * S + y * S + x] = 1;
    }
  }
  return new ArrayDataset(values, labels, [S * S], 2, { name: 'bars' });
}

describe("trainDigits({ model: 'csnn' })", () => {
  it('learns to tell vertical from horizontal bars (CPU, direct encoding)', async () => {
    const r = await trainDigits(
      // shift 0: the bars are flat samples (no image shape to shift), already drawn at random places.
      { model: 'csnn', channels: [4, 8], encoder: 'direct', steps: 2, epochs: 3, batch: 32, lr: 1e-2, seed: 1, shift: 0 },
      {}, { train: bars(256, 1), test: bars(128, 2) },
    );
    expect(r.epochs).toHaveLength(3);
    const last = r.epochs.at(-1)!;
    expect(last.testAccuracy).toBeGreaterThan(0.9);
    expect(last.trainLoss).toBeLessThan(r.epochs[0]!.trainLoss);
  }, 120_000);

  it('rejects bad channels and non-square images before training', async () => {
    await expect(trainDigits({ model: 'csnn', channels: [4, 0] as [number, number], epochs: 1 }, {}, { train: bars(8, 1), test: bars(8, 2) }))
      .rejects.toThrow("trainDigits: argument 'channels' expected two positive integers, got [4,0]");
    const odd = new ArrayDataset(new Float32Array(4 * 30), new Int32Array(4), [30], 2);
    await expect(trainDigits({ model: 'csnn', epochs: 1 }, {}, { train: odd, test: odd })).rejects.toThrow('--model csnn expected square images, got 30 pixels per image');
  });
});
