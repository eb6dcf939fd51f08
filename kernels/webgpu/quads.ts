/**
 * Quads for per-element sequence kernels (the fused neuron and synapse ops). Their WGSL is written over the
 * aliases `V` (f32, or vec4<f32>: four neighbouring elements per invocation) and `B` (the matching bool type),
 * so one source serves both widths.
 *
 * Why: on a software adapter (lavapipe) every storage access runs as a loop over the SIMD lanes with a bounds
 * check per component, so one vec4 access costs far less than four f32 ones (bench/RESULTS.md: exponRun over
 * [100, 128, 1024] 40 → 25 CPU-ms). On a GPU one element per invocation keeps the most invocations in flight,
 * so W stays 1 there.
 */
import type { GpuContext } from './types.js';

/** Elements per invocation of a sequence kernel over `n` elements per time step. */
export function sequenceWidth(gpu: GpuContext, n: number): 1 | 4 {
  return gpu.software && n % 4 === 0 && n > 0 ? 4 : 1;
}

/** The WGSL aliases `V` and `B` for width W. */
export function laneAliases(W: 1 | 4): string {
  return W === 4 ? 'alias V = vec4<f32>;\nalias B = vec4<bool>;' : 'alias V = f32;\nalias B = bool;';
}

/** `fn name(u: V) -> V` applying the scalar WGSL function `scalar` to each component. */
export function mapLanes(name: string, scalar: string, W: 1 | 4): string {
  const body = W === 4 ? `V(${['x', 'y', 'z', 'w'].map((c) => `${scalar}(u.${c})`).join(', ')})` : `${scalar}(u)`;
  return `fn ${name}(u: V) -> V { return ${body}; }`;
}
