/**
 * The `linear` op on WebGPU (engine/opsLinear.ts): x·W with the bias added as each output is stored, by the
 * event and lane-tiled kernels of software adapters; elsewhere (GPU kernels, split K) the product then one
 * add. Twin: linearKernel in cpu.ts.
 */
import type { GpuKernel } from '../webgpu/types.js';
import { matmulInto } from './webgpu.js';

export const linearGpu: GpuKernel<Record<string, never>> = (gpu, [x, w, b], _a, [meta]) => {
  const y = gpu.output(meta!);
  matmulInto(gpu, x!, w!, false, false, y, b!);
  return [y];
};
