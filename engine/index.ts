/** The engine's public surface: tensors, ops, autodiff, lifetimes, states and backend selection. */
export * from './api.js';
export { Tensor, type NestedArray, type ScalarLike, type TensorOrScalar } from './tensor.js';
export { tidy, keep, dispose } from './scope.js';
export { noGrad } from './tape.js';
export { grad, valueAndGrad, type GradOptions, type WrtSpec, type GradsOf } from './grad.js';
export { State, ParamState, HiddenState, ShortTermState, type StateClass } from './state.js';
export {
  setBackend, getBackend, withBackend, shutdown,
  type BackendChoice, type SetBackendOptions, type BackendBenchmark, type AutoDecision,
} from './backends.js';
export type { Backend, BackendName, MemoryInfo, BackendCounters } from './backend.js';
export type { DType, TypedArray } from './dtype.js';
export { SpikegradError } from './errors.js';
export type { OpName, OpAttrs } from './ops.js';
export * as random from './random.js';
export * as transform from './transform.js';
export * as environ from './environ.js';
