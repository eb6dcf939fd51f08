/**
 * Neuron layers generated from their declarations (dynamics/models/, one file each): both modes, fused kernels
 * on both backends. Options: each parameter by its declared name (`tau_ref`, `V_th`, …), `<state>Initializer`,
 * `spkFun`, `detachReset`.
 */
import * as M from '../dynamics/models/index.js';
import { defineNeuron } from './neuron.js';

export const LIFRef = defineNeuron(M.LIF_REF);
export const Izhikevich = defineNeuron(M.IZHIKEVICH);
export const ExpIF = defineNeuron(M.EXP_IF);
export const AdExIF = defineNeuron(M.AD_EX_IF);
export const QuaIF = defineNeuron(M.QUA_IF);
export const Synaptic = defineNeuron(M.SYNAPTIC);
export const Alpha = defineNeuron(M.ALPHA);
