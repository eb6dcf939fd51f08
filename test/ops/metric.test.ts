/** metric: cross-entropy (docs/numerics.md §7), accuracy and MSE against float64 hand formulas; label checks. */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { metric } from '../../index.js';
import { gradcheck } from '../support/gradcheck.js';
import { expectClose, rng, uniformArray } from '../support/helpers.js';

const F64 = { atol: 1e-13, rtol: 1e-12 };
const CE = 'softmaxCrossEntropyWithIntegerLabels';

/** log Σ exp(z) − z[y] per row, written the naive way in float64 (inputs small enough not to overflow). */
function refCe(z: ArrayLike<number>, y: ArrayLike<number>, C: number): number[] {
  return Array.from(y, (label, b) => {
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(z[b * C + c]!);
    return Math.log(s) - z[b * C + label]!;
  });
}

describe('softmaxCrossEntropyWithIntegerLabels', () => {
  const r = rng(11);
  const z = uniformArray(7 * 3, -3, 3, r);
  const y = [0, 2, 1, 1, 0, 2, 2];

  it('gives the per-sample losses of the formula', () => {
    const out = metric.softmaxCrossEntropyWithIntegerLabels(sg.tensor(z, [7, 3], 'float64'), sg.tensor(y, [7], 'int32'));
    expect(out.shape).toEqual([7]);
    expectClose(out.dataSync(), refCe(z, y, 3), F64, 'CE');
  });
  it('is ln 2 for two equal logits, whatever the label (the tutorial\'s first loss)', async () => {
    const l = metric.softmaxCrossEntropyWithIntegerLabels(sg.zeros([256, 2]), sg.tensor(Array.from({ length: 256 }, (_, i) => i % 2), [256], 'int32'));
    expect(Math.abs((await l.mean().item()) - Math.LN2)).toBeLessThan(1e-7);
  });
  it('does not overflow for huge logits', async () => {
    const l = metric.softmaxCrossEntropyWithIntegerLabels(sg.tensor([[1e30, 0], [0, 1e30]]), sg.tensor([0, 0], [2], 'int32'));
    expect(Array.from(l.dataSync())).toEqual([0, 1e30].map(Math.fround));
  });
  it('handles extra leading axes: logits [2, 3, 4] with labels [2, 3]', () => {
    const zz = uniformArray(24, -2, 2, r), yy = [3, 0, 1, 2, 2, 0];
    const out = metric.softmaxCrossEntropyWithIntegerLabels(sg.tensor(zz, [2, 3, 4], 'float64'), sg.tensor(yy, [2, 3], 'int32'));
    expect(out.shape).toEqual([2, 3]);
    expectClose(out.dataSync(), refCe(zz, yy, 4), F64, 'CE rank 3');
  });
  it('its gradient with respect to the logits passes the finite-difference check; the mean gives (softmax − onehot)/B', () => {
    const labels = sg.tensor(y, [7], 'int32');
    gradcheck((l) => metric.softmaxCrossEntropyWithIntegerLabels(l, labels), [sg.tensor(z, [7, 3], 'float64')]);
    const logits = sg.tensor(z, [7, 3], 'float64');
    const dz = sg.grad(() => metric.softmaxCrossEntropyWithIntegerLabels(logits, labels).mean(), logits)();
    const expected = new Float64Array(21);
    for (let b = 0; b < 7; b++) {
      let s = 0;
      for (let c = 0; c < 3; c++) s += Math.exp(z[b * 3 + c]!);
      for (let c = 0; c < 3; c++) expected[b * 3 + c] = (Math.exp(z[b * 3 + c]!) / s - (c === y[b] ? 1 : 0)) / 7;
    }
    expectClose(dz.dataSync(), expected, F64, 'dL/dz');
  });
  it('rejects labels of the wrong dtype or shape, naming the argument', () => {
    const logits = sg.zeros([4, 2]);
    expect(() => metric.softmaxCrossEntropyWithIntegerLabels(logits, sg.tensor([0, 1, 0, 1]))).toThrow(
      `${CE}: argument 'labels' expected an int32 tensor of class indices, got float32 [4] (use .astype('int32'))`);
    expect(() => metric.softmaxCrossEntropyWithIntegerLabels(logits, sg.tensor([0, 1, 1], [3], 'int32'))).toThrow(
      `${CE}: argument 'labels' expected shape [4] (logits [4, 2] without the class axis), got [3]`);
    expect(() => metric.softmaxCrossEntropyWithIntegerLabels(sg.zeros([4, 2], 'int32'), sg.tensor([0, 1, 1, 0], [4], 'int32'))).toThrow(
      `${CE}: argument 'logits' expected a float tensor, got int32 [4, 2]`);
    expect(() => metric.softmaxCrossEntropyWithIntegerLabels([1, 2] as never, sg.zeros([2], 'int32'))).toThrow(/argument 'logits' expected a Tensor, got array/);
  });
  it('rejects out-of-range labels whose values the host knows, through reshape and slice', () => {
    const logits = sg.zeros([4, 2]);
    const bad = sg.tensor([0, 1, 2, 1], [4], 'int32');
    const msg = `${CE}: argument 'labels' expected class indices in [0, 1] for 2 classes, got values in [0, 2]`;
    expect(() => metric.softmaxCrossEntropyWithIntegerLabels(logits, bad)).toThrow(msg);
    expect(() => metric.softmaxCrossEntropyWithIntegerLabels(sg.zeros([2, 2, 2]), bad.reshape([2, 2]))).toThrow(/got values in \[0, 2\]/);
    expect(() => metric.softmaxCrossEntropyWithIntegerLabels(sg.zeros([3, 2]), sg.slice(bad, [1], [3]))).toThrow(/got values in \[0, 2\]/);
    expect(() => metric.softmaxCrossEntropyWithIntegerLabels(logits, sg.random.randint(-1, 1, [4]))).toThrow(/got values in \[-1, 0\]/);
  });
  it('accepts the tutorial\'s labels (bool cast to int32: known to lie in [0, 1])', () => {
    const labels = sg.random.rand([256]).lt(0.5).astype('int32');
    expect(() => metric.softmaxCrossEntropyWithIntegerLabels(sg.zeros([256, 2]), labels)).not.toThrow();
    expect(() => metric.softmaxCrossEntropyWithIntegerLabels(sg.zeros([256, 1]), labels)).toThrow(/class indices in \[0, 0\] for 1 classes, got values in \[0, 1\]/);
  });
  it('labels computed on the device are not read back: an out-of-range one gives NaN (documented)', () => {
    const deviceLabels = sg.add(sg.tensor([0, 1], [2], 'int32'), 2); // values unknown to the host
    const l = metric.softmaxCrossEntropyWithIntegerLabels(sg.zeros([2, 2]), deviceLabels).dataSync();
    expect(Array.from(l).every(Number.isNaN)).toBe(true);
  });
});

describe('accuracy', () => {
  it('is the fraction of rows whose argmax is the label', async () => {
    const logits = sg.tensor([[0.1, 0.9], [2, -1], [0, 0], [5, 6], [3, 3.5]]);
    expect(await metric.accuracy(logits, sg.tensor([1, 0, 1, 0, 1], [5], 'int32')).item()).toBeCloseTo(3 / 5, 7);
  });
  it('checks its labels like the loss does', () => {
    expect(() => metric.accuracy(sg.zeros([2, 2]), sg.tensor([0, 5], [2], 'int32'))).toThrow(/accuracy: argument 'labels' expected class indices in \[0, 1\]/);
  });
});

describe('meanSquaredError', () => {
  const p = [1, 2, 3, 4, 5, 6], t = [1.5, 2, 2, 4, -1, 6];
  it('averages the squared differences over every element or over an axis', async () => {
    const P = sg.tensor(p, [2, 3], 'float64'), T = sg.tensor(t, [2, 3], 'float64');
    expect(await metric.meanSquaredError(P, T).item()).toBeCloseTo((0.25 + 0 + 1 + 0 + 36 + 0) / 6, 13);
    expectClose(metric.meanSquaredError(P, T, -1).dataSync(), [(0.25 + 1) / 3, 36 / 3], F64);
    gradcheck((a, b) => metric.meanSquaredError(a, b), [P, T]);
  });
  it('rejects mismatched dtypes and shapes', () => {
    expect(() => metric.meanSquaredError(sg.zeros([2]), sg.zeros([2], 'float64'))).toThrow(/meanSquaredError: arguments 'predictions' and 'targets' expected float tensors of one dtype, got float32 \[2\] and float64 \[2\]/);
    expect(() => metric.meanSquaredError(sg.zeros([2, 3]), sg.zeros([2, 2]))).toThrow(/meanSquaredError/);
  });
});
