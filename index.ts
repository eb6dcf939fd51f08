/**
 * spikegrad: surrogate-gradient training of spiking neural networks on WebGPU, with a CPU reference backend.
 * @example
 *   import { nn, surrogate, optim, setBackend } from 'spikegrad';
 *   await setBackend('auto');
 */
import { registerBackend } from './engine/backends.js';
import { CpuBackend } from './kernels/cpu/backend.js';
import { webgpuFactory } from './kernels/webgpu/index.js';

registerBackend('cpu', { create: async () => new CpuBackend() }, () => new CpuBackend());
registerBackend('webgpu', webgpuFactory);

export * from './engine/index.js';
export * as surrogate from './surrogate/index.js';
export * as nn from './nn/index.js';
export * as init from './nn/init.js';
export * as optim from './optim/index.js';
export * as metric from './optim/metric.js';
export * as units from './units/index.js';
export * as io from './io/index.js';
export * as data from './data/index.js';
export * as spikegen from './spikegen/index.js';
export * as plot from './plot/index.js';
/** How many threads the CPU backend's large kernels use (`cpuThreads.threads`; default every core): README "The CPU backend on every core". */
export { threadPool as cpuThreads } from './kernels/cpu/threadPool.js';
