/** The WebGPU backend's registration: `create` opens the process's device, `probe` says what it would run on. */
import type { BackendFactory } from '../../engine/backends.js';
import { WebGpuBackend } from './backend.js';
import { probeWebGpu } from './device.js';

export const webgpuFactory: BackendFactory = {
  create: () => WebGpuBackend.create(),
  probe: probeWebGpu,
};

export { WebGpuBackend, type WebGpuOptions } from './backend.js';
export { SUBMIT_EVERY } from './commandBatch.js';
export { listAdapters, describeAdapter, adapterName, type AdapterDescription } from './device.js';
