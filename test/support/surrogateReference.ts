/**
 * An INDEPENDENT float64 evaluation of the 18 braintools surrogates, written with plain Math exactly as the
 * formulas are printed in docs/numerics.md §3 and braintools v0.3.0 `_impl.py` (same comparisons at the breakpoints,
 * same branch for x = 0), never through the library's expression language.
 * The smooth functions that need erf use Simpson integration of e^{−t²} instead of any erf implementation.
 */
export type Params = Record<string, number>;

export interface Reference {
  grad: (x: number, p: Params) => number;
  fun?: (x: number, p: Params) => number;
  /** Breakpoints where a piecewise definition switches branch (the grid includes them and their neighbours). */
  breaks?: (p: Params) => number[];
  /** Non-default parameter sets to test besides the defaults. */
  variants: Params[];
}

const expit = (z: number) => 1 / (1 + Math.exp(-z));
const gauss = (x: number, mu: number, s: number) => Math.exp(-((x - mu) ** 2) / (2 * s * s)) / (Math.sqrt(2 * Math.PI) * s);

/** erf by composite Simpson's rule on 2/√π·e^{−t²} (4000 panels: error below 1e−13 on |x| ≤ 10). */
export function erfBySimpson(x: number): number {
  if (x === 0) return 0;
  const a = Math.min(Math.abs(x), 10);
  const n = 4000, h = a / n;
  let s = 1 + Math.exp(-a * a);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * Math.exp(-((i * h) ** 2));
  return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * (h / 3) * s;
}

export const REFERENCE: Record<string, Reference> = {
  Sigmoid: {
    grad: (x, { alpha: a }) => { const s = expit(x * a!); return (1 - s) * s * a!; },
    fun: (x, { alpha: a }) => expit(a! * x),
    variants: [{ alpha: 1 }, { alpha: 10 }],
  },
  PiecewiseQuadratic: {
    grad: (x, { alpha: a }) => (Math.abs(x) > 1 / a! ? 0 : a! - a! ** 2 * Math.abs(x)),
    fun: (x, { alpha: a }) => (x < -1 / a! ? 0 : x > 1 / a! ? 1 : (-a! * Math.abs(x) / 2 + 1) * a! * x + 0.5),
    breaks: ({ alpha: a }) => [-1 / a!, 1 / a!],
    variants: [{ alpha: 0.5 }, { alpha: 2 }],
  },
  PiecewiseExp: {
    grad: (x, { alpha: a }) => (a! / 2) * Math.exp(-a! * Math.abs(x)),
    fun: (x, { alpha: a }) => (x < 0 ? Math.exp(a! * x) / 2 : 1 - Math.exp(-a! * x) / 2),
    variants: [{ alpha: 2 }],
  },
  SoftSign: {
    grad: (x, { alpha: a }) => a! * 0.5 / (1 + Math.abs(a! * x)) ** 2,
    fun: (x, { alpha: a }) => x / (2 / a! + 2 * Math.abs(x)) + 0.5,
    variants: [{ alpha: 2 }],
  },
  Arctan: {
    grad: (x, { alpha: a }) => a! * 0.5 / (1 + (Math.PI / 2 * a! * x) ** 2),
    fun: (x, { alpha: a }) => Math.atan(Math.PI / 2 * a! * x) / Math.PI + 0.5,
    variants: [{ alpha: 0.5 }, { alpha: 2 }],
  },
  NonzeroSignLog: {
    grad: (x, { alpha: a }) => 1 / (1 / a! + Math.abs(x)),
    fun: (x, { alpha: a }) => (x < 0 ? -1 : 1) * Math.log(Math.abs(a! * x) + 1),
    variants: [{ alpha: 3 }],
  },
  ERF: {
    grad: (x, { alpha: a }) => (a! / Math.sqrt(Math.PI)) * Math.exp(-(a! ** 2) * x * x),
    fun: (x, { alpha: a }) => 0.5 * (1 - erfBySimpson(-a! * x)),
    variants: [{ alpha: 0.5 }, { alpha: 2 }],
  },
  PiecewiseLeakyRelu: {
    grad: (x, { c, w }) => (Math.abs(x) > w! ? c! : 1 / (2 * w!)),
    fun: (x, { c, w }) => (x < -w! ? c! * x + c! * w! : x > w! ? c! * x - c! * w! + 1 : 0.5 * x / w! + 0.5),
    breaks: ({ w }) => [-w!, w!],
    variants: [{ c: 0.05, w: 2 }, { c: 0, w: 0.5 }],
  },
  SquarewaveFourierSeries: {
    grad: (x, { n, tPeriod: T }) => {
      const w = Math.PI * 2 / T!;
      let dx = Math.cos(w * x);
      for (let i = 2; i <= n!; i++) dx += Math.cos((2 * i - 1) * w * x);
      return dx * 4 / T!;
    },
    fun: (x, { n, tPeriod: T }) => {
      const w = Math.PI * 2 / T!;
      let r = Math.sin(w * x);
      for (let i = 2; i <= n!; i++) r += Math.sin((2 * i - 1) * w * x) / (2 * i - 1);
      return 0.5 + 2 / Math.PI * r;
    },
    variants: [{ n: 1, tPeriod: 8 }, { n: 3, tPeriod: 6 }, { n: 7, tPeriod: 2 }],
  },
  S2NN: {
    grad: (x, { alpha: a, beta: b }) => { const s = expit(a! * x); return x < 0 ? a! * s * (1 - s) : b! / (x + 1); },
    fun: (x, { alpha: a, beta: b, epsilon: e }) => (x < 0 ? expit(x * a!) : b! * Math.log(Math.abs(x + 1) + e!) + 0.5),
    breaks: () => [0],
    variants: [{ alpha: 2, beta: 0.5, epsilon: 1e-6 }],
  },
  QPseudoSpike: {
    grad: (x, { alpha: a }) => Math.pow(1 + 2 / (a! + 1) * Math.abs(x), -a!),
    fun: (x, { alpha: a }) => {
      const base = 1 + 2 / (a! + 1) * Math.abs(x);
      const integral = a === 1 ? (a + 1) / 2 * Math.log(base) : (a! + 1) / (2 * (1 - a!)) * (Math.pow(base, 1 - a!) - 1);
      return 0.5 + Math.sign(x) * integral;
    },
    variants: [{ alpha: 0.5 }, { alpha: 1 }, { alpha: 3 }],
  },
  LeakyRelu: {
    grad: (x, { alpha: a, beta: b }) => (x < 0 ? a! : b!),
    fun: (x, { alpha: a, beta: b }) => (x < 0 ? a! * x : b! * x),
    breaks: () => [0],
    variants: [{ alpha: 0.3, beta: 2 }],
  },
  LogTailedRelu: {
    grad: (x, { alpha: a }) => (x > 1 ? 1 / x : x > 0 ? 1 : a!),
    fun: (x, { alpha: a }) => (x > 1 ? 1 + Math.log(x) : x > 0 ? x : a! * x),
    breaks: () => [0, 1],
    variants: [{ alpha: 0.1 }],
  },
  ReluGrad: {
    grad: (x, { alpha: a, width: w }) => Math.max(a! * w! - Math.abs(x) * a!, 0),
    breaks: ({ width: w }) => [-w!, w!],
    variants: [{ alpha: 1, width: 0.5 }, { alpha: 0.5, width: 2 }],
  },
  GaussianGrad: {
    grad: (x, { alpha: a, sigma: s }) => a! * Math.exp(-(x ** 2) / (2 * s! ** 2)) / (Math.sqrt(2 * Math.PI) * s!),
    variants: [{ alpha: 1, sigma: 0.3 }, { alpha: 0.7, sigma: 2 }],
  },
  MultiGaussianGrad: {
    grad: (x, { h, s, sigma, scale }) =>
      scale! * ((1 + h!) * gauss(x, 0, sigma!) - h! * gauss(x, sigma!, s! * sigma!) - h! * gauss(x, -sigma!, s! * sigma!)),
    variants: [{ h: 0, s: 6, sigma: 0.5, scale: 0.7 }, { h: 0.3, s: 2, sigma: 1, scale: 1 }],
  },
  InvSquareGrad: {
    grad: (x, { alpha: a }) => 1 / (a! * Math.abs(x) + 1) ** 2,
    variants: [{ alpha: 25 }, { alpha: 1 }],
  },
  SlayerGrad: {
    grad: (x, { alpha: a }) => Math.exp(-a! * Math.abs(x)),
    variants: [{ alpha: 3 }],
  },
};

/** linspace(lo, hi, n) */
export function linspace(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
}

/** The test grid of one surrogate: braintools' XS = linspace(−2.5, 2.5, 51), a finer grid, and each breakpoint ± a hair. */
export function gridFor(ref: Reference, p: Params): number[] {
  const pts = [...linspace(-2.5, 2.5, 51), ...linspace(-6, 6, 241)];
  for (const b of ref.breaks?.(p) ?? []) pts.push(b, b - 1e-9, b + 1e-9, b - 1e-3, b + 1e-3);
  return pts;
}
