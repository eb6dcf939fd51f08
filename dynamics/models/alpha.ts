/**
 * snnTorch's `Alpha` neuron (snntorch/_neurons/alpha.py, snnTorch 0.9.4), with its default reset_mechanism
 * 'zero' (alpha.py line 101): an excitatory and an inhibitory synaptic current and a membrane that is their sum
 * scaled by τ_α (alpha.py `_base_state_function`, lines 202–214):
 *   I_exc ← α·I_exc + I,   I_inh ← β·I_inh − I,   mem ← τ_α·(I_exc + I_inh),   τ_α = log(α)/(log(β) − log(α)) + 1;
 * a spike of the previous step (alpha.py line 182: `mem_reset` of the membrane before the update, detached,
 * snntorch/_neurons/neurons.py lines 102–108) zeroes all three after the update, as `_base_zero` does
 * (lines 232–240: each state minus itself times the reset, in that float order; the membrane from the currents
 * before their reset, so it is zero too). The spike argument is mem − threshold. snnTorch requires α > β and
 * has no defaults; these are its docstring's example (α = 0.9, β = 0.8); threshold = 1 as snnTorch. snnTorch
 * fires where mem − threshold > 0, spikegrad where it is >= 0 (H(0) = 1, docs/numerics.md §3).
 * (An earlier declaration here used a subtractive reset of α·threshold and β·threshold and no τ_α; snnTorch's
 * code has neither: test/dynamics/models.test.ts pins the zero reset and τ_α.)
 */
import type { NeuronDeclaration } from '../declaration.js';

export const ALPHA: NeuronDeclaration = {
  name: 'Alpha',
  states: { syn_exc: { init: 0 }, syn_inh: { init: 0 }, mem: { init: 0 } },
  params: { alpha: { default: 0.9 }, beta: { default: 0.8 }, threshold: { default: 1 } },
  update: {
    syn_exc: 'alpha * syn_exc + I - (alpha * syn_exc + I) * spike',
    syn_inh: 'beta * syn_inh - I - (beta * syn_inh - I) * spike',
    mem: '(log(alpha) / (log(beta) - log(alpha)) + 1) * (syn_exc + syn_inh)',
  },
  spike: 'mem - threshold',
  detachReset: true,
};
