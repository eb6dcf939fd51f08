/**
 * spikegrad's internals, for backends, tests and the benchmark (`import … from 'spikegrad/internal'`): the op
 * table, raw op dispatch, backend instances and the `auto` decision. Not the public API (that is the top-level
 * export, which README.md and the API reference document): these names may change in any release.
 * @module
 */
import './index.js'; // the backends register there: an internal import alone finds them too
export { OPS, type OpName, type OpAttrs, type OpDef } from './engine/ops.js';
export { runOp } from './engine/dispatch.js';
export { decideAuto, pickMeasured, getBackendInstance, registerBackend } from './engine/backends.js';
export { softmaxCrossEntropyGrad } from './engine/lossGrad.js';
