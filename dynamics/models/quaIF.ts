/**
 * Quadratic integrate-and-fire: brainpy.state `QuaIF` (brainpy_state/_lif.py, QuaIF.update):
 * τ dV/dt = c·(V − V_rest)·(V − V_c) + R·I by brainstate's exp_euler_step; spike argument
 * (V − V_th)/(V_th − V_reset); soft reset. Defaults as brainpy.state: R = 1 Ω, τ = 10 ms, V_th = −30 mV,
 * V_reset = −68 mV, V_rest = −65 mV, V_c = −50 mV, c = 0.07/mV, V(0) = −65 mV.
 */
import type { NeuronDeclaration } from '../declaration.js';

export const QUA_IF: NeuronDeclaration = {
  name: 'QuaIF',
  input: { unit: 'mA' },
  states: { V: { unit: 'mV', init: -65 } },
  params: {
    R: { unit: 'ohm', default: 1 },
    tau: { unit: 'ms', default: 10, positive: true },
    V_th: { unit: 'mV', default: -30 },
    V_reset: { unit: 'mV', default: -68 },
    V_rest: { unit: 'mV', default: -65 },
    V_c: { unit: 'mV', default: -50 },
    c: { unit: '1/mV', default: 0.07 },
  },
  update: { V: { expEuler: '(c * (V - V_rest) * (V - V_c) + R * I) / tau' } },
  spike: '(V - V_th) / (V_th - V_reset)',
  reset: { V: { subtract: 'V_th - V_reset' } },
};
