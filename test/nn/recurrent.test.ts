/**
 * nn.Recurrent on the CPU backend: sequence mode equals step mode bit for bit (spikes, membranes; gradients to float32
 * rounding: the fused op sums dW_rec over all T·B rows at once, step mode per step); the surrogate gradients of a
 * recurrent LIF (W_in, W_rec, bias, initial membrane, input) against a float64 BPTT written here by hand with
 * its own surrogate derivative; gradients of the membranes against float64 finite differences; and the
 * errors for bad input. All on non-default parameters: k = V_th − V_reset ≠ 1, R ≠ 1, V_rest ≠ 0, both
 * resets, a sparse mask and self-connections off.
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { ReluGrad, Sigmoid } from '../../surrogate/index.js';
import { gradcheck } from '../support/gradcheck.js';
import { cpu, rng, uniformArray } from '../support/helpers.js';

const { nn, transform, ParamState } = sg;
type T = sg.Tensor;

const NIN = 4, N = 6, B = 3, STEPS = 30;
/** LIF constants of every test: k = 1.5, R = 1.3, V_rest = 0.1. */
const LIF = { tau: 4, VTh: 1.2, VReset: -0.3, VRest: 0.1, R: 1.3 };
const ALPHA = 0.7, WIDTH = 1.4;

/** A fixed sparse connectivity, about half the connections, some diagonal entries kept. */
function sparseMask(seed: number): number[][] {
  const r = rng(seed);
  return Array.from({ length: N }, () => Array.from({ length: N }, () => (r() < 0.5 ? 1 : 0)));
}

interface Case { name: string; reset: 'soft' | 'hard'; mask?: number[][]; selfConnections: boolean }
const CASES: Case[] = [
  { name: 'soft reset, all-to-all', reset: 'soft', selfConnections: true },
  { name: 'hard reset, sparse mask, no self-connections', reset: 'hard', mask: sparseMask(5), selfConnections: false },
  { name: 'soft reset, no self-connections', reset: 'soft', selfConnections: false },
];

function makeLayer(c: Case, dtype: 'float32' | 'float64', spkFun: sg.nn.SpikeFunction = new ReluGrad({ alpha: ALPHA, width: WIDTH })): sg.nn.Recurrent<sg.nn.LIF> {
  sg.random.seed(21);
  // Recurrent weights large enough that the recurrence changes which neurons spike.
  return new nn.Recurrent(NIN, new nn.LIF(N, { ...LIF, spkReset: c.reset, spkFun }), {
    dtype, wInit: new sg.init.Uniform({ low: -0.3, high: 0.9 }), recInit: new sg.init.Uniform({ low: -0.8, high: 1.2 }), selfConnections: c.selfConnections, ...(c.mask ? { mask: c.mask } : {}),
  });
}

/**
 * The gradients of the two modes (none all zero): the fused op computes each step's gradient as step mode does,
 * but keeps the carried cotangents in float64 between steps and sums dW_rec over all T·B rows in one matmul,
 * while step mode rounds every step's tensors to float32 and sums per step; so they agree to float32 rounding
 * accumulated over the sequence, not bit for bit.
 */
function expectSameGrads(a: number[][], b: number[][]): void {
  a.forEach((g, i) => {
    expect(b[i]!.some((v) => v !== 0), `gradient ${i} is not all zero`).toBe(true);
    const scale = Math.max(...g.map(Math.abs));
    g.forEach((v, q) => {
      if (!(Math.abs(v - b[i]![q]!) <= 2e-5 * scale)) throw new Error(`gradient ${i}[${q}]: ${v} vs ${b[i]![q]}`);
    });
  });
}

describe('nn.Recurrent: run equals forLoop(update) on the CPU, bit for bit', async () => {
  await cpu();
  for (const c of CASES) {
    it(`${c.name}: spikes, final state and gradients`, async () => {
      await sg.setBackend('cpu');
      const x = uniformArray(STEPS * B * NIN, -0.5, 2.5, rng(3));
      const once = (mode: 'run' | 'step') => sg.tidy(() => {
        const l = makeLayer(c, 'float32');
        nn.initAllStates(l, { batchSize: B });
        const xs = sg.tensor(x, [STEPS, B, NIN], 'float32');
        const params = Object.values(l.states(ParamState));
        let ysData: number[] = [], vTData: number[] = [];
        const grads = sg.grad(() => {
          const ys = mode === 'run' ? l.run(xs) : transform.forLoop(l.update, xs);
          const vT = l.neuron.V.value;
          ysData = Array.from(ys.dataSync()); vTData = Array.from(vT.dataSync());
          const u = sg.tensor(uniformArray(ys.size, -1, 1, rng(4)), [...ys.shape], 'float32');
          return sg.add(sg.sum(sg.mul(ys, u)), sg.sum(vT));
        }, [xs, ...params])();
        return { ys: ysData, vT: vTData, grads: grads.map((g) => Array.from(g.dataSync())) };
      });
      const a = once('run'), b = once('step');
      const rate = a.ys.reduce((p, v) => p + v, 0) / a.ys.length;
      expect(rate, 'the neurons spike, so the recurrence is exercised').toBeGreaterThan(0.1);
      expect(rate).toBeLessThan(0.9);
      expect(a.ys).toEqual(b.ys);
      expect(a.vT).toEqual(b.vT);
      expectSameGrads(a.grads, b.grads);
      expect(a.grads[2]!.some((g) => g !== 0), 'W_rec gets a gradient').toBe(true);
    });
  }

  it('the recurrence matters: zero W_rec gives other spikes', async () => {
    await sg.setBackend('cpu');
    const x = sg.tensor(uniformArray(STEPS * B * NIN, -0.5, 2.5, rng(3)), [STEPS, B, NIN], 'float32');
    const l = makeLayer(CASES[0]!, 'float32');
    nn.initAllStates(l, { batchSize: B });
    const withRec = l.run(x).dataSync();
    l.recWeight.value = sg.zeros([N, N]);
    nn.initAllStates(l, { batchSize: B });
    const without = l.run(x).dataSync();
    expect(Array.from(withRec)).not.toEqual(Array.from(without));
  });

  it('masked-out entries of W_rec have no effect and get no gradient', async () => {
    await sg.setBackend('cpu');
    const c = CASES[1]!;
    const x = sg.tensor(uniformArray(STEPS * B * NIN, -0.5, 2.5, rng(3)), [STEPS, B, NIN], 'float32');
    const l = makeLayer(c, 'float32');
    nn.initAllStates(l, { batchSize: B });
    const [g] = sg.grad(() => sg.sum(l.run(x)), [l.recWeight])();
    const gw = g!.dataSync();
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) {
      if (c.mask![i]![j] === 0 || i === j) expect(gw[i * N + j]).toBe(0);
    }
    // Changing a masked-out weight changes nothing.
    const run = (w: Float32Array) => {
      l.recWeight.value = sg.tensor(w, [N, N]);
      nn.initAllStates(l, { batchSize: B });
      return Array.from(l.run(x).dataSync());
    };
    const w0 = Float32Array.from(l.recWeight.value.dataSync());
    const w1 = Float32Array.from(w0);
    for (let i = 0; i < N; i++) { w1[i * N + i] = 50; for (let j = 0; j < N; j++) if (c.mask![i]![j] === 0) w1[i * N + j] = -50; }
    expect(run(w1)).toEqual(run(w0));
  });
});

/**
 * Hand-written float64 BPTT of the recurrent LIF (nothing of spikegrad: plain loops, its own surrogate
 * derivative σ'(u) = α·max(w − |u|, 0)). Step t: sp = H((V − V_th)/k) (previous membrane, not detached),
 * V' = V − k·sp (soft) or V − (V − V_reset)·sp with the gradient only through sp (hard), I = x W_in + b + s W_rec⊙M,
 * V = V' + coef·(−V' + V_rest + R·I)/τ (exp-Euler, coef = dt·exprel(−dt/τ)), s = H((V − V_th)/k).
 * Loss L = Σ_t Σ U_t·s_t + Σ Wf·V_T.
 */
function referenceGrads(c: Case, p: { Win: Float64Array; Wrec: Float64Array; b: Float64Array; V0: Float64Array; x: Float64Array; U: Float64Array; Wf: Float64Array }) {
  const { tau, VTh, VReset, VRest, R } = LIF;
  const k = VTh - VReset, dt = 1; // spikegrad's default dt (ms)
  const coef = dt * (Math.expm1(-dt / tau) / (-dt / tau));
  const M = new Float64Array(N * N).fill(1);
  if (c.mask) for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) M[i * N + j] = c.mask[i]![j]!;
  if (!c.selfConnections) for (let i = 0; i < N; i++) M[i * N + i] = 0;
  const W = p.Wrec.map((w, i) => w * M[i]!);
  const H = (v: number) => ((v - VTh) / k >= 0 ? 1 : 0);
  const dH = (v: number) => ALPHA * Math.max(WIDTH - Math.abs((v - VTh) / k), 0) / k;
  const V: Float64Array[] = [Float64Array.from(p.V0)], S: Float64Array[] = [new Float64Array(B * N)], I: Float64Array[] = [new Float64Array(0)];
  for (let t = 1; t <= STEPS; t++) {
    const v = V[t - 1]!, s = S[t - 1]!, vn = new Float64Array(B * N), sn = new Float64Array(B * N), cur = new Float64Array(B * N);
    for (let bb = 0; bb < B; bb++) for (let j = 0; j < N; j++) {
      let acc = p.b[j]!;
      for (let i = 0; i < NIN; i++) acc += p.x[((t - 1) * B + bb) * NIN + i]! * p.Win[i * N + j]!;
      for (let i = 0; i < N; i++) acc += s[bb * N + i]! * W[i * N + j]!;
      const q = bb * N + j, sp = H(v[q]!);
      const vr = c.reset === 'soft' ? v[q]! - k * sp : v[q]! - (v[q]! - VReset) * sp;
      cur[q] = acc;
      vn[q] = vr + coef * ((-vr + VRest + R * acc) / tau);
      sn[q] = H(vn[q]!);
    }
    V.push(vn); S.push(sn); I.push(cur);
  }
  const gWin = new Float64Array(NIN * N), gWrec = new Float64Array(N * N), gb = new Float64Array(N), gx = new Float64Array(p.x.length);
  let gV = Float64Array.from(p.Wf); // ∂L/∂V_T from the final-state term
  let gsFuture = new Float64Array(B * N); // ∂L/∂s_t from step t+1 (recurrence and reset)
  let gV0extra = new Float64Array(B * N);
  for (let t = STEPS; t >= 1; t--) {
    const gI = new Float64Array(B * N), gPrevV = new Float64Array(B * N), gPrevS = new Float64Array(B * N);
    for (let q = 0; q < B * N; q++) {
      const gs = p.U[(t - 1) * B * N + q]! + gsFuture[q]!;
      const gVt = gV[q]! + gs * dH(V[t]![q]!);
      gI[q] = coef * R * gVt / tau;
      const gVr = gVt * (1 - coef / tau);
      gPrevV[q] = gVr; // soft: ∂V'/∂V = 1; hard: the V in (V − V_reset)·sp is a stop_gradient
      const vPrev = V[t - 1]![q]!;
      const gsp = gVr * (c.reset === 'soft' ? -k : -(vPrev - VReset));
      if (t > 1) gPrevS[q] = gPrevS[q]! + gsp; // sp of step t is s_{t−1} (the same function of V_{t−1})
      else gV0extra[q] = gsp * dH(vPrev);
    }
    for (let bb = 0; bb < B; bb++) for (let j = 0; j < N; j++) {
      const g = gI[bb * N + j]!;
      gb[j] = gb[j]! + g;
      for (let i = 0; i < NIN; i++) {
        gWin[i * N + j] = gWin[i * N + j]! + p.x[((t - 1) * B + bb) * NIN + i]! * g;
        gx[((t - 1) * B + bb) * NIN + i] = gx[((t - 1) * B + bb) * NIN + i]! + p.Win[i * N + j]! * g;
      }
      for (let i = 0; i < N; i++) {
        gWrec[i * N + j] = gWrec[i * N + j]! + S[t - 1]![bb * N + i]! * g * M[i * N + j]!;
        if (t > 1) gPrevS[bb * N + i] = gPrevS[bb * N + i]! + W[i * N + j]! * g;
      }
    }
    gV = gPrevV;
    gsFuture = gPrevS;
  }
  const gV0 = gV.map((g, q) => g + gV0extra[q]!);
  return { spikes: S.slice(1), VT: V[STEPS]!, grads: [gx, gWin, gWrec, gb, gV0] };
}

describe('nn.Recurrent gradients against a hand-written float64 BPTT (surrogate ReluGrad α = 0.7, width 1.4)', async () => {
  await cpu();
  for (const c of CASES) {
    for (const mode of ['run', 'step'] as const) {
      it(`${c.name}, ${mode} mode`, async () => {
        await sg.setBackend('cpu');
        sg.tidy(() => {
          const l = makeLayer(c, 'float64');
          nn.initAllStates(l, { batchSize: B, dtype: 'float64' });
          const r = rng(8);
          const x = uniformArray(STEPS * B * NIN, -0.5, 2.5, r);
          const V0 = uniformArray(B * N, -0.5, 1.6, r); // some start above threshold: the first reset is exercised
          const U = uniformArray(STEPS * B * N, -1, 1, r), Wf = uniformArray(B * N, -1, 1, r);
          const xs = sg.tensor(x, [STEPS, B, NIN], 'float64'), v0 = sg.tensor(V0, [B, N], 'float64');
          const ref = referenceGrads(c, {
            Win: Float64Array.from(l.weight.value.dataSync()), Wrec: Float64Array.from(l.recWeight.value.dataSync()),
            b: Float64Array.from(l.bias!.value.dataSync()), V0, x, U, Wf,
          });
          let spikes: Float64Array = new Float64Array(0);
          const grads = sg.grad(() => {
            l.neuron.V.value = sg.add(v0, 0); // a copy: the state disposes the values it replaces
            const ys = mode === 'run' ? l.run(xs) : transform.forLoop(l.update, xs);
            spikes = Float64Array.from(ys.dataSync());
            return sg.add(sg.sum(sg.mul(ys, sg.tensor(U, [STEPS, B, N], 'float64'))), sg.sum(sg.mul(l.neuron.V.value, sg.tensor(Wf, [B, N], 'float64'))));
          }, [xs, v0, l.weight, l.recWeight, l.bias!])();
          const flat = ref.spikes.flatMap((s) => Array.from(s));
          expect(Array.from(spikes)).toEqual(flat);
          const rate = flat.reduce((p, v) => p + v, 0) / flat.length;
          expect(rate).toBeGreaterThan(0.1);
          expect(rate).toBeLessThan(0.9);
          const order = [ref.grads[0]!, ref.grads[4]!, ref.grads[1]!, ref.grads[2]!, ref.grads[3]!];
          const names = ['x', 'V0', 'W_in', 'W_rec', 'bias'];
          grads.forEach((g, i) => {
            const got = g.dataSync(), want = order[i]!;
            const scale = Math.max(...Array.from(want, Math.abs));
            expect(scale, `${names[i]} gradient is not all zero`).toBeGreaterThan(0);
            for (let q = 0; q < want.length; q++) {
              if (!(Math.abs(got[q]! - want[q]!) <= 1e-9 * scale)) throw new Error(`${names[i]}[${q}]: got ${got[q]}, reference ${want[q]}`);
            }
          });
        });
      });
    }
  }
});

/**
 * ReluGrad whose spike is detached: the loss on the membranes is then piecewise smooth, as finite differences
 * need. Step ops detach through `spike`, the fused ops through a zero derivative.
 */
function detachedSpike(): sg.nn.SpikeFunction {
  const r = new ReluGrad();
  return { key: `detached-${r.key}`, gradScalar: () => 0, wgslGrad: r.wgslGrad.bind(r), spike: (x: T) => sg.stopGradient(r.spike(x)), toString: () => 'detached ReluGrad' } as sg.nn.SpikeFunction;
}

/**
 * Finite differences see the true derivative of the forward, so the hard reset's stop_gradient(V) (BrainPy's
 * choice, lif.ts) cannot be checked this way: these cases use the soft reset, with the mask and without
 * self-connections; the hard reset is checked against the hand-written BPTT above.
 */
describe('nn.Recurrent gradients against float64 finite differences (membranes, spikes detached)', async () => {
  await cpu();
  for (const c of CASES.map((k): Case => ({ ...k, name: k.name.replace('hard reset', 'soft reset'), reset: 'soft' }))) {
    it(`${c.name}: ∂V_1..T/∂(x, W_in, W_rec, b, V0)`, async () => {
      await sg.setBackend('cpu');
      sg.tidy(() => {
        const l = makeLayer(c, 'float64', detachedSpike());
        const bias = l.bias!;
        const Tn = 12;
        const f = (xs: T, win: T, wrec: T, b: T, v0: T): T => {
          nn.initAllStates(l, { batchSize: B, dtype: 'float64' });
          // Copies: a state disposes the values it replaces, and the inputs are reused.
          l.weight.value = sg.add(win, 0); l.recWeight.value = sg.add(wrec, 0); bias.value = sg.add(b, 0); l.neuron.V.value = sg.add(v0, 0);
          const vs: T[] = [];
          for (let t = 0; t < Tn; t++) { l.update(sg.index(xs, t)); vs.push(l.neuron.V.value); }
          return sg.stack(vs, 0);
        };
        const r = rng(12);
        const xs = sg.tensor(uniformArray(Tn * B * NIN, -0.5, 2.5, r), [Tn, B, NIN], 'float64');
        const inputs = [xs, sg.add(l.weight.value, 0), sg.add(l.recWeight.value, 0), sg.add(bias.value, 0), sg.tensor(uniformArray(B * N, -0.5, 1.6, r), [B, N], 'float64')];
        const spikes = sg.tidy(() => { f(...(inputs as [T, T, T, T, T])); return Array.from(l.spike.value.dataSync()); });
        expect(spikes.length).toBe(B * N);
        gradcheck(f, inputs, { eps: 1e-6, rtol: 1e-6, atol: 1e-9 });
      });
    });
  }
});

describe('nn.Recurrent with ALIF', async () => {
  await cpu();
  it('run equals forLoop(update) bit for bit, gradients included', async () => {
    await sg.setBackend('cpu');
    const x = uniformArray(STEPS * B * NIN, 0, 3, rng(3));
    const once = (mode: 'run' | 'step') => sg.tidy(() => {
      sg.random.seed(4);
      const l: sg.nn.Recurrent<sg.nn.ALIF> = new nn.Recurrent(NIN, new nn.ALIF(N, { tau: 4, tauA: 9, beta: 0.4, spkFun: new Sigmoid(), spkReset: 'hard' }), { selfConnections: false, mask: sparseMask(9), wInit: new sg.init.Uniform({ low: -0.2, high: 1 }), recInit: new sg.init.Uniform({ low: -0.5, high: 1 }) });
      nn.initAllStates(l, { batchSize: B });
      const xs = sg.tensor(x, [STEPS, B, NIN], 'float32');
      let ys: number[] = [];
      const g = sg.grad(() => { const y = mode === 'run' ? l.run(xs) : transform.forLoop(l.update, xs); ys = Array.from(y.dataSync()); return sg.add(sg.sum(y), sg.sum(l.neuron.a.value)); }, [xs, ...Object.values(l.states(ParamState))])();
      return { ys, g: g.map((t) => Array.from(t.dataSync())) };
    });
    const a = once('run'), b = once('step');
    const rate = a.ys.reduce((p, v) => p + v, 0) / a.ys.length;
    expect(rate).toBeGreaterThan(0.05);
    expect(rate).toBeLessThan(0.95);
    expect(a.ys).toEqual(b.ys);
    expectSameGrads(a.g, b.g);
  });
});

describe('nn.Recurrent: bad input is refused before any op runs', async () => {
  await cpu();
  it('names the argument, the expected and the actual value', async () => {
    await sg.setBackend('cpu');
    const lif = () => new nn.LIF(3);
    expect(() => new nn.Recurrent(2, lif(), { mask: [[1, 0], [0, 1]] })).toThrow(/Recurrent: argument 'mask' expected 3 rows \(the neuron's size\), got 2/);
    expect(() => new nn.Recurrent(2, lif(), { mask: [1, 0, 1] })).toThrow(/argument 'mask' expected shape \[3, 3\] \(9 entries, row-major\), got 3 entries/);
    expect(() => new nn.Recurrent(2, lif(), { mask: [[1, 0, 1], [0, 1], [1, 1, 1]] })).toThrow(/argument 'mask' expected row 1 of length 3/);
    expect(() => new nn.Recurrent(2, lif(), { mask: [[1, 0, 2], [0, 1, 1], [1, 1, 1]] })).toThrow(/argument 'mask' expected entries 0\/1 or booleans, got number 2 at \[0, 2\]/);
    expect(() => new nn.Recurrent(2, 'LIF' as unknown as sg.nn.LIF)).toThrow(/argument 'neuron' expected a neuron layer/);
    expect(() => new nn.Recurrent(0, lif())).toThrow(/argument 'inFeatures' expected a positive integer, got number 0/);
    expect(() => new nn.Recurrent(2, lif(), { selfConnections: 'no' as unknown as boolean })).toThrow(/argument 'selfConnections' expected a boolean/);

    const l = new nn.Recurrent(2, lif());
    expect(() => l.update(sg.zeros([4, 2]))).toThrow(/hidden state 'spike' is not initialized/);
    nn.initAllStates(l, { batchSize: 4 });
    expect(() => l.update(sg.zeros([5, 2]))).toThrow(/Recurrent\(2→3\)\.update: hidden state 'spike' expected shape \[5, 3\] for input \[5, 2\], got \[4, 3\]/);
    expect(() => l.run(sg.zeros([7, 5, 2]))).toThrow(/Recurrent\(2→3\)\.run: hidden state 'spike' expected shape \[5, 3\] for input \[5, 2\] \(per time step\), got \[4, 3\]/);
    expect(() => l.update(sg.zeros([4, 3]))).toThrow(/argument 'x' expected last dimension 2 \(in features\), got \[4, 3\]/);
    expect(() => l.run(sg.zeros([4, 2]))).toThrow(/\.run: hidden state 'spike' expected shape \[3\] for input \[2\] \(per time step\), got \[4, 3\]/);
    expect(() => l.run(sg.zeros([4]))).toThrow(/\.run: argument 'xs' expected a float tensor \[T, batch, 2\], got/);
    l.recWeight.value = sg.zeros([3, 4]);
    expect(() => l.update(sg.zeros([4, 2]))).toThrow(/\.update: parameter 'recWeight' expected shape \[3, 3\] \(the neuron's size\), got \[3, 4\]/);
    l.recWeight.value = sg.zeros([3, 3]);
    l.neuron.V.value = sg.zeros([5, 3]); // a carried neuron state of another batch size: the neuron's own check
    expect(() => l.update(sg.zeros([4, 2]))).toThrow(/Recurrent\(2→3\)\.update: hidden state 'neuron.V' expected float32 \[4, 3\] \(the spikes' shape\), got float32 \[5, 3\]/);
    const l64 = new nn.Recurrent(2, lif(), { dtype: 'float64' });
    nn.initAllStates(l64, { batchSize: 4 });
    expect(() => l64.update(sg.zeros([4, 2]))).toThrow(/argument 'x' is float32 but the weights are float64/);
  });
});

describe('nn.Recurrent under transform.jit', async () => {
  await cpu();
  it('a replayed training step gives the bits of the plain step (mask created lazily on the first call)', async () => {
    await sg.setBackend('cpu');
    const train = (jit: boolean) => {
      const l = makeLayer(CASES[1]!, 'float32');
      const readout = new nn.Linear(N, 2);
      const opt = new sg.optim.Adam({ lr: 1e-2 });
      opt.registerTrainableWeights({ ...l.states(ParamState), ...readout.states(ParamState) });
      const xs = sg.tensor(uniformArray(STEPS * B * NIN, -0.5, 2.5, rng(3)), [STEPS, B, NIN], 'float32');
      const labels = sg.tensor([0, 1, 1], [B], 'int32');
      const step = () => {
        nn.initAllStates(l, { batchSize: B });
        const [grads, loss] = sg.grad(() => sg.mean(sg.metric.softmaxCrossEntropyWithIntegerLabels(sg.mean(readout.run(l.run(xs)), 0), labels)),
          { ...l.states(ParamState), ...readout.states(ParamState) }, { returnValue: true })();
        opt.update(grads);
        return loss;
      };
      const f = jit ? transform.jit(step) : step;
      const losses: number[] = [];
      for (let i = 0; i < 5; i++) losses.push(f().dataSync()[0]!);
      return { losses, w: Array.from(l.recWeight.value.dataSync()), stats: jit ? (f as ReturnType<typeof transform.jit>).stats : undefined };
    };
    const plain = train(false), jitted = train(true);
    expect(jitted.losses).toEqual(plain.losses);
    expect(jitted.w).toEqual(plain.w);
    expect(plain.losses[4]).not.toBe(plain.losses[0]); // it trains
    expect(jitted.stats!.hits, `replayed (${jitted.stats!.reasons.join('; ')})`).toBeGreaterThan(0);
  });
});

describe('nn.Recurrent: the README example and a declared neuron', async () => {
  await cpu();
  it('README (Recurrent networks): Sequential(Recurrent(ALIF), Linear), run = forLoop(update)', async () => {
    await sg.setBackend('cpu');
    const { units: u } = sg;
    const connectivity = Array.from({ length: 128 }, (_, i) => Array.from({ length: 128 }, (_, j) => (i + j) % 3 === 0));
    const make = () => {
      sg.random.seed(2);
      return new nn.Sequential(
        new nn.Recurrent(28, new nn.ALIF(128, { tau: u.ms(20), tauA: u.ms(200), beta: u.mV(1.8) }), { selfConnections: false, mask: connectivity }),
        new nn.Linear(128, 10),
      );
    };
    const xs = sg.tensor(uniformArray(8 * 4 * 28, 0, 6, rng(1)), [8, 4, 28], 'float32');
    const a = make(), b = make();
    nn.initAllStates(a, { batchSize: 4 });
    nn.initAllStates(b, { batchSize: 4 });
    const ya = a.run(xs), yb = transform.forLoop(b.update, xs);
    expect(ya.shape).toEqual([8, 4, 10]);
    expect(Array.from(ya.dataSync())).toEqual(Array.from(yb.dataSync()));
    const s = (a.at(0) as sg.nn.Recurrent).spike.value.dataSync();
    expect(s.some((v) => v === 1)).toBe(true);
    expect(String(a.at(0))).toMatch(/Recurrent\(28→128, no self-connections, \d+\/16384 connections, neuron=ALIF\(128/);
  });

  it('a neuron from the model declarations (nn.Izhikevich): run = forLoop(update)', async () => {
    await sg.setBackend('cpu');
    const make = () => {
      sg.random.seed(5);
      return new nn.Recurrent(3, new nn.Izhikevich(N), { recInit: new sg.init.Uniform({ low: 0, high: 20 }), wInit: new sg.init.Uniform({ low: 0, high: 10 }) });
    };
    const xs = sg.tensor(uniformArray(40 * B * 3, 0, 2, rng(6)), [40, B, 3], 'float32');
    const a = make(), b = make();
    nn.initAllStates(a, { batchSize: B });
    nn.initAllStates(b, { batchSize: B });
    const ya = Array.from(a.run(xs).dataSync()), yb = Array.from(transform.forLoop(b.update, xs).dataSync());
    expect(ya.some((v) => v === 1)).toBe(true);
    expect(ya).toEqual(yb);
  });
});

describe('nn.Recurrent: ALIF gradients and carried state', async () => {
  await cpu();
  it('ALIF (LSNN configuration): ∂(V, a)_T/∂(x, W_in, W_rec, b) against float64 finite differences (spikes detached)', async () => {
    await sg.setBackend('cpu');
    sg.tidy(() => {
      sg.random.seed(8);
      const l = new nn.Recurrent(NIN, new nn.ALIF(N, { tau: 4, tauA: 9, beta: 0.4, VTh: 1.2, VReset: -0.3, R: 1.3, spkFun: detachedSpike() }), {
        dtype: 'float64', mask: sparseMask(3), selfConnections: false, wInit: new sg.init.Uniform({ low: -0.2, high: 1 }), recInit: new sg.init.Uniform({ low: -0.5, high: 1 }),
      });
      const bias = l.bias!;
      const Tn = 15;
      const f = (xs: T, win: T, wrec: T, b: T): T => {
        nn.initAllStates(l, { batchSize: B, dtype: 'float64' });
        l.weight.value = sg.add(win, 0); l.recWeight.value = sg.add(wrec, 0); bias.value = sg.add(b, 0);
        l.run(xs);
        return sg.stack([l.neuron.V.value, l.neuron.a.value], 0);
      };
      const xs = sg.tensor(uniformArray(Tn * B * NIN, 0, 3, rng(13)), [Tn, B, NIN], 'float64');
      const inputs = [xs, sg.add(l.weight.value, 0), sg.add(l.recWeight.value, 0), sg.add(bias.value, 0)];
      f(...(inputs as [T, T, T, T]));
      expect(l.neuron.a.value.dataSync().some((v) => v > 0), 'the neurons spiked and adapted').toBe(true);
      gradcheck(f, inputs, { eps: 1e-6, rtol: 1e-6, atol: 1e-9 });
    });
  });

  it('unbatched states (initAllStates without batchSize): a step is one row, run = forLoop(update)', async () => {
    await sg.setBackend('cpu');
    const x = sg.tensor(uniformArray(STEPS * NIN, -0.5, 2.5, rng(7)), [STEPS, NIN], 'float32');
    const a = makeLayer(CASES[1]!, 'float32'), b = makeLayer(CASES[1]!, 'float32');
    nn.initAllStates(a);
    nn.initAllStates(b);
    const ya = a.run(x), yb = transform.forLoop(b.update, x);
    expect(ya.shape).toEqual([STEPS, N]);
    expect(ya.dataSync().some((v) => v === 1)).toBe(true);
    expect(Array.from(ya.dataSync())).toEqual(Array.from(yb.dataSync()));
    expect(() => a.update(sg.zeros([2, NIN]))).toThrow(/hidden state 'spike' expected shape \[2, 6\] for input \[2, 4\], got \[6\]/);
  });

  it('a sequence in two chunks (state carried between run calls) equals one run, and equals step mode', async () => {
    await sg.setBackend('cpu');
    const x = sg.tensor(uniformArray(STEPS * B * NIN, -0.5, 2.5, rng(3)), [STEPS, B, NIN], 'float32');
    const l = makeLayer(CASES[1]!, 'float32');
    nn.initAllStates(l, { batchSize: B });
    const whole = Array.from(l.run(x).dataSync());
    nn.initAllStates(l, { batchSize: B });
    const first = l.run(sg.slice(x, [0, 0, 0], [11, B, NIN]));
    const second = l.run(sg.slice(x, [11, 0, 0], [STEPS - 11, B, NIN]));
    expect(whole.some((v) => v === 1)).toBe(true);
    expect([...first.dataSync(), ...second.dataSync()]).toEqual(whole);
  });
});
