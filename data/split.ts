/**
 * Seeded, stratified train/test splits, identical on every platform: only integer arithmetic and the
 * library's own generator (xoshiro128**, engine/random.ts) decide which sample goes where.
 *
 * The algorithm, for `test` samples out of N with n_c samples in class c:
 *   1. quota: class c gets ⌊test·n_c/N⌋ test samples; the remaining ones go, one each, to the classes with the
 *      largest remainders (test·n_c mod N), ties to the lower class;
 *   2. order: one Generator(seed) shuffles each class's indices in turn (class 0 first) by Fisher–Yates,
 *      drawing j = ⌊u·(i+1)⌋ for i from n_c−1 down to 1 with u a 53-bit uniform (nextFloat64);
 *   3. the first quota_c shuffled indices of class c are test samples, the rest train samples.
 * Both index lists are returned sorted, so a split does not depend on anything but (labels, test, seed).
 */
import { SpikegradError } from '../engine/errors.js';
import { Generator } from '../engine/random.js';
import { classCounts } from './dataset.js';

/** Indices of the train and test samples of a split. */
export interface Split {
  train: Int32Array;
  test: Int32Array;
}

/** Test samples per class (step 1 above). */
export function testQuota(counts: readonly number[], test: number): number[] {
  const N = counts.reduce((a, b) => a + b, 0);
  const quota = counts.map((n) => Math.floor((test * n) / N));
  let left = test - quota.reduce((a, b) => a + b, 0);
  const order = counts.map((n, c) => ({ c, rem: (test * n) % N })).sort((a, b) => b.rem - a.rem || a.c - b.c);
  for (const { c } of order) {
    if (left === 0) break;
    if (quota[c]! < counts[c]!) { quota[c]!++; left--; }
  }
  return quota;
}

/**
 * Splits sample indices by class: `test` samples (a count, or a fraction in (0, 1)) for testing, the rest
 * for training, each class in proportion.
 * @example const { train, test } = data.stratifiedSplit(ds.labels, ds.classes, { test: 2000, seed: 0 });
 */
export function stratifiedSplit(labels: Int32Array, classes: number, opts: { test: number; seed?: number }): Split {
  const N = labels.length;
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed)) throw new SpikegradError(`data.stratifiedSplit: argument 'seed' expected an integer, got ${seed}`);
  const t = opts.test;
  const test = t > 0 && t < 1 ? Math.round(t * N) : t;
  if (!Number.isInteger(test) || test < 1 || test >= N) {
    throw new SpikegradError(`data.stratifiedSplit: argument 'test' expected a fraction in (0, 1) or a count in [1, ${N - 1}], got ${t}`);
  }
  const counts = classCounts(labels, classes);
  const quota = testQuota(counts, test);
  const byClass: number[][] = counts.map(() => []);
  for (let i = 0; i < N; i++) byClass[labels[i]!]!.push(i);
  const g = new Generator(seed);
  const isTest = new Uint8Array(N);
  byClass.forEach((idx, c) => {
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(g.nextFloat64() * (i + 1));
      const tmp = idx[i]!;
      idx[i] = idx[j]!;
      idx[j] = tmp;
    }
    for (let k = 0; k < quota[c]!; k++) isTest[idx[k]!] = 1;
  });
  const trainIdx = new Int32Array(N - test), testIdx = new Int32Array(test);
  let a = 0, b = 0;
  for (let i = 0; i < N; i++) {
    if (isTest[i]) testIdx[b++] = i;
    else trainIdx[a++] = i;
  }
  return { train: trainIdx, test: testIdx };
}

/** A permutation of [0, n) by Fisher–Yates with `g` (the DataLoader's per-epoch shuffle). */
export function permutation(n: number, g: Generator): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(g.nextFloat64() * (i + 1));
    const tmp = p[i]!;
    p[i] = p[j]!;
    p[j] = tmp;
  }
  return p;
}
