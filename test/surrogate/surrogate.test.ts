/**
 * The 18 surrogates on the CPU: values against an independent float64 evaluation (surrogateReference.ts) on a
 * grid including every breakpoint, docs/numerics.md §3/§4 reference and asserted values, the smooth functions against
 * their derivatives, extreme inputs, and hyperparameter validation.
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { expectClose } from '../support/helpers.js';
import { REFERENCE, gridFor, linspace } from '../support/surrogateReference.js';

const { surrogate } = sg;
const F32_MAX = 3.4028234663852886e38;
const byName = (name: string, opts?: Record<string, number>) => surrogate.CATALOG.find((e) => e.name === name)!.create(opts);
const defaults = (s: sg.surrogate.Surrogate) => ({ ...s.params });

describe('the catalog', () => {
  it('has the 18 braintools classes, each with a reference', () => {
    expect(surrogate.CATALOG.map((e) => e.name).sort()).toEqual(Object.keys(REFERENCE).sort());
    expect(surrogate.CATALOG).toHaveLength(18);
  });
  it('prints like braintools, with JS number formatting', () => {
    expect(String(new surrogate.Sigmoid())).toBe('Sigmoid(alpha=4)');
    expect(String(new surrogate.ReluGrad())).toBe('ReluGrad(alpha=0.3, width=1)');
    expect(String(new surrogate.GaussianGrad())).toBe('GaussianGrad(alpha=0.5, sigma=0.5)');
    expect(String(new surrogate.S2NN())).toBe('S2NN(alpha=4, beta=1, epsilon=1e-8)');
    expect(String(new surrogate.MultiGaussianGrad())).toBe('MultiGaussianGrad(h=0.15, s=6, sigma=0.5, scale=0.5)');
    expect(String(new surrogate.SquarewaveFourierSeries({ n: 3 }))).toBe('SquarewaveFourierSeries(n=3, tPeriod=8)');
    expect(new surrogate.Sigmoid({ alpha: 8 }).key).toBe('Sigmoid(alpha=8)');
  });
  it('defines fun exactly where braintools defines surrogate_fun', () => {
    const gradOnly = ['ReluGrad', 'GaussianGrad', 'MultiGaussianGrad', 'InvSquareGrad', 'SlayerGrad'];
    for (const e of surrogate.CATALOG) {
      const s = e.create();
      expect(s.fun === undefined, e.name).toBe(gradOnly.includes(e.name));
      expect(s.funScalar === undefined, e.name).toBe(gradOnly.includes(e.name));
    }
  });
});

describe('values against the independent float64 formulas', () => {
  for (const e of surrogate.CATALOG) {
    const ref = REFERENCE[e.name]!;
    it(`${e.name}: grad (and fun) on the grid and at every breakpoint, defaults and variants`, () => {
      for (const opts of [undefined, ...ref.variants]) {
        const s = e.create(opts);
        const p = defaults(s);
        const xs = gridFor(ref, p);
        const label = `${s}`;
        expectClose(xs.map(s.gradScalar), xs.map((x) => ref.grad(x, p)), { atol: 1e-12, rtol: 1e-12 }, `${label} gradScalar`);
        if (ref.fun) expectClose(xs.map(s.funScalar!), xs.map((x) => ref.fun!(x, p)), { atol: 1e-12, rtol: 1e-12 }, `${label} funScalar`);
        // The tensor kernels, float64 and float32, against the same reference.
        sg.tidy(() => {
          const x64 = sg.tensor(Float64Array.from(xs), [xs.length], 'float64');
          expectClose(s.grad(x64).dataSync(), xs.map((x) => ref.grad(x, p)), { atol: 1e-12, rtol: 1e-12 }, `${label} grad float64`);
          const x32 = Float32Array.from(xs);
          const t32 = sg.tensor(x32, [xs.length], 'float32');
          expectClose(s.grad(t32).dataSync(), Array.from(x32, (x) => ref.grad(x, p)), { atol: 1e-7, rtol: 1e-6 }, `${label} grad float32`);
          if (ref.fun) {
            expectClose(s.fun!(x64).dataSync(), xs.map((x) => ref.fun!(x, p)), { atol: 1e-12, rtol: 1e-12 }, `${label} fun float64`);
            expectClose(s.fun!(t32).dataSync(), Array.from(x32, (x) => ref.fun!(x, p)), { atol: 1e-6, rtol: 1e-6 }, `${label} fun float32`);
          }
        });
      }
    });
  }
});

describe('docs/numerics.md §3 reference values (x = −2, −1, −0.5, −0.1, 0, symmetric)', () => {
  const xs = [-2, -1, -0.5, -0.1, 0];
  const table: [string, number[]][] = [
    ['ReluGrad', [0, 0, 0.15, 0.27, 0.3]],
    ['Sigmoid', [0.001340951, 0.07065082, 0.4199743, 0.961043, 1]],
    ['Arctan', [0.04599983, 0.1442002, 0.3092432, 0.4879601, 0.5]],
  ];
  for (const [name, vals] of table) {
    it(name, () => {
      const s = byName(name);
      expectClose(xs.map(s.gradScalar), vals, { atol: 1e-9, rtol: 5e-7 }, name);
      expectClose(xs.map((x) => s.gradScalar(-x)), vals, { atol: 1e-9, rtol: 5e-7 }, `${name} mirrored`);
    });
  }
});

describe('docs/numerics.md §4 asserted values (braintools tests)', () => {
  it('forward is the exact Heaviside, x = 0 spikes, for all 18', () => {
    const xs = [-3, -1, -1e-6, 0, 1e-6, 1, 3];
    for (const e of surrogate.CATALOG) {
      const s = e.create();
      for (const dtype of ['float32', 'float64'] as const) {
        expect(Array.from(s.forward(sg.tensor(xs, [7], dtype)).dataSync()), `${e.name} ${dtype}`).toEqual([0, 0, 0, 1, 1, 1, 1]);
        expect(s.spike(sg.tensor([0], [1], dtype)).dataSync()[0], e.name).toBe(1);
      }
    }
  });
  it('ReluGrad: grad(0) = α·w and grad(2) = 0 exactly', () => {
    const s = new surrogate.ReluGrad({ alpha: 0.3, width: 1 });
    expect(s.gradScalar(0)).toBeCloseTo(0.3, 15);
    expect(s.gradScalar(2)).toBe(0);
  });
  it('PiecewiseLeakyRelu: grad(0.3w) = 1/(2w), grad(2w + 1) = c', () => {
    for (const [c, w] of [[0.01, 1], [0.05, 2], [0.2, 0.5]] as const) {
      const s = new surrogate.PiecewiseLeakyRelu({ c, w });
      expect(s.gradScalar(0.3 * w)).toBe(1 / (2 * w));
      expect(s.gradScalar(2 * w + 1)).toBe(c);
    }
  });
  it('PiecewiseQuadratic: continuous at the edge 1/α (just inside is below 1e−2)', () => {
    for (const alpha of [0.5, 1, 2, 3]) expect(new surrogate.PiecewiseQuadratic({ alpha }).gradScalar(1 / alpha - 1e-3)).toBeLessThan(1e-2);
  });
  it('SquarewaveFourierSeries(n=1, T=8) = cos(πx/4)/2; n = 2 differs', () => {
    const xs = linspace(-2.5, 2.5, 51);
    const s1 = new surrogate.SquarewaveFourierSeries({ n: 1, tPeriod: 8 });
    expectClose(xs.map(s1.gradScalar), xs.map((x) => Math.cos(Math.PI * x / 4) * 0.5), { atol: 1e-12, rtol: 0 }, 'n=1');
    const s2 = new surrogate.SquarewaveFourierSeries({ n: 2, tPeriod: 8 });
    expect(Math.max(...xs.map((x) => Math.abs(s2.gradScalar(x) - s1.gradScalar(x))))).toBeGreaterThan(0.1);
  });
  it('GaussianGrad: the peak falls with sigma; MultiGaussianGrad(h=0, scale=α) equals it', () => {
    const peaks = [0.3, 0.5, 1, 2].map((sigma) => new surrogate.GaussianGrad({ sigma, alpha: 1 }).gradScalar(0));
    expect([...peaks].sort((a, b) => b - a)).toEqual(peaks);
    const gg = new surrogate.GaussianGrad({ sigma: 0.5, alpha: 0.7 });
    const mg = new surrogate.MultiGaussianGrad({ h: 0, s: 6, sigma: 0.5, scale: 0.7 });
    const xs = linspace(-2.5, 2.5, 51);
    expectClose(xs.map(mg.gradScalar), xs.map(gg.gradScalar), { atol: 1e-15, rtol: 1e-14 }, 'Gaussian vs MultiGaussian h=0');
  });
  it('S2NN is finite at x = −1, LogTailedRelu at x = 0', () => {
    expect(Number.isFinite(new surrogate.S2NN().gradScalar(-1))).toBe(true);
    expect(new surrogate.LogTailedRelu().gradScalar(0)).toBe(0);
  });
  it('smooth-function values', () => {
    for (const name of ['Sigmoid', 'PiecewiseExp', 'SoftSign', 'Arctan', 'ERF', 'PiecewiseLeakyRelu']) {
      expect(byName(name).funScalar!(0), name).toBeCloseTo(0.5, 12);
    }
    expect(new surrogate.Arctan({ alpha: 1 }).funScalar!(2)).toBeCloseTo(Math.atan(Math.PI) / Math.PI + 0.5, 14);
    const lr = new surrogate.LeakyRelu();
    expect([lr.funScalar!(-2), lr.funScalar!(2)]).toEqual([-0.2, 2]);
    const ltr = new surrogate.LogTailedRelu({ alpha: 0.1 });
    expectClose([-2, 0.5, Math.E].map(ltr.funScalar!), [-0.2, 0.5, 2], { atol: 1e-15, rtol: 1e-15 }, 'LogTailedRelu(0.1).fun');
    expect(new surrogate.S2NN().funScalar!(1)).toBeCloseTo(Math.LN2 + 0.5, 7);
    expect(new surrogate.NonzeroSignLog().funScalar!(0)).toBe(0);
  });
});

describe('each smooth function is the antiderivative of its grad', () => {
  // Central differences at points away from the kinks (as braintools: linspace(−1.7, 1.7, 69) + 1e−3).
  const xs = linspace(-1.7, 1.7, 69).map((x) => x + 1e-3);
  const h = 1e-5;
  for (const e of surrogate.CATALOG) {
    const ref = REFERENCE[e.name]!;
    if (!ref.fun) continue;
    it(e.name, () => {
      for (const opts of [undefined, ...ref.variants]) {
        const s = e.create(opts);
        const fd = xs.map((x) => (s.funScalar!(x + h) - s.funScalar!(x - h)) / (2 * h));
        expectClose(fd, xs.map(s.gradScalar), { atol: 1e-7, rtol: 1e-6 }, `d/dx ${s}.fun`);
      }
    });
  }
});

describe('extreme inputs: no NaN or Infinity from grad or fun', () => {
  const xs = [0, 1e-45, -1e-45, 1e-30, -1e-30, 1e30, -1e30, 1e38, -1e38, F32_MAX, -F32_MAX, Infinity, -Infinity];
  for (const e of surrogate.CATALOG) {
    it(e.name, () => {
      for (const opts of [undefined, ...REFERENCE[e.name]!.variants]) {
        const s = e.create(opts);
        for (const dtype of ['float32', 'float64'] as const) {
          const t = sg.tensor(xs, [xs.length], dtype);
          const g = Array.from(s.grad(t).dataSync());
          expect(g.every(Number.isFinite), `${s}.grad ${dtype}: ${g}`).toBe(true);
          if (s.fun) {
            const f = Array.from(s.fun(t).dataSync());
            expect(f.every(Number.isFinite), `${s}.fun ${dtype}: ${f}`).toBe(true);
          }
        }
        // ±Infinity is the limit of ±huge: it takes the value at ±float32 max.
        expect(s.gradScalar(Infinity)).toBe(s.gradScalar(F32_MAX));
        expect(s.gradScalar(-Infinity)).toBe(s.gradScalar(-F32_MAX));
      }
    });
  }
  it('the limits are right where the formula has one', () => {
    expect(new surrogate.Sigmoid().gradScalar(1e30)).toBe(0);
    expect(new surrogate.Sigmoid().funScalar!(Infinity)).toBe(1);
    expect(new surrogate.SoftSign().funScalar!(Infinity)).toBe(1);
    expect(new surrogate.SoftSign().funScalar!(-1e30)).toBe(0);
    expect(new surrogate.Arctan().funScalar!(-Infinity)).toBe(0);
    expect(new surrogate.PiecewiseExp().funScalar!(Infinity)).toBe(1);
    expect(new surrogate.NonzeroSignLog({ alpha: 4 }).funScalar!(1e30)).toBeCloseTo(Math.log(4e30), 10);
    expect(new surrogate.LeakyRelu({ beta: 2 }).funScalar!(Infinity)).toBe(F32_MAX); // saturates, never Infinity
  });
});

describe('hyperparameter validation', () => {
  const bad: [() => unknown, RegExp][] = [
    [() => new surrogate.Sigmoid({ alpha: 0 }), /Sigmoid: argument 'alpha' expected a finite number > 0, got 0/],
    [() => new surrogate.Arctan({ alpha: -1 }), /Arctan: argument 'alpha'.*got -1/],
    [() => new surrogate.ReluGrad({ width: 0 }), /ReluGrad: argument 'width' expected a finite number > 0/],
    [() => new surrogate.SquarewaveFourierSeries({ n: 0 }), /SquarewaveFourierSeries: argument 'n' expected an integer >= 1, got 0/],
    [() => new surrogate.SquarewaveFourierSeries({ n: 1.5 }), /argument 'n' expected an integer >= 1, got 1.5/],
    [() => new surrogate.SquarewaveFourierSeries({ tPeriod: -8 }), /argument 'tPeriod'/],
    [() => new surrogate.GaussianGrad({ sigma: 0 }), /GaussianGrad: argument 'sigma'/],
    [() => new surrogate.MultiGaussianGrad({ h: -0.1 }), /argument 'h' expected a finite number >= 0/],
    [() => new surrogate.PiecewiseLeakyRelu({ w: 0 }), /argument 'w'/],
    [() => new surrogate.S2NN({ epsilon: -1 }), /argument 'epsilon'/],
    [() => new surrogate.InvSquareGrad({ alpha: NaN }), /argument 'alpha'.*got NaN/],
    [() => new surrogate.SlayerGrad({ alpha: Infinity }), /argument 'alpha'.*got Infinity/],
    [() => new surrogate.ERF({ alpha: '2' as unknown as number }), /ERF: argument 'alpha' expected a finite number > 0, got string '2'/],
    [() => new surrogate.Sigmoid({ alhpa: 2 } as never), /Sigmoid: unknown option 'alhpa' \(options: alpha\)/],
    [() => new surrogate.QPseudoSpike(3 as never), /QPseudoSpike: expected an options object/],
  ];
  it('throws a SpikegradError naming the class and the parameter', () => {
    for (const [make, msg] of bad) {
      expect(make).toThrow(sg.SpikegradError);
      expect(make).toThrow(msg);
    }
  });
  it('accepts dimensionless quantities', () => {
    expect(String(new surrogate.Sigmoid({ alpha: { toNumber: () => 2 } as unknown as number }))).toBe('Sigmoid(alpha=2)');
  });
});

describe('aliases for other libraries', () => {
  it("snnTorch's atan is Arctan with alpha = 2", () => {
    expect(String(surrogate.atan())).toBe('Arctan(alpha=2)');
    expect(surrogate.atan().gradScalar(0.3)).toBeCloseTo(2 / 2 / (1 + (Math.PI / 2 * 2 * 0.3) ** 2), 15);
  });
  it("snnTorch's fast_sigmoid (SuperSpike) is InvSquareGrad with alpha = slope", () => {
    expect(String(surrogate.fastSigmoid())).toBe('InvSquareGrad(alpha=25)');
    expect(surrogate.fastSigmoid({ slope: 10 }).gradScalar(-0.2)).toBeCloseTo(1 / (10 * 0.2 + 1) ** 2, 15);
    expect(surrogate.superSpike).toBe(surrogate.fastSigmoid);
  });
});
