/**
 * Every surrogate's defaults, pinned to docs/numerics.md §3 with numbers written here, not read from the
 * instance. The other surrogate tests evaluate the float64 reference with the instance's own parameters, so a
 * wrong default (alpha = 1 for Sigmoid instead of 4, InvSquareGrad's 100 typed as 10) would pass them all.
 * This file catches it twice: the parameters themselves, and σ'(x) of a default-constructed instance against
 * values derived by hand from the formulas at the documented defaults.
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { REFERENCE } from '../support/surrogateReference.js';

/** docs/numerics.md §3, in print order (t_period is spikegrad's tPeriod). */
const DOCUMENTED_DEFAULTS: Record<string, Record<string, number>> = {
  Sigmoid: { alpha: 4 },
  PiecewiseQuadratic: { alpha: 1 },
  PiecewiseExp: { alpha: 1 },
  SoftSign: { alpha: 1 },
  Arctan: { alpha: 1 },
  NonzeroSignLog: { alpha: 1 },
  ERF: { alpha: 1 },
  PiecewiseLeakyRelu: { c: 0.01, w: 1 },
  SquarewaveFourierSeries: { n: 2, tPeriod: 8 },
  S2NN: { alpha: 4, beta: 1, epsilon: 1e-8 },
  QPseudoSpike: { alpha: 2 },
  LeakyRelu: { alpha: 0.1, beta: 1 },
  LogTailedRelu: { alpha: 0 },
  ReluGrad: { alpha: 0.3, width: 1 },
  GaussianGrad: { alpha: 0.5, sigma: 0.5 },
  MultiGaussianGrad: { h: 0.15, s: 6, sigma: 0.5, scale: 0.5 },
  InvSquareGrad: { alpha: 100 },
  SlayerGrad: { alpha: 1 },
};

const N = (x: number, mu: number, s: number) => Math.exp(-((x - mu) ** 2) / (2 * s * s)) / (Math.sqrt(2 * Math.PI) * s);

/** σ'(x) of the default instance at chosen points, derived by hand from the §3 formulas at the defaults. */
const HAND_VALUES: Record<string, [number, number][]> = {
  Sigmoid: [[0, 1], [0.25, 4 * Math.E / (1 + Math.E) ** 2]], // α/4 at 0; α·σ(1)·σ(−1)
  PiecewiseQuadratic: [[0, 1], [0.5, 0.5], [-0.75, 0.25], [1.5, 0]],
  PiecewiseExp: [[0, 0.5], [1, 0.5 / Math.E]],
  SoftSign: [[0, 0.5], [1, 0.125], [-3, 0.5 / 16]],
  Arctan: [[0, 0.5], [2 / Math.PI, 0.25]],
  NonzeroSignLog: [[0, 1], [1, 0.5], [-3, 0.25]],
  ERF: [[0, 1 / Math.sqrt(Math.PI)], [1, Math.exp(-1) / Math.sqrt(Math.PI)]],
  PiecewiseLeakyRelu: [[0, 0.5], [0.9, 0.5], [-2, 0.01], [3, 0.01]],
  SquarewaveFourierSeries: [[0, 1], [4, -1], [1, 0.5 * (Math.cos(Math.PI / 4) + Math.cos(3 * Math.PI / 4))]], // (4/8)(cos(πx/4) + cos(3πx/4))
  S2NN: [[0, 1], [1, 0.5], [-0.25, 4 * Math.E / (1 + Math.E) ** 2]],
  QPseudoSpike: [[0, 1], [1.5, 0.25], [-4.5, 1 / 16]],
  LeakyRelu: [[-1, 0.1], [-1e-9, 0.1], [0, 1], [5, 1]],
  LogTailedRelu: [[-1, 0], [0.5, 1], [1, 1], [4, 0.25]],
  ReluGrad: [[0, 0.3], [0.5, 0.15], [-0.9, 0.03], [1, 0], [2, 0]],
  GaussianGrad: [[0, 1 / Math.sqrt(2 * Math.PI)], [0.5, Math.exp(-0.5) / Math.sqrt(2 * Math.PI)]],
  MultiGaussianGrad: [[0, 0.5 * (1.15 * N(0, 0, 0.5) - 0.15 * N(0, 0.5, 3) - 0.15 * N(0, -0.5, 3))]],
  InvSquareGrad: [[0, 1], [0.01, 0.25], [-0.03, 1 / 16]],
  SlayerGrad: [[0, 1], [1, 1 / Math.E], [-2, Math.exp(-2)]],
};

describe('surrogate defaults are the documented ones (docs/numerics.md §3)', () => {
  it('the catalog holds exactly the documented classes', () => {
    expect(sg.surrogate.CATALOG.map((e) => e.name).sort()).toEqual(Object.keys(DOCUMENTED_DEFAULTS).sort());
  });

  for (const e of sg.surrogate.CATALOG) {
    const documented = DOCUMENTED_DEFAULTS[e.name]!;
    it(`${e.name}: parameters in print order, and σ' at hand-derived points`, () => {
      const s = e.create();
      expect(Object.entries(s.params)).toEqual(Object.entries(documented));
      for (const [x, want] of HAND_VALUES[e.name]!) {
        expect(Math.abs(s.gradScalar(x) - want), `${e.name} σ'(${x}) = ${s.gradScalar(x)}, documented defaults give ${want}`).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(want)));
      }
      // The independent float64 formula evaluated with the DOCUMENTED parameters (not s.params), on a grid.
      const grid = Array.from({ length: 101 }, (_, i) => -2.5 + i * 0.05);
      const ref = REFERENCE[e.name]!;
      for (const x of grid) {
        const want = ref.grad(x, documented);
        expect(Math.abs(s.gradScalar(x) - want), `${e.name} at x = ${x}`).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(want)));
      }
      // The tensor kernel too (float64), so a default applied only on one path is caught.
      const t = sg.tensor(Float64Array.from(grid), [grid.length], 'float64');
      const g = s.grad(t);
      const got = g.dataSync();
      grid.forEach((x, i) => expect(Math.abs(got[i]! - ref.grad(x, documented))).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(ref.grad(x, documented)))));
      sg.dispose([t, g]);
    });
  }

  it('LIF, IF and ALIF spike through ReluGrad(alpha=0.3, width=1) by default (docs/numerics.md §1)', () => {
    for (const layer of [new sg.nn.LIF(2), new sg.nn.IF(2), new sg.nn.ALIF(2)]) {
      const f = layer.spkFun as unknown as { name: string; params: Record<string, number> };
      expect(f.name).toBe('ReluGrad');
      expect(Object.entries(f.params)).toEqual([['alpha', 0.3], ['width', 1]]);
    }
  });
});
