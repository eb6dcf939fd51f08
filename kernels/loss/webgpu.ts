/**
 * Fused softmax cross-entropy with integer labels on WebGPU (twin: loss/cpu.ts): per row,
 * loss = log Σ exp(z − m) − (z[y] − m), NaN for a label outside [0, classes); the gradient
 * (softmax(z) − onehot(y)) · dy[row] (dy may be a single value for every row).
 */
import { cachedProgram } from '../webgpu/program.js';
import type { GpuKernel } from '../webgpu/types.js';
import rowWgsl from './softmaxCrossEntropy.wgsl';

type NoAttrs = Record<string, never>;

export const softmaxCrossEntropyKernel: GpuKernel<NoAttrs> = (gpu, [logits, labels], _a, [meta]) => {
  const y = gpu.output(meta!);
  const p = cachedProgram('softmaxCrossEntropy', () => ({
    params: { n: 'u32', C: 'u32' }, inputs: { z: 'f32', labels: 'i32' }, outputs: { loss: 'f32' }, helpers: rowWgsl,
    element: [
      '  let ms = rowMaxSum(i);',
      '  let label = labels[i];',
      '  if (label < 0 || u32(label) >= params.C) { loss[i] = nanf(); return; }',
      '  loss[i] = sceLog(ms.y) - (z[i * params.C + u32(label)] - ms.x);',
    ].join('\n'),
  }));
  gpu.dispatch(p, { inputs: [logits!, labels!], outputs: [y], params: { n: logits!.shape[0]!, C: logits!.shape[1]! } });
  return [y];
};

export const softmaxCrossEntropyGradKernel: GpuKernel<NoAttrs> = (gpu, [logits, labels, dy], _a, [meta]) => {
  const y = gpu.output(meta!);
  const p = cachedProgram('softmaxCrossEntropyGrad', () => ({
    params: { n: 'u32', C: 'u32', dyStride: 'u32' }, inputs: { z: 'f32', labels: 'i32', dy: 'f32' }, outputs: { dz: 'f32' }, helpers: rowWgsl,
    element: [
      '  let ms = rowMaxSum(i);',
      '  let label = labels[i];',
      '  let scale = dy[i * params.dyStride];',
      '  for (var c = 0u; c < params.C; c = c + 1u) {',
      '    let hot = select(0.0, 1.0, i32(c) == label);',
      '    dz[i * params.C + c] = (sceExp(z[i * params.C + c] - ms.x) / ms.y - hot) * scale;',
      '  }',
    ].join('\n'),
  }));
  gpu.dispatch(p, {
    inputs: [logits!, labels!, dy!], outputs: [y],
    params: { n: logits!.shape[0]!, C: logits!.shape[1]!, dyStride: dy!.size === 1 ? 0 : 1 },
  });
  return [y];
};
