/**
 * Neuron layers generated from their declarations (dynamics/models/, one file each): both modes, fused kernels
 * on both backends. Options: each parameter by its declared name (`tau_ref`, `V_th`, …), `<state>Initializer`,
 * `spkFun`, `detachReset`.
 */
import * as M from '../dynamics/models/index.js';
import { defineNeuron } from './neuron.js';

/** LIF with an absolute refractory period (brainpy.state `LIFRef`). */
export const LIFRef = defineNeuron(M.LIF_REF);
/** The Izhikevich (2003) neuron (brainpy.state `Izhikevich`). */
export const Izhikevich = defineNeuron(M.IZHIKEVICH);
/** Exponential integrate-and-fire (brainpy.state `ExpIF`). */
export const ExpIF = defineNeuron(M.EXP_IF);
/** Adaptive exponential integrate-and-fire (brainpy.state `AdExIF`). */
export const AdExIF = defineNeuron(M.AD_EX_IF);
/** Quadratic integrate-and-fire (brainpy.state `QuaIF`). */
export const QuaIF = defineNeuron(M.QUA_IF);
/** snnTorch's second-order `Synaptic` neuron (a synaptic current feeding a leaky membrane). */
export const Synaptic = defineNeuron(M.SYNAPTIC);
/** snnTorch's `Alpha` neuron (excitatory and inhibitory synaptic currents). */
export const Alpha = defineNeuron(M.ALPHA);
