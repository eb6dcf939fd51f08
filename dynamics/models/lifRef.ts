/**
 * LIF with an absolute refractory period: brainpy.state `LIFRef` (brainpy_state/_lif.py, LIFRef.update): the
 * reset and exp-Euler step of LIF, then V keeps its reset value while t − t_last < tau_ref, where t_last is the
 * time of the last step that ended with V >= V_th. `since` (ms) is t − t_last as of the previous step: 0 after
 * a spike's reset, dt more every step; it starts at 1e7 ms (brainpy's last_spike_time = −1e7 ms).
 */
import type { NeuronDeclaration } from '../declaration.js';

export const LIF_REF: NeuronDeclaration = {
  name: 'LIFRef',
  input: { unit: 'mA' },
  states: { V: { unit: 'mV', init: 0 }, since: { unit: 'ms', init: 1e7 } },
  params: {
    R: { unit: 'ohm', default: 1 },
    tau: { unit: 'ms', default: 5, positive: true },
    tau_ref: { unit: 'ms', default: 5 },
    V_th: { unit: 'mV', default: 1 },
    V_reset: { unit: 'mV', default: 0 },
    V_rest: { unit: 'mV', default: 0 },
  },
  update: {
    since: 'since + dt',
    V: { expEuler: '(-V + V_rest + R * I) / tau', when: 'since >= tau_ref' },
  },
  spike: '(V - V_th) / (V_th - V_reset)',
  reset: { V: { subtract: 'V_th - V_reset' }, since: { to: '0' } },
};
