/**
 * Kernels generated per shape or configuration (`new Function`), cached by key. Used where V8's code for a
 * generic loop is measurably slower: loops over axes of 2–8 elements (unrolled into straight-line code),
 * accumulators that can live in registers instead of a typed array. Every generated kernel has a generic
 * fallback with the same arithmetic in the same order, used where eval is forbidden (a strict
 * Content-Security-Policy) and when tests switch code generation off (surrogate/compileJs.ts `codegen`).
 */
import { buildJs, codegen } from '../../surrogate/compileJs.js';

const cache = new Map<string, unknown>();

/** The kernel under `key`, built on first use from `source()`; `fallback()` where eval is forbidden. */
export function cachedKernel<F>(key: string, source: () => string, fallback: () => F): F {
  if (!codegen.enabled) return fallback();
  let f = cache.get(key) as F | undefined;
  if (!f) cache.set(key, f = buildJs<F>(source()) ?? fallback());
  return f;
}

/** [0, 1, …, n − 1], for writing unrolled source. */
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Elements per loop iteration of `unrolled`. */
export const UNROLL = 4;

/**
 * Source of a loop over j in [0, N) (variables `j` and `N`) running `body(k)` for elements j + 0 … j + 3 per
 * iteration, then the remainder one by one: V8 repeats its per-iteration work (stack check, each array's
 * map, bounds and base pointer) every iteration, and four elements per iteration amortise it (1.3×).
 */
export function unrolled(body: (k: number) => string): string {
  return `let j = 0;
    for (; j + ${UNROLL} <= N; j += ${UNROLL}) { ${range(UNROLL).map((k) => `{ ${body(k)} }`).join(' ')} }
    for (; j < N; j++) { ${body(0)} }`;
}
