/**
 * spikegrad's `nn` namespace: modules and states, layers with a step mode (`update`) and a fused sequence
 * mode (`run`), and initializers (also exported as the `init` namespace). See nn/README.md.
 */
export { Module, initAllStates, type InitStateOptions, type StateFilter } from './module.js';
export { Sequential } from './sequential.js';
export { Linear, type LinearOptions } from './linear.js';
export { Expon, type ExponOptions } from './expon.js';
export { DualExpon, type DualExponOptions } from './dualExpon.js';
export { LIF, IF, SpikingNeuron, type LIFOptions, type IFOptions } from './lif.js';
export { ALIF, type ALIFOptions } from './alif.js';
export { Recurrent, type RecurrentOptions, type RecurrentRunOptions, type RecurrentNeuron } from './recurrent.js';
export { LeakyRateReadout, type LeakyRateReadoutOptions } from './readout.js';
export { Layer } from './layer.js';
export type { SpikeFunction } from './spikeFunction.js';
export type { StateDict, StateDictEntry, StateDictInput, LoadOptions } from './stateDict.js';
export { exprel, expEulerConstants } from './expEuler.js';
export { record, Recorder, type ProbeOptions, type Trace } from './record.js';
export {
  Conv2d, MaxPool2d, AvgPool2d, BatchNorm2d, Flatten, Unflatten, RunningState, setTraining,
  type Conv2dLayerOptions, type Pool2dLayerOptions, type BatchNorm2dOptions,
} from './conv.js';
export { defineNeuron, DeclaredNeuron, NeuronLayer, type DeclaredNeuronClass, type NeuronOptions } from './neuron.js';
export type { NeuronDeclaration, NeuronModel, StateDeclaration, ParamDeclaration, UpdateRule, ResetRule } from '../dynamics/declaration.js';
export { defineSynapse, DeclaredSynapse, type DeclaredSynapseClass, type SynapseOptions } from './synapse.js';
export type { SynapseDeclaration, SynapseModel } from '../dynamics/declaration.js';
export { LIFRef, Izhikevich, ExpIF, AdExIF, QuaIF, Synaptic, Alpha } from './models.js';
