/**
 * Fused softmax cross-entropy with integer labels (docs/numerics.md §7): per row, m = max(z), loss = log Σ exp(z − m) − (z[y] − m).
 * A label outside [0, classes) yields NaN, so a bad label can never pass silently as a plausible loss.
 */
import { allocArray, type TypedArray } from '../../engine/dtype.js';
import type { CpuKernel } from '../cpu/types.js';

/** The row's max-shift m and Σ exp(z − m): the stable pieces of both the loss and its gradient. */
function rowShift(z: TypedArray, row: number, C: number): { m: number; s: number } {
  let m = -Infinity;
  for (let c = 0; c < C; c++) m = Math.max(m, z[row + c]!);
  let s = 0;
  for (let c = 0; c < C; c++) s += Math.exp(z[row + c]! - m);
  return { m, s };
}

export const softmaxCrossEntropyKernel: CpuKernel<Record<string, never>> = ([logits, labels], _a, [out]) => {
  const [B, C] = logits!.shape as [number, number];
  const z = logits!.data, y = labels!.data;
  const res = allocArray(out!.dtype, B);
  for (let b = 0; b < B; b++) {
    const row = b * C, label = y[b]!;
    const { m, s } = rowShift(z, row, C);
    res[b] = label >= 0 && label < C ? Math.log(s) - (z[row + label]! - m) : NaN;
  }
  return [res];
};

export const softmaxCrossEntropyGradKernel: CpuKernel<Record<string, never>> = ([logits, labels, dy], _a, [out]) => {
  const [B, C] = logits!.shape as [number, number];
  const z = logits!.data, y = labels!.data, g = dy!.data;
  const res = allocArray(out!.dtype, B * C);
  for (let b = 0; b < B; b++) {
    const row = b * C, label = y[b]!, scale = g[dy!.size === 1 ? 0 : b]!;
    const { m, s } = rowShift(z, row, C);
    for (let c = 0; c < C; c++) res[row + c] = (Math.exp(z[row + c]! - m) / s - (c === label ? 1 : 0)) * scale;
  }
  return [res];
};
