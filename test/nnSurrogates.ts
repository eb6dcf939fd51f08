/**
 * Test-only surrogates with the interface of surrogate.Surrogate (key, gradScalar, wgslGrad, spike), for the
 * three of the tutorial (SPEC §3 formulas and defaults). spike(x) is H(x) in the forward and σ'(x) in the
 * backward, built from primitive ops: H(x) + (x·g − stop_gradient(x·g)) with g = stop_gradient(σ'(x)); the
 * bracket is exactly 0 in the forward and has derivative g.
 */
import * as sg from '../index.js';

abstract class TestSurrogate {
  abstract readonly name: string;
  abstract readonly params: Readonly<Record<string, number>>;
  abstract readonly gradScalar: (x: number) => number;
  abstract gradTensor(x: sg.Tensor): sg.Tensor;
  abstract wgslGrad(fnName: string): string;
  get key(): string {
    return `${this.name}(${Object.entries(this.params).map(([k, v]) => `${k}=${v}`).join(', ')})`;
  }
  spike(x: sg.Tensor): sg.Tensor {
    const h = sg.cast(sg.ge(x, 0), x.dtype);
    const xg = sg.mul(x, sg.stopGradient(this.gradTensor(x)));
    return sg.add(h, sg.sub(xg, sg.stopGradient(xg)));
  }
  toString(): string {
    return this.key;
  }
}

export class ReluGrad extends TestSurrogate {
  readonly name = 'ReluGrad';
  constructor(readonly params = { alpha: 0.3, width: 1.0 }) {
    super();
  }
  readonly gradScalar = (x: number): number => Math.max(this.params.alpha * this.params.width - Math.abs(x) * this.params.alpha, 0);
  gradTensor(x: sg.Tensor): sg.Tensor {
    const { alpha, width } = this.params;
    return sg.maximum(sg.sub(alpha * width, sg.mul(sg.abs(x), alpha)), 0);
  }
  wgslGrad(fn: string): string {
    const { alpha, width } = this.params;
    return `fn ${fn}(x: f32) -> f32 { return max(f32(${alpha * width}) - abs(x) * f32(${alpha}), 0.0); }`;
  }
}

export class Sigmoid extends TestSurrogate {
  readonly name = 'Sigmoid';
  constructor(readonly params = { alpha: 4.0 }) {
    super();
  }
  readonly gradScalar = (x: number): number => {
    const z = this.params.alpha * x;
    const s = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    return (1 - s) * s * this.params.alpha;
  };
  gradTensor(x: sg.Tensor): sg.Tensor {
    const s = sg.sigmoid(sg.mul(x, this.params.alpha));
    return sg.mul(sg.mul(sg.sub(1, s), s), this.params.alpha);
  }
  wgslGrad(fn: string): string {
    const a = this.params.alpha;
    return `fn ${fn}(x: f32) -> f32 { let z = f32(${a}) * x; let e = exp(-abs(z)); let s = select(e / (1.0 + e), 1.0 / (1.0 + e), z >= 0.0); return (1.0 - s) * s * f32(${a}); }`;
  }
}

export class Arctan extends TestSurrogate {
  readonly name = 'Arctan';
  constructor(readonly params = { alpha: 1.0 }) {
    super();
  }
  readonly gradScalar = (x: number): number => {
    const a = this.params.alpha, t = (Math.PI / 2) * a * x;
    return (a * 0.5) / (1 + t * t);
  };
  gradTensor(x: sg.Tensor): sg.Tensor {
    const a = this.params.alpha;
    const t = sg.mul(x, (Math.PI / 2) * a);
    return sg.div(a * 0.5, sg.add(sg.mul(t, t), 1));
  }
  wgslGrad(fn: string): string {
    const a = this.params.alpha;
    return `fn ${fn}(x: f32) -> f32 { let t = f32(${(Math.PI / 2) * a}) * x; return f32(${a * 0.5}) / (1.0 + t * t); }`;
  }
}
