/**
 * Losses and metrics for spiking outputs: values against float64 references written here from snnTorch's
 * definitions, gradients against float64 central differences (test/support/gradcheck.ts), predictions,
 * accuracies and confusion matrices on outputs built by hand, and the argument checks.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { gradcheck } from '../support/gradcheck.js';
import { cpu, rng, uniformArray } from '../support/helpers.js';

const { metric } = sg;
let be: sg.Backend;
beforeAll(async () => {
  await sg.setBackend('cpu');
  be = await cpu();
});

const T = 5, B = 4, C = 3;
const labels = [2, 0, 1, 2];
const f64 = (a: Float64Array | number[], shape: number[]) => sg.tensor(Float64Array.from(a), shape, 'float64', be);
const y = () => sg.tensor(Int32Array.from(labels), [B], 'int32', be);
const at = (a: ArrayLike<number>, t: number, b: number, c: number) => a[(t * B + b) * C + c]!;

function ce(logits: number[], label: number): number {
  const m = Math.max(...logits);
  return Math.log(logits.reduce((s, v) => s + Math.exp(v - m), 0)) + m - logits[label]!;
}
const meanOver = (f: (b: number) => number) => Array.from({ length: B }, (_, b) => f(b)).reduce((a, v) => a + v, 0) / B;
const reduceT = (a: ArrayLike<number>, b: number, c: number, op: (acc: number, v: number) => number, init: number) => {
  let r = init;
  for (let t = 0; t < T; t++) r = op(r, at(a, t, b, c));
  return r;
};

const REFS: Record<string, (a: ArrayLike<number>) => number> = {
  ceCountLoss: (a) => meanOver((b) => ce([0, 1, 2].map((c) => reduceT(a, b, c, (s, v) => s + v, 0)), labels[b]!)),
  ceRateLoss: (a) => Array.from({ length: T }, (_, t) => meanOver((b) => ce([0, 1, 2].map((c) => at(a, t, b, c)), labels[b]!))).reduce((s, v) => s + v, 0) / T,
  ceMaxMembraneLoss: (a) => meanOver((b) => ce([0, 1, 2].map((c) => reduceT(a, b, c, Math.max, -Infinity)), labels[b]!)),
  ceMeanMembraneLoss: (a) => meanOver((b) => ce([0, 1, 2].map((c) => reduceT(a, b, c, (s, v) => s + v, 0) / T), labels[b]!)),
  mseCountLoss: (a) => {
    // correctRate 0.7, incorrectRate 0.25: targets ⌊5·0.7⌋ = 3 and ⌊5·0.25⌋ = 1 spikes.
    let s = 0;
    for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) s += (reduceT(a, b, c, (x, v) => x + v, 0) - (c === labels[b] ? 3 : 1)) ** 2;
    return s / (B * C) / T;
  },
};
const CALL: Record<string, (o: sg.Tensor, yy: sg.Tensor) => sg.Tensor> = {
  ceCountLoss: metric.ceCountLoss, ceRateLoss: metric.ceRateLoss, ceMaxMembraneLoss: metric.ceMaxMembraneLoss, ceMeanMembraneLoss: metric.ceMeanMembraneLoss,
  mseCountLoss: (o, yy) => metric.mseCountLoss(o, yy, { correctRate: 0.7, incorrectRate: 0.25 }),
};

describe('spiking losses', () => {
  const values = uniformArray(T * B * C, -2, 3, rng(21));

  for (const name of Object.keys(REFS)) {
    it(`${name}: float64 value matches the reference, and its gradient matches central differences`, async () => {
      const got = await CALL[name]!(f64(values, [T, B, C]), y()).item();
      expect(got).toBeCloseTo(REFS[name]!(values), 12);
      gradcheck((o) => CALL[name]!(o, y()), [f64(values, [T, B, C])]);
    });
  }

  it('ceCountLoss on 0/1 spikes in float32 equals the float64 reference', async () => {
    const spikes = Array.from(uniformArray(T * B * C, 0, 1, rng(2)), (v) => (v < 0.4 ? 1 : 0));
    const got = await metric.ceCountLoss(sg.tensor(Float32Array.from(spikes), [T, B, C]), sg.tensor(Int32Array.from(labels), [B], 'int32')).item();
    expect(got).toBeCloseTo(REFS.ceCountLoss!(spikes), 5);
  });

  it('checks shapes, dtypes, label ranges and rates, naming the argument', () => {
    const o = sg.zeros([T, B, C]);
    expect(() => metric.ceCountLoss(o, sg.tensor([0, 1, 2], [3], 'int32'))).toThrow(/ceCountLoss: argument 'labels' expected shape \[4\] \(spikes \[5, 4, 3\] without time and class axes\), got \[3\]/);
    expect(() => metric.ceCountLoss(o, sg.tensor([0, 1, 2, 3], [4], 'int32'))).toThrow(/class indices in \[0, 2\] for 3 classes, got values in \[0, 3\]/);
    expect(() => metric.ceMaxMembraneLoss(o, sg.tensor([0, 1, 2, 0]))).toThrow(/argument 'labels' expected an int32 tensor/);
    expect(() => metric.ceMeanMembraneLoss(sg.zeros([B]), sg.tensor([0], [1], 'int32'))).toThrow(/argument 'membrane' expected shape \[T, batch, classes\]/);
    expect(() => metric.mseCountLoss(o, sg.tensor([0, 1, 2, 0], [4], 'int32'), { correctRate: 1.5 })).toThrow(/argument 'correctRate' expected a firing rate in \[0, 1\], got number 1.5/);
  });
});

describe('predictions, accuracies and the confusion matrix', () => {
  // Sample b, class c spikes at the steps listed: counts and first spikes chosen to disagree for sample 1.
  const trains: Record<string, number[]> = {
    '0,2': [1, 2, 3], '0,0': [4],
    '1,0': [0], '1,1': [1, 2, 3, 4],
    '2,1': [0, 1], '2,2': [2], '2,0': [3],
    // sample 3 never spikes: count ties and first-spike ties go to class 0
  };
  const spikes = () => {
    const a = new Float32Array(T * B * C);
    for (const [k, steps] of Object.entries(trains)) {
      const [b, c] = k.split(',').map(Number) as [number, number];
      for (const t of steps) a[(t * B + b) * C + c] = 1;
    }
    return sg.tensor(a, [T, B, C]);
  };

  it('predict by count and by first spike (never spiking = time T; ties to the lower class)', async () => {
    expect(Array.from(await metric.predictByCount(spikes()).data())).toEqual([2, 1, 1, 0]);
    expect(Array.from(await metric.predictByFirstSpike(spikes()).data())).toEqual([2, 0, 1, 0]);
    expect(Array.from(await metric.firstSpikeTime(spikes()).data()).slice(9, 12)).toEqual([T, T, T]);
    const yy = sg.tensor(Int32Array.of(2, 0, 1, 2), [4], 'int32');
    expect(await metric.accuracyRate(spikes(), yy).item()).toBeCloseTo(0.5, 7);
    expect(await metric.accuracyFirstSpike(spikes(), yy).item()).toBeCloseTo(0.75, 7);
  });

  it('the confusion matrix counts (true, predicted) pairs, rows true', async () => {
    const pred = sg.tensor(Int32Array.of(0, 1, 1, 2, 2, 2, 0), [7], 'int32');
    const truth = sg.tensor(Int32Array.of(0, 1, 2, 2, 2, 1, 1), [7], 'int32');
    const m = Array.from(await metric.confusionMatrix(pred, truth, 3).data());
    const ref = new Array(9).fill(0);
    [[0, 0], [1, 1], [2, 1], [2, 2], [2, 2], [1, 2], [1, 0]].forEach(([t, p]) => ref[t! * 3 + p!]++);
    expect(m).toEqual(ref);
    expect(() => metric.confusionMatrix(pred, truth, 2)).toThrow(/confusionMatrix: argument 'predictions' expected class indices in \[0, 1\], got values in \[0, 2\]/);
    expect(() => metric.confusionMatrix(pred, sg.tensor(Int32Array.of(0), [1], 'int32'), 3)).toThrow(/the same shape, got \[7\] and \[1\]/);
  });
});
