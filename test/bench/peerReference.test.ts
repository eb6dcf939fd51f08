/**
 * The float64 BPTT reference the benchmark checks every peer against (bench/peers/reference.ts).
 * With a smooth spike function the hand-written backward pass is the exact gradient, so it must agree with
 * central finite differences of the forward pass; with the Heaviside spike it must reproduce the numbers of docs/numerics.md.
 */
import { describe, expect, it } from 'vitest';
import { makeProblem, PARAM_NAMES, PEER_WORKLOADS, type Params, type PeerWorkload } from '../../bench/peers/problem.js';
import { referenceLossAndGrads, RELU_GRAD, type SpikeFunction } from '../../bench/peers/reference.js';
import { expectClose } from '../support/helpers.js';

const TINY: PeerWorkload = {
  ...PEER_WORKLOADS.dense, name: 'tiny', steps: 14, batch: 3, nIn: 5, nRec: 4, nOut: 3, checkBatch: 3,
};

/** A smooth stand-in for the spike (the derivative of its forward is its `grad`), so autodiff = BPTT exactly. */
const SMOOTH: SpikeFunction = {
  name: 'sigmoid(4x)',
  forward: (x) => 1 / (1 + Math.exp(-4 * x)),
  grad: (x) => {
    const s = 1 / (1 + Math.exp(-4 * x));
    return 4 * s * (1 - s);
  },
};

function finiteDifferences(w: PeerWorkload, spike: SpikeFunction): { analytic: Params<Float64Array>; numeric: Params<Float64Array> } {
  const p = makeProblem(w, { seed: 3, params: 'active' });
  const base = Object.fromEntries(PARAM_NAMES.map((k) => [k, Float64Array.from(p.params[k])])) as Params<Float64Array>;
  const analytic = referenceLossAndGrads(p, spike, base).grads;
  const numeric = {} as Params<Float64Array>;
  const eps = 1e-6;
  for (const k of PARAM_NAMES) {
    numeric[k] = new Float64Array(base[k].length);
    for (let i = 0; i < base[k].length; i++) {
      const v = base[k][i]!;
      base[k][i] = v + eps;
      const up = referenceLossAndGrads(p, spike, base).loss;
      base[k][i] = v - eps;
      const down = referenceLossAndGrads(p, spike, base).loss;
      base[k][i] = v;
      numeric[k][i] = (up - down) / (2 * eps);
    }
  }
  return { analytic, numeric };
}

describe('float64 BPTT reference', () => {
  it('matches central finite differences for every parameter when the spike is smooth', () => {
    const { analytic, numeric } = finiteDifferences(TINY, SMOOTH);
    for (const k of PARAM_NAMES) {
      expect(Math.max(...numeric[k].map(Math.abs)), `${k} gradient is not trivially zero`).toBeGreaterThan(1e-4);
      expectClose(analytic[k], numeric[k], { atol: 1e-8, rtol: 1e-6 }, `d loss / d ${k}`);
    }
  });

  it('matches finite differences on Poisson input too (sparse-input path)', () => {
    const { analytic, numeric } = finiteDifferences({ ...TINY, input: 'poisson', rateHz: 200 }, SMOOTH);
    for (const k of PARAM_NAMES) expectClose(analytic[k], numeric[k], { atol: 1e-8, rtol: 1e-6 }, `d loss / d ${k}`);
  });

  it('gives ln 2 at the seed network\'s initialisation, where no hidden neuron spikes (docs/numerics.md decision 9)', () => {
    const r = referenceLossAndGrads(makeProblem(PEER_WORKLOADS.seed, { seed: 0 }), RELU_GRAD);
    expect(r.spikeRate).toBe(0);
    expect(r.loss).toBeCloseTo(Math.LN2, 12);
    // No spike: the readout is only its bias, so dW2 is zero, while the surrogate still feeds dW1.
    expect(Math.max(...r.grads.w2.map(Math.abs))).toBe(0);
    expect(Math.max(...r.grads.w1.map(Math.abs))).toBeGreaterThan(0);
  });

  it('uses ReluGrad as braintools defines it: Heaviside with x = 0 spiking, triangle of peak 0.3', () => {
    expect([-1e-9, 0, 1e-9].map(RELU_GRAD.forward)).toEqual([0, 1, 1]);
    expect([-2, -1, -0.5, -0.1, 0, 0.5, 2].map(RELU_GRAD.grad).map((v) => +v.toFixed(12))).toEqual([0, 0, 0.15, 0.27, 0.3, 0.15, 0]);
  });

  it("the 'active' check problem makes hidden neurons spike in both peer workloads", () => {
    for (const w of [PEER_WORKLOADS.seed, { ...PEER_WORKLOADS.dense, steps: 30 }]) {
      const r = referenceLossAndGrads(makeProblem(w, { params: 'active', batch: 4 }), RELU_GRAD);
      expect(r.spikeRate, w.name).toBeGreaterThan(0.02);
      expect(r.spikeRate, w.name).toBeLessThan(0.6);
      expect(Math.max(...r.grads.w2.map(Math.abs)), w.name).toBeGreaterThan(0);
    }
  });
});
