/** Shared test utilities: seeded inputs, closeness checks, and the backends a test can run on. */
import { expect } from 'vitest';
import * as sg from '../../index.js';
import * as internal from '../../internal.js';

/** Mulberry32: a tiny seeded generator for test inputs (independent of the library's own generator). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function uniformArray(n: number, lo: number, hi: number, rand: () => number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rand();
  return a;
}

export interface Tolerance {
  atol: number;
  rtol: number;
}

/** |a − b| ≤ atol + rtol·|b| elementwise; the failure names the worst element. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, what = 'values'): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = -1, worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (a === e) continue;
    const excess = Math.abs(a - e) - (tol.atol + tol.rtol * Math.abs(e));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    throw new Error(`${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (atol ${tol.atol}, rtol ${tol.rtol})`);
  }
}

/** The CPU backend instance (always available). */
export async function cpu(): Promise<sg.Backend> {
  return internal.getBackendInstance('cpu');
}

export const REQUIRE_WEBGPU = process.env.SPIKEGRAD_REQUIRE_WEBGPU === '1';

import type { InputSpec } from './cases.js';

/** Materialises a case's inputs on `backend`: floats in `floatDtype` from a seeded uniform, others as given. */
export function makeInputs(specs: InputSpec[], floatDtype: 'float32' | 'float64', backend: sg.Backend, seed = 7): sg.Tensor[] {
  const rand = rng(seed);
  return specs.map((s) => {
    if (s.values) return sg.tensor(s.values, s.shape, s.dtype === 'bool' ? 'bool' : 'int32', backend);
    const [lo, hi] = s.range ?? [-2, 2];
    const n = s.shape.reduce((p, d) => p * d, 1);
    const a = uniformArray(n, lo, hi, rand);
    if (s.awayFromZero) for (let i = 0; i < n; i++) if (Math.abs(a[i]!) < s.awayFromZero) a[i] = a[i]! < 0 ? -s.awayFromZero - a[i]! : s.awayFromZero + a[i]!;
    // Quantise float64 inputs to float32 values so both precisions see exactly the same numbers.
    return sg.tensor(Float64Array.from(Float32Array.from(a)), s.shape, floatDtype, backend);
  });
}

/** Naive broadcasting reference: out[i] = fn(in_0[i'], in_1[i''], …), independent of the engine's code. */
export function referenceElementwise(shapes: number[][], data: ArrayLike<number>[], fn: (...v: number[]) => number): { shape: number[]; values: Float64Array } {
  const rank = Math.max(...shapes.map((s) => s.length));
  const pad = shapes.map((s) => [...new Array(rank - s.length).fill(1), ...s]);
  const shape = Array.from({ length: rank }, (_, i) => Math.max(...pad.map((s) => s[i]!)));
  const n = shape.reduce((p, d) => p * d, 1);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let rem = i;
    const idx = new Array<number>(rank);
    for (let d = rank - 1; d >= 0; d--) { idx[d] = rem % shape[d]!; rem = Math.floor(rem / shape[d]!); }
    const args = pad.map((s, k) => {
      let off = 0;
      for (let d = 0; d < rank; d++) off = off * s[d]! + (s[d] === 1 ? 0 : idx[d]!);
      return data[k]![off]!;
    });
    values[i] = fn(...args);
  }
  return { shape, values };
}

/**
 * Runs the garbage collector and lets its FinalizationRegistry callbacks run, so that tensors earlier tests left
 * unreferenced release their buffers now rather than in the middle of a count (vitest.config.ts passes
 * --expose-gc to the test processes; without it this only yields).
 */
export async function settleCollected(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  // A few rounds: finalizers that release objects let the next collection reclaim what those held.
  for (let i = 0; i < 5; i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
