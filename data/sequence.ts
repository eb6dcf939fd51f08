/**
 * Images as time series, for recurrent networks (sequential MNIST): `imageSequence` turns a batch of images
 * [B, H, W] into a sequence [T, B, inputs] on the host, either row by row (T = H steps of the W pixels of one
 * row) or pixel by pixel (T = H·W steps of one pixel, in reading order). The values are the pixel intensities
 * themselves, to be used as input currents: each pixel is seen at exactly one step, so a rate code would keep
 * one Bernoulli draw of its gray level (bench/RESULTS.md, "Sequential digits").
 *
 * A DataLoader applies it with its `encodeHost` option, after any `augment` (the shift moves the image, then it
 * is read out as a sequence).
 */
import { SpikegradError, describeValue } from '../engine/errors.js';
import type { HostTransform } from './augment.js';

/** The orders `data.imageSequence` reads an image in: one row per step, or one pixel per step. */
export const SEQUENCE_ORDERS = ['rows', 'pixels'] as const;
/** 'rows' (one row of the image per step) or 'pixels' (one pixel per step, in reading order). */
export type SequenceOrder = (typeof SEQUENCE_ORDERS)[number];

/** Options of `data.imageSequence`. */
export interface ImageSequenceOptions {
  /** 'rows': T = H steps of W inputs (row t at step t); 'pixels': T = H·W steps of 1 input (pixel k at step k). */
  order: SequenceOrder;
}

/**
 * The sequence length T and the inputs per step for images of `height`×`width` pixels read in `order`.
 * @example sequenceShape('rows', 28, 28)   // { steps: 28, inputs: 28 }
 */
export function sequenceShape(order: SequenceOrder, height: number, width: number): { steps: number; inputs: number } {
  checkOrder('data.sequenceShape', order);
  return order === 'rows' ? { steps: height, inputs: width } : { steps: height * width, inputs: 1 };
}

/**
 * A host transform from images [B, H, W] (or [B, H, W, 1]) to the sequence [T, B, inputs] that feeds them to a
 * network one row (`order: 'rows'`, T = H, inputs = W) or one pixel (`order: 'pixels'`, T = H·W, inputs = 1)
 * per step: out[t, b, j] = image_b[t, j] for rows, out[k, b, 0] = image_b[⌊k/W⌋, k mod W] for pixels.
 * @example new DataLoader(train, { batchSize: 128, encodeHost: data.imageSequence({ order: 'rows' }) })  // x: [28, 128, 28]
 */
export function imageSequence(opts: ImageSequenceOptions): HostTransform {
  const fn = 'data.imageSequence';
  if (opts === null || typeof opts !== 'object') throw new SpikegradError(`${fn}: argument 'opts' expected { order: 'rows' | 'pixels' }, got ${describeValue(opts)}`);
  const order = opts.order;
  checkOrder(fn, order);
  return (values, shape) => {
    if (!(shape.length === 3 || (shape.length === 4 && shape[3] === 1))) {
      throw new SpikegradError(`${fn}: expected one-channel images [batch, height, width], got a batch of shape [${shape.join(', ')}]`);
    }
    const [B, H, W] = shape as [number, number, number];
    const n = H * W;
    if (values.length !== B * n) throw new SpikegradError(`${fn}: a batch of shape [${shape.join(', ')}] needs ${B * n} values, got ${values.length}`);
    const { steps: T, inputs } = sequenceShape(order, H, W);
    const out = new Float32Array(values.length);
    // Step t of image b is `inputs` consecutive values of the image at offset t·inputs (a row, or one pixel):
    // the reading order of a row-major image is the same for both orders, only the step size differs.
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const src = b * n + t * inputs;
        out.set(values.subarray(src, src + inputs), (t * B + b) * inputs);
      }
    }
    return { values: out, shape: [T, B, inputs] };
  };
}

function checkOrder(fn: string, order: unknown): asserts order is SequenceOrder {
  if (!SEQUENCE_ORDERS.includes(order as SequenceOrder)) {
    throw new SpikegradError(`${fn}: argument 'order' expected 'rows' or 'pixels', got ${describeValue(order)}`);
  }
}
