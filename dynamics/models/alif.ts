/**
 * Adaptive LIF: brainpy.state `ALIF` (brainpy_state/_lif.py, ALIF.update), what nn.ALIF computes. The spike
 * argument ((V − V_th) − β·a)/(V_th − V_reset); after a spike the LIF reset of V (soft: subtract V_th − V_reset;
 * hard: to V_reset) and a + 1; then τ dV/dt = −V + V_rest + R·I and τ_a da/dt = −a, both by brainstate's
 * exp_euler_step. Defaults as brainpy.state: R = 1 Ω, τ = 5 ms, τ_a = 100 ms, V_th = 1 mV, V_reset = 0,
 * V_rest = 0, β = 0.1 mV; a is dimensionless.
 */
import type { NeuronDeclaration } from '../declaration.js';

const base = (reset: 'soft' | 'hard'): NeuronDeclaration => ({
  name: 'ALIF',
  input: { unit: 'mA' },
  states: { V: { unit: 'mV', init: 0 }, a: { init: 0 } },
  params: {
    R: { unit: 'ohm', default: 1 },
    tau: { unit: 'ms', default: 5, positive: true },
    tau_a: { unit: 'ms', default: 100, positive: true },
    V_th: { unit: 'mV', default: 1 },
    V_reset: { unit: 'mV', default: 0 },
    V_rest: { unit: 'mV', default: 0 },
    beta: { unit: 'mV', default: 0.1 },
  },
  update: { V: { expEuler: '(-V + V_rest + R * I) / tau' }, a: { expEuler: '(-a) / tau_a' } },
  spike: '((V - V_th) - beta * a) / (V_th - V_reset)',
  reset: { V: reset === 'soft' ? { subtract: 'V_th - V_reset' } : { to: 'V_reset' }, a: { add: '1' } },
});

export const ALIF_SOFT: NeuronDeclaration = base('soft');
export const ALIF_HARD: NeuronDeclaration = base('hard');
