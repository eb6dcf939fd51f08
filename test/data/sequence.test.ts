/**
 * data.imageSequence: images [B, H, W] become the sequence [T, B, inputs] a recurrent network reads, row by row
 * or pixel by pixel, checked entry by entry against hand-written sequences of two small images; and its errors.
 */
import { describe, expect, it } from 'vitest';
import { imageSequence, sequenceShape } from '../../data/sequence.js';
import { SpikegradError } from '../../engine/errors.js';

// Two 2×3 images, row-major: image 0 is 1..6, image 1 is 10..60.
const images = Float32Array.from([1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60]);

describe('data.imageSequence', () => {
  it("'rows': T = H steps, step t holds row t of every image", () => {
    const { values, shape } = imageSequence({ order: 'rows' })(images, [2, 2, 3]);
    expect(shape).toEqual([2, 2, 3]); // [T = 2 rows, B = 2, inputs = 3]
    expect(Array.from(values)).toEqual([
      1, 2, 3, /* t=0 b=1 */ 10, 20, 30,
      4, 5, 6, /* t=1 b=1 */ 40, 50, 60,
    ]);
  });

  it("'pixels': T = H·W steps of one input, pixel k (reading order) at step k", () => {
    const { values, shape } = imageSequence({ order: 'pixels' })(images, [2, 2, 3]);
    expect(shape).toEqual([6, 2, 1]);
    expect(Array.from(values)).toEqual([1, 10, 2, 20, 3, 30, 4, 40, 5, 50, 6, 60]);
  });

  it('takes one-channel images [B, H, W, 1] too, and leaves the input untouched', () => {
    const copy = images.slice();
    const { shape } = imageSequence({ order: 'rows' })(images, [2, 2, 3, 1]);
    expect(shape).toEqual([2, 2, 3]);
    expect(images).toEqual(copy);
  });

  it('sequenceShape gives T and the inputs per step', () => {
    expect(sequenceShape('rows', 28, 28)).toEqual({ steps: 28, inputs: 28 });
    expect(sequenceShape('pixels', 28, 28)).toEqual({ steps: 784, inputs: 1 });
  });

  it('bad input: a SpikegradError naming the argument, the expected and the actual', () => {
    expect(() => imageSequence({ order: 'columns' as 'rows' })).toThrow(SpikegradError);
    expect(() => imageSequence({ order: 'columns' as 'rows' })).toThrow(/data\.imageSequence: argument 'order' expected 'rows' or 'pixels', got string 'columns'/);
    expect(() => imageSequence(null as never)).toThrow(/argument 'opts' expected \{ order: 'rows' \| 'pixels' \}, got null/);
    expect(() => sequenceShape('diagonal' as 'rows', 2, 2)).toThrow(/data\.sequenceShape: argument 'order'/);
    const rows = imageSequence({ order: 'rows' });
    expect(() => rows(images, [2, 6])).toThrow(/expected one-channel images \[batch, height, width\], got a batch of shape \[2, 6\]/);
    expect(() => rows(images, [1, 2, 3, 2])).toThrow(/got a batch of shape \[1, 2, 3, 2\]/);
    expect(() => rows(images, [3, 2, 3])).toThrow(/a batch of shape \[3, 2, 3\] needs 18 values, got 12/);
  });
});
