/**
 * The stratified split: its documented algorithm re-implemented here from the description (xoshiro128** seeded
 * by SplitMix32, as published by Blackman & Vigna, written independently of engine/random.ts), quotas, and the
 * properties any split must have.
 */
import { describe, expect, it } from 'vitest';
import { data, SpikegradError } from '../../index.js';

/** xoshiro128** with SplitMix32 seeding, from the published algorithms; seeds fold their high word in by XOR. */
function referenceUniform53(seed: number): () => number {
  let sm = (seed | 0) ^ (Math.floor(seed / 2 ** 32) | 0);
  const next32 = () => {
    sm = (sm + 0x9e3779b9) | 0;
    let z = sm;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  const s = [next32(), next32(), next32(), next32()];
  const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
  const out = () => {
    const r = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2] = (s[2]! ^ s[0]!) >>> 0; s[3] = (s[3]! ^ s[1]!) >>> 0; s[1] = (s[1]! ^ s[2]!) >>> 0; s[0] = (s[0]! ^ s[3]!) >>> 0;
    s[2] = (s[2]! ^ t) >>> 0; s[3] = rotl(s[3]!, 11);
    return r;
  };
  return () => ((out() >>> 5) * 2 ** 26 + (out() >>> 6)) / 2 ** 53;
}

function referenceSplit(labels: number[], classes: number, test: number, seed: number): number[] {
  const N = labels.length;
  const counts = Array.from({ length: classes }, (_, c) => labels.filter((l) => l === c).length);
  const quota = counts.map((n) => Math.floor((test * n) / N));
  const byRem = counts.map((n, c) => [c, (test * n) % N] as const).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  let left = test - quota.reduce((a, b) => a + b, 0);
  for (const [c] of byRem) if (left > 0 && quota[c]! < counts[c]!) { quota[c]!++; left--; }
  const u = referenceUniform53(seed);
  const testIdx: number[] = [];
  for (let c = 0; c < classes; c++) {
    const idx = labels.flatMap((l, i) => (l === c ? [i] : []));
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(u() * (i + 1));
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    testIdx.push(...idx.slice(0, quota[c]));
  }
  return testIdx.sort((a, b) => a - b);
}

describe('data.stratifiedSplit', () => {
  const labels = Array.from({ length: 1013 }, (_, i) => (i * 7 + (i >> 3)) % 10 === 9 ? 3 : (i * 7 + (i >> 3)) % 10);

  it('is the documented algorithm (independent re-implementation), for several seeds and sizes', () => {
    for (const [seed, test] of [[0, 200], [1, 1], [12345, 500], [-7, 1012]] as const) {
      const s = data.stratifiedSplit(Int32Array.from(labels), 10, { test, seed });
      expect(Array.from(s.test)).toEqual(referenceSplit(labels, 10, test, seed));
    }
  });

  it('gives disjoint sorted train and test sets that cover every index, stratified within one sample per class', () => {
    const y = Int32Array.from(labels);
    const s = data.stratifiedSplit(y, 10, { test: 0.2, seed: 3 });
    expect(s.train.length + s.test.length).toBe(y.length);
    const all = new Set([...s.train, ...s.test]);
    expect(all.size).toBe(y.length);
    for (const a of [s.train, s.test]) for (let i = 1; i < a.length; i++) expect(a[i]!).toBeGreaterThan(a[i - 1]!);
    const counts = data.classCounts(y, 10), testCounts = data.classCounts(Array.from(s.test, (i) => y[i]!), 10);
    expect(testCounts.reduce((a, b) => a + b, 0)).toBe(Math.round(0.2 * y.length));
    counts.forEach((n, c) => expect(Math.abs(testCounts[c]! - (0.2 * y.length * n) / y.length)).toBeLessThan(1));
  });

  it('depends on the seed only: the same seed gives the same split, another seed another', () => {
    const y = Int32Array.from(labels);
    const a = data.stratifiedSplit(y, 10, { test: 100, seed: 5 }), b = data.stratifiedSplit(y, 10, { test: 100, seed: 5 });
    const c = data.stratifiedSplit(y, 10, { test: 100, seed: 6 });
    expect(Array.from(a.test)).toEqual(Array.from(b.test));
    expect(Array.from(a.test)).not.toEqual(Array.from(c.test));
  });

  it('quotas add up and the remainders go to the largest fractional parts, ties to the lower class', () => {
    expect(data.testQuota([5, 5, 5], 2)).toEqual([1, 1, 0]);
    expect(data.testQuota([10, 30, 60], 10)).toEqual([1, 3, 6]);
    expect(data.testQuota([3, 4], 3)).toEqual([1, 2]); // 9/7 → 1 r2, 12/7 → 1 r5: the second class gets the extra one
  });

  it('rejects a test size that leaves no training or no test sample, and a non-integer seed', () => {
    const y = Int32Array.from(labels);
    expect(() => data.stratifiedSplit(y, 10, { test: 0 })).toThrow(/argument 'test' expected a fraction in \(0, 1\) or a count in \[1, 1012\], got 0/);
    expect(() => data.stratifiedSplit(y, 10, { test: 1013 })).toThrow(SpikegradError);
    expect(() => data.stratifiedSplit(y, 10, { test: 10, seed: 1.5 })).toThrow(/argument 'seed' expected an integer, got 1.5/);
  });
});
