/**
 * Reductions on the CPU: one pass over the input with an odometer that maps each element to its output slot.
 * Sums accumulate in float64 whatever the storage type, so a float32 sum of 51 200 terms keeps ~7 digits.
 * Float32 sums over leading axes run as WebAssembly SIMD where they can (sumWasm.ts), with the same bits.
 */
import { allocArray } from '../../engine/dtype.js';
import { stridesOf } from '../../engine/shape.js';
import type { CpuInput, CpuKernel } from '../cpu/types.js';
import { sumQuadsWasm, sumRowsWasm } from './sumWasm.js';

export interface ReduceAttrs { axes: number[]; keepDims: boolean }

/** Output offset strides seen from the input's index space: 0 along reduced axes. */
function outStrides(x: CpuInput, axes: readonly number[]): number[] {
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const st = stridesOf(kept);
  return st.map((s, i) => (axes.includes(i) ? 0 : s));
}

function reduceInto(x: CpuInput, axes: readonly number[], acc: Float64Array, step: (acc: Float64Array, o: number, v: number) => void): void {
  const shape = x.shape, r = shape.length, d = x.data;
  if (d.length === 0) return;
  if (r === 0) { step(acc, 0, d[0]!); return; }
  // Fast path: reducing trailing axes only → contiguous groups.
  const trailing = axes.length > 0 && axes.every((a, i) => a === r - axes.length + i);
  if (trailing) {
    const group = axes.reduce((p, a) => p * shape[a]!, 1);
    for (let o = 0, i = 0; o < acc.length; o++) for (let j = 0; j < group; j++, i++) step(acc, o, d[i]!);
    return;
  }
  const os = outStrides(x, axes);
  const idx = new Array<number>(r).fill(0);
  let o = 0;
  for (let i = 0; i < d.length; i++) {
    step(acc, o, d[i]!);
    for (let k = r - 1; k >= 0; k--) {
      idx[k]!++;
      o += os[k]!;
      if (idx[k]! < shape[k]!) break;
      o -= os[k]! * shape[k]!;
      idx[k] = 0;
    }
  }
}

function outSize(x: CpuInput, axes: readonly number[]): number {
  return x.shape.reduce((p, d, i) => (axes.includes(i) ? p : p * d), 1);
}

/** s_q = 0 + d[q] + d[q + 4] + … for q < 4 (n a multiple of 4), in float64. */
function quadSums(d: ArrayLike<number>, n: number): number[] {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let i = 0; i < n; i += 4) {
    s0 += d[i]!;
    s1 += d[i + 1]!;
    s2 += d[i + 2]!;
    s3 += d[i + 3]!;
  }
  return [s0, s1, s2, s3];
}

/**
 * Sums over leading axes (column sums: the bias gradient over [T·B, n], mean over time) without the
 * odometer: after merging adjacent reduced and adjacent kept axes the input is [reduced, kept].
 * Returns false when the layout is not of that form.
 */
function sumLeading(x: CpuInput, axes: readonly number[], acc: Float64Array): boolean {
  const shape = x.shape;
  let k = 0, outer = 1;
  while (k < shape.length && (axes.includes(k) || shape[k] === 1)) outer *= shape[k++]!;
  for (let i = k; i < shape.length; i++) if (axes.includes(i) && shape[i] !== 1) return false;
  const inner = acc.length, d = x.data, n = d.length;
  if (outer * inner !== n) return false;
  if (4 % inner === 0 && n % 4 === 0) {
    // Rows of 1, 2 or 4 (a bias gradient over [T·B, n]): four running sums in registers, one per position
    // modulo 4, folded into the columns at the end (an array accumulator per column measured 2× slower).
    const s = (d instanceof Float32Array && sumQuadsWasm(d, n)) || quadSums(d, n);
    for (let q = 0; q < 4; q++) acc[q % inner]! += s[q]!;
    return true;
  }
  if (d instanceof Float32Array && sumRowsWasm(d, outer, inner, acc)) return true;
  for (let i = 0; i < n; i += inner) {
    let j = 0;
    for (; j + 4 <= inner; j += 4) {
      acc[j]! += d[i + j]!;
      acc[j + 1]! += d[i + j + 1]!;
      acc[j + 2]! += d[i + j + 2]!;
      acc[j + 3]! += d[i + j + 3]!;
    }
    for (; j < inner; j++) acc[j]! += d[i + j]!;
  }
  return true;
}

export const sumKernel: CpuKernel<ReduceAttrs> = ([x], { axes }, [out]) => {
  const acc = new Float64Array(outSize(x!, axes));
  if (!sumLeading(x!, axes, acc)) reduceInto(x!, axes, acc, (a, o, v) => { a[o]! += v; });
  const res = allocArray(out!.dtype, acc.length);
  res.set(acc);
  return [res];
};

function extremeKernel(sign: 1 | -1): CpuKernel<ReduceAttrs> {
  return ([x], { axes }, [out]) => {
    const acc = new Float64Array(outSize(x!, axes)).fill(-Infinity * sign);
    // NaN wins, as in NumPy/JAX: once a slot is NaN it stays NaN.
    if (sign === 1) reduceInto(x!, axes, acc, (a, o, v) => { if (v > a[o]! || v !== v) a[o] = v; });
    else reduceInto(x!, axes, acc, (a, o, v) => { if (v < a[o]! || v !== v) a[o] = v; });
    const res = allocArray(out!.dtype, acc.length);
    res.set(acc);
    return [res];
  };
}
export const maxKernel = extremeKernel(1);
export const minKernel = extremeKernel(-1);

export const argmaxKernel: CpuKernel<{ axis: number }> = ([x], { axis }, [out]) => {
  const shape = x!.shape, d = x!.data;
  const n = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((p, v) => p * v, 1);
  const outer = shape.slice(0, axis).reduce((p, v) => p * v, 1);
  const res = allocArray(out!.dtype, outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = -Infinity, bi = 0;
      for (let k = 0; k < n; k++) {
        const v = d[(o * n + k) * inner + i]!;
        if (v > best) { best = v; bi = k; }
      }
      res[o * inner + i] = bi;
    }
  }
  return [res];
};
