/**
 * Adaptive exponential integrate-and-fire: brainpy.state `AdExIF` (brainpy_state/_lif.py, AdExIF.update):
 * τ dV/dt = −(V − V_rest) + Δ_T·exp((V − V_T)/Δ_T) − R·w + R·I, then τ_w dw/dt = a·(V − V_rest) − w with the
 * new V, both by brainstate's exp_euler_step; after a spike V − (V_th − V_reset) (soft) and w + b. Defaults as
 * brainpy.state: R = 1 Ω, τ = 10 ms, τ_w = 30 ms, V_th = −55 mV, V_reset = −68 mV, V_rest = −65 mV,
 * V_T = −59.9 mV, Δ_T = 3.48 mV, a = 1 S, b = 1 mA, V(0) = −65 mV, w(0) = 0 mA.
 */
import type { NeuronDeclaration } from '../declaration.js';

export const AD_EX_IF: NeuronDeclaration = {
  name: 'AdExIF',
  input: { unit: 'mA' },
  states: { V: { unit: 'mV', init: -65 }, w: { unit: 'mA', init: 0 } },
  params: {
    R: { unit: 'ohm', default: 1 },
    tau: { unit: 'ms', default: 10, positive: true },
    tau_w: { unit: 'ms', default: 30, positive: true },
    V_th: { unit: 'mV', default: -55 },
    V_reset: { unit: 'mV', default: -68 },
    V_rest: { unit: 'mV', default: -65 },
    V_T: { unit: 'mV', default: -59.9 },
    delta_T: { unit: 'mV', default: 3.48, positive: true },
    a: { unit: 'S', default: 1 },
    b: { unit: 'mA', default: 1 },
  },
  update: {
    V: { expEuler: '(-(V - V_rest) + delta_T * exp((V - V_T) / delta_T) - R * w + R * I) / tau' },
    w: { expEuler: '(a * (V - V_rest) - w) / tau_w' },
  },
  spike: '(V - V_th) / (V_th - V_reset)',
  reset: { V: { subtract: 'V_th - V_reset' }, w: { add: 'b' } },
};
