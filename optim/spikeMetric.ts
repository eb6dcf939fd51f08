/**
 * Losses and metrics for spiking outputs (after snntorch.functional): the network's output is a sequence
 * [T, B, C] of spikes (or of a readout's membrane) and the label of each sample is an int32 class index.
 *
 * - ceCountLoss: cross-entropy of the spike counts Σ_t s[t] (snnTorch ce_count_loss);
 * - ceRateLoss: the mean over steps of the cross-entropy of each step's spikes (ce_rate_loss);
 * - ceMaxMembraneLoss / ceMeanMembraneLoss: cross-entropy of max_t V[t] or mean_t V[t] (ce_max_membrane_loss);
 * - mseCountLoss: mean squared error between the counts and target counts ⌊T·correctRate⌋ for the label's
 *   class and ⌊T·incorrectRate⌋ for the others, divided by T (mse_count_loss);
 * - accuracyRate (the class with the most spikes) and accuracyFirstSpike (the class that spikes first);
 * - confusionMatrix: counts [C, C], rows the true class, columns the predicted one.
 * Losses return the batch mean (a scalar) and are differentiable; predictions and accuracies are not.
 * Ties go to the lower class index, as argmax does; a class that never spikes has first-spike time T.
 */
import { argmax, broadcastTo, cast, eq, gt, matmul, max, mean, mul, add, neg, oneHot, reshape, square, sub, sum, tensor, where, min } from '../engine/api.js';
import { isFloat } from '../engine/dtype.js';
import { SpikegradError, describeValue, fmtShape } from '../engine/errors.js';
import { knownIntRange } from '../engine/intRange.js';
import { sameShape } from '../engine/shape.js';
import { noGrad } from '../engine/tape.js';
import { Tensor } from '../engine/tensor.js';
import { softmaxCrossEntropyWithIntegerLabels } from './metric.js';

/** Checks outputs [T, ..., C] and labels [...]; returns T and C. */
function checkSeq(fn: string, out: unknown, labels: unknown, what = 'spikes'): { T: number; C: number } {
  if (!(out instanceof Tensor) || !isFloat(out.dtype)) throw new SpikegradError(`${fn}: argument '${what}' expected a float tensor [T, batch, classes], got ${describeValue(out)}`);
  if (out.rank < 2 || out.shape[0]! < 1 || out.shape.at(-1)! < 1) throw new SpikegradError(`${fn}: argument '${what}' expected shape [T, batch, classes] with T >= 1, got ${fmtShape(out.shape)}`);
  if (!(labels instanceof Tensor) || labels.dtype !== 'int32') {
    throw new SpikegradError(`${fn}: argument 'labels' expected an int32 tensor of class indices, got ${describeValue(labels)} (use .astype('int32'))`);
  }
  const batch = out.shape.slice(1, -1);
  if (!sameShape(labels.shape, batch)) throw new SpikegradError(`${fn}: argument 'labels' expected shape ${fmtShape(batch)} (${what} ${fmtShape(out.shape)} without time and class axes), got ${fmtShape(labels.shape)}`);
  const C = out.shape.at(-1)!;
  const r = knownIntRange(labels);
  if (r && (r.min < 0 || r.max >= C)) throw new SpikegradError(`${fn}: argument 'labels' expected class indices in [0, ${C - 1}] for ${C} classes, got values in [${r.min}, ${r.max}]`);
  return { T: out.shape[0]!, C };
}

/** Spike counts Σ_t s[t]: [T, ..., C] → [..., C]. */
export function spikeCount(spikes: Tensor): Tensor {
  return sum(spikes, 0);
}

/**
 * Cross-entropy of the spike counts, batch mean.
 * @example const loss = metric.ceCountLoss(net.run(x), y);   // spikes [T, B, 10], y int32 [B]
 */
export function ceCountLoss(spikes: Tensor, labels: Tensor): Tensor {
  checkSeq('ceCountLoss', spikes, labels);
  return mean(softmaxCrossEntropyWithIntegerLabels(sum(spikes, 0), labels));
}

/** Mean over steps and samples of each step's cross-entropy. */
export function ceRateLoss(spikes: Tensor, labels: Tensor): Tensor {
  const { T } = checkSeq('ceRateLoss', spikes, labels);
  const yT = broadcastTo(reshape(labels, [1, ...labels.shape]), [T, ...labels.shape]);
  return mean(softmaxCrossEntropyWithIntegerLabels(spikes, yT));
}

/** Cross-entropy of the largest membrane value over time, batch mean. */
export function ceMaxMembraneLoss(membrane: Tensor, labels: Tensor): Tensor {
  checkSeq('ceMaxMembraneLoss', membrane, labels, 'membrane');
  return mean(softmaxCrossEntropyWithIntegerLabels(max(membrane, 0), labels));
}

/** Cross-entropy of the time-averaged membrane, batch mean. */
export function ceMeanMembraneLoss(membrane: Tensor, labels: Tensor): Tensor {
  checkSeq('ceMeanMembraneLoss', membrane, labels, 'membrane');
  return mean(softmaxCrossEntropyWithIntegerLabels(mean(membrane, 0), labels));
}

/** Options of `metric.mseCountLoss`: the target firing rates of the correct and the other classes. */
export interface MseCountOptions {
  /** Target firing rate of the label's class, per step (default 1). */
  correctRate?: number;
  /** Target firing rate of the other classes (default 0). */
  incorrectRate?: number;
}

/**
 * snnTorch's mse_count_loss: mean over samples and classes of (count − target)², divided by T, with target
 * ⌊T·correctRate⌋ spikes for the label's class and ⌊T·incorrectRate⌋ for the others.
 * @example metric.mseCountLoss(spikes, y, { correctRate: 0.8, incorrectRate: 0.2 })
 */
export function mseCountLoss(spikes: Tensor, labels: Tensor, opts: MseCountOptions = {}): Tensor {
  const fn = 'mseCountLoss';
  const { T, C } = checkSeq(fn, spikes, labels);
  const rate = (name: string, v: unknown, d: number): number => {
    const r = v ?? d;
    if (typeof r !== 'number' || !(r >= 0 && r <= 1)) throw new SpikegradError(`${fn}: argument '${name}' expected a firing rate in [0, 1], got ${describeValue(r)}`);
    return r;
  };
  const on = Math.floor(T * rate('correctRate', opts.correctRate, 1)), off = Math.floor(T * rate('incorrectRate', opts.incorrectRate, 0));
  const target = add(mul(oneHot(labels, C, spikes.dtype), on - off), off);
  return mul(mean(square(sub(sum(spikes, 0), target))), 1 / T);
}

/** The class with the most spikes ([T, ..., C] → int32 [...]). */
export function predictByCount(spikes: Tensor): Tensor {
  return noGrad(() => argmax(sum(spikes, 0), -1));
}

/** The time step of each output's first spike ([T, ..., C] → [..., C]); T where it never spikes. */
export function firstSpikeTime(spikes: Tensor): Tensor {
  return noGrad(() => {
    const T = spikes.shape[0]!;
    const steps = tensor(Float32Array.from({ length: T }, (_, t) => t), [T, ...spikes.shape.slice(1).map(() => 1)], spikes.dtype === 'float64' ? 'float64' : 'float32', spikes.backend);
    return min(where(gt(spikes, 0), steps, T), 0);
  });
}

/** The class whose output spikes first ([T, ..., C] → int32 [...]). */
export function predictByFirstSpike(spikes: Tensor): Tensor {
  return noGrad(() => argmax(neg(firstSpikeTime(spikes)), -1));
}

/** Fraction of samples whose most-spiking class is the label (float32 scalar). */
export function accuracyRate(spikes: Tensor, labels: Tensor): Tensor {
  checkSeq('accuracyRate', spikes, labels);
  return noGrad(() => mean(cast(eq(predictByCount(spikes), labels), 'float32')));
}

/** Fraction of samples whose first-spiking class is the label (float32 scalar). */
export function accuracyFirstSpike(spikes: Tensor, labels: Tensor): Tensor {
  checkSeq('accuracyFirstSpike', spikes, labels);
  return noGrad(() => mean(cast(eq(predictByFirstSpike(spikes), labels), 'float32')));
}

/**
 * Counts of (true class, predicted class) pairs: float32 [classes, classes], rows true, columns predicted
 * (exact up to 2²⁴ per cell). Add the matrices of several batches for a whole test set.
 * @example const cm = metric.confusionMatrix(metric.predictByCount(out), y, 10);
 */
export function confusionMatrix(predictions: Tensor, labels: Tensor, classes: number): Tensor {
  const fn = 'confusionMatrix';
  if (!Number.isInteger(classes) || classes < 1) throw new SpikegradError(`${fn}: argument 'classes' expected a positive integer, got ${describeValue(classes)}`);
  for (const [name, t] of [['predictions', predictions], ['labels', labels]] as const) {
    if (!(t instanceof Tensor) || t.dtype !== 'int32') throw new SpikegradError(`${fn}: argument '${name}' expected an int32 tensor of class indices, got ${describeValue(t)}`);
    const r = knownIntRange(t);
    if (r && (r.min < 0 || r.max >= classes)) throw new SpikegradError(`${fn}: argument '${name}' expected class indices in [0, ${classes - 1}], got values in [${r.min}, ${r.max}]`);
  }
  if (!sameShape(predictions.shape, labels.shape)) throw new SpikegradError(`${fn}: arguments 'predictions' and 'labels' expected the same shape, got ${fmtShape(predictions.shape)} and ${fmtShape(labels.shape)}`);
  return noGrad(() => {
    const n = labels.size;
    return matmul(oneHot(reshape(labels, [n]), classes), oneHot(reshape(predictions, [n]), classes), { transposeA: true });
  });
}
