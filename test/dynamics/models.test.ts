/**
 * Every declared neuron model (dynamics/models/) and a user-defined one, on non-default parameters:
 * - CPU: sequence mode (the generated fused kernel) = step mode (primitive ops) bit for bit, in float32, on a
 *   shape that is no multiple of any tile, with membranes that start exactly at threshold (H(0) = 1);
 * - float64: forward and gradients of sequence mode (run in two chunks, so the initial-state gradient is used)
 *   against a reference written here, independently, with the engine's primitive ops: each model's equations
 *   by hand, exp-Euler factors from Math.expm1, the surrogate's spike;
 * - gradients against float64 central finite differences (detached reset, loss on the membranes, where the
 *   Heaviside is locally constant);
 * - nn.LIF and nn.IF (dynamics/models/lif.ts, if.ts) likewise, soft and hard reset, R ≠ 1, V_rest ≠ 0,
 *   V_reset ≠ 0, V_th − V_reset ≠ 1;
 * - a LIF declared in a few lines gives nn.LIF's bits (forward) and gradients.
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { gradcheck } from '../support/gradcheck.js';
import { rng } from '../support/helpers.js';

const { nn } = sg;
type T = sg.Tensor;
type Spk = (u: T) => T;
const O = sg;

/** exprel(z) = expm1(z)/z on tensors (the reference's own exp-Euler factor). */
const exprelT = (z: T): T => O.div(O.expm1(z), z);
const exprelN = (z: number): number => Math.expm1(z) / z;
const DT = 1; // ms (the environment's default)

interface Case {
  name: string;
  /** The layer class, or (for nn.LIF and nn.IF, whose options have their own names) `make` and `params`. */
  cls?: sg.nn.DeclaredNeuronClass;
  make?: (opts: Record<string, unknown>) => sg.nn.NeuronLayer;
  /** The parameters in the declaration's names (all of them where there is no `cls`). */
  opts: Record<string, number | boolean>;
  /** Initial states (ms, mV, … in the declared units). */
  init: Record<string, number>;
  /** Input scale and offset. */
  input: [number, number];
  /** One step of the model, written by hand: states → states and output spikes. */
  ref(S: T[], x: T, p: Record<string, number>, spk: Spk, detach: boolean): { S: T[]; out: T };
}

const sgd = (t: T, detach: boolean): T => (detach ? O.stopGradient(t) : t);

const MyLIF = nn.defineNeuron({
  name: 'MyLIF',
  input: { unit: 'mA' },
  states: { V: { unit: 'mV', init: 0 } },
  params: {
    R: { unit: 'ohm', default: 1 }, tau: { unit: 'ms', default: 5, positive: true },
    V_th: { unit: 'mV', default: 1 }, V_reset: { unit: 'mV', default: 0 }, V_rest: { unit: 'mV', default: 0 },
  },
  update: { V: { expEuler: '(-V + V_rest + R * I) / tau' } },
  spike: '(V - V_th) / (V_th - V_reset)',
  reset: { V: { to: 'V_reset' } },
});

/** One step of LIF by hand (IF: V_reset = V_rest = 0), soft or hard reset. */
function lifStep(reset: 'soft' | 'hard'): Case['ref'] {
  return ([V], x, p, spk, detach) => {
    const [Vr, Vrest] = [p.V_reset ?? 0, p.V_rest ?? 0];
    const k = p.V_th! - Vr;
    const s = sgd(spk(O.div(O.sub(V!, p.V_th!), k)), detach);
    const V1 = reset === 'soft' ? O.sub(V!, O.mul(s, k)) : O.sub(V!, O.mul(O.sub(O.stopGradient(V!), Vr), s));
    const coef = DT * exprelN(-DT / p.tau!);
    const V2 = O.add(V1, O.mul(O.div(O.add(O.add(O.neg(V1), Vrest), O.mul(x, p.R!)), p.tau!), coef));
    return { S: [V2], out: spk(O.div(O.sub(V2, p.V_th!), k)) };
  };
}

/** nn.LIF / nn.IF from options in the declaration's names (V_th → VTh, …). */
const lifLayer = (Cls: typeof nn.LIF | typeof nn.IF, spkReset: 'soft' | 'hard') => (o: Record<string, unknown>): sg.nn.NeuronLayer => {
  const { V_th, V_reset, V_rest, ...rest } = o;
  const names = { ...(V_th !== undefined ? { VTh: V_th } : {}), ...(V_reset !== undefined ? { VReset: V_reset } : {}), ...(V_rest !== undefined ? { VRest: V_rest } : {}) };
  return new Cls(N, { ...rest, ...names, spkReset } as sg.nn.LIFOptions);
};

const CASES: Case[] = [
  {
    name: 'nn.LIF (soft reset)', make: lifLayer(nn.LIF, 'soft'), opts: { R: 1.7, tau: 6, V_th: 1.1, V_reset: -0.4, V_rest: 0.3 },
    init: { V: 1.1 }, input: [1.5, 0.6], ref: lifStep('soft'),
  },
  {
    name: 'nn.LIF (hard reset)', make: lifLayer(nn.LIF, 'hard'), opts: { R: 0.8, tau: 9, V_th: 0.9, V_reset: -0.45, V_rest: -0.1 },
    init: { V: 0.9 }, input: [1.2, 0.5], ref: lifStep('hard'),
  },
  {
    name: 'nn.IF (soft reset)', make: lifLayer(nn.IF, 'soft'), opts: { R: 1.3, tau: 7, V_th: 1.25 },
    init: { V: 1.25 }, input: [1.5, 0.8], ref: lifStep('soft'),
  },
  {
    name: 'nn.IF (hard reset)', make: lifLayer(nn.IF, 'hard'), opts: { R: 0.6, tau: 4, V_th: 0.7 },
    init: { V: 0.7 }, input: [1.4, 0.7], ref: lifStep('hard'),
  },
  {
    name: 'LIFRef', cls: nn.LIFRef, opts: { R: 1.7, tau: 6, tau_ref: 2, V_th: 1.1, V_reset: -0.4, V_rest: 0.3 },
    init: { V: 1.1, since: 1e7 }, input: [1.5, 0.6],
    ref([V, since], x, p, spk, detach) {
      const k = p.V_th! - p.V_reset!;
      const s = sgd(spk(O.div(O.sub(V!, p.V_th!), k)), detach);
      const V1 = O.sub(V!, O.mul(s, k));
      const since1 = O.sub(since!, O.mul(O.stopGradient(since!), s));
      const since2 = O.add(since1, DT);
      const coef = DT * exprelN(-DT / p.tau!);
      const Vi = O.add(V1, O.mul(O.div(O.add(O.add(O.neg(V1), p.V_rest!), O.mul(x, p.R!)), p.tau!), coef));
      const V2 = O.where(O.ge(since2, p.tau_ref!), Vi, V1);
      return { S: [V2, since2], out: spk(O.div(O.sub(V2, p.V_th!), k)) };
    },
  },
  {
    name: 'Izhikevich', cls: nn.Izhikevich, opts: { a: 0.03, b: 0.25, c: -60, d: 6, V_th: 25 },
    init: { V: 25, u: -3 }, input: [6, 8],
    ref([V, u], x, p, spk, detach) {
      const s = sgd(spk(O.div(O.sub(V!, p.V_th!), p.V_th!)), detach);
      const V1 = O.sub(V!, O.mul(O.sub(O.stopGradient(V!), p.c!), s));
      const u1 = O.add(u!, O.mul(s, p.d!));
      const f = O.add(O.sub(O.add(O.add(O.mul(O.mul(V1, V1), 0.04), O.mul(V1, 5)), 140), u1), x);
      const J = O.add(O.mul(V1, 0.08), 5);
      const V2 = O.add(V1, O.mul(O.mul(exprelT(O.mul(J, DT)), DT), f));
      const fu = O.mul(O.sub(O.mul(V2, p.b!), u1), p.a!);
      const u2 = O.add(u1, O.mul(fu, DT * exprelN(-DT * p.a!)));
      return { S: [V2, u2], out: spk(O.div(O.sub(V2, p.V_th!), p.V_th!)) };
    },
  },
  {
    name: 'ExpIF', cls: nn.ExpIF, opts: { R: 1.3, tau: 8, V_th: -50, V_reset: -66, V_rest: -63, V_T: -58, delta_T: 2.5 },
    init: { V: -50 }, input: [6, 8],
    ref([V], x, p, spk, detach) {
      const k = p.V_th! - p.V_reset!;
      const s = sgd(spk(O.div(O.sub(V!, p.V_th!), k)), detach);
      const V1 = O.sub(V!, O.mul(s, k));
      const e = O.exp(O.div(O.sub(V1, p.V_T!), p.delta_T!));
      const f = O.div(O.add(O.add(O.neg(O.sub(V1, p.V_rest!)), O.mul(e, p.delta_T!)), O.mul(x, p.R!)), p.tau!);
      const J = O.div(O.sub(e, 1), p.tau!);
      const V2 = O.add(V1, O.mul(O.mul(exprelT(O.mul(J, DT)), DT), f));
      return { S: [V2], out: spk(O.div(O.sub(V2, p.V_th!), k)) };
    },
  },
  {
    name: 'AdExIF', cls: nn.AdExIF, opts: { R: 0.9, tau: 9, tau_w: 25, V_th: -50, V_reset: -67, V_rest: -64, V_T: -58, delta_T: 3, a: 0.5, b: 0.7 },
    init: { V: -50, w: 0.4 }, input: [14, 12],
    ref([V, w], x, p, spk, detach) {
      const k = p.V_th! - p.V_reset!;
      const s = sgd(spk(O.div(O.sub(V!, p.V_th!), k)), detach);
      const V1 = O.sub(V!, O.mul(s, k));
      const w1 = O.add(w!, O.mul(s, p.b!));
      const e = O.exp(O.div(O.sub(V1, p.V_T!), p.delta_T!));
      const f = O.div(O.add(O.sub(O.add(O.neg(O.sub(V1, p.V_rest!)), O.mul(e, p.delta_T!)), O.mul(w1, p.R!)), O.mul(x, p.R!)), p.tau!);
      const J = O.div(O.sub(e, 1), p.tau!);
      const V2 = O.add(V1, O.mul(O.mul(exprelT(O.mul(J, DT)), DT), f));
      const fw = O.div(O.sub(O.mul(O.sub(V2, p.V_rest!), p.a!), w1), p.tau_w!);
      const w2 = O.add(w1, O.mul(fw, DT * exprelN(-DT / p.tau_w!)));
      return { S: [V2, w2], out: spk(O.div(O.sub(V2, p.V_th!), k)) };
    },
  },
  {
    name: 'QuaIF', cls: nn.QuaIF, opts: { R: 1.2, tau: 11, V_th: -32, V_reset: -69, V_rest: -64, V_c: -52, c: 0.05 },
    init: { V: -32 }, input: [12, 8],
    ref([V], x, p, spk, detach) {
      const k = p.V_th! - p.V_reset!;
      const s = sgd(spk(O.div(O.sub(V!, p.V_th!), k)), detach);
      const V1 = O.sub(V!, O.mul(s, k));
      const a = O.sub(V1, p.V_rest!), b = O.sub(V1, p.V_c!);
      const f = O.div(O.add(O.mul(O.mul(a, b), p.c!), O.mul(x, p.R!)), p.tau!);
      const J = O.div(O.mul(O.add(a, b), p.c!), p.tau!);
      const V2 = O.add(V1, O.mul(O.mul(exprelT(O.mul(J, DT)), DT), f));
      return { S: [V2], out: spk(O.div(O.sub(V2, p.V_th!), k)) };
    },
  },
  {
    name: 'Synaptic', cls: nn.Synaptic, opts: { alpha: 0.85, beta: 0.7, threshold: 1.3 },
    init: { syn: 0.2, mem: 1.3 }, input: [0.8, 0.2],
    ref([syn, mem], x, p, spk, detach) {
      const s = sgd(spk(O.sub(mem!, p.threshold!)), detach);
      const syn2 = O.add(O.mul(syn!, p.alpha!), x);
      const mem2 = O.sub(O.add(O.mul(mem!, p.beta!), syn2), O.mul(s, p.threshold!));
      return { S: [syn2, mem2], out: spk(O.sub(mem2, p.threshold!)) };
    },
  },
  {
    name: 'Alpha', cls: nn.Alpha, opts: { alpha: 0.92, beta: 0.75, threshold: 0.9 },
    init: { syn_exc: 0.5, syn_inh: 0.4, mem: 0.9 }, input: [0.9, 0.4],
    // snnTorch's Alpha with its default reset 'zero' (alpha.py _base_state_function, _base_zero).
    ref([e, i, mem], x, p, spk, detach) {
      const s = sgd(spk(O.sub(mem!, p.threshold!)), detach);
      const be = O.add(O.mul(e!, p.alpha!), x), bi = O.sub(O.mul(i!, p.beta!), x);
      const tauAlpha = Math.log(p.alpha!) / (Math.log(p.beta!) - Math.log(p.alpha!)) + 1;
      const bm = O.mul(O.add(be, bi), tauAlpha);
      const [e2, i2, m2] = [be, bi, bm].map((b) => O.sub(b, O.mul(b, s)));
      return { S: [e2!, i2!, m2!], out: spk(O.sub(m2!, p.threshold!)) };
    },
  },
  {
    name: 'user-defined (hard reset)', cls: MyLIF, opts: { R: 1.6, tau: 7, V_th: 1.2, V_reset: -0.35, V_rest: 0.25 },
    init: { V: 1.2 }, input: [1.4, 0.7],
    ref([V], x, p, spk, detach) {
      const k = p.V_th! - p.V_reset!;
      const s = sgd(spk(O.div(O.sub(V!, p.V_th!), k)), detach);
      const V1 = O.sub(V!, O.mul(O.sub(O.stopGradient(V!), p.V_reset!), s));
      const coef = DT * exprelN(-DT / p.tau!);
      const V2 = O.add(V1, O.mul(O.div(O.add(O.add(O.neg(V1), p.V_rest!), O.mul(x, p.R!)), p.tau!), coef));
      return { S: [V2], out: spk(O.div(O.sub(V2, p.V_th!), k)) };
    },
  },
];

const TT = 9, B = 3, N = 7; // no multiple of 4 or 8

function inputs(c: Case, dtype: 'float32' | 'float64', seed = 7): T {
  const r = rng(seed);
  const [scale, offset] = c.input;
  return O.tensor(Float64Array.from({ length: TT * B * N }, () => offset + scale * (2 * r() - 1)), [TT, B, N], dtype);
}

function layer(c: Case, extra: Record<string, unknown> = {}): sg.nn.NeuronLayer {
  const inits = Object.fromEntries(Object.entries(c.init).map(([k, v]) => [`${k}Initializer`, v]));
  const opts = { ...c.opts, ...inits, ...extra };
  return c.make ? c.make(opts) : new c.cls!(N, opts as sg.nn.NeuronOptions);
}

const stateOf = (l: sg.nn.NeuronLayer, name: string): T => (l as unknown as Record<string, sg.HiddenState>)[name]!.value;

/** A layer's spikes over xs [T, 3, n], weighted by the first step's input + 1 and summed (a loss every spike reaches). */
const weightedSpikes = (l: sg.nn.Layer) => (xs: T): T => {
  nn.initAllStates(l, { batchSize: 3 });
  return O.sum(O.mul(l.run(xs), O.add(O.index(xs, 0), 1)));
};

describe.each(CASES)('$name', (c) => {
  const names = Object.keys(c.init);

  it('CPU float32: sequence mode = step mode, bit for bit (spikes and every state)', async () => {
    const x = inputs(c, 'float32');
    const a = layer(c), b = layer(c);
    nn.initAllStates(a, { batchSize: B });
    nn.initAllStates(b, { batchSize: B });
    const seq = await a.run(x).data();
    const steps: number[] = [];
    for (let t = 0; t < TT; t++) steps.push(...(await b.update(O.index(x, t)).data()));
    expect(Array.from(seq)).toEqual(steps);
    for (const n of names) expect(Array.from(await stateOf(a, n).data())).toEqual(Array.from(await stateOf(b, n).data()));
  });

  it('a state exactly at threshold spikes (H(0) = 1): the first step resets', async () => {
    const x = O.index(inputs(c, 'float32'), 0);
    const at = layer(c);
    const first = names[names.length - 1] === 'mem' ? 'mem' : names[0]!;
    const belowInit = c.init[first]! - 1e-3 * Math.max(1, Math.abs(c.init[first]!));
    const b2 = layer(c, { [`${first}Initializer`]: belowInit });
    nn.initAllStates(at, { batchSize: B });
    nn.initAllStates(b2, { batchSize: B });
    at.update(x);
    b2.update(x);
    const d1 = await stateOf(at, first).data(), d2 = await stateOf(b2, first).data();
    // Without the reset the two would differ by about the 0.1 % offset; the reset moves by its full size.
    expect(Math.abs(d1[0]! - d2[0]!)).toBeGreaterThan(0.3);
  });

  for (const detach of [false, true]) {
    it(`float64 forward and gradients = an independent reference${detach ? ' (detached reset)' : ''}`, () => {
      const x = inputs(c, 'float64');
      const l = layer(c, { detachReset: detach });
      const spkFun = l.spkFun;
      const wS = O.tensor(Float64Array.from({ length: TT * B * N }, (_, i) => Math.cos(i)), [TT, B, N], 'float64');
      const wV = O.tensor(Float64Array.from({ length: B * N }, (_, i) => Math.sin(i + 1)), [B, N], 'float64');
      const ours = (xs: T): T => {
        nn.initAllStates(l, { batchSize: B, dtype: 'float64' });
        const h = Math.floor(TT / 2);
        const s1 = l.run(O.slice(xs, [0, 0, 0], [h, B, N]));
        const s2 = l.run(O.slice(xs, [h, 0, 0], [TT - h, B, N]));
        const spikes = O.concat([s1, s2], 0);
        return O.add(O.sum(O.mul(spikes, wS)), O.sum(O.mul(stateOf(l, names[0]!), wV)));
      };
      const reference = (xs: T): T => {
        let S = names.map((n) => O.full([B, N], c.init[n]!, 'float64'));
        const outs: T[] = [];
        const p = { ...Object.fromEntries((c.cls?.model.params ?? []).map((q) => [q.name, q.default])), ...c.opts } as Record<string, number>;
        for (let t = 0; t < TT; t++) {
          const r = c.ref(S, O.index(xs, t), p, (u) => spkFun.spike(u), detach);
          S = r.S;
          outs.push(r.out);
        }
        return O.add(O.sum(O.mul(O.stack(outs, 0), wS)), O.sum(O.mul(S[0]!, wV)));
      };
      const [[gOurs], lOurs] = sg.grad(ours, [x], { returnValue: true })(x);
      const [[gRef], lRef] = sg.grad(reference, [x], { returnValue: true })(x);
      expect(lOurs.dataSync()[0]).toBeCloseTo(lRef.dataSync()[0]!, 9);
      const go = gOurs!.dataSync(), gr = gRef!.dataSync();
      const scale = Math.max(...Array.from(gr, Math.abs), 1e-12);
      for (let i = 0; i < go.length; i++) expect(Math.abs(go[i]! - gr[i]!)).toBeLessThanOrEqual(1e-9 * scale);
      expect(Array.from(gr).some((v) => v !== 0)).toBe(true);
    });
  }

  it('gradients = float64 finite differences (detached reset, loss on the membranes)', () => {
    const x = inputs(c, 'float64', 11);
    const l = layer(c, { detachReset: true });
    const f = (xs: T): T => {
      nn.initAllStates(l, { batchSize: B, dtype: 'float64' });
      l.run(xs);
      return O.stack(names.map((n) => stateOf(l, n)), 0);
    };
    gradcheck(f, [x], { eps: 1e-6, rtol: 1e-5, atol: 1e-8 });
  });
});

describe("nn.Alpha is snnTorch's Alpha (alpha.py, default reset_mechanism 'zero')", () => {
  // Numbers from snnTorch's formulas by hand: a spike zeroes every state after the next update (not a subtraction
  // of α·threshold and β·threshold), and the membrane is τ_α·(I_exc + I_inh), τ_α = log α/(log β − log α) + 1.
  it('integrates with τ_α and zeroes all three states on the step after a spike', async () => {
    const [alpha, beta, threshold] = [0.9, 0.8, 1];
    const tauAlpha = Math.log(alpha) / (Math.log(beta) - Math.log(alpha)) + 1; // 1.8947…
    const l = new nn.Alpha(1, { alpha, beta, threshold });
    nn.initAllStates(l, { batchSize: 1, dtype: 'float64' });
    const step = async (x: number) => {
      const spk = (await l.update(O.tensor([[x]], [1, 1], 'float64')).data())[0];
      const st = await Promise.all(['syn_exc', 'syn_inh', 'mem'].map(async (n) => (await stateOf(l as never, n).data())[0]!));
      return { spk, st };
    };
    const a = await step(0.4); // exc 0.4, inh −0.4: mem 0, no spike
    expect(a.st).toEqual([0.4, -0.4, 0]);
    const b = await step(1.5); // exc 0.36 + 1.5, inh −0.32 − 1.5
    const [e, i] = [alpha * 0.4 + 1.5, beta * -0.4 - 1.5];
    expect(b.st[0]).toBeCloseTo(e, 14);
    expect(b.st[1]).toBeCloseTo(i, 14);
    expect(b.st[2]).toBeCloseTo(tauAlpha * (e + i), 14); // 1.8947·0.04 = 0.0758: below threshold
    expect(b.spk).toBe(0);
    const c = await step(20); // the input cancels in the membrane: τ_α·(0.9·e + 0.8·i) = 0.41, no spike
    const [e2, i2] = [alpha * e + 20, beta * i - 20];
    expect(c.st[2]).toBeCloseTo(tauAlpha * (e2 + i2), 12);
    expect(c.spk).toBe(0);
    // Drive the membrane over threshold, then the next step starts from zero whatever the input.
    nn.initAllStates(l, { batchSize: 1, dtype: 'float64' });
    (l as unknown as Record<string, sg.HiddenState>).syn_exc!.value = O.tensor([[3]], [1, 1], 'float64');
    (l as unknown as Record<string, sg.HiddenState>).mem!.value = O.tensor([[1.2]], [1, 1], 'float64');
    const d = await step(0.7);
    expect(d.st).toEqual([0, 0, 0]);
    const f = await step(0.7);
    expect(f.st[0]).toBeCloseTo(0.7, 15);
    expect(f.st[1]).toBeCloseTo(-0.7, 15);
  });
});

describe('a LIF declared in a few lines', () => {
  const SoftLIF = nn.defineNeuron({
    name: 'SoftLIF', input: { unit: 'mA' }, states: { V: { unit: 'mV' } },
    params: {
      R: { unit: 'ohm', default: 1 }, tau: { unit: 'ms', default: 5, positive: true },
      V_th: { unit: 'mV', default: 1 }, V_reset: { unit: 'mV', default: 0 }, V_rest: { unit: 'mV', default: 0 },
    },
    update: { V: { expEuler: '(-V + V_rest + R * I) / tau' } },
    spike: '(V - V_th) / (V_th - V_reset)',
    reset: { V: { subtract: 'V_th - V_reset' } },
  });
  for (const [reset, Cls] of [['soft', SoftLIF], ['hard', MyLIF]] as const) {
    it(`gives nn.LIF's forward bits and gradients (${reset} reset, R ≠ 1, V_rest, V_reset ≠ 0)`, async () => {
      const p = { R: 1.5, tau: 7, V_th: 1.2, V_reset: -0.3, V_rest: 0.2 };
      const ours = new Cls(5, { ...p, VInitializer: 1.2 });
      const theirs = new nn.LIF(5, { R: 1.5, tau: 7, VTh: 1.2, VReset: -0.3, VRest: 0.2, spkReset: reset, VInitializer: 1.2 });
      const r = rng(3);
      const x = O.tensor(Float32Array.from({ length: 20 * 15 }, () => 2.2 * r() - 0.4), [20, 3, 5]);
      const [[ga], la] = sg.grad(weightedSpikes(ours), [x], { returnValue: true })(x);
      const [[gb], lb] = sg.grad(weightedSpikes(theirs), [x], { returnValue: true })(x);
      expect(la.dataSync()[0]).toBe(lb.dataSync()[0]);
      expect(Array.from(await stateOf(ours, 'V').data())).toEqual(Array.from(await theirs.V.value.data()));
      const da = ga!.dataSync(), db = gb!.dataSync();
      for (let i = 0; i < da.length; i++) expect(Math.abs(da[i]! - db[i]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(db[i]!)));
    });
  }
});

describe('an ALIF declared in a few lines', () => {
  for (const reset of ['soft', 'hard'] as const) {
    it(`gives nn.ALIF's forward bits and gradients (${reset} reset, non-default parameters)`, async () => {
      const Declared = nn.defineNeuron({
        name: 'DeclaredALIF', input: { unit: 'mA' }, states: { V: { unit: 'mV' }, a: {} },
        params: {
          R: { unit: 'ohm', default: 1 }, tau: { unit: 'ms', default: 5, positive: true }, tau_a: { unit: 'ms', default: 100, positive: true },
          V_th: { unit: 'mV', default: 1 }, V_reset: { unit: 'mV', default: 0 }, V_rest: { unit: 'mV', default: 0 }, beta: { unit: 'mV', default: 0.1 },
        },
        update: { V: { expEuler: '(-V + V_rest + R * I) / tau' }, a: { expEuler: '(-a) / tau_a' } },
        spike: '((V - V_th) - beta * a) / (V_th - V_reset)',
        reset: { V: reset === 'soft' ? { subtract: 'V_th - V_reset' } : { to: 'V_reset' }, a: { add: '1' } },
      });
      const ours = new Declared(5, { R: 1.5, tau: 7, tau_a: 30, V_th: 1.2, V_reset: -0.3, V_rest: 0.2, beta: 0.25, VInitializer: 1.2, aInitializer: 0.5 });
      const theirs = new nn.ALIF(5, { R: 1.5, tau: 7, tauA: 30, VTh: 1.2, VReset: -0.3, VRest: 0.2, beta: 0.25, spkReset: reset, VInitializer: 1.2, aInitializer: 0.5 });
      const r = rng(4);
      const x = O.tensor(Float32Array.from({ length: 30 * 15 }, () => 2.4 * r() - 0.4), [30, 3, 5]);
      const [[ga], la] = sg.grad(weightedSpikes(ours), [x], { returnValue: true })(x);
      const [[gb], lb] = sg.grad(weightedSpikes(theirs), [x], { returnValue: true })(x);
      expect(la.dataSync()[0]).toBe(lb.dataSync()[0]);
      expect(la.dataSync()[0]).toBeGreaterThan(0);
      expect(Array.from(await stateOf(ours, 'V').data())).toEqual(Array.from(await theirs.V.value.data()));
      expect(Array.from(await stateOf(ours, 'a').data())).toEqual(Array.from(await theirs.a.value.data()));
      const da = ga!.dataSync(), db = gb!.dataSync();
      for (let i = 0; i < da.length; i++) expect(Math.abs(da[i]! - db[i]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(db[i]!)));
    });
  }
});
