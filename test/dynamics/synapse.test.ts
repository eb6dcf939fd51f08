/**
 * Spike-free declared dynamics (dynamics/declaration.ts `declareSynapse`, nn/synapse.ts): nn.Expon, nn.DualExpon,
 * nn.LeakyRateReadout and user-defined synapses from `nn.defineSynapse` (a linear alpha-function synapse and a
 * nonlinear one, whose backward is the general, state-reading one), on non-default parameters (τ not round,
 * τ_rise ≠ τ_decay, A ≠ 1) and a width that is no multiple of 4 or 8:
 * - CPU float32: sequence mode (the generated fused kernel) = step mode (primitive ops), bit for bit, output and
 *   every state; the same with code generation off (the interpreted programs);
 * - float64: forward and gradients of sequence mode (run in two chunks, so the initial states' gradients are used)
 *   against a step-mode reference written here with the engine's primitive ops, its constants computed here
 *   (exp-Euler factors from Math.expm1, the decay from Math.exp, DualExpon's peak normalisation);
 * - gradients against float64 central finite differences;
 * - bad declarations: errors that name defineSynapse and the field.
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { codegen } from '../../surrogate/compileJs.js';
import { gradcheck } from '../support/gradcheck.js';
import { rng } from '../support/helpers.js';

const { nn } = sg;
type T = sg.Tensor;
const O = sg;
const DT = 1; // ms (the environment's default)

/** dt·exprel(−dt/τ) in float64, the exp-Euler factor of a linear decay (g·e^(−dt/τ) = g + factor·(−g/τ)). */
const expEulerFactor = (tau: number): number => DT * (Math.expm1(-DT / tau) / (-DT / tau));

const AlphaSyn = nn.defineSynapse({
  name: 'AlphaSyn',
  states: { h: {}, g: {} },
  params: { tau: { unit: 'ms', default: 5, positive: true } },
  update: { h: { expEuler: '-h / tau', add: 'I' }, g: { expEuler: '(h - g) / tau' } },
  output: 'g',
});
const Saturating = nn.defineSynapse({
  name: 'Saturating', states: { g: {}, h: {} },
  params: { tau: { unit: 'ms', default: 3.7, positive: true }, k: { default: 0.6 } },
  update: { g: { expEuler: '(-g + tanh(k * I)) / tau' }, h: 'h + g * g * 0.25 - 0.1 * h * I' },
  output: 'g * h + exp(-h * h)',
});

interface Case {
  name: string;
  make(dtype: 'float32' | 'float64'): sg.nn.DeclaredSynapse;
  /** The layer's state properties, in declaration order. */
  states: string[];
  /** One step by hand: states, input → states and output. */
  ref(S: T[], x: T, l: sg.nn.DeclaredSynapse): { S: T[]; out: T };
  /** Width of the input (the readout projects it first). */
  nIn?: number;
}

const N = 7, B = 3, TT = 9;

const CASES: Case[] = [
  {
    name: 'Expon', states: ['g'], make: () => new nn.Expon(N, { tau: 3.3, gInitializer: 0.4 }),
    ref([g], x) {
      const f = expEulerFactor(3.3);
      const g1 = O.add(O.add(g!, O.mul(O.div(O.neg(g!), 3.3), f)), x);
      return { S: [g1], out: g1 };
    },
  },
  {
    name: 'DualExpon', states: ['gRise', 'gDecay'], make: () => new nn.DualExpon(N, { tauRise: 1.7, tauDecay: 6.1, A: 1.37, gInitializer: 0.3 }),
    ref([r, d], x) {
      const [tr, td] = [1.7, 6.1];
      const a = ((td - tr) / (tr * td)) * 1.37;
      const r1 = O.add(O.add(r!, O.mul(O.div(O.neg(r!), tr), expEulerFactor(tr))), x);
      const d1 = O.add(O.add(d!, O.mul(O.div(O.neg(d!), td), expEulerFactor(td))), x);
      return { S: [r1, d1], out: O.mul(O.sub(d1, r1), a) };
    },
  },
  {
    name: 'LeakyRateReadout', states: ['r'], nIn: 5,
    make: (dtype) => new nn.LeakyRateReadout(5, N, { tau: 4.7, dtype }),
    ref([r], x, l) {
      const h = O.matmul(x, (l as sg.nn.LeakyRateReadout).weight.value);
      const r1 = O.add(O.mul(r!, Math.exp(-DT / 4.7)), h);
      return { S: [r1], out: r1 };
    },
  },
  {
    name: 'user-defined AlphaSyn (linear, two states)', states: ['h', 'g'], make: () => new AlphaSyn(N, { tau: 2.9, hInitializer: 0.2, gInitializer: -0.1 }),
    ref([h, g], x) {
      const f = expEulerFactor(2.9);
      const h1 = O.add(O.add(h!, O.mul(O.div(O.neg(h!), 2.9), f)), x);
      const g1 = O.add(g!, O.mul(O.div(O.sub(h1, g!), 2.9), f));
      return { S: [h1, g1], out: g1 };
    },
  },
  {
    name: 'user-defined Saturating (nonlinear)', states: ['g', 'h'], make: () => new Saturating(N, { tau: 2.3, k: 0.8, gInitializer: 0.1, hInitializer: 0.2 }),
    ref([g, h], x) {
      const g1 = O.add(g!, O.mul(O.div(O.add(O.neg(g!), O.tanh(O.mul(x, 0.8))), 2.3), expEulerFactor(2.3)));
      const h1 = O.sub(O.add(h!, O.mul(O.mul(g1, g1), 0.25)), O.mul(O.mul(h!, 0.1), x));
      return { S: [g1, h1], out: O.add(O.mul(g1, h1), O.exp(O.neg(O.mul(h1, h1)))) };
    },
  },
];

function inputs(c: Case, dtype: 'float32' | 'float64', seed = 7): T {
  const r = rng(seed), n = c.nIn ?? N;
  return O.tensor(Float64Array.from({ length: TT * B * n }, () => 1.3 * (2 * r() - 1)), [TT, B, n], dtype);
}

const stateOf = (l: sg.nn.DeclaredSynapse, name: string): T => (l as unknown as Record<string, sg.HiddenState>)[name]!.value;

describe.each(CASES)('$name', (c) => {
  for (const gen of [true, false]) {
    it(`CPU float32: sequence mode = step mode, bit for bit (output and every state)${gen ? '' : ', code generation off'}`, async () => {
      codegen.enabled = gen;
      try {
        sg.random.seed(3);
        const a = c.make('float32');
        sg.random.seed(3);
        const b = c.make('float32'); // the same weights (the readout's)
        const x = inputs(c, 'float32');
        nn.initAllStates(a, { batchSize: B });
        nn.initAllStates(b, { batchSize: B });
        const seq = await a.run(x).data();
        const steps: number[] = [];
        for (let t = 0; t < TT; t++) steps.push(...(await b.update(O.index(x, t)).data()));
        expect(Array.from(seq)).toEqual(steps);
        expect(seq.some((v) => v !== 0)).toBe(true);
        for (const s of c.states) expect(Array.from(await stateOf(a, s).data())).toEqual(Array.from(await stateOf(b, s).data()));
      } finally {
        codegen.enabled = true;
      }
    });
  }

  it('float64: forward and gradients (input and initial states, two chunks) = an independent step-mode reference', () => {
    const l = c.make('float64');
    const x = inputs(c, 'float64');
    const wOut = O.tensor(Float64Array.from({ length: TT * B * N }, (_, i) => Math.cos(i)), [TT, B, N], 'float64');
    const wS = O.tensor(Float64Array.from({ length: B * N }, (_, i) => Math.sin(i + 1)), [B, N], 'float64');
    const s0 = c.states.map((_, k) => O.tensor(Float64Array.from({ length: B * N }, (__, i) => 0.3 * Math.cos(3 * i + k)), [B, N], 'float64'));
    const ours = (...[xs, ...init]: T[]): T => {
      nn.initAllStates(l, { batchSize: B, dtype: 'float64' });
      // A copy on the tape: the layer's states own (and later dispose) what they hold.
      c.states.forEach((s, k) => ((l as unknown as Record<string, sg.HiddenState>)[s]!.value = O.mul(init[k]!, 1)));
      const h = Math.floor(TT / 2), w = xs!.shape[2]!;
      const o1 = l.run(O.slice(xs!, [0, 0, 0], [h, B, w]));
      const o2 = l.run(O.slice(xs!, [h, 0, 0], [TT - h, B, w]));
      return O.add(O.sum(O.mul(O.concat([o1, o2], 0), wOut)), O.sum(O.mul(stateOf(l, c.states[0]!), wS)));
    };
    const reference = (...[xs, ...init]: T[]): T => {
      let S = init;
      const outs: T[] = [];
      for (let t = 0; t < TT; t++) {
        const r = c.ref(S, O.index(xs!, t), l);
        S = r.S;
        outs.push(r.out);
      }
      return O.add(O.sum(O.mul(O.stack(outs, 0), wOut)), O.sum(O.mul(S[0]!, wS)));
    };
    const args = [x, ...s0];
    const [gOurs, lOurs] = sg.grad(ours, args, { returnValue: true })(...args);
    const [gRef, lRef] = sg.grad(reference, args, { returnValue: true })(...args);
    expect(Math.abs(lOurs.dataSync()[0]! - lRef.dataSync()[0]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(lRef.dataSync()[0]!)));
    gOurs.forEach((g, i) => {
      const go = g!.dataSync(), gr = gRef[i]!.dataSync();
      const scale = Math.max(...Array.from(gr, Math.abs), 1e-12);
      expect(scale).toBeGreaterThan(1e-6); // a gradient that is not there would pass trivially
      for (let j = 0; j < go.length; j++) expect(Math.abs(go[j]! - gr[j]!), `argument ${i}, element ${j}`).toBeLessThanOrEqual(1e-10 * scale);
    });
  });

  it('gradients = float64 central finite differences (sequence mode)', () => {
    const l = c.make('float64');
    const x = inputs(c, 'float64', 11);
    const w = O.tensor(Float64Array.from({ length: TT * B * N }, (_, i) => Math.sin(2 * i)), [TT, B, N], 'float64');
    gradcheck((xs: T) => {
      nn.initAllStates(l, { batchSize: B, dtype: 'float64' });
      return O.sum(O.mul(l.run(xs), w));
    }, [x], { eps: 1e-6, rtol: 1e-6, atol: 1e-9 });
  });
});

describe('declareSynapse: bad declarations get errors naming defineSynapse and the field', () => {
  const BASE = {
    name: 'Syn', states: { g: { unit: 'mA' } }, params: { tau: { unit: 'ms', default: 5, positive: true } },
    update: { g: { expEuler: '-g / tau', add: 'I' } }, output: 'g',
  };
  const bad = (patch: Record<string, unknown>) => () => nn.defineSynapse({ ...BASE, ...patch } as sg.nn.SynapseDeclaration);
  it('accepts the base declaration', () => expect(bad({})).not.toThrow());
  it('unknown state', () => {
    expect(bad({ update: { q: 'g' } })).toThrow(/^defineSynapse: update\.q: unknown state 'q' \(states: g\)$/);
    expect(bad({ output: 'q' })).toThrow(/^defineSynapse: output: .*unknown .*q/);
  });
  it('unit mismatch', () => {
    expect(bad({ update: { g: { expEuler: '-g' } } })).toThrow(/^defineSynapse: update\.g\.expEuler: unit mismatch: the drift of 'g' must be in 'mA\/ms', got 'mA'$/);
    expect(bad({ update: { g: 'g + tau' } })).toThrow(/^defineSynapse: update\.g: unit mismatch in add '\(g \+ tau\)': 'mA' and 'ms'$/);
  });
  it('name clash', () => {
    expect(bad({ params: { g: { default: 1 } } })).toThrow(/^defineSynapse: params\.g: name clash: 'g' is also declared in states\.g$/);
    expect(bad({ states: { run: {} }, update: { run: 'run + I' }, output: 'run' })).toThrow(/^defineSynapse: states\.run: name clash with the layer's member 'run'/);
  });
  it('a spike or a reset has no place here', () => {
    expect(bad({ update: { g: 'g + spike' } })).toThrow(/^defineSynapse: update\.g: .*spike/);
    expect(bad({ reset: { g: { to: '0' } } })).toThrow(/^defineSynapse: declaration: unknown key 'reset' \(expected name, input, states, params, update, output\)$/);
    expect(bad({ spike: 'g' })).toThrow(/^defineSynapse: declaration: unknown key 'spike'/);
  });
  it('output missing, or of no state; add without an exp-Euler step', () => {
    expect(bad({ output: undefined })).toThrow(/^defineSynapse: output: expected the layer's output/);
    expect(bad({ output: 'tau * 2' })).toThrow(/^defineSynapse: output: the output depends on no state$/);
    expect(bad({ update: { g: { value: 'g', add: 'I' } } })).toThrow(/^defineSynapse: update\.g\.add: 'add' follows an 'expEuler' step/);
  });
  it('a neuron declaration still names defineNeuron after a synapse error', () => {
    expect(bad({ output: 'q' })).toThrow(/defineSynapse/);
    expect(() => nn.defineNeuron({ name: 'N', states: { V: {} }, update: { V: 'V + I' }, spike: 'W' })).toThrow(/^defineNeuron: spike: /);
  });
  it('options: unknown ones and bad parameter values are refused by name', () => {
    expect(() => new AlphaSyn(3, { tau: -1 })).toThrow(/AlphaSyn.*'tau'/);
    expect(() => new AlphaSyn(3, { taux: 1 } as never)).toThrow(/^AlphaSyn: unknown option 'taux' \(options: tau, hInitializer, gInitializer\)$/);
  });
});
