/**
 * snnTorch's second-order `Synaptic` neuron (snntorch/_neurons/synaptic.py, reset_mechanism 'subtract'):
 * syn ← α·syn + I, mem ← (β·mem + syn) − spike·threshold, where spike is the previous step's (snnTorch computes
 * the reset from the membrane before the update) and carries no gradient (snnTorch detaches the reset:
 * detachReset defaults to true). The spike argument is mem − threshold. snnTorch requires α and β; the
 * defaults here are its tutorial's (α = 0.9, β = 0.8); threshold = 1 as snnTorch. snnTorch fires where
 * mem − threshold > 0, spikegrad where it is >= 0 (H(0) = 1 throughout, docs/numerics.md §3).
 */
import type { NeuronDeclaration } from '../declaration.js';

export const SYNAPTIC: NeuronDeclaration = {
  name: 'Synaptic',
  states: { syn: { init: 0 }, mem: { init: 0 } },
  params: { alpha: { default: 0.9 }, beta: { default: 0.8 }, threshold: { default: 1 } },
  update: {
    syn: 'alpha * syn + I',
    mem: 'beta * mem + syn - spike * threshold',
  },
  spike: 'mem - threshold',
  detachReset: true,
};
