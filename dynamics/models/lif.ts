/**
 * Leaky integrate-and-fire: brainpy.state `LIF` (brainpy_state/_lif.py, LIF.update), what nn.LIF computes. The
 * spike argument (V − V_th)/(V_th − V_reset); after a spike the soft reset subtracts V_th − V_reset, the hard
 * one sets V to V_reset (through stop_gradient, docs/numerics.md §1); then τ dV/dt = −V + V_rest + R·I by
 * brainstate's exp_euler_step, whose factor folds into one constant (coef = dt·exprel(−dt/τ)) for this linear
 * drift. Defaults as brainpy.state: R = 1 Ω, τ = 5 ms, V_th = 1 mV, V_reset = 0 mV, V_rest = 0 mV.
 * Float order (the bits of the hand-written kernels this replaced): V + coef·(((−V + V_rest) + R·I)/τ), where
 * + 0 and 1· fold away (V_rest = 0, R = 1) and a division by V_th − V_reset = 1 is exact.
 */
import type { NeuronDeclaration } from '../declaration.js';

const lif = (reset: 'soft' | 'hard'): NeuronDeclaration => ({
  name: 'LIF',
  input: { unit: 'mA' },
  states: { V: { unit: 'mV', init: 0 } },
  params: {
    R: { unit: 'ohm', default: 1 },
    tau: { unit: 'ms', default: 5, positive: true },
    V_th: { unit: 'mV', default: 1 },
    V_reset: { unit: 'mV', default: 0 },
    V_rest: { unit: 'mV', default: 0 },
  },
  update: { V: { expEuler: '(-V + V_rest + R * I) / tau' } },
  spike: '(V - V_th) / (V_th - V_reset)',
  reset: { V: reset === 'soft' ? { subtract: 'V_th - V_reset' } : { to: 'V_reset' } },
});

/** LIF with the soft reset (subtract V_th − V_reset: nn.LIF's default). */
export const LIF_SOFT: NeuronDeclaration = lif('soft');
/** LIF with the hard reset (to V_reset). */
export const LIF_HARD: NeuronDeclaration = lif('hard');
