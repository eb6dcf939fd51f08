/**
 * The linear op on WebGPU (twin: linearKernel in matmul/cpu.ts): the matmul kernel into a scratch buffer, then
 * the elementwise add of the bias into the output: the same two dispatches nn.Linear ran before the op
 * existed, so the same values. (A matmul with the bias in its epilogue would save the second dispatch; that
 * belongs to matmul/webgpu.ts.)
 */
import { binaryKernel } from '../elementwise/webgpu.js';
import type { GpuContext, GpuKernel } from '../webgpu/types.js';
import { matmulKernel } from './webgpu.js';

const addKernel = binaryKernel('add');

export const linearGpu: GpuKernel<Record<string, never>> = (gpu, [x, w, b], _attrs, [meta]) => {
  const product = gpu.scratch(meta!.dtype, meta!.shape);
  const intoScratch: GpuContext = { ...gpu, output: () => product };
  matmulKernel(intoScratch, [x!, w!], { transposeA: false, transposeB: false }, [meta!]);
  return addKernel(gpu, [product, b!], {}, [meta!]);
};
