/**
 * Thin matrix products: a small SNN layer's matmuls have a long T·B axis and tiny feature axes (the seed
 * network's [51 200, 4] @ [4, 2], its input gradient [51 200, 2] @ [2, 4] and its weight gradient
 * [51 200, 4]ᵀ @ [51 200, 2]). Loops over axes of length 2 or 4 cost more in loop control than in
 * arithmetic (measured 2× slower than straight-line code), so these kernels are generated per (small dims)
 * with the small axes unrolled: B (or the accumulators) live in local variables, and one pass over the long
 * axis does all the work, without branches.
 *
 * Each output element is the float64 sum 0 + p_0 + p_1 + … in ascending k, rounded once on store: the same
 * value as the other matmul paths (see cpu.ts). Where `new Function` is forbidden (strict CSP), generic
 * loops with the same order are used.
 */
import type { TypedArray } from '../../engine/dtype.js';
import { cachedKernel, range } from '../cpu/codegen.js';

/** out[outOff + i·N + j] = Σ_k A[i, k]·B[k, j] for i < M; A stored [M, K] from aOff, B [K, N] from bOff. */
export type ThinRows = (a: TypedArray, aOff: number, b: ArrayLike<number>, bOff: number, out: TypedArray, outOff: number, M: number) => void;
/** out[outOff + m·N + j] = Σ_k A[k, m]·B[k, j] for k < K; A stored [K, M] from aOff, B [K, N] from bOff. */
export type ThinTransposed = (a: TypedArray, aOff: number, b: ArrayLike<number>, bOff: number, out: TypedArray, outOff: number, K: number) => void;

/** Unrolled when the product of the two small dims is at most this (locals beyond it spill anyway). */
export const THIN_MAX = 32;

export function thinRows(K: number, N: number): ThinRows {
  return cachedKernel<ThinRows>(`rows${K}x${N}`, () => {
    const bs = range(K).flatMap((k) => range(N).map((j) => `b${k}_${j} = b[bOff + ${k * N + j}]`));
    const as = range(K).map((k) => `a${k} = a[ai + ${k}]`);
    const outs = range(N).map((j) => `out[o + ${j}] = 0${range(K).map((k) => ` + a${k} * b${k}_${j}`).join('')};`);
    return `return function thinRows${K}x${N}(a, aOff, b, bOff, out, outOff, M) {
      const ${bs.join(', ')};
      for (let i = 0, ai = aOff, o = outOff; i < M; i++, ai += ${K}, o += ${N}) {
        const ${as.join(', ')};
        ${outs.join('\n        ')}
      }
    };`;
  }, () => (a, aOff, b, bOff, out, outOff, M) => {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a[aOff + i * K + k]! * b[bOff + k * N + j]!;
        out[outOff + i * N + j] = s;
      }
    }
  });
}

export function thinTransposed(M: number, N: number): ThinTransposed {
  return cachedKernel<ThinTransposed>(`tr${M}x${N}`, () => {
    const cs = range(M).flatMap((m) => range(N).map((j) => `c${m}_${j} = 0`));
    const loads = [...range(M).map((m) => `a${m} = a[ak + ${m}]`), ...range(N).map((j) => `b${j} = b[bk + ${j}]`)];
    const fmas = range(M).flatMap((m) => range(N).map((j) => `c${m}_${j} += a${m} * b${j};`));
    const stores = range(M).flatMap((m) => range(N).map((j) => `out[outOff + ${m * N + j}] = c${m}_${j};`));
    return `return function thinTransposed${M}x${N}(a, aOff, b, bOff, out, outOff, K) {
      let ${cs.join(', ')};
      for (let k = 0, ak = aOff, bk = bOff; k < K; k++, ak += ${M}, bk += ${N}) {
        const ${loads.join(', ')};
        ${fmas.join(' ')}
      }
      ${stores.join(' ')}
    };`;
  }, () => (a, aOff, b, bOff, out, outOff, K) => {
    for (let m = 0; m < M; m++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a[aOff + k * M + m]! * b[bOff + k * N + j]!;
        out[outOff + m * N + j] = s;
      }
    }
  });
}
