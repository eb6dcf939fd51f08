/**
 * Losses and metrics (braintools.metric). Each checks its arguments on the host before any backend work.
 *
 * Label range: labels created from host data (`tensor`, `random.randint`) or cast from bool carry their known
 * min/max (engine/intRange.ts), so an out-of-range label is an error here. Labels computed on the device
 * have no known range and are not read back to check; there, the fused kernel gives a NaN loss for a label
 * outside [0, classes), so a bad label still cannot pass as a plausible number.
 */
import { isFloat } from '../engine/dtype.js';
import { SpikegradError, describeValue, fmtShape } from '../engine/errors.js';
import { knownIntRange } from '../engine/intRange.js';
import { sameShape, broadcastShapes } from '../engine/shape.js';
import { Tensor } from '../engine/tensor.js';
import { argmax, cast, eq, mean, reshape, softmaxCrossEntropy, square, sub } from '../engine/api.js';

function requireTensor(fn: string, arg: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw new SpikegradError(`${fn}: argument '${arg}' expected a Tensor, got ${describeValue(x)}`);
  return x;
}

/** Validates logits [..., C] and int32 labels [...]; returns C. */
function checkClassification(fn: string, logits: unknown, labels: unknown): number {
  const z = requireTensor(fn, 'logits', logits), y = requireTensor(fn, 'labels', labels);
  if (!isFloat(z.dtype)) throw new SpikegradError(`${fn}: argument 'logits' expected a float tensor, got ${z.dtype} ${fmtShape(z.shape)}`);
  if (z.rank < 1 || z.shape.at(-1)! < 1) throw new SpikegradError(`${fn}: argument 'logits' expected shape [..., classes] with classes >= 1, got ${fmtShape(z.shape)}`);
  if (y.dtype !== 'int32') {
    throw new SpikegradError(`${fn}: argument 'labels' expected an int32 tensor of class indices, got ${y.dtype} ${fmtShape(y.shape)} (use .astype('int32'))`);
  }
  const batch = z.shape.slice(0, -1);
  if (!sameShape(y.shape, batch)) {
    throw new SpikegradError(`${fn}: argument 'labels' expected shape ${fmtShape(batch)} (logits ${fmtShape(z.shape)} without the class axis), got ${fmtShape(y.shape)}`);
  }
  const C = z.shape.at(-1)!;
  const r = knownIntRange(y);
  if (r && (r.min < 0 || r.max >= C)) {
    throw new SpikegradError(`${fn}: argument 'labels' expected class indices in [0, ${C - 1}] for ${C} classes, got values in [${r.min}, ${r.max}]`);
  }
  return C;
}

/**
 * Per-sample cross-entropy of softmax(logits) against integer labels, max-shifted so it never overflows
 * (docs/numerics.md §7): log Σ exp(z − m) − (z[label] − m). Logits [..., C], labels int32 [...]; the result has the
 * labels' shape (take `.mean()` for the batch loss). The gradient with respect to the logits is
 * softmax − onehot, from the same fused kernel.
 * @example const loss = metric.softmaxCrossEntropyWithIntegerLabels(preds, yData).mean();
 */
export function softmaxCrossEntropyWithIntegerLabels(logits: Tensor, labels: Tensor): Tensor {
  const C = checkClassification('softmaxCrossEntropyWithIntegerLabels', logits, labels);
  const n = labels.size;
  const out = softmaxCrossEntropy(reshape(logits, [n, C]), reshape(labels, [n]));
  return reshape(out, [...labels.shape]);
}

/**
 * The fraction of samples whose largest logit is at the label (ties: the first maximum), as a float32
 * scalar tensor. No gradient.
 * @example const acc = await metric.accuracy(preds, yData).item();
 */
export function accuracy(logits: Tensor, labels: Tensor): Tensor {
  checkClassification('accuracy', logits, labels);
  return mean(cast(eq(argmax(logits, -1), labels), 'float32'));
}

/**
 * Mean of (predictions − targets)² over every element (or over `axis` only, e.g. per sample). Shapes must
 * broadcast; float dtypes must match.
 * @example metric.meanSquaredError(out, target)          // scalar
 *          metric.meanSquaredError(out, target, -1)      // one value per row
 */
export function meanSquaredError(predictions: Tensor, targets: Tensor, axis?: number | number[]): Tensor {
  const fn = 'meanSquaredError';
  const p = requireTensor(fn, 'predictions', predictions), t = requireTensor(fn, 'targets', targets);
  if (!isFloat(p.dtype) || p.dtype !== t.dtype) {
    throw new SpikegradError(`${fn}: arguments 'predictions' and 'targets' expected float tensors of one dtype, got ${p.dtype} ${fmtShape(p.shape)} and ${t.dtype} ${fmtShape(t.shape)}`);
  }
  broadcastShapes(fn, p.shape, t.shape);
  return mean(square(sub(p, t)), axis);
}
export * from './spikeMetric.js';
