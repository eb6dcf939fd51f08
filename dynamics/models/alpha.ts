/**
 * snnTorch's `Alpha` neuron (snntorch/_neurons/alpha.py, reset_mechanism 'subtract'): an excitatory and an
 * inhibitory synaptic current, I_exc ← α·I_exc + I − spike·α·threshold, I_inh ← β·I_inh − I − spike·β·threshold
 * (its docstring's subtract rule), mem = I_exc + I_inh; spike argument mem − threshold, the reset from the
 * previous step's spike, detached (detachReset defaults to true, as snnTorch). snnTorch requires α > β and has
 * no defaults; these are 0.9 and 0.8. H(0) = 1 here, snnTorch's H(0) = 0.
 */
import type { NeuronDeclaration } from '../declaration.js';

export const ALPHA: NeuronDeclaration = {
  name: 'Alpha',
  states: { syn_exc: { init: 0 }, syn_inh: { init: 0 }, mem: { init: 0 } },
  params: { alpha: { default: 0.9 }, beta: { default: 0.8 }, threshold: { default: 1 } },
  update: {
    syn_exc: 'alpha * syn_exc + I - spike * (alpha * threshold)',
    syn_inh: 'beta * syn_inh - I - spike * (beta * threshold)',
    mem: 'syn_exc + syn_inh',
  },
  spike: 'mem - threshold',
  detachReset: true,
};
