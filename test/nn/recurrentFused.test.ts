/**
 * The fused recurrent op (engine/opsRecurrent.ts, kernels/neuron/recurrentCpu.ts) through nn.Recurrent on the
 * CPU backend, for ALIF, a declared neuron with two states (LIFRef), LIF, and a declared integrate-and-fire
 * neuron with exact binary arithmetic (so that membranes land exactly on the threshold):
 * - gradients of W_in, W_rec, bias, the initial spike and every initial state against a float64 step-mode
 *   reference composed here of tape ops (linear, matmul, the neuron's own `update`), and for the integrator
 *   against a float64 BPTT written here with its own surrogate derivative;
 * - checkpointed BPTT: the same bits for every k, and the states' cotangent at the kept rows;
 * - the WebAssembly current and its JavaScript twin, on 1 and 2 threads: the same bits;
 * - T-independent op counts; errors before any op runs.
 * All with a sparse mask, no self-connections and non-default parameters.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { runOp } from '../../engine/dispatch.js';
import { Sigmoid, ReluGrad } from '../../surrogate/index.js';
import { cpu, rng, uniformArray } from '../support/helpers.js';
import { wasmKernels } from '../../kernels/flags.js';
import { sequenceParallel, wasmEnabled } from '../../kernels/cpu/wasmKernels.js';
import { poolCounters, poolThreads, threadPool } from '../../kernels/cpu/threadPool.js';

const { nn, transform } = sg;
type T = sg.Tensor;
type Neuron = sg.nn.Layer;

/** The neuron's states in the fused op's packing (nn.LIF: V). */
function statesOf(n: Neuron): sg.HiddenState[] {
  const f = n as { hiddenStates?: () => sg.HiddenState[]; V?: sg.HiddenState };
  return f.hiddenStates ? f.hiddenStates() : [f.V!];
}

const NIN = 3, N = 7, B = 3, STEPS = 23; // sizes that are no multiple of 4 (SIMD lanes) nor of each other

function sparseMask(seed: number): number[][] {
  const r = rng(seed);
  return Array.from({ length: N }, () => Array.from({ length: N }, () => (r() < 0.6 ? 1 : 0)));
}
const MASK = sparseMask(11);

/** A unitless integrate-and-fire neuron: V ← V + g·I, spike where V − th ≥ 0, subtract th. */
const Integrator = nn.defineNeuron({
  name: 'Integrator',
  states: { V: { init: 0 } },
  params: { g: { default: 1 }, th: { default: 1 } },
  update: { V: 'V + g * I' },
  spike: 'V - th',
  reset: { V: { subtract: 'th' } },
});

interface NeuronCase { name: string; make: () => Neuron; xLow: number; xHigh: number }
const NEURONS: NeuronCase[] = [
  { name: 'ALIF (hard reset, sigmoid surrogate)', xLow: 0, xHigh: 3, make: () => new nn.ALIF(N, { tau: 4, tauA: 9, beta: 0.4, VTh: 1.2, VReset: -0.3, R: 1.3, spkReset: 'hard', spkFun: new Sigmoid({ alpha: 3 }) }) as Neuron },
  { name: 'LIFRef (declared, two states)', xLow: 0, xHigh: 4, make: () => new nn.LIFRef(N, { tau: 3, tau_ref: 2, V_th: 1.1, R: 1.2, spkFun: new ReluGrad({ alpha: 0.6, width: 1.3 }) }) as unknown as Neuron },
  { name: 'LIF (soft reset)', xLow: -0.5, xHigh: 3.5, make: () => new nn.LIF(N, { tau: 4, VTh: 1.2, VReset: -0.3, VRest: 0.1, R: 1.3, spkFun: new ReluGrad({ alpha: 0.7, width: 1.4 }) }) as unknown as Neuron },
  { name: 'LIF (hard reset, detachReset)', xLow: -0.5, xHigh: 3.5, make: () => new nn.LIF(N, { tau: 3, VTh: 0.9, VReset: 0.2, R: 1.1, spkReset: 'hard', detachReset: true, spkFun: new Sigmoid({ alpha: 2 }) }) as unknown as Neuron },
];

function makeLayer(neuron: Neuron, dtype: 'float32' | 'float64'): sg.nn.Recurrent {
  sg.random.seed(21);
  return new nn.Recurrent(NIN, neuron, {
    dtype, mask: MASK, selfConnections: false,
    wInit: new sg.init.Uniform({ low: -0.3, high: 0.9 }), recInit: new sg.init.Uniform({ low: -0.8, high: 1.2 }),
  });
}

interface Inputs { x: Float64Array; spike0: Float64Array; states0: Float64Array[]; U: Float64Array; Wf: Float64Array[] }

function inputsFor(c: NeuronCase, K: number, seed: number): Inputs {
  const r = rng(seed);
  return {
    x: uniformArray(STEPS * B * NIN, c.xLow, c.xHigh, r),
    spike0: Float64Array.from({ length: B * N }, () => (r() < 0.4 ? 1 : 0)),
    states0: Array.from({ length: K }, () => uniformArray(B * N, -0.5, 1.6, r)), // some start above threshold
    U: uniformArray(STEPS * B * N, -1, 1, r),
    Wf: Array.from({ length: K }, () => uniformArray(B * N, -1, 1, r)),
  };
}

/**
 * Loss Σ U·spikes + Σ_k Wf_k·S_k,T and its gradients for W_in, bias, W_rec, the initial spike and states:
 * `fused` runs nn.Recurrent (run with `checkpoint`, or forLoop(update)); otherwise the step-mode reference
 * composes, per step, linear + matmul(s, W_rec ⊙ M) + the neuron's own update (the tape differentiates it).
 */
function lossGrads(c: NeuronCase, inp: Inputs, how: { mode: 'run' | 'step' | 'reference'; checkpoint?: number }, dtype: 'float64' | 'float32' = 'float64') {
  return sg.tidy(() => {
    const l = makeLayer(c.make(), dtype);
    nn.initAllStates(l, { batchSize: B, dtype });
    const hs = statesOf(l.neuron);
    const xs = sg.tensor(inp.x, [STEPS, B, NIN], dtype);
    const spike0 = sg.tensor(inp.spike0, [B, N], dtype);
    const s0 = inp.states0.map((s) => sg.tensor(s, [B, N], dtype));
    const M = sg.tensor(MASK.flat().map((m, q) => (q % (N + 1) === 0 ? 0 : m)), [N, N], dtype);
    let spikes: number[] = [];
    const grads = sg.grad(() => {
      l.spike.value = sg.add(spike0, 0); // copies: a state disposes the values it replaces
      hs.forEach((h, k) => (h.value = sg.add(s0[k]!, 0)));
      let ys: T;
      if (how.mode === 'run') ys = l.run(xs, { checkpoint: how.checkpoint ?? 1 });
      else if (how.mode === 'step') ys = sg.transform.forLoop(l.update, xs);
      else {
        const out: T[] = [];
        let s = l.spike.value;
        const w = sg.mul(l.recWeight.value, M);
        for (let t = 0; t < STEPS; t++) {
          s = l.neuron.update(sg.add(sg.linear(sg.index(xs, t), l.weight.value, l.bias!.value), sg.matmul(s, w)));
          out.push(s);
        }
        ys = sg.stack(out, 0);
      }
      spikes = Array.from(ys.dataSync());
      let loss = sg.sum(sg.mul(ys, sg.tensor(inp.U, [STEPS, B, N], dtype)));
      hs.forEach((h, k) => (loss = sg.add(loss, sg.sum(sg.mul(h.value, sg.tensor(inp.Wf[k]!, [B, N], dtype))))));
      return loss;
    }, [l.weight, l.bias!, l.recWeight, spike0, ...s0])();
    return { spikes, grads: grads.map((g) => Array.from(g.dataSync())) };
  });
}

const NAMES = ['W_in', 'bias', 'W_rec', 'spike0', 'states0[0]', 'states0[1]'];

function expectClose(got: number[][], want: number[][], rel: number): void {
  want.forEach((w, i) => {
    const scale = Math.max(...w.map(Math.abs));
    expect(scale, `${NAMES[i]} gradient is not all zero`).toBeGreaterThan(0);
    w.forEach((v, q) => {
      if (!(Math.abs(got[i]![q]! - v) <= rel * scale)) throw new Error(`${NAMES[i]}[${q}]: got ${got[i]![q]}, reference ${v}`);
    });
  });
}

describe('nn.Recurrent fused: gradients against a float64 step-mode reference of tape ops', async () => {
  await cpu();
  for (const c of NEURONS) {
    it(`${c.name}: run and update, W_in, bias, W_rec, initial spike and states`, async () => {
      await sg.setBackend('cpu');
      const K = statesOf(c.make()).length;
      const inp = inputsFor(c, K, 5);
      const ref = lossGrads(c, inp, { mode: 'reference' });
      const rate = ref.spikes.reduce((p, v) => p + v, 0) / ref.spikes.length;
      expect(rate, 'the neurons spike, so the recurrence is exercised').toBeGreaterThan(0.05);
      expect(rate).toBeLessThan(0.95);
      for (const how of [{ mode: 'run' as const }, { mode: 'step' as const }, { mode: 'run' as const, checkpoint: 5 }]) {
        const got = lossGrads(c, inp, how);
        expect(got.spikes).toEqual(ref.spikes);
        expectClose(got.grads, ref.grads, 1e-9);
      }
    });
  }
});

describe('nn.Recurrent fused: checkpointed BPTT', async () => {
  await cpu();
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: gradients bit for bit equal for k = 1, 2, 3, 7, T (ALIF, LIFRef)`, async () => {
      await sg.setBackend('cpu');
      for (const c of NEURONS.slice(0, 2)) {
        const K = statesOf(c.make()).length;
        const inp = inputsFor(c, K, 9);
        const base = lossGrads(c, inp, { mode: 'run', checkpoint: 1 }, dtype);
        for (const k of [2, 3, 7, STEPS]) {
          const got = lossGrads(c, inp, { mode: 'run', checkpoint: k }, dtype);
          expect(got.spikes).toEqual(base.spikes);
          expect(got.grads, `k = ${k}`).toEqual(base.grads);
        }
      }
    });
  }

  it('the op keeps row r = the states after step min((r+1)k, T) − 1, and its cotangent there acts as at that step', async () => {
    await sg.setBackend('cpu');
    const c = NEURONS[0]!;
    const neuron = c.make() as unknown as sg.nn.ALIF;
    const attrs = (k: number) => ({ neuron: neuron.bound('float64'), spkFun: neuron.spkFun, detachReset: false, checkpoint: k });
    const r = rng(3);
    const cur = sg.tensor(uniformArray(STEPS * B * N, 0, 2.5, r), [STEPS, B, N], 'float64');
    const w = sg.tensor(uniformArray(N * N, -0.5, 0.8, r), [N, N], 'float64');
    const spike0 = sg.tensor(Float64Array.from({ length: B * N }, () => (r() < 0.5 ? 1 : 0)), [B, N], 'float64');
    const s0 = sg.tensor(uniformArray(2 * B * N, -0.5, 1.5, r), [2, B, N], 'float64');
    const k = 4, m = Math.ceil(STEPS / k);
    const ends = Array.from({ length: m }, (_, i) => Math.min((i + 1) * k, STEPS) - 1);
    const V = uniformArray(m * 2 * B * N, -1, 1, r);
    const gradsOf = (kk: number) => sg.grad(() => {
      const [spikes, states] = runOp('recurrentRun', [cur, w, spike0, s0], attrs(kk));
      // k = 1: the same cotangent placed at the steps the k = 4 rows keep, zero elsewhere.
      const cot = new Float64Array(STEPS * 2 * B * N);
      if (kk === 1) ends.forEach((t, i) => cot.set(V.subarray(i * 2 * B * N, (i + 1) * 2 * B * N), t * 2 * B * N));
      const cv = kk === 1 ? cot : V;
      return sg.add(sg.sum(spikes!), sg.sum(sg.mul(states!, sg.tensor(cv, [...states!.shape], 'float64'))));
    }, [cur, w, spike0, s0])().map((g) => Array.from(g.dataSync()));
    const [, all] = runOp('recurrentRun', [cur, w, spike0, s0], attrs(1));
    const [, kept] = runOp('recurrentRun', [cur, w, spike0, s0], attrs(k));
    expect(kept!.shape).toEqual([m, 2, B, N]);
    const allD = all!.dataSync(), keptD = kept!.dataSync();
    ends.forEach((t, i) => expect(Array.from(keptD.subarray(i * 2 * B * N, (i + 1) * 2 * B * N))).toEqual(Array.from(allD.subarray(t * 2 * B * N, (t + 1) * 2 * B * N))));
    const g1 = gradsOf(1), g4 = gradsOf(k);
    g1.forEach((g) => expect(g.some((v) => v !== 0)).toBe(true));
    expect(g4).toEqual(g1);
  });

  it("'auto' keeps every step within the memory budget, else every ⌈√T⌉-th, with the same gradients", async () => {
    await sg.setBackend('cpu');
    const c = NEURONS[0]!;
    const inp = inputsFor(c, 2, 4);
    const run = (budget: number) => sg.tidy(() => {
      const l = makeLayer(c.make(), 'float64');
      (l as { memoryBudget: number }).memoryBudget = budget;
      nn.initAllStates(l, { batchSize: B, dtype: 'float64' });
      const xs = sg.tensor(inp.x, [STEPS, B, NIN], 'float64');
      const before = sg.getBackend().memory();
      sg.getBackend().resetPeak();
      const g = sg.grad(() => sg.sum(sg.mul(l.run(xs), sg.tensor(inp.U, [STEPS, B, N], 'float64'))), [l.weight, l.recWeight])();
      return { g: g.map((t) => Array.from(t.dataSync())), peak: sg.getBackend().memory().peakBytesInUse - before.bytesInUse };
    });
    const rowBytes = 2 * B * N * 8;
    const big = run(STEPS * rowBytes), small = run(STEPS * rowBytes - 1);
    expect(small.g).toEqual(big.g);
    // The kept states shrink from T rows to ⌈T/⌈√T⌉⌉ = 5 rows (the recomputed segment is kernel scratch).
    expect(big.peak - small.peak).toBeGreaterThanOrEqual((STEPS - 5) * rowBytes);
  });
});

/**
 * The integrator with exact binary arithmetic: inputs, weights and thresholds are multiples of 1/8, so every
 * sum is exact in float32 and membranes hit the threshold exactly (u = 0 spikes: H(0) = 1). Reference: float64
 * forward and BPTT written here, with its own surrogate derivative σ'(u) = α·max(w − |u|, 0).
 */
describe('nn.Recurrent fused: a declared integrator exactly at threshold, against a hand-written BPTT', async () => {
  await cpu();
  it('spikes at u = 0 exactly, gradients for W_in, bias, W_rec, the initial spike and V0', async () => {
    await sg.setBackend('cpu');
    const g = 0.75, th = 1.5, alpha = 0.7, width = 1.25;
    const r = rng(17);
    const eighth = (lo: number, hi: number) => Math.round((lo + (hi - lo) * r()) * 8) / 8;
    const Win = Float64Array.from({ length: NIN * N }, () => eighth(-0.5, 1));
    const bias = Float64Array.from({ length: N }, () => eighth(-0.25, 0.25));
    const Wrec = Float64Array.from({ length: N * N }, () => eighth(-1, 1));
    const x = Float64Array.from({ length: STEPS * B * NIN }, () => eighth(0, 1));
    const V0 = Float64Array.from({ length: B * N }, (_, q) => (q % 5 === 0 ? th : eighth(-0.5, 1.5))); // some exactly at threshold
    const sp0 = Float64Array.from({ length: B * N }, () => (r() < 0.4 ? 1 : 0));
    const U = uniformArray(STEPS * B * N, -1, 1, r), Wf = uniformArray(B * N, -1, 1, r);
    const M = MASK.flat().map((m, q) => (q % (N + 1) === 0 ? 0 : m));
    const W = Wrec.map((v, q) => v * M[q]!);
    // Forward: sp = H(V − th) of the previous V; V' = V − th·sp; V = V' + g·I; s = H(V − th).
    const H = (v: number) => (v - th >= 0 ? 1 : 0);
    const dH = (v: number) => alpha * Math.max(width - Math.abs(v - th), 0);
    const Vs = [V0], S = [sp0], I: Float64Array[] = [];
    let atThreshold = 0;
    for (let t = 0; t < STEPS; t++) {
      const v = Vs[t]!, s = S[t]!, vn = new Float64Array(B * N), sn = new Float64Array(B * N), cur = new Float64Array(B * N);
      for (let b = 0; b < B; b++) for (let j = 0; j < N; j++) {
        let acc = bias[j]!;
        for (let i = 0; i < NIN; i++) acc += x[(t * B + b) * NIN + i]! * Win[i * N + j]!;
        for (let i = 0; i < N; i++) acc += s[b * N + i]! * W[i * N + j]!;
        const q = b * N + j;
        cur[q] = acc;
        vn[q] = v[q]! - th * H(v[q]!) + g * acc;
        if (vn[q] === th) atThreshold++;
        sn[q] = H(vn[q]!);
      }
      Vs.push(vn); S.push(sn); I.push(cur);
    }
    expect(atThreshold, 'some membranes land exactly on the threshold').toBeGreaterThan(0);
    // BPTT.
    const gWin = new Float64Array(NIN * N), gb = new Float64Array(N), gW = new Float64Array(N * N);
    let gV = Float64Array.from(Wf), gS = new Float64Array(B * N); // cotangents of V_t and s_t (recurrent part)
    for (let t = STEPS - 1; t >= 0; t--) {
      const gI = new Float64Array(B * N), gVprev = new Float64Array(B * N), gSprev = new Float64Array(B * N);
      for (let q = 0; q < B * N; q++) {
        const gVt = gV[q]! + (U[t * B * N + q]! + gS[q]!) * dH(Vs[t + 1]![q]!);
        gI[q] = g * gVt;
        // V' = V − th·H(V): the reset spike's surrogate path back into the previous V.
        gVprev[q] = gVt - th * gVt * dH(Vs[t]![q]!);
      }
      for (let b = 0; b < B; b++) for (let j = 0; j < N; j++) {
        const gi = gI[b * N + j]!;
        gb[j] = gb[j]! + gi;
        for (let i = 0; i < NIN; i++) gWin[i * N + j] = gWin[i * N + j]! + x[(t * B + b) * NIN + i]! * gi;
        for (let i = 0; i < N; i++) {
          gW[i * N + j] = gW[i * N + j]! + S[t]![b * N + i]! * gi * M[i * N + j]!;
          gSprev[b * N + i] = gSprev[b * N + i]! + W[i * N + j]! * gi;
        }
      }
      gV = gVprev; gS = gSprev;
    }
    const want = [gWin, gb, gW, gS, gV].map((a) => Array.from(a));
    for (const dtype of ['float64', 'float32'] as const) {
      for (const mode of ['run', 'step'] as const) {
        sg.tidy(() => {
          const l = new nn.Recurrent(NIN, new Integrator(N, { g, th, spkFun: new ReluGrad({ alpha, width }) }), { dtype, mask: MASK, selfConnections: false });
          nn.initAllStates(l, { batchSize: B, dtype });
          l.weight.value = sg.tensor(Win, [NIN, N], dtype); l.bias!.value = sg.tensor(bias, [N], dtype); l.recWeight.value = sg.tensor(Wrec, [N, N], dtype);
          const spike0 = sg.tensor(sp0, [B, N], dtype), v0 = sg.tensor(V0, [B, N], dtype);
          const xs = sg.tensor(x, [STEPS, B, NIN], dtype);
          const V = statesOf(l.neuron)[0]!;
          let ys: number[] = [];
          const grads = sg.grad(() => {
            l.spike.value = sg.add(spike0, 0); V.value = sg.add(v0, 0);
            const y = mode === 'run' ? l.run(xs, { checkpoint: 4 }) : sg.transform.forLoop(l.update, xs);
            ys = Array.from(y.dataSync());
            return sg.add(sg.sum(sg.mul(y, sg.tensor(U, [STEPS, B, N], dtype))), sg.sum(sg.mul(V.value, sg.tensor(Wf, [B, N], dtype))));
          }, [l.weight, l.bias!, l.recWeight, spike0, v0])();
          expect(ys, `${dtype} ${mode}: spikes`).toEqual(S.slice(1).flatMap((s) => Array.from(s)));
          expectClose(grads.map((t) => Array.from(t.dataSync())), want, dtype === 'float64' ? 1e-12 : 1e-5);
        });
      }
    }
  });
});

describe('nn.Recurrent fused: ops per training step do not grow with T', async () => {
  await cpu();
  it('the same number of ops for T = 5 and T = 40, forward and backward', async () => {
    await sg.setBackend('cpu');
    const count = (steps: number) => sg.tidy(() => {
      const l = makeLayer(NEURONS[0]!.make(), 'float32');
      nn.initAllStates(l, { batchSize: B });
      const xs = sg.tensor(uniformArray(steps * B * NIN, 0, 3, rng(2)), [steps, B, NIN], 'float32');
      const c0 = sg.getBackend().counters.ops;
      const g = sg.grad(() => sg.sum(l.run(xs)), [l.weight, l.recWeight, l.bias!])();
      g.forEach((t) => t.dataSync());
      return sg.getBackend().counters.ops - c0;
    });
    const a = count(5), b = count(40);
    expect(a).toBeGreaterThan(0);
    expect(b).toBe(a);
  });
});

describe('nn.Recurrent fused: bad input is refused before any op runs', async () => {
  await cpu();
  it('checkpoint, recurrent weight, carried state, op arguments', async () => {
    await sg.setBackend('cpu');
    const l = makeLayer(NEURONS[0]!.make(), 'float32');
    nn.initAllStates(l, { batchSize: B });
    const xs = sg.zeros([6, B, NIN]);
    const ops = () => sg.getBackend().counters.ops;
    const refuses = (f: () => unknown, re: RegExp) => {
      const before = ops();
      expect(f).toThrow(re);
      expect(ops(), `no op ran before ${re}`).toBe(before);
    };
    refuses(() => l.run(xs, { checkpoint: 0 }), /Recurrent\(3→7\)\.run: argument 'checkpoint' expected an integer from 1 to T = 6 \(the sequence's length\) or 'auto', got number 0/);
    refuses(() => l.run(xs, { checkpoint: 7 }), /argument 'checkpoint' expected an integer from 1 to T = 6 .*got number 7/);
    refuses(() => l.run(xs, { checkpoint: 2.5 }), /argument 'checkpoint' expected an integer .*got number 2\.5/);
    refuses(() => l.run(xs, { checkpoint: 'all' as unknown as number }), /argument 'checkpoint' expected .*got string/);
    expect(() => new nn.Recurrent(NIN, NEURONS[0]!.make(), { memoryBudget: -1 })).toThrow(/argument 'memoryBudget' expected a positive number of bytes, got number -1/);
    (l.neuron as unknown as sg.nn.ALIF).a.value = sg.zeros([B + 1, N]); // a carried state of another batch size
    refuses(() => l.run(xs), /Recurrent\(3→7\)\.run: hidden state '(neuron\.)?a' expected float32 \[3, 7\] \(the spikes' shape\), got float32 \[4, 7\]/);
    const x1 = sg.zeros([B, NIN]);
    refuses(() => l.update(x1), /Recurrent\(3→7\)\.update: hidden state '(neuron\.)?a' expected float32 \[3, 7\] \(the spikes' shape\), got float32 \[4, 7\]/);
    nn.initAllStates(l, { batchSize: B });
    l.recWeight.value = sg.zeros([N, N + 1]);
    refuses(() => l.run(xs), /parameter 'recWeight' expected shape \[7, 7\] \(the neuron's size\), got \[7, 8\]/);

    // The op itself (what any caller, and the WebGPU kernels, can rely on).
    const alif = l.neuron as unknown as sg.nn.ALIF;
    const a = { neuron: alif.bound('float32'), spkFun: alif.spkFun, detachReset: false, checkpoint: 1 };
    const cur = sg.zeros([6, B, N]), w = sg.zeros([N, N]), sp = sg.zeros([B, N]), s0 = sg.zeros([2, B, N]);
    const wBad = sg.zeros([N, N - 1]), spBad = sg.zeros([B + 1, N]), s0Bad = sg.zeros([1, B, N]), flat = sg.zeros([6, B * N]), w64 = sg.zeros([N, N], 'float64');
    refuses(() => runOp('recurrentRun', [cur, wBad, sp, s0], a), /recurrentRun: argument 'wRec' expected float32 \[7, 7\] \(the recurrent weight, \[from, to\]\), got float32 \[7, 6\]/);
    refuses(() => runOp('recurrentRun', [cur, w, spBad, s0], a), /recurrentRun: argument 'spike0' expected float32 \[3, 7\] .*got float32 \[4, 7\]/);
    refuses(() => runOp('recurrentRun', [cur, w, sp, s0Bad], a), /recurrentRun: argument 's0' expected float32 \[2, 3, 7\] \(the 2 neuron states stacked\), got float32 \[1, 3, 7\]/);
    refuses(() => runOp('recurrentRun', [cur, w, sp, s0], { ...a, checkpoint: 0 }), /recurrentRun: attribute 'checkpoint' expected an integer from 1 to T = 6, got 0/);
    refuses(() => runOp('recurrentRun', [cur, w, sp, s0], { ...a, checkpoint: 7 }), /attribute 'checkpoint' expected an integer from 1 to T = 6, got 7/);
    refuses(() => runOp('recurrentRun', [flat, w, sp, s0], a), /recurrentRun: argument 'currents' expected a float32 or float64 sequence \[T, batch, n\] with T >= 1, got float32 \[6, 21\]/);
    refuses(() => runOp('recurrentRun', [cur, w64, sp, s0], a), /argument 'wRec' expected float32 \[7, 7\] .*got float64 \[7, 7\]/);
  });
});

describe('nn.Recurrent fused: WebAssembly SIMD and JavaScript, one thread and two, the same bits', async () => {
  await cpu();
  const saved = { threads: threadPool.threads, min: sequenceParallel.minElements };
  afterAll(() => {
    threadPool.threads = saved.threads;
    sequenceParallel.minElements = saved.min;
    wasmKernels.enabled = true;
  });
  it('float32 spikes, states and gradients (n = 7, a spike0 that is not 0/1)', async () => {
    await sg.setBackend('cpu');
    const c = NEURONS[0]!;
    const inp = inputsFor(c, 2, 6);
    inp.spike0[1] = 0.375; inp.spike0[4] = -1.25; // the multiply path of the sum
    sequenceParallel.minElements = 1; // threads even at this size
    const results = [];
    for (const [wasm, threads] of [[false, 1], [true, 1], [true, 2]] as const) {
      wasmKernels.enabled = wasm;
      threadPool.threads = threads;
      expect(wasmEnabled(), 'the WebAssembly kernels run when enabled').toBe(wasm);
      const jobs = poolCounters.jobs;
      results.push(lossGrads(c, inp, { mode: 'run', checkpoint: 3 }, 'float32'));
      if (wasm && threads === 2 && poolThreads() > 1) expect(poolCounters.jobs, 'the threads ran jobs').toBeGreaterThan(jobs);
    }
    expect(results[0]!.spikes.some((v) => v === 1)).toBe(true);
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });
});

describe('nn.Recurrent fused: nn.record sees the neuron as it did when the layer stepped it', async () => {
  await cpu();
  it('the neuron\'s states and spikes, run = forLoop(update); a checkpointed run names step mode', async () => {
    await sg.setBackend('cpu');
    const c = NEURONS[0]!;
    const x = uniformArray(STEPS * B * NIN, c.xLow, c.xHigh, rng(8));
    const traces = async (mode: 'run' | 'step') => {
      const l = makeLayer(c.make(), 'float32');
      nn.initAllStates(l, { batchSize: B });
      const rec = nn.record(l, { 'neuron.V': { samples: [1] }, 'neuron.a': {}, neuron: { neurons: [0, 3] }, '': {} });
      const xs = sg.tensor(x, [STEPS, B, NIN], 'float32');
      if (mode === 'run') l.run(xs, { checkpoint: 1 });
      else transform.forLoop(l.update, xs);
      const t = await rec.read();
      rec.dispose();
      return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, { shape: v.shape, data: Array.from(v.data) }]));
    };
    const a = await traces('run'), b = await traces('step');
    expect(a['neuron.V']!.shape).toEqual([STEPS, 1, N]);
    expect(a['neuron.a']!.data.some((v) => v > 0), 'the neurons adapted').toBe(true);
    expect(a.neuron!.data).toEqual(a['']!.data.filter((_, q) => q % N === 0 || q % N === 3)); // the neuron's output is the layer's
    expect(a).toEqual(b);
    const l = makeLayer(c.make(), 'float32');
    nn.initAllStates(l, { batchSize: B });
    const rec = nn.record(l, { 'neuron.V': {} });
    expect(() => l.run(sg.tensor(x, [STEPS, B, NIN], 'float32'), { checkpoint: 4 })).toThrow(/nn\.record: state 'neuron\.V' is not produced per step by ALIF\.run \(sequence mode\); record it in step mode/);
    rec.dispose();
  });
});
