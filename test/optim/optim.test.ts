/**
 * Optimizers against float64 re-implementations of optax written here (scale_by_adam, add_decayed_weights,
 * trace, clip_by_global_norm, the schedules), over several steps, on gradients taken by `grad` from a real
 * loss; plus registration, validation, in-place updates and memory.
 */
import { describe, expect, it, vi } from 'vitest';
import * as sg from '../../index.js';
import { optim } from '../../index.js';
import { expectClose, rng, uniformArray } from '../support/helpers.js';

type Vec = Float64Array;

/** A small model with two parameters and a nonlinear loss, so the gradients change from step to step. */
function makeModel(dtype: 'float32' | 'float64', seed = 3) {
  const r = rng(seed);
  const x = sg.keep(sg.tensor(uniformArray(4 * 3, -1, 1, r), [4, 3], dtype));
  const states = {
    'layer.weight': new sg.ParamState(sg.tensor(uniformArray(3 * 5, -1, 1, r), [3, 5], dtype)),
    'layer.bias': new sg.ParamState(sg.tensor(uniformArray(5, -0.5, 0.5, r), [5], dtype)),
  };
  const loss = () => sg.sum(sg.square(sg.tanh(sg.add(sg.matmul(x, states['layer.weight'].value), states['layer.bias'].value))));
  const gradFn = sg.grad(loss, states);
  return { states, gradFn };
}

const values = (t: sg.Tensor): Vec => Float64Array.from(t.dataSync());

/** optax.scale_by_adam (+ add_decayed_weights after it for AdamW, before it for coupled decay) and −lr. */
class OptaxAdam {
  mu: Vec; nu: Vec; count = 0;
  constructor(n: number, readonly o: { lr: (k: number) => number; b1: number; b2: number; eps: number; wd: number; decoupled: boolean }) {
    this.mu = new Float64Array(n);
    this.nu = new Float64Array(n);
  }
  step(p: Vec, g: Vec): void {
    const { b1, b2, eps, wd, decoupled } = this.o;
    const lr = this.o.lr(this.count);
    this.count += 1;
    const bc1 = 1 - b1 ** this.count, bc2 = 1 - b2 ** this.count;
    for (let i = 0; i < p.length; i++) {
      const gi = decoupled ? g[i]! : g[i]! + wd * p[i]!;
      this.mu[i] = (1 - b1) * gi + b1 * this.mu[i]!;
      this.nu[i] = (1 - b2) * gi * gi + b2 * this.nu[i]!;
      let u = (this.mu[i]! / bc1) / (Math.sqrt(this.nu[i]! / bc2 + 0) + eps);
      if (decoupled) u += wd * p[i]!;
      p[i] = p[i]! + -lr * u;
    }
  }
}

/** optax.sgd: trace(decay=momentum, nesterov) then −lr. */
class OptaxSgd {
  t: Vec; count = 0;
  constructor(n: number, readonly o: { lr: (k: number) => number; momentum: number; nesterov: boolean }) {
    this.t = new Float64Array(n);
  }
  step(p: Vec, g: Vec): void {
    const lr = this.o.lr(this.count++);
    for (let i = 0; i < p.length; i++) {
      let u = g[i]!;
      if (this.o.momentum > 0) {
        this.t[i] = g[i]! + this.o.momentum * this.t[i]!;
        u = this.o.nesterov ? g[i]! + this.o.momentum * this.t[i]! : this.t[i]!;
      }
      p[i] = p[i]! - lr * u;
    }
  }
}

interface RefOpt { step(p: Vec, g: Vec): void }

/** Runs `steps` steps of `opt` and of the per-parameter references on the same gradients; compares every step. */
function compareTrajectory(dtype: 'float32' | 'float64', opt: optim.Optimizer, makeRef: (n: number) => RefOpt, steps: number, tol: { atol: number; rtol: number }, clipNorm?: number): void {
  const { states, gradFn } = makeModel(dtype);
  opt.registerTrainableWeights(states);
  const paths = Object.keys(states) as (keyof typeof states)[];
  const ref = Object.fromEntries(paths.map((k) => [k, { p: values(states[k].value), opt: makeRef(states[k].value.size) }]));
  for (let s = 0; s < steps; s++) {
    sg.tidy(() => {
      const grads = gradFn();
      let gs = paths.map((k) => values(grads[k]));
      if (clipNorm !== undefined) {
        const norm = Math.sqrt(gs.reduce((acc, g) => acc + g.reduce((a, v) => a + v * v, 0), 0));
        if (norm >= clipNorm) gs = gs.map((g) => g.map((v) => (v / norm) * clipNorm));
      }
      paths.forEach((k, i) => ref[k]!.opt.step(ref[k]!.p, gs[i]!));
      opt.update(grads);
    });
    for (const k of paths) expectClose(states[k].value.dataSync(), ref[k]!.p, tol, `${k} after step ${s + 1}`);
  }
  expect(opt.stepCount).toBe(steps);
}

const F64 = { atol: 1e-14, rtol: 1e-12 };

describe('Adam (optax scale_by_adam semantics)', () => {
  it('matches a float64 optax re-implementation over 12 steps', () => {
    const opt = new optim.Adam({ lr: 3e-3 });
    compareTrajectory('float64', opt, (n) => new OptaxAdam(n, { lr: () => 3e-3, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0, decoupled: false }), 12, F64);
  });
  it('follows the float64 trajectory in float32 within float32 rounding', () => {
    const opt = new optim.Adam({ lr: 1e-2, betas: [0.8, 0.99], eps: 1e-6 });
    compareTrajectory('float32', opt, (n) => new OptaxAdam(n, { lr: () => 1e-2, b1: 0.8, b2: 0.99, eps: 1e-6, wd: 0, decoupled: false }), 8, { atol: 2e-6, rtol: 2e-5 });
  });
  it('the first step moves every parameter by lr·sign(g) (bias correction cancels the moments)', () => {
    const { states, gradFn } = makeModel('float64');
    const opt = new optim.Adam({ lr: 0.5, eps: 0 }).registerTrainableWeights(states);
    const before = values(states['layer.weight'].value);
    const g = values(gradFn()['layer.weight']);
    opt.update(gradFn());
    const after = values(states['layer.weight'].value);
    expectClose(after, before.map((p, i) => p - 0.5 * Math.sign(g[i]!)), F64, 'first Adam step');
  });
  it('coupled weight decay adds wd·p to the gradient before the moments', () => {
    const opt = new optim.Adam({ lr: 1e-2, weightDecay: 0.1 });
    compareTrajectory('float64', opt, (n) => new OptaxAdam(n, { lr: () => 1e-2, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.1, decoupled: false }), 6, F64);
  });
});

describe('AdamW (decoupled weight decay)', () => {
  it('matches optax adamw over 10 steps', () => {
    const opt = new optim.AdamW({ lr: 2e-2, weightDecay: 0.05 });
    compareTrajectory('float64', opt, (n) => new OptaxAdam(n, { lr: () => 2e-2, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.05, decoupled: true }), 10, F64);
  });
  it('with a zero gradient, decays the parameter by exactly lr·wd·p per step', () => {
    const p = new sg.ParamState(sg.tensor([1, -2, 4], [3], 'float64'));
    const opt = new optim.AdamW({ lr: 0.1, weightDecay: 0.5 }).registerTrainableWeights({ p });
    const zero = sg.zeros([3], 'float64');
    opt.update({ p: zero });
    opt.update({ p: zero });
    expectClose(p.value.dataSync(), [1, -2, 4].map((v) => v * 0.95 * 0.95), F64, 'decayed');
  });
  it('defaults to weightDecay 0.01 (braintools, PyTorch)', () => {
    expect(new optim.AdamW().weightDecay).toBe(0.01);
    expect(new optim.Adam().weightDecay).toBe(0);
  });
});

describe('SGD', () => {
  it('plain SGD: p ← p − lr·g, no slots', () => {
    const opt = new optim.SGD({ lr: 0.1 });
    compareTrajectory('float64', opt, (n) => new OptaxSgd(n, { lr: () => 0.1, momentum: 0, nesterov: false }), 5, F64);
    expect(opt.slots('layer.weight')).toHaveLength(0);
  });
  it('heavy-ball momentum matches optax trace', () => {
    const opt = new optim.SGD({ lr: 0.05, momentum: 0.9 });
    compareTrajectory('float64', opt, (n) => new OptaxSgd(n, { lr: () => 0.05, momentum: 0.9, nesterov: false }), 8, F64);
  });
  it('Nesterov momentum matches optax trace(nesterov=True)', () => {
    const opt = new optim.SGD({ lr: 0.05, momentum: 0.8, nesterov: true });
    compareTrajectory('float64', opt, (n) => new OptaxSgd(n, { lr: () => 0.05, momentum: 0.8, nesterov: true }), 8, F64);
  });
  it('momentum by hand on a constant gradient: steps of lr·g·(1 + m + m² …)', () => {
    const p = new sg.ParamState(sg.tensor([0], [1], 'float64'));
    const opt = new optim.SGD({ lr: 1, momentum: 0.5 }).registerTrainableWeights({ p });
    const g = sg.tensor([1], [1], 'float64');
    for (let i = 0; i < 3; i++) opt.update({ p: g });
    expect(p.value.dataSync()[0]).toBeCloseTo(-(1 + 1.5 + 1.75), 14);
  });
});

describe('learning-rate schedules', () => {
  it('constant, step and cosine give the documented values', () => {
    expect(optim.constantLR(0.3).at(1000)).toBe(0.3);
    const st = optim.stepLR({ lr: 1, stepSize: 10, gamma: 0.5 });
    expect([0, 9, 10, 19, 20, 35].map((s) => st.at(s))).toEqual([1, 1, 0.5, 0.5, 0.25, 0.125]);
    const cos = optim.cosineLR({ lr: 1, steps: 100, minLr: 0.1 });
    expect(cos.at(0)).toBe(1);
    expect(cos.at(50)).toBeCloseTo(0.55, 14);
    expect(cos.at(100)).toBeCloseTo(0.1, 14);
    expect(cos.at(250)).toBeCloseTo(0.1, 14);
    expect(cos.at(25)).toBeCloseTo(0.1 + 0.9 * 0.5 * (1 + Math.SQRT1_2), 14);
  });
  it('the optimizer uses schedule(stepCount) for each update (step 0 first)', () => {
    const sched = optim.stepLR({ lr: 0.2, stepSize: 2, gamma: 0.1 });
    const opt = new optim.SGD({ lr: sched });
    compareTrajectory('float64', opt, (n) => new OptaxSgd(n, { lr: (k) => sched.at(k), momentum: 0, nesterov: false }), 5, F64);
  });
  it('Adam with a cosine schedule and with a plain function of the step', () => {
    const cos = optim.cosineLR({ lr: 1e-2, steps: 6 });
    compareTrajectory('float64', new optim.Adam({ lr: cos }), (n) => new OptaxAdam(n, { lr: (k) => cos.at(k), b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0, decoupled: false }), 8, F64);
    const fn = (k: number) => 1e-2 / (1 + k);
    compareTrajectory('float64', new optim.Adam({ lr: fn }), (n) => new OptaxAdam(n, { lr: fn, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0, decoupled: false }), 5, F64);
  });
  it('reports the next learning rate and rejects bad schedules', () => {
    const opt = new optim.SGD({ lr: (k) => 1 / (k + 1) });
    expect(opt.lr).toBe(1);
    expect(() => optim.stepLR({ lr: 1, stepSize: 0 })).toThrow(/stepLR: argument 'stepSize' expected a positive integer/);
    expect(() => optim.cosineLR({ lr: -1, steps: 3 })).toThrow(/cosineLR: argument 'lr'/);
    expect(() => new optim.Adam({ lr: 'fast' as never })).toThrow(/Adam: argument 'lr' expected a number, a function/);
    const bad = new optim.SGD({ lr: () => NaN });
    expect(() => bad.lr).toThrow(/schedule returned number NaN at step 0/);
  });
});

describe('gradient clipping', () => {
  it('globalNorm is the L2 norm over every tensor', async () => {
    const n = optim.globalNorm([sg.tensor([3, 0], [2], 'float64'), sg.tensor([[4]], [1, 1], 'float64')]);
    expect(await n.item()).toBe(5);
  });
  it('clipByGlobalNorm scales down only above the threshold', () => {
    const gs = [sg.tensor([3, 0], [2], 'float64'), sg.tensor([4], [1], 'float64')];
    expectClose(optim.clipByGlobalNorm(gs, 10)[0]!.dataSync(), [3, 0], F64);
    const c = optim.clipByGlobalNorm(gs, 1);
    expectClose(c[0]!.dataSync(), [0.6, 0], F64);
    expectClose(c[1]!.dataSync(), [0.8], F64);
  });
  it('SGD and Adam with gradClipNorm follow optax clip_by_global_norm', () => {
    compareTrajectory('float64', new optim.SGD({ lr: 0.1, gradClipNorm: 0.05 }), (n) => new OptaxSgd(n, { lr: () => 0.1, momentum: 0, nesterov: false }), 4, F64, 0.05);
    compareTrajectory('float64', new optim.Adam({ lr: 1e-2, gradClipNorm: 0.05 }), (n) => new OptaxAdam(n, { lr: () => 1e-2, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0, decoupled: false }), 4, F64, 0.05);
  });
  it('gradClipValue clips each element', () => {
    const p = new sg.ParamState(sg.tensor([0, 0, 0], [3], 'float64'));
    const opt = new optim.SGD({ lr: 1, gradClipValue: 0.5 }).registerTrainableWeights({ p });
    opt.update({ p: sg.tensor([2, -0.25, -7], [3], 'float64') });
    expectClose(p.value.dataSync(), [-0.5, 0.25, 0.5], F64);
  });
});

describe('registration, validation and memory', () => {
  it('updates in place with one backend update call per parameter and no other op', async () => {
    const { states, gradFn } = makeModel('float32');
    const opt = new optim.Adam({ lr: 1e-3 }).registerTrainableWeights(states);
    const w = states['layer.weight'].value;
    const grads = gradFn();
    const be = sg.getBackend();
    const spy = vi.spyOn(be, 'update');
    const ops = be.counters.ops;
    opt.update(grads);
    expect(spy).toHaveBeenCalledTimes(2);
    expect(spy.mock.calls.map((c) => c[0])).toEqual(['adam', 'adam']);
    expect(be.counters.ops).toBe(ops);
    expect(states['layer.weight'].value).toBe(w); // same tensor, storage rewritten
    spy.mockRestore();
    sg.dispose(grads);
  });
  it('ignores unknown keys and names missing ones', () => {
    const { states, gradFn } = makeModel('float64');
    const opt = new optim.SGD({ lr: 0.1 }).registerTrainableWeights(states);
    const g = gradFn();
    expect(() => opt.update({ ...g, 'other.weight': sg.zeros([2]) })).not.toThrow();
    expect(() => opt.update({ 'layer.weight': g['layer.weight'] })).toThrow(/SGD.update: argument 'grads' has no gradient for 'layer.bias'/);
    expect(opt.stepCount).toBe(1);
  });
  it('rejects gradients of the wrong shape, dtype or type before touching any parameter', () => {
    const { states, gradFn } = makeModel('float64');
    const opt = new optim.Adam().registerTrainableWeights(states);
    const g = gradFn();
    const before = values(states['layer.bias'].value);
    expect(() => opt.update({ 'layer.bias': g['layer.bias'], 'layer.weight': sg.zeros([5, 3], 'float64') }))
      .toThrow("Adam.update: grads['layer.weight'] expected float64 [3, 5] like its parameter, got float64 [5, 3]");
    expect(() => opt.update({ 'layer.bias': g['layer.bias'], 'layer.weight': sg.zeros([3, 5], 'float32') })).toThrow(/expected float64 \[3, 5\].*got float32/);
    expect(() => opt.update({ 'layer.bias': g['layer.bias'], 'layer.weight': 3 as never })).toThrow(/grads\['layer.weight'\] expected a Tensor, got number 3/);
    expect(() => opt.update(g['layer.bias'] as never)).toThrow(/argument 'grads' expected a record/);
    expect(values(states['layer.bias'].value)).toEqual(before);
    expect(opt.stepCount).toBe(0);
  });
  it('rejects bad registrations and options', () => {
    const s = new sg.ParamState(sg.zeros([2]));
    const opt = new optim.Adam();
    expect(() => opt.update({})).toThrow(/no trainable weights registered/);
    opt.registerTrainableWeights({ a: s });
    opt.registerTrainableWeights({ a: s }); // same pair again is fine
    expect(() => opt.registerTrainableWeights({ b: s })).toThrow(/already registered as 'a'/);
    expect(() => opt.registerTrainableWeights({ a: new sg.ParamState(sg.zeros([2])) })).toThrow(/'a' is already registered with another state/);
    expect(() => opt.registerTrainableWeights({ c: new sg.ParamState(sg.zeros([2], 'int32')) })).toThrow(/only float parameters can be trained/);
    expect(() => opt.registerTrainableWeights([s] as never)).toThrow(/expected a record of path → ParamState/);
    expect(() => new optim.Adam({ betas: [1.5, 0.9] })).toThrow(/Adam: argument 'betas\[0\]' expected a number in \[0, 1\)/);
    expect(() => new optim.SGD({ nesterov: true })).toThrow(/'nesterov' needs a momentum > 0/);
    expect(() => new optim.Adam({ gradClipNorm: 0 })).toThrow(/'gradClipNorm' expected a positive finite number/);
  });
  it('keeps its slots across tidy and leaks nothing per step', () => {
    const { states, gradFn } = makeModel('float32');
    const opt = sg.tidy(() => new optim.Adam({ lr: 1e-3, gradClipNorm: 1 }).registerTrainableWeights(states));
    const be = sg.getBackend();
    sg.tidy(() => opt.update(gradFn()));
    const base = be.memory().bytesInUse;
    for (let i = 0; i < 20; i++) sg.tidy(() => opt.update(gradFn()));
    expect(be.memory().bytesInUse).toBe(base);
    expect(opt.moments('layer.weight').mu.isDisposed).toBe(false);
    expect(Math.max(...values(opt.moments('layer.weight').nu))).toBeGreaterThan(0);
  });
});

describe('in-place updates and cached views of the parameter', () => {
  it('a sparse weight used as the left matmul operand is re-read after an update (CPU sparse cache)', () => {
    // 64×32 zeros: the CPU matmul caches a sparse view of it on first use; the update must invalidate it.
    const w = new sg.ParamState(sg.zeros([64, 32]));
    const x = sg.ones([32, 3]);
    expect(sg.matmul(w.value, x).dataSync().every((v) => v === 0)).toBe(true);
    const opt = new optim.SGD({ lr: 1 }).registerTrainableWeights({ w });
    opt.update({ w: sg.fullLike(w.value, -0.5) });
    const y = sg.matmul(w.value, x).dataSync();
    expect([...y.slice(0, 3)]).toEqual([16, 16, 16]);
  });
});
