/**
 * Exponential integrate-and-fire: brainpy.state `ExpIF` (brainpy_state/_lif.py, ExpIF.update):
 * τ dV/dt = −(V − V_rest) + Δ_T·exp((V − V_T)/Δ_T) + R·I by brainstate's exp_euler_step; spike argument
 * (V − V_th)/(V_th − V_reset); soft reset V − (V_th − V_reset)·spike. Defaults as brainpy.state: R = 1 Ω,
 * τ = 10 ms, V_th = −30 mV, V_reset = −68 mV, V_rest = −65 mV, V_T = −59.9 mV, Δ_T = 3.48 mV, V(0) = −65 mV.
 */
import type { NeuronDeclaration } from '../declaration.js';

export const EXP_IF: NeuronDeclaration = {
  name: 'ExpIF',
  input: { unit: 'mA' },
  states: { V: { unit: 'mV', init: -65 } },
  params: {
    R: { unit: 'ohm', default: 1 },
    tau: { unit: 'ms', default: 10, positive: true },
    V_th: { unit: 'mV', default: -30 },
    V_reset: { unit: 'mV', default: -68 },
    V_rest: { unit: 'mV', default: -65 },
    V_T: { unit: 'mV', default: -59.9 },
    delta_T: { unit: 'mV', default: 3.48, positive: true },
  },
  update: { V: { expEuler: '(-(V - V_rest) + delta_T * exp((V - V_T) / delta_T) + R * I) / tau' } },
  spike: '(V - V_th) / (V_th - V_reset)',
  reset: { V: { subtract: 'V_th - V_reset' } },
};
