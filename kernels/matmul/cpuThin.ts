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
import { rounderFor } from '../../engine/dtype.js';
import { cachedKernel, range } from '../cpu/codegen.js';

/**
 * out[outOff + i·N + j] = Σ_k A[i, k]·B[k, j] for i < M; A stored [M, K] from aOff, B [K, N] from bOff. With a
 * bias c [N] (the linear op), the sum is rounded to the output's type and c[j] added: matmul then add.
 */
export type ThinRows = (a: TypedArray, aOff: number, b: ArrayLike<number>, bOff: number, out: TypedArray, outOff: number, M: number,
  bias: ArrayLike<number> | null) => void;
/** out[outOff + m·N + j] = Σ_k A[k, m]·B[k, j] for k < K; A stored [K, M] from aOff, B [K, N] from bOff. */
export type ThinTransposed = (a: TypedArray, aOff: number, b: ArrayLike<number>, bOff: number, out: TypedArray, outOff: number, K: number) => void;

/** Unrolled when the product of the two small dims is at most this (locals beyond it spill anyway). */
export const THIN_MAX = 32;

/** How a kernel ends an output element: as it is (matmul), or rounded to float32/64 plus a bias (linear). */
export type BiasKind = 'none' | 'float32' | 'float64';

export function thinRows(K: number, N: number, biasKind: BiasKind = 'none'): ThinRows {
  return cachedKernel<ThinRows>(`rows${K}x${N}${biasKind}`, () => {
    const bs = range(K).flatMap((k) => range(N).map((j) => `b${k}_${j} = b[bOff + ${k * N + j}]`));
    const cs = biasKind === 'none' ? [] : range(N).map((j) => `c${j} = bias[${j}]`);
    const as = range(K).map((k) => `a${k} = a[ai + ${k}]`);
    const sum = (j: number) => `0${range(K).map((k) => ` + a${k} * b${k}_${j}`).join('')}`;
    const end = (j: number) => (biasKind === 'none' ? sum(j) : `${biasKind === 'float32' ? 'Math.fround' : ''}(${sum(j)}) + c${j}`);
    const outs = range(N).map((j) => `out[o + ${j}] = ${end(j)};`);
    return `return function thinRows${K}x${N}(a, aOff, b, bOff, out, outOff, M, bias) {
      const ${[...bs, ...cs].join(', ')};
      for (let i = 0, ai = aOff, o = outOff; i < M; i++, ai += ${K}, o += ${N}) {
        const ${as.join(', ')};
        ${outs.join('\n        ')}
      }
    };`;
  }, () => (a, aOff, b, bOff, out, outOff, M, bias) => {
    const round = rounderFor(biasKind);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a[aOff + i * K + k]! * b[bOff + k * N + j]!;
        out[outOff + i * N + j] = bias ? round(s) + bias[j]! : s;
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
