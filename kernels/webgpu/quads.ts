/**
 * Per-element sequence kernels (the fused neuron and synapse ops) on every adapter: the time loop, and how
 * many elements each invocation carries.
 *
 * A kernel's WGSL defines `struct State`, `fn init(j: u32) -> State`, `fn step(t: u32, j: u32, s: ptr<function,
 * State>)` (read and write step t of element j, rows params.stride apart) and `fn finish(j: u32, s: ptr<function,
 * State>)`, over the aliases `V` (f32, or vec4<f32>: four neighbouring elements) and `B` (the matching bool type).
 * `sequenceElement` writes the loop that drives Q such elements side by side, forward or in reverse time.
 *
 * Why, measured on lavapipe (bench/RESULTS.md): every storage access there is a loop over the SIMD lanes with
 * a bounds check per component, so one vec4 access costs far less than four f32 ones (exponRun over
 * [100, 128, 1024]: 40 → 25 CPU-ms); and consecutive steps of one element are a row (512 KB) apart, so each
 * step touches new pages: carrying two neighbouring quads per invocation halves the pages walked per byte
 * (the reverse-time decayRunGrad 43 → 13 CPU-ms). On a GPU one element per invocation keeps the most
 * invocations in flight, so W = Q = 1 there.
 */
import type { GpuContext } from './types.js';
import { sequenceTuning } from '../flags.js';

export interface SequenceLanes {
  /** Elements per V (1: f32, 4: vec4<f32>). */
  W: 1 | 4;
  /** V values per invocation. */
  Q: 1 | 2;
}


/** Lanes of a sequence kernel over `n` elements per time step. */
export function sequenceLanes(gpu: GpuContext, n: number): SequenceLanes {
  if (!gpu.software || n <= 0 || n % 4 !== 0 || sequenceTuning.maxW === 1) return { W: 1, Q: 1 };
  return { W: 4, Q: n % 8 === 0 && sequenceTuning.maxQ === 2 ? 2 : 1 };
}

/** The buffers' WGSL element type and the aliases `V` and `B` for width W. */
export function laneTypes(W: 1 | 4): { v: 'f32' | 'vec4<f32>'; aliases: string } {
  return W === 4
    ? { v: 'vec4<f32>', aliases: 'alias V = vec4<f32>;\nalias B = vec4<bool>;' }
    : { v: 'f32', aliases: 'alias V = f32;\nalias B = bool;' };
}

/** `fn name(u: V) -> V` applying the scalar WGSL function `scalar` to each component. */
export function mapLanes(name: string, scalar: string, W: 1 | 4): string {
  const body = W === 4 ? `V(${['x', 'y', 'z', 'w'].map((c) => `${scalar}(u.${c})`).join(', ')})` : `${scalar}(u)`;
  return `fn ${name}(u: V) -> V { return ${body}; }`;
}

/** The uniforms every sequence kernel starts with: invocations, the row stride (in V), the steps. */
export function sequenceParams(n: number, T: number, lanes: SequenceLanes): { n: number; stride: number; steps: number } {
  return { n: n / (lanes.W * lanes.Q), stride: n / lanes.W, steps: T };
}

/** The element body driving Q elements through init, T steps (reversed: T−1 down to 0) and finish. */
export function sequenceElement(Q: 1 | 2, reverse: boolean): string {
  const qs = Array.from({ length: Q }, (_, q) => q);
  return [
    `  let j = i * ${Q}u;`,
    ...qs.map((q) => `  var s${q} = init(j + ${q}u);`),
    '  for (var k = 0u; k < params.steps; k++) {',
    `    let t = ${reverse ? 'params.steps - 1u - k' : 'k'};`,
    ...qs.map((q) => `    step(t, j + ${q}u, &s${q});`),
    '  }',
    ...qs.map((q) => `  finish(j + ${q}u, &s${q});`),
  ].join('\n');
}
