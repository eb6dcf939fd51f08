/** Data movement on the CPU: permute, broadcast, slice, pad, concat, gather, one-hot. */
import { allocArray, allocOutput, type TypedArray } from '../../engine/dtype.js';
import { broadcastStrides, sizeOf, stridesOf } from '../../engine/shape.js';
import type { CpuKernel } from '../cpu/types.js';

/**
 * Merges adjacent axes that walk the source as one (stride[d] = stride[d+1]·shape[d+1], which also covers two
 * broadcast axes of stride 0) and drops size-1 axes, so that e.g. broadcasting [1, 256, 2] to [200, 256, 2]
 * copies 200 blocks of 512 instead of 51 200 blocks of 2.
 */
export function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((st, k) => outStrides[k]![last] === st[d]! * shape[d]!)) {
      outShape[last]! *= shape[d]!;
      strides.forEach((st, k) => { outStrides[k]![last] = st[d]!; });
    } else {
      outShape.push(shape[d]!);
      strides.forEach((st, k) => outStrides[k]!.push(st[d]!));
    }
  }
  return { shape: outShape, strides: outStrides };
}

/** Below this many contiguous elements a plain loop beats `set(subarray(…))` (which allocates a view). */
const SMALL_BLOCK = 32;

/** out[i] = src[base + Σ idx_k · srcStrides_k] over the output's index space. */
function gatherStrided(src: TypedArray, out: TypedArray, fullShape: readonly number[], fullStrides: readonly number[], base: number): void {
  const n = out.length;
  if (n === 0) return;
  const { shape: outShape, strides: [srcStrides] } = coalesce(fullShape, [fullStrides]);
  const r = outShape.length;
  if (r === 0) { out[0] = src[base]!; return; }
  const inner = outShape[r - 1]!, si = srcStrides![r - 1]!;
  const idx = new Array<number>(r).fill(0);
  let off = base;
  for (let o = 0; o < n; o += inner) {
    if (si === 1 && inner >= SMALL_BLOCK) out.set(src.subarray(off, off + inner), o);
    else if (si === 0) out.fill(src[off]!, o, o + inner);
    else for (let j = 0; j < inner; j++) out[o + j] = src[off + j * si]!;
    for (let d = r - 2; d >= 0; d--) {
      idx[d]!++;
      off += srcStrides![d]!;
      if (idx[d]! < outShape[d]!) break;
      off -= srcStrides![d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
}

export const permuteKernel: CpuKernel<{ perm: number[] }> = ([x], { perm }, [out]) => {
  const res = allocArray(out!.dtype, x!.size);
  const st = stridesOf(x!.shape);
  gatherStrided(x!.data, res, out!.shape, perm.map((p) => st[p]!), 0);
  return [res];
};

export const broadcastToKernel: CpuKernel<{ shape: number[] }> = ([x], { shape }, [out]) => {
  const res = allocOutput(out!.dtype, sizeOf(shape));
  // New or size-1 leading axes only (the gradient of a mean over time): repeat the whole block.
  let first = 0;
  while (first < x!.shape.length && x!.shape[first] === 1) first++;
  const core = x!.shape.slice(first);
  if (x!.size > 0 && core.every((d, i) => d === shape[shape.length - core.length + i])) {
    // By doubling: log₂(repeats) copies, not one per repeat (a scalar mean's gradient over [T, B, n] has millions).
    if (res.length === 0) return [res];
    res.set(x!.data, 0);
    for (let filled = x!.size; filled < res.length; filled *= 2) res.copyWithin(filled, 0, Math.min(filled, res.length - filled));
    return [res];
  }
  gatherStrided(x!.data, res, shape, broadcastStrides(x!.shape, shape), 0);
  return [res];
};

export const sliceKernel: CpuKernel<{ begin: number[]; size: number[] }> = ([x], { begin, size }, [out]) => {
  const res = allocArray(out!.dtype, sizeOf(size));
  const st = stridesOf(x!.shape);
  gatherStrided(x!.data, res, size, st, begin.reduce((p, b, i) => p + b * st[i]!, 0));
  return [res];
};

export const padKernel: CpuKernel<{ before: number[]; after: number[] }> = ([x], { before }, [out]) => {
  const res = allocArray(out!.dtype, sizeOf(out!.shape));
  const ost = stridesOf(out!.shape);
  // Scatter the input block into the zero-filled output: walk the input, write at the shifted offset.
  const tmpShape = x!.shape;
  const r = tmpShape.length;
  if (x!.size === 0) return [res];
  if (r === 0) { res[0] = x!.data[0]!; return [res]; }
  const base = before.reduce((p, b, i) => p + b * ost[i]!, 0);
  const inner = tmpShape[r - 1]!;
  const idx = new Array<number>(r).fill(0);
  let off = base;
  const d = x!.data;
  for (let i = 0; i < d.length; i += inner) {
    res.set(d.subarray(i, i + inner), off);
    for (let k = r - 2; k >= 0; k--) {
      idx[k]!++;
      off += ost[k]!;
      if (idx[k]! < tmpShape[k]!) break;
      off -= ost[k]! * tmpShape[k]!;
      idx[k] = 0;
    }
  }
  return [res];
};

export const concatKernel: CpuKernel<{ axis: number }> = (ins, { axis }, [out]) => {
  const r = out!.shape.length;
  const ax = axis < 0 ? axis + r : axis;
  const res = allocArray(out!.dtype, sizeOf(out!.shape));
  const outer = sizeOf(out!.shape.slice(0, ax));
  const tail = sizeOf(out!.shape.slice(ax + 1));
  const rowOut = out!.shape[ax]! * tail;
  let col = 0;
  for (const t of ins) {
    const rowIn = t.shape[ax]! * tail;
    for (let o = 0; o < outer; o++) res.set(t.data.subarray(o * rowIn, (o + 1) * rowIn), o * rowOut + col);
    col += rowIn;
  }
  return [res];
};

/** Out-of-range indices give zeros (the WebGPU kernel does the same; no backend reads past a buffer). */
export const gatherKernel: CpuKernel<{ axis: number }> = ([x, idx], { axis }, [out]) => {
  const xs = x!.shape;
  const ax = axis < 0 ? axis + xs.length : axis;
  const pre = sizeOf(xs.slice(0, ax)), n = xs[ax]!, post = sizeOf(xs.slice(ax + 1));
  const m = idx!.size;
  const res = allocArray(out!.dtype, pre * m * post);
  const id = idx!.data, xd = x!.data;
  for (let p = 0; p < pre; p++) {
    for (let k = 0; k < m; k++) {
      const j = id[k]!;
      if (j < 0 || j >= n) continue;
      const src = (p * n + j) * post;
      res.set(xd.subarray(src, src + post), (p * m + k) * post);
    }
  }
  return [res];
};

export const oneHotKernel: CpuKernel<{ depth: number }> = ([idx], { depth }, [out]) => {
  const res = allocArray(out!.dtype, idx!.size * depth);
  const id = idx!.data;
  for (let i = 0; i < id.length; i++) {
    const j = id[i]!;
    if (j >= 0 && j < depth) res[i * depth + j] = 1;
  }
  return [res];
};
