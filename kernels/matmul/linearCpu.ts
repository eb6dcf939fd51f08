/**
 * The `linear` op on the CPU (engine/opsLinear.ts): the matmul kernel, then the bias added along the rows,
 * rounded in the output's dtype exactly as a separate `add` would. Twin: linearWebgpu.ts.
 */
import type { CpuKernel } from '../cpu/types.js';
import { matmulKernel } from './cpu.js';

export const linearKernel: CpuKernel<Record<string, never>> = ([x, w, b], _a, outs) => {
  const [y] = matmulKernel([x!, w!], { transposeA: false, transposeB: false }, outs);
  const bias = b!.data, N = b!.size, rows = y!.length / Math.max(1, N);
  for (let r = 0, o = 0; r < rows; r++) for (let j = 0; j < N; j++, o++) y![o] = y![o]! + bias[j]!;
  return [y!];
};
