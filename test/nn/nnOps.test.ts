/**
 * The fused sequence ops on their own, on the CPU in float64: gradients against central finite differences
 * (test/support/gradcheck.ts), shape validation, and the exp-Euler constants against docs/numerics.md §0's table.
 *
 * A spike's surrogate gradient is by design not the derivative of its Heaviside forward, so finite
 * differences can only check the neuron ops where no surrogate enters: the membrane outputs with
 * `detachReset` (soft reset). The surrogate paths are checked against the hand-derived float64 BPTT in
 * nnSeed.test.ts and against step-mode autodiff in nnModes.test.ts.
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { runOp } from '../../internal.js';
import type { NeuronSeqAttrs } from '../../engine/opsNeuron.js';
import { bindNeuron, bindSynapse } from '../../dynamics/bind.js';
import { declareNeuron, declareSynapse, type SynapseDeclaration } from '../../dynamics/declaration.js';
import { ALIF_SOFT, DUAL_EXPON, EXPON, IF_SOFT, LEAKY_READOUT, LIF_SOFT } from '../../dynamics/models/index.js';
import type { SynapseSeqAttrs } from '../../engine/opsSynapse.js';
import { gradcheck } from '../support/gradcheck.js';
import { cpu, rng, uniformArray } from '../support/helpers.js';
import { ReluGrad } from '../../surrogate/index.js';


function f64(shape: number[], lo: number, hi: number, seed: number, be: sg.Backend): sg.Tensor {
  return sg.tensor(uniformArray(shape.reduce((p, d) => p * d, 1), lo, hi, rng(seed)), shape, 'float64', be);
}

/** nn.LIF's generated op (dynamics/models/lif.ts), non-default parameters, detached soft reset. */
const lifOp = (dtype: 'float32' | 'float64'): NeuronSeqAttrs => ({
  neuron: bindNeuron(declareNeuron(LIF_SOFT), { R: 1.3, tau: 4, V_th: 1, V_reset: -0.2, V_rest: 0.1 }, 1, dtype),
  spkFun: new ReluGrad(), detachReset: true,
});
/**
 * nn.IF's, detached soft reset, R ≠ 1 (a hard reset cannot be checked so: it passes the gradient through
 * stop_gradient(V), brainpy's choice, where the function itself is flat).
 */
const ifOp: NeuronSeqAttrs = { neuron: bindNeuron(declareNeuron(IF_SOFT), { R: 0.7, tau: 6, V_th: 1.1 }, 1, 'float64'), spkFun: new ReluGrad(), detachReset: true };
/** nn.ALIF's generated op (dynamics/models/alif.ts), non-default parameters, detached soft reset. */
const alifOp = (dtype: 'float32' | 'float64'): NeuronSeqAttrs => ({
  neuron: bindNeuron(declareNeuron(ALIF_SOFT), { R: 1.3, tau: 4, tau_a: 9, V_th: 1, V_reset: -0.2, V_rest: 0.1, beta: 0.3 }, 1, dtype),
  spkFun: new ReluGrad(), detachReset: true,
});

/** A nonlinear spike-free model (state- and input-dependent Jacobian): the generated backward's general path. */
const SATURATING: SynapseDeclaration = {
  name: 'Saturating', states: { g: {}, h: {} }, params: { tau: { unit: 'ms', default: 3.7, positive: true }, k: { default: 0.6 } },
  update: { g: { expEuler: '(-g + tanh(k * I)) / tau' }, h: 'h + g * g * 0.25 - 0.1 * h * I' }, output: 'g * h + exp(-h * h)',
};
/** The ported synapses' generated ops on non-default parameters (τ not round, τ_rise ≠ τ_decay, a ≠ 1, dt 0.7 ms). */
const synOp = (decl: SynapseDeclaration, params: Record<string, number>): SynapseSeqAttrs => ({ synapse: bindSynapse(declareSynapse(decl), params, 0.7, 'float64') });
const SYNAPSES: [string, SynapseSeqAttrs, number][] = [
  ['Expon', synOp(EXPON, { tau: 3.3 }), 1],
  ['LeakyReadout', synOp(LEAKY_READOUT, { decay: 0.83 }), 1],
  ['DualExpon', synOp(DUAL_EXPON, { tau_rise: 1.7, tau_decay: 6.1, a: 1.37 }), 2],
  ['Saturating (nonlinear)', synOp(SATURATING, {}), 2],
];

describe('fused ops: gradients against float64 finite differences', async () => {
  const be = await cpu();
  // Odd sizes, a batch axis and none, and T = 1.
  const shapes: [number, number[]][] = [[7, [3, 5]], [1, [4]], [12, [2, 1]]];
  for (const [T, s] of shapes) {
    const tag = `T=${T}, state [${s}]`;
    for (const [name, a, K] of SYNAPSES) {
      const outs = a.synapse.outputState === null ? [0, 1] : [0];
      for (const out of outs) {
        it(`synapseRun ${name} output ${out}, ${tag}`, () => sg.tidy(() => {
          gradcheck((x, s0) => runOp('synapseRun', [x, s0], a)[out]!, [f64([T, ...s], -1, 1, 5, be), f64(K > 1 ? [K, ...s] : s, -1, 1, 6, be)]);
        }));
      }
    }
    it(`neuronRun (LIF) membrane (detached soft reset), ${tag}`, () => sg.tidy(() => {
      const x = f64([T, ...s], 0, 3, 8, be);
      const spikes = runOp('neuronRun', [x, f64([1, ...s], -0.5, 1.5, 9, be)], lifOp('float64'))[0]!.dataSync();
      if (T > 5) expect(spikes.some((v) => v === 1)).toBe(true); // resets happen inside the checked window
      gradcheck((xx, v0) => runOp('neuronRun', [xx, v0], lifOp('float64'))[1]!, [x, f64([1, ...s], -0.5, 1.5, 9, be)]);
    }));
    it(`neuronRun (IF) membrane (detached soft reset), ${tag}`, () => sg.tidy(() => {
      const x = f64([T, ...s], 0, 3, 12, be);
      if (T > 5) expect(runOp('neuronRun', [x, f64([1, ...s], -0.5, 1.5, 13, be)], ifOp)[0]!.dataSync().some((v) => v === 1)).toBe(true);
      gradcheck((xx, v0) => runOp('neuronRun', [xx, v0], ifOp)[1]!, [x, f64([1, ...s], -0.5, 1.5, 13, be)]);
    }));
    it(`neuronRun (ALIF) states (detached soft reset), ${tag}`, () => sg.tidy(() => {
      gradcheck((x, s0) => runOp('neuronRun', [x, s0], alifOp('float64'))[1]!, [f64([T, ...s], 0, 4, 10, be), f64([2, ...s], 0, 1.5, 11, be)]);
    }));
  }
});

describe('fused ops: input validation before any kernel runs', () => {
  it('names the argument and the expected shape', () => {
    const x = sg.zeros([5, 2, 3]);
    expect(() => runOp('neuronRun', [x, sg.zeros([1, 2, 4])], lifOp('float32'))).toThrow(/neuronRun: argument 's0' expected float32 \[1, 2, 3\] \(the 1 states stacked\), got float32 \[1, 2, 4\]/);
    expect(() => runOp('neuronRun', [x, sg.zeros([2, 3])], alifOp('float32'))).toThrow(/neuronRun: argument 's0' expected float32 \[2, 2, 3\] \(the 2 states stacked\), got float32 \[2, 3\]/);
    const expon = { synapse: bindSynapse(declareSynapse(EXPON), {}, 1, 'float32') };
    expect(() => runOp('synapseRun', [x, sg.zeros([2, 3], 'float64')], expon)).toThrow(/^synapseRun: argument 's0' expected float32 \[2, 3\] \(x's shape without its time axis\), got float64 \[2, 3\]$/);
    expect(() => runOp('synapseRun', [x, sg.zeros([1, 2, 3])], expon)).toThrow(/^synapseRun: argument 's0' expected float32 \[2, 3\]/);
    const dual = { synapse: bindSynapse(declareSynapse(DUAL_EXPON), {}, 1, 'float32') };
    expect(() => runOp('synapseRun', [x, sg.zeros([2, 3])], dual)).toThrow(/^synapseRun: argument 's0' expected float32 \[2, 2, 3\] \(the 2 states stacked\), got float32 \[2, 3\]$/);
    const st = sg.zeros([5, 2, 3]), sat = { synapse: bindSynapse(declareSynapse(SATURATING), {}, 1, 'float32') };
    expect(() => runOp('synapseRunGrad', [x, sg.zeros([2, 2, 3]), st, st], { ...sat, hasDStates: true, hasDOut: false })).toThrow(/^synapseRunGrad: argument 'states' expected float32 \[5, 2, 2, 3\] \(the 2 states after each step\), got float32 \[5, 2, 3\]$/);
    expect(() => runOp('synapseRunGrad', [sg.zeros([5, 3, 3])], { ...dual, hasDStates: true, hasDOut: false })).toThrow(/^synapseRunGrad: argument 'dStates' expected float32 \[5, 2, 3\] \(the 2 states after each step\), got float32 \[5, 3, 3\]$/);
    expect(() => runOp('synapseRunGrad', [x, sg.zeros([2, 2, 3]), st], { ...dual, hasDStates: true, hasDOut: false })).toThrow(/^synapseRunGrad: expected 1 inputs \(dStates\), got 3$/);
    expect(() => runOp('synapseRun', [sg.zeros([5, 2, 3], 'int32'), sg.zeros([2, 3], 'int32')], expon)).toThrow(/argument 'x' expected a float32 or float64 tensor/);
    expect(() => runOp('synapseRun', [sg.zeros([0, 3]), sg.zeros([3])], expon)).toThrow(/T >= 1/);
  });
});

describe('exp-Euler constants (docs/numerics.md §0 table)', () => {
  it('match the float32 z and phi of the table and the exact decay in float64', () => {
    const table: [number, number, number, number][] = [
      [5, -0.20000000298023224, 0.9063462018966675, 0.8187307530779818],
      [10, -0.10000000149011612, 0.9516258239746094, 0.9048374180359595],
      [20, -0.05000000074505806, 0.9754115343093872, 0.951229424500714],
    ];
    for (const [tau, z, phi, decay] of table) {
      expect(Math.fround(-1 / tau)).toBe(z);
      const c32 = sg.nn.expEulerConstants(tau, 1, 'float32');
      expect(c32.coef).toBe(phi); // dt = 1: coef = phi exactly
      expect(c32.tau).toBe(tau);
      const c64 = sg.nn.expEulerConstants(tau, 1, 'float64');
      expect(1 - c64.coef / tau).toBeCloseTo(decay, 15); // x + coef·(−x/τ) = x·e^(−dt/τ)
    }
    expect(sg.nn.exprel(1e-9)).toBeCloseTo(1 + 5e-10, 15); // the Taylor branch near 0
  });
});
