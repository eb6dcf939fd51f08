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
import { bindNeuron } from '../../dynamics/bind.js';
import { declareNeuron } from '../../dynamics/declaration.js';
import { ALIF_SOFT, IF_SOFT, LIF_SOFT } from '../../dynamics/models/index.js';
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

describe('fused ops: gradients against float64 finite differences', async () => {
  const be = await cpu();
  // Odd sizes, a batch axis and none, and T = 1.
  const shapes: [number, number[]][] = [[7, [3, 5]], [1, [4]], [12, [2, 1]]];
  for (const [T, s] of shapes) {
    const tag = `T=${T}, state [${s}]`;
    it(`exponRun, ${tag}`, () => sg.tidy(() => {
      gradcheck((x, g0) => runOp('exponRun', [x, g0], { tau: 5, coef: 5 * sg.nn.exprel(-1 / 5) })[0]!, [f64([T, ...s], -1, 1, 1, be), f64(s, -1, 1, 2, be)]);
    }));
    it(`leakyRun, ${tag}`, () => sg.tidy(() => {
      gradcheck((x, r0) => runOp('leakyRun', [x, r0], { decay: 0.8 })[0]!, [f64([T, ...s], -1, 1, 3, be), f64(s, -1, 1, 4, be)]);
    }));
    for (const out of [0, 1, 2]) {
      it(`dualExponRun output ${out}, ${tag}`, () => sg.tidy(() => {
        const a = { tauRise: 2, coefRise: 2 * sg.nn.exprel(-1 / 2), tauDecay: 7, coefDecay: 7 * sg.nn.exprel(-1 / 7), amp: 1.7 };
        gradcheck((x, r0, d0) => runOp('dualExponRun', [x, r0, d0], a)[out]!, [f64([T, ...s], -1, 1, 5, be), f64(s, -1, 1, 6, be), f64(s, -1, 1, 7, be)]);
      }));
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
    expect(() => runOp('exponRun', [x, sg.zeros([2, 3], 'float64')], { tau: 1, coef: 1 })).toThrow(/exponRun: argument 'g0' expected float32 \[2, 3\].*got float64/);
    expect(() => runOp('exponRun', [sg.zeros([5, 2, 3], 'int32'), sg.zeros([2, 3], 'int32')], { tau: 1, coef: 1 })).toThrow(/argument 'x' expected a float32 or float64 tensor/);
    expect(() => runOp('leakyRun', [sg.zeros([0, 3]), sg.zeros([3])], { decay: 1 })).toThrow(/T >= 1/);
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
