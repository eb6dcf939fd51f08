/**
 * WebGPU kernels of the fused LIF sequence ops: each invocation runs the whole time loop for one
 * neuron and batch element (on software adapters, two quads of them: kernels/webgpu/quads.ts), with the
 * state in registers (kernels/neuron/*.wgsl). The forward kernels are independent of the surrogate; the
 * backward kernels inline the spkFun's WGSL derivative, so their pipeline is keyed by the surrogate's key.
 * The missing cotangents (an output that received no gradient) are constant-0 accessors: no zero buffers.
 */
import type { GradFlags, LifAttrs } from '../../engine/opsNeuron.js';
import { cachedProgram, type ParamType } from '../webgpu/program.js';
import { laneTypes, mapLanes, sequenceElement, sequenceLanes, sequenceParams, type SequenceLanes } from '../webgpu/quads.js';
import type { GpuKernel } from '../webgpu/types.js';
import lifBackwardWgsl from './lifBackward.wgsl';
import lifCommonWgsl from './lifCommon.wgsl';
import lifForwardWgsl from './lifForward.wgsl';
import { splitF, TWO_FLOAT_PARAMS, twoFloatHelpers, twoFloatParams } from './twoFloat.js';

const LIF_PARAMS = {
  n: 'u32', stride: 'u32', steps: 'u32', VTh: 'f32', VReset: 'f32', VRest: 'f32', R: 'f32', tau: 'f32', coef: 'f32', k: 'f32', soft: 'u32',
} as const satisfies Record<string, ParamType>;
const GRAD_PARAMS = { decay: 'f32', decayLo: 'f32', gain: 'f32', gainLo: 'f32', invK: 'f32', detach: 'u32' } as const satisfies Record<string, ParamType>;

function lifParams(a: LifAttrs, n: number, steps: number, lanes: SequenceLanes) {
  return {
    ...sequenceParams(n, steps, lanes), VTh: a.VTh, VReset: a.VReset, VRest: a.VRest, R: a.R, tau: a.tau, coef: a.coef, k: a.k,
    soft: a.reset === 'soft' ? 1 : 0,
    // Backward factors in float64: decay and gain as two-floats (twoFloat.ts), invK rounded once.
    ...twoFloatParams, ...splitF('decay', 1 - a.coef / a.tau), ...splitF('gain', (a.coef * a.R) / a.tau), invK: 1 / a.k, detach: a.detachReset ? 1 : 0,
  };
}

/** `fn name(o: u32) -> V` reading `buffer[o]`, or returning 0 when the cotangent is absent. */
function cotangent(name: string, buffer: string | null): string {
  return `fn ${name}(o: u32) -> V { return ${buffer ? `${buffer}[o]` : 'V(0.0)'}; }`;
}

/** The lanes' part of a program key. */
const laneKey = (l: SequenceLanes) => `w${l.W}q${l.Q}`;

export const lifRunGpu: GpuKernel<LifAttrs> = (gpu, [x, v0], a, outs) => {
  const lanes = sequenceLanes(gpu, v0!.size);
  const { v, aliases } = laneTypes(lanes.W);
  const p = cachedProgram(`lifRun|${laneKey(lanes)}`, () => ({
    params: LIF_PARAMS, inputs: { x: v, v0: v }, outputs: { spikes: v, vs: v },
    helpers: `${aliases}\n${lifCommonWgsl}\n${lifForwardWgsl}`, element: sequenceElement(lanes.Q, false),
  }));
  const spikes = gpu.output(outs[0]!), vs = gpu.output(outs[1]!);
  gpu.dispatch(p, { inputs: [x!, v0!], outputs: [spikes, vs], params: lifParams(a, v0!.size, x!.shape[0]!, lanes) });
  return [spikes, vs];
};

export const lifRunGradGpu: GpuKernel<LifAttrs & GradFlags> = (gpu, ins, a, outs) => {
  const [v0, vs] = [ins[0]!, ins[1]!];
  const lanes = sequenceLanes(gpu, v0.size);
  const { v, aliases } = laneTypes(lanes.W);
  const cots = [a.hasDS ? 'dS' : null, a.hasDV ? 'dV' : null];
  const tf = twoFloatHelpers();
  const p = cachedProgram(`lifRunGrad|${a.spkFun.key}|${cots.map((c) => c ?? '-').join(',')}|${laneKey(lanes)}${tf.key}`, () => ({
    params: { ...LIF_PARAMS, ...GRAD_PARAMS, ...TWO_FLOAT_PARAMS },
    inputs: { v0: v, vs: v, ...Object.fromEntries(cots.filter((c) => c).map((c) => [c!, v])) },
    outputs: { dx: v, dv0: v },
    helpers: [aliases, a.spkFun.wgslGrad('surrogateGrad'), mapLanes('surrogateGradV', 'surrogateGrad', lanes.W), cotangent('cotS', cots[0]!),
      cotangent('cotV', cots[1]!), tf.wgsl, lifCommonWgsl, lifBackwardWgsl].join('\n'),
    element: sequenceElement(lanes.Q, true),
  }));
  const dx = gpu.output(outs[0]!), dv0 = gpu.output(outs[1]!);
  gpu.dispatch(p, { inputs: ins, outputs: [dx, dv0], params: lifParams(a, v0.size, vs.shape[0]!, lanes) });
  return [dx, dv0];
};
