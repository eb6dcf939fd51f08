/**
 * Izhikevich (2003): brainpy.state `Izhikevich` (brainpy_state/_izhikevich.py). dV/dt = 0.04·V² + 5·V + 140 − u + I
 * (p1 = 0.04/(ms·mV), p2 = 5/ms, p3 = 140 mV/ms), du/dt = a·(b·V − u) with the new V; both by brainstate's
 * exp_euler_step (the linearisation 0.08·V + 5 of the quadratic drift is derived, not written); spike argument
 * (V − V_th)/V_th; after a spike V → c and u → u + d. Defaults as brainpy.state: a = 0.02/ms, b = 0.2/ms,
 * c = −65 mV, d = 8 mV/ms, V_th = 30 mV, V(0) = −65 mV, u(0) = 0.
 * One difference: brainpy resets V with where(spike > 0, c, V), which passes no gradient to the spike; here the
 * reset is LIF's hard reset V − (stop_gradient(V) − c)·spike (same values, a surrogate path through the reset
 * unless detachReset).
 */
import type { NeuronDeclaration } from '../declaration.js';

export const IZHIKEVICH: NeuronDeclaration = {
  name: 'Izhikevich',
  input: { unit: 'mV/ms' },
  states: { V: { unit: 'mV', init: -65 }, u: { unit: 'mV/ms', init: 0 } },
  params: {
    a: { unit: '1/ms', default: 0.02 },
    b: { unit: '1/ms', default: 0.2 },
    c: { unit: 'mV', default: -65 },
    d: { unit: 'mV/ms', default: 8 },
    V_th: { unit: 'mV', default: 30 },
  },
  update: {
    V: { expEuler: '0.04 * V * V + 5 * V + 140 - u + I' },
    u: { expEuler: 'a * (b * V - u)' },
  },
  spike: '(V - V_th) / V_th',
  reset: { V: { to: 'c' }, u: { add: 'd' } },
};
