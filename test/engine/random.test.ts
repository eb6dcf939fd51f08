/** The seeded generator: reproducible streams, sane distributions, exact float32 uniforms. */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';

describe('random', () => {
  it('the same seed gives the same stream; a different seed does not', () => {
    sg.random.seed(42);
    const a = sg.random.rand([1000]).dataSync();
    sg.random.seed(42);
    const b = sg.random.rand([1000]).dataSync();
    sg.random.seed(43);
    const c = sg.random.rand([1000]).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });

  it('xoshiro128** matches the reference outputs of its authors\' C code for a known state', () => {
    const g = new sg.random.Generator();
    g.setState([1, 2, 3, 4]);
    // xoshiro128starstar.c with s = {1, 2, 3, 4}: first outputs
    const out = Array.from({ length: 6 }, () => g.nextUint32());
    expect(out).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('uniforms are float32-exact in [0, 1) with mean 1/2 and variance 1/12', () => {
    const g = new sg.random.Generator(7);
    const x = sg.random.rand([200000], { generator: g }).dataSync();
    let s = 0, s2 = 0, lo = 1, hi = 0;
    for (const v of x) { s += v; s2 += v * v; lo = Math.min(lo, v); hi = Math.max(hi, v); expect(Math.fround(v)).toBe(v); }
    const mean = s / x.length, variance = s2 / x.length - mean * mean;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.002);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
  });

  it('normals have the requested mean and standard deviation', () => {
    const x = sg.random.normal([100000], 3, 2, { generator: new sg.random.Generator(1), dtype: 'float64' }).dataSync();
    let s = 0, s2 = 0;
    for (const v of x) { s += v; s2 += v * v; }
    const mean = s / x.length, sd = Math.sqrt(s2 / x.length - mean * mean);
    expect(Math.abs(mean - 3)).toBeLessThan(0.03);
    expect(Math.abs(sd - 2)).toBeLessThan(0.03);
  });

  it('Poisson spike trains fire at rate·dt', () => {
    const x = sg.random.poissonSpikes(0.005, [200, 256, 100], { generator: new sg.random.Generator(3) }).dataSync();
    let n = 0;
    for (const v of x) n += v;
    const p = n / x.length; // 5 120 000 draws: σ ≈ 3.1e-5
    expect(Math.abs(p - 0.005)).toBeLessThan(2e-4);
    expect(new Set(x)).toEqual(new Set([0, 1]));
  });

  it('randint and bernoulli respect their ranges', () => {
    const g = new sg.random.Generator(9);
    const r = sg.random.randint(-2, 3, [5000], { generator: g }).dataSync();
    expect(Math.min(...r)).toBe(-2);
    expect(Math.max(...r)).toBe(2);
    const b = sg.random.bernoulli(0.25, [20000], { generator: g });
    expect(b.dtype).toBe('bool');
    const frac = Array.from(b.dataSync()).reduce((p, v) => p + v, 0) / 20000;
    expect(Math.abs(frac - 0.25)).toBeLessThan(0.02);
  });

  it('Generator.jump(n) leaves the state n draws would: every bit of n, across word boundaries, and a batch-sized jump', () => {
    for (const n of [0, 1, 2, 3, 5, 31, 32, 33, 64, 1000, 4097, 65535, 300_001]) {
      const a = new sg.random.Generator(9), b = new sg.random.Generator(9);
      a.jump(n);
      for (let i = 0; i < n; i++) b.nextUint32();
      expect(a.getState()).toEqual(b.getState());
    }
    // jumps compose: 2 500 000 = 1 250 000 + 1 250 000, and both equal the draws
    const a = new sg.random.Generator(3), b = new sg.random.Generator(3), c = new sg.random.Generator(3);
    a.jump(2_500_000);
    b.jump(1_250_000);
    b.jump(1_250_000);
    c.fillFloat32(new Float32Array(2_500_000));
    expect(a.getState()).toEqual(c.getState());
    expect(b.getState()).toEqual(c.getState());
    for (const bad of [-1, 1.5, NaN, 2 ** 53]) {
      expect(() => a.jump(bad)).toThrow(`Generator.jump: argument 'n' expected a whole number of draws from 0 to 2^53 − 1, got ${bad}`);
    }
  });
});
