/**
 * The WGSL kernels of the recurrent sequence op (kernels/neuron/recurrentWebgpu.ts), float32:
 * - against a float64 recurrent ALIF written here from the equations (its own constants and surrogate
 *   derivative), forward and BPTT: the gradients of W_in (through the currents), the masked W_rec without
 *   self-connections, the initial states and the initial spikes, on non-default parameters;
 * - against the CPU kernel (kernels/neuron/recurrentCpu.ts) for n = 1, n not a multiple of the workgroup (64),
 *   n larger than it (several neurons per invocation), hard reset, detached reset and a states' cotangent;
 * - a neuron whose backward reads the input current (recomputed per segment) against the CPU kernel;
 * - checkpointed against not (the same spikes and states, gradients within float32);
 * - a membrane exactly at threshold spikes (H(0) = 1) and its spike reaches the next step's current;
 * - a population larger than the workgroup memory holds is refused before the kernel runs;
 * - nn.Recurrent on these kernels trains the same under transform.jit's replay.
 */
import { expect, it } from 'vitest';
import * as sg from '../../index.js';
import { runOp } from '../../internal.js';
import { bindNeuron } from '../../dynamics/bind.js';
import { declareNeuron } from '../../dynamics/declaration.js';
import { ALIF_HARD, ALIF_SOFT } from '../../dynamics/models/alif.js';
import type { RecurrentSeqAttrs } from '../../engine/opsRecurrent.js';
import { ReluGrad } from '../../surrogate/index.js';
import { cpu, expectClose, rng, uniformArray } from '../support/helpers.js';
import { describeWebGpu } from '../support/webgpu.js';

type T = sg.Tensor;

const P = { R: 1.3, tau: 4, tau_a: 30, V_th: 1.1, V_reset: -0.2, V_rest: 0.1, beta: 0.4 };
const SG = { alpha: 0.6, width: 1.3 };

function attrs(reset: 'soft' | 'hard', checkpoint: number, detachReset = false, params: Record<string, number> = P): RecurrentSeqAttrs {
  const model = declareNeuron(reset === 'soft' ? ALIF_SOFT : ALIF_HARD);
  return { neuron: bindNeuron(model, params, 1, 'float32'), spkFun: new ReluGrad(SG), detachReset, checkpoint };
}

interface Problem {
  T: number; B: number; n: number; nin: number;
  x: Float64Array; wIn: Float64Array; wRec: Float64Array; mask: Float64Array;
  spike0: Float64Array; s0: Float64Array; u: Float64Array; v: Float64Array;
}

/** Inputs with a spike rate of a few to tens of percent; `u` weighs the spikes and `v` the final states in the loss. */
function problem(T: number, B: number, n: number, seed: number): Problem {
  const r = rng(seed), nin = 5;
  // No self-connections and 30 % of the rest absent; a single neuron keeps its one (self-)connection.
  const mask = Float64Array.from({ length: n * n }, (_, k) => (n === 1 ? 1 : Math.floor(k / n) === k % n ? 0 : r() < 0.7 ? 1 : 0));
  return {
    T, B, n, nin,
    // Binary inputs and weights on a 2⁻¹⁰ grid: x·W_in is exact in float32, so both backends' matmuls give the
    // op the same currents.
    x: Float64Array.from({ length: T * B * nin }, () => (r() < 0.5 ? 1 : 0)),
    wIn: uniformArray(nin * n, -0.1, 0.9, r).map((w) => Math.round(w * 1024) / 1024),
    wRec: uniformArray(n * n, -0.5, 0.45, r).map((w) => w * Math.min(1, 8 / n)),
    mask,
    spike0: Float64Array.from({ length: B * n }, () => (r() < 0.3 ? 1 : 0)),
    s0: Float64Array.from({ length: 2 * B * n }, (_, i) => (i < B * n ? 1.4 * r() - 0.3 : 0.5 * r())),
    u: uniformArray(T * B * n, -1, 1, r),
    v: uniformArray(2 * B * n, -1, 1, r),
  };
}

interface Outcome { spikes: Float64Array; states: Float64Array; grads: Float64Array[] }

/**
 * L = Σ spikes·u + Σ (last states row)·v with currents = x·W_in and the recurrent weight W_rec ⊙ M (as nn.Recurrent
 * masks it); gradients of W_in, W_rec, s0 and spike0.
 */
async function runOn(be: sg.Backend, p: Problem, a: RecurrentSeqAttrs): Promise<Outcome> {
  const t = (v: Float64Array, s: number[]) => sg.tensor(Float32Array.from(v), s, 'float32', be);
  const { T, B, n, nin } = p;
  const x = t(p.x, [T * B, nin]), wIn = t(p.wIn, [nin, n]), wRec = t(p.wRec, [n, n]), m = t(p.mask, [n, n]);
  const spike0 = t(p.spike0, [B, n]), s0 = t(p.s0, [2, B, n]), u = t(p.u, [T, B, n]), v = t(p.v, [2, B, n]);
  const rows = Math.ceil(T / a.checkpoint);
  const kept: T[] = [];
  const loss = (wi: T, wr: T, st0: T, sp0: T): T => {
    const cur = sg.reshape(sg.matmul(x, wi), [T, B, n]);
    const [spikes, states] = runOp('recurrentRun', [cur, sg.mul(wr, m), sp0, st0], a);
    kept.push(sg.keep(spikes!.add(0)), sg.keep(states!.add(0)));
    const last = sg.reshape(sg.slice(states!, [rows - 1, 0, 0, 0], [1, 2, B, n]), [2, B, n]);
    return sg.add(sg.sum(sg.mul(spikes!, u)), sg.sum(sg.mul(last, v)));
  };
  const grads = sg.grad(loss, [wIn, wRec, s0, spike0])(wIn, wRec, s0, spike0);
  const read = async (y: T) => Float64Array.from(await y.data());
  const out = { spikes: await read(kept[0]!), states: await read(kept[1]!), grads: await Promise.all(grads.map(read)) };
  sg.dispose([...kept, ...grads, x, wIn, wRec, m, spike0, s0, u, v]);
  return out;
}

/** ReluGrad's derivative, max(α·w − α·|x|, 0) (docs/numerics.md §3). */
const reluGrad = (x: number) => Math.max(SG.alpha * SG.width - SG.alpha * Math.abs(x), 0);

/**
 * Float64 recurrent ALIF, soft reset (docs/numerics.md §1, brainpy.state's order) and its BPTT, from the
 * equations: per step sp = H(u(V, a)), V' = V − k·sp, a' = a + sp, I = cur + s_{t−1}·W, V ← V' + cV·((−V' +
 * V_rest) + R·I)/τ, a ← a' − cA·a'/τ_a, s = H(u(V, a)), with u = ((V − V_th) − β·a)/k, k = V_th − V_reset and
 * c = dt·expm1(−dt/τ)/(−dt/τ).
 */
function reference(p: Problem): { spikes: Float64Array; last: Float64Array; grads: Float64Array[] } {
  const { T, B, n, nin } = p;
  const k = P.V_th - P.V_reset, exprel = (z: number) => Math.expm1(z) / z;
  const cV = exprel(-1 / P.tau), cA = exprel(-1 / P.tau_a);
  const dV = 1 - cV / P.tau, dA = 1 - cA / P.tau_a, gain = (cV * P.R) / P.tau;
  const uOf = (V: number, a: number) => (V - P.V_th - P.beta * a) / k;
  const W = p.wRec.map((w, i) => w * p.mask[i]!);
  const cur = new Float64Array(T * B * n);
  for (let r = 0; r < T * B; r++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let q = 0; q < nin; q++) s += p.x[r * nin + q]! * p.wIn[q * n + j]!;
    cur[r * n + j] = s;
  }
  // Forward: states after each step, [T + 1][2][B·n] with row 0 the initial ones.
  const V = Array.from({ length: T + 1 }, () => new Float64Array(B * n)), A = Array.from({ length: T + 1 }, () => new Float64Array(B * n));
  V[0]!.set(p.s0.subarray(0, B * n));
  A[0]!.set(p.s0.subarray(B * n));
  const S = Array.from({ length: T + 1 }, () => new Float64Array(B * n)); // S[t + 1] = spikes of step t, S[0] = spike0
  S[0]!.set(p.spike0);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) for (let j = 0; j < n; j++) {
    const o = b * n + j;
    const sp = uOf(V[t]![o]!, A[t]![o]!) >= 0 ? 1 : 0;
    const v1 = V[t]![o]! - k * sp, a1 = A[t]![o]! + sp;
    let I = cur[t * B * n + o]!;
    for (let i = 0; i < n; i++) I += S[t]![b * n + i]! * W[i * n + j]!;
    V[t + 1]![o] = v1 + cV * ((-v1 + P.V_rest + P.R * I) / P.tau);
    A[t + 1]![o] = a1 + cA * (-a1 / P.tau_a);
    S[t + 1]![o] = uOf(V[t + 1]![o]!, A[t + 1]![o]!) >= 0 ? 1 : 0;
  }
  // Backward.
  const gV = Float64Array.from(p.v.subarray(0, B * n)), gA = Float64Array.from(p.v.subarray(B * n));
  const dI = new Float64Array(T * B * n), dW = new Float64Array(n * n), dWin = new Float64Array(nin * n), dSpike0 = new Float64Array(B * n);
  const recBack = (t: number, b: number, i: number) => {
    let s = 0;
    for (let j = 0; j < n; j++) s += dI[t * B * n + b * n + j]! * W[i * n + j]!;
    return s;
  };
  for (let t = T - 1; t >= 0; t--) for (let b = 0; b < B; b++) for (let j = 0; j < n; j++) {
    const o = b * n + j;
    const ds = p.u[t * B * n + o]! + (t + 1 < T ? recBack(t + 1, b, j) : 0);
    const w = ds * reluGrad(uOf(V[t + 1]![o]!, A[t + 1]![o]!));
    const gv = gV[o]! + w / k, ga = gA[o]! - (w * P.beta) / k;
    const gv1 = gv * dV, ga1 = ga * dA;
    dI[t * B * n + o] = gv * gain;
    const sbar = -k * gv1 + ga1, w0 = sbar * reluGrad(uOf(V[t]![o]!, A[t]![o]!));
    gV[o] = gv1 + w0 / k;
    gA[o] = ga1 - (w0 * P.beta) / k;
  }
  for (let b = 0; b < B; b++) for (let i = 0; i < n; i++) dSpike0[b * n + i] = recBack(0, b, i);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) for (let i = 0; i < n; i++) {
    const s = S[t]![b * n + i]!;
    if (s !== 0) for (let j = 0; j < n; j++) dW[i * n + j] = dW[i * n + j]! + s * dI[t * B * n + b * n + j]!;
  }
  for (let r = 0; r < T * B; r++) for (let q = 0; q < nin; q++) for (let j = 0; j < n; j++) dWin[q * n + j] = dWin[q * n + j]! + p.x[r * nin + q]! * dI[r * n + j]!;
  const spikes = new Float64Array(T * B * n);
  for (let t = 0; t < T; t++) spikes.set(S[t + 1]!, t * B * n);
  const last = new Float64Array(2 * B * n);
  last.set(V[T]!);
  last.set(A[T]!, B * n);
  return { spikes, last, grads: [dWin, dW.map((g, i) => g * p.mask[i]!), Float64Array.from([...gV, ...gA]), dSpike0] };
}

const NAMES = ['W_in', 'W_rec', 's0', 'spike0'];

/** Each kernel variant compiles once per process; on a loaded two-core lavapipe that took up to ~10 s. */
const COMPILES = { timeout: 180_000 };

function expectGrads(actual: Float64Array[], expected: Float64Array[], rel: number, what: string): void {
  actual.forEach((g, i) => {
    const scale = Math.max(1e-30, ...Array.from(expected[i]!, Math.abs));
    expectClose(g, expected[i]!, { atol: rel * scale, rtol: rel }, `${what}: gradient of ${NAMES[i]}`);
  });
  expected.forEach((g, i) => expect(g.some((v) => v !== 0), `${what}: ${NAMES[i]}'s gradient is not all zero`).toBe(true));
}

const rate = (s: Float64Array) => s.reduce((p, v) => p + v, 0) / s.length;

describeWebGpu('recurrentRun on WebGPU', (gpu) => {
  for (const [n, checkpoint] of [[70, 1], [150, 6]] as const) {
    it(`n = ${n}, checkpoint ${checkpoint}: a float64 recurrent ALIF written from the equations`, COMPILES, async () => {
      const p = problem(23, 3, n, 11 + n);
      const ref = reference(p);
      const dev = await runOn(gpu, p, attrs('soft', checkpoint));
      expect(rate(ref.spikes)).toBeGreaterThan(0.03);
      expect(rate(ref.spikes)).toBeLessThan(0.6);
      expect(Array.from(dev.spikes)).toEqual(Array.from(ref.spikes));
      expectClose(dev.states.subarray(dev.states.length - 2 * p.B * n), ref.last, { atol: 1e-5, rtol: 1e-5 }, 'final states');
      expectGrads(dev.grads, ref.grads, 1e-4, 'float64 reference');
    });
  }

  const SHAPES: [string, number, number, number, 'soft' | 'hard', number, boolean][] = [
    ['n = 1', 30, 2, 1, 'soft', 1, false],
    ['n = 70 (no multiple of 64), hard reset', 19, 3, 70, 'hard', 1, false],
    ['n = 300 (> 64, five neurons per invocation), checkpoint 4', 17, 2, 300, 'soft', 4, false],
    ['n = 64, detached reset, checkpoint = T', 12, 4, 64, 'soft', 12, true],
    ['n = 256 (Wᵀ read in quads), B = 5 (a workgroup\'s rows partly past the batch)', 9, 5, 256, 'soft', 3, false],
  ];
  for (const [name, T, B, n, reset, checkpoint, detach] of SHAPES) {
    it(`${name}: the CPU kernel's spikes and states, gradients within float32`, COMPILES, async () => {
      const p = problem(T, B, n, 3 + n);
      const a = attrs(reset, checkpoint, detach);
      const [host, dev] = [await runOn(await cpu(), p, a), await runOn(gpu, p, a)];
      expect(rate(host.spikes)).toBeGreaterThan(0.02);
      expect(Array.from(dev.spikes)).toEqual(Array.from(host.spikes));
      expect(Array.from(dev.states)).toEqual(Array.from(host.states));
      expectGrads(dev.grads, host.grads, 2e-5, 'CPU kernel');
    });
  }

  // A neuron whose backward reads the input current (∂V_new/∂I = c·2I/τ): the backward recomputes every
  // segment's currents (k = 1 too) into scratch and reads them back there.
  const SQUARE = declareNeuron({
    name: 'SquareIn', states: { V: { init: 0 }, a: { init: 0 } },
    params: { tau: { unit: 'ms', default: 4 }, tau_a: { unit: 'ms', default: 25 }, th: { default: 0.8 } },
    update: { V: { expEuler: '(-V + 0.5 * I * I) / tau' }, a: { expEuler: '(-a) / tau_a' } },
    spike: 'V - th - 0.3 * a',
    reset: { V: { subtract: 'th' }, a: { add: '1' } },
  });
  for (const checkpoint of [1, 4]) {
    it(`a neuron whose backward reads the current, checkpoint ${checkpoint}: the CPU kernel`, COMPILES, async () => {
      const p = problem(19, 3, 70, 21);
      const a: RecurrentSeqAttrs = { neuron: bindNeuron(SQUARE, { tau: 3 }, 1, 'float32'), spkFun: new ReluGrad(SG), detachReset: false, checkpoint };
      const [host, dev] = [await runOn(await cpu(), p, a), await runOn(gpu, p, a)];
      expect(rate(host.spikes)).toBeGreaterThan(0.02);
      expect(Array.from(dev.spikes)).toEqual(Array.from(host.spikes));
      expect(Array.from(dev.states)).toEqual(Array.from(host.states));
      expectGrads(dev.grads, host.grads, 2e-5, 'CPU kernel');
    });
  }

  it('checkpointed (k = 1, 3, 7, T) gives the same spikes and states rows, and gradients within float32', COMPILES, async () => {
    const p = problem(21, 2, 90, 5);
    const base = await runOn(gpu, p, attrs('soft', 1));
    for (const k of [3, 7, 21]) {
      const c = await runOn(gpu, p, attrs('soft', k));
      expect(Array.from(c.spikes)).toEqual(Array.from(base.spikes));
      const rows = Math.ceil(21 / k), per = 2 * 2 * 90;
      for (let r = 0; r < rows; r++) {
        const step = Math.min((r + 1) * k, 21) - 1;
        expect(Array.from(c.states.subarray(r * per, (r + 1) * per)), `k = ${k}, row ${r}`).toEqual(Array.from(base.states.subarray(step * per, (step + 1) * per)));
      }
      expectGrads(c.grads, base.grads, 1e-6, `checkpoint ${k}`);
    }
  });

  it('a membrane exactly at threshold spikes, and its spike enters the next step\'s current', COMPILES, async () => {
    // One step from V = 0, a = 0, no reset, no recurrent input: V1 = fl(0 + c·fl(fl(fl(−0) + fl(R·I))/τ)) in the
    // tree's float order (V_rest = 0 drops out); with V_th = V1 the spike argument is exactly 0.
    const R = 1.5, tau = 4, I0 = 0.75;
    const f = Math.fround, z = f(-1 / tau), c = f(f(Math.expm1(z)) / z);
    const V1 = f(0 + f(c * f(f(-0 + f(R * I0)) / tau)));
    const params = { R, tau, tau_a: 30, V_th: V1, V_reset: 0, V_rest: 0, beta: 0.2 };
    const a = attrs('soft', 1, false, params);
    const n = 3, B = 1, T = 2;
    // Neuron 0 at threshold, neuron 1 one ulp below it in current, neuron 2 silent; W[0, 2] = 2 lifts neuron 2 at t = 1.
    const below = f(I0 - 2 ** -24);
    const cur = sg.tensor(Float32Array.from([I0, below, 0, 0, 0, 0]), [T, B, n], 'float32', gpu);
    const w = sg.tensor(Float32Array.from([0, 0, 2, 0, 0, 0, 0, 0, 0]), [n, n], 'float32', gpu);
    const [spikes, states] = runOp('recurrentRun', [cur, w, sg.zeros([B, n], 'float32', gpu), sg.zeros([2, B, n], 'float32', gpu)], a);
    const s = Array.from(await spikes!.data()), st = await states!.data();
    expect(st[0]).toBe(V1);
    expect(st[1]).toBeLessThan(V1);
    expect(s.slice(0, 3)).toEqual([1, 0, 0]);
    // Step 1: neuron 2 gets W[0, 2] = 2 through the recurrence: V = c·(R·2)/τ ≈ 0.66·V1/0.25… above threshold.
    expect(st[2 * n + 2]).toBeGreaterThan(V1);
    expect(s[n + 2]).toBe(1);
    sg.dispose([cur, w, spikes!, states!]);
  });

  it("refuses a population larger than the device's workgroup memory holds, naming wRec, the most and n", COMPILES, () => {
    // The backward keeps, per batch row, a spike list and two rows of dI of PMAX·64 words each in workgroup memory.
    const bytes = (gpu as unknown as { device: { limits: { maxComputeWorkgroupStorageSize: number } } }).device.limits.maxComputeWorkgroupStorageSize;
    const n = bytes / 16 + 1, B = 1, T = 1;
    const z = (shape: number[]) => sg.zeros(shape, 'float32', gpu);
    const ins = [z([T, B, n]), z([n, n]), z([B, n]), z([2, B, n]), z([T, B, n]), z([1, 2, B, n]), z([T, B, n])];
    expect(() => runOp('recurrentRunGrad', ins, { ...attrs('soft', 1), hasDS: true, hasDStates: false })).toThrow(
      new RegExp(`recurrentRunGrad: argument 'wRec' expected at most \\d+ neurons on this device \\(its workgroup memory is ${bytes} bytes\\), got n = ${n}`));
    sg.dispose(ins);
  });

  it('nn.Recurrent (fused on WebGPU) trains the same under transform.jit: losses and weights after 4 Adam steps', COMPILES, async () => {
    // A replay re-binds the kernels' scratch (Wᵀ, the recomputed segment): a stale binding would change the numbers.
    const T = 20, B = 5, nin = 6, n = 70;
    const xs = sg.tensor(Float32Array.from({ length: T * B * nin }, (_, i) => ((i * 7919) % 13) / 6), [T, B, nin], 'float32', gpu);
    const train = async (jit: boolean) => {
      sg.random.seed(3);
      const l = new sg.nn.Recurrent(nin, new sg.nn.ALIF(n, { tau: 4, beta: 0.3 }));
      const opt = new sg.optim.Adam({ lr: 1e-2 });
      opt.registerTrainableWeights(l.states(sg.ParamState));
      const step = () => {
        sg.nn.initAllStates(l, { batchSize: B, backend: gpu });
        const [g, loss] = sg.grad(() => sg.mean(l.run(xs, { checkpoint: 6 })), l.states(sg.ParamState), { returnValue: true })();
        opt.update(g);
        return loss;
      };
      const j = jit ? sg.transform.jit(step) : null;
      const losses: number[] = [];
      for (let i = 0; i < 4; i++) losses.push((await (j ?? step)().data())[0]!);
      if (j) expect(j.stats.mode, 'the last call replayed the recording').toBe('replayed');
      return { losses, w: Array.from(await l.recWeight.value.data()) };
    };
    const before = sg.getBackend().name;
    await sg.setBackend(gpu.name); // the layer's parameters are created on the current backend
    try {
      const plain = await train(false), jitted = await train(true);
      expect(plain.losses.some((v) => v > 0)).toBe(true);
      expect(jitted.losses).toEqual(plain.losses);
      expect(jitted.w).toEqual(plain.w);
    } finally {
      await sg.setBackend(before);
      xs.dispose();
    }
  });
});
