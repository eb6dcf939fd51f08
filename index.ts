/**
 * spikegrad: surrogate-gradient training of spiking neural networks on WebGPU, with a CPU reference backend.
 * @example
 *   import { nn, surrogate, optim, setBackend } from 'spikegrad';
 *   await setBackend('auto');
 */
import { registerBackend } from './engine/backends.js';
import { CpuBackend } from './kernels/cpu/backend.js';

registerBackend('cpu', { create: async () => new CpuBackend() }, () => new CpuBackend());

export * from './engine/index.js';
export * as nn from './nn/index.js';
export * as init from './nn/init.js';
