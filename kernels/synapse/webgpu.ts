/**
 * WebGPU kernels of the fused synapse sequence ops: each invocation runs the time loop for one element (on
 * software adapters, two quads of them: kernels/webgpu/quads.ts), kernels/synapse/*.wgsl. All are linear
 * recurrences, so the backward kernels need no forward values.
 */
import type { DualExponAttrs, ExponAttrs } from '../../engine/opsSynapse.js';
import { cachedProgram } from '../webgpu/program.js';
import { laneTypes, sequenceElement, sequenceLanes, sequenceParams, type SequenceLanes } from '../webgpu/quads.js';
import type { GpuKernel } from '../webgpu/types.js';
import { splitF, TWO_FLOAT_PARAMS, twoFloatHelpers, twoFloatParams } from '../neuron/twoFloat.js';
import decayBackwardWgsl from './decayBackward.wgsl';
import dualExponBackwardWgsl from './dualExponBackward.wgsl';
import dualExponForwardWgsl from './dualExponForward.wgsl';
import exponForwardWgsl from './exponForward.wgsl';
import leakyForwardWgsl from './leakyForward.wgsl';

const SEQ = { n: 'u32', stride: 'u32', steps: 'u32' } as const;
const laneKey = (l: SequenceLanes) => `w${l.W}q${l.Q}`;

export const exponRunGpu: GpuKernel<ExponAttrs> = (gpu, [x, g0], a, [out]) => {
  const lanes = sequenceLanes(gpu, g0!.size);
  const { v, aliases } = laneTypes(lanes.W);
  const p = cachedProgram(`exponRun|${laneKey(lanes)}`, () => ({
    params: { ...SEQ, tau: 'f32', coef: 'f32' }, inputs: { x: v, g0: v }, outputs: { gs: v },
    helpers: `${aliases}\n${exponForwardWgsl}`, element: sequenceElement(lanes.Q, false),
  }));
  const gs = gpu.output(out!);
  gpu.dispatch(p, { inputs: [x!, g0!], outputs: [gs], params: { ...sequenceParams(g0!.size, x!.shape[0]!, lanes), tau: a.tau, coef: a.coef } });
  return [gs];
};

export const leakyRunGpu: GpuKernel<{ decay: number }> = (gpu, [x, r0], a, [out]) => {
  const lanes = sequenceLanes(gpu, r0!.size);
  const { v, aliases } = laneTypes(lanes.W);
  const p = cachedProgram(`leakyRun|${laneKey(lanes)}`, () => ({
    params: { ...SEQ, decay: 'f32' }, inputs: { x: v, r0: v }, outputs: { rs: v },
    helpers: `${aliases}\n${leakyForwardWgsl}`, element: sequenceElement(lanes.Q, false),
  }));
  const rs = gpu.output(out!);
  gpu.dispatch(p, { inputs: [x!, r0!], outputs: [rs], params: { ...sequenceParams(r0!.size, x!.shape[0]!, lanes), decay: a.decay } });
  return [rs];
};

export const decayRunGradGpu: GpuKernel<{ decay: number }> = (gpu, [dG], a, outs) => {
  const T = dG!.shape[0]!, n = dG!.size / T;
  const lanes = sequenceLanes(gpu, n);
  const { v, aliases } = laneTypes(lanes.W);
  const tf = twoFloatHelpers();
  const p = cachedProgram(`decayRunGrad|${laneKey(lanes)}${tf.key}`, () => ({
    params: { ...SEQ, ...TWO_FLOAT_PARAMS, decay: 'f32', decayLo: 'f32' }, inputs: { dG: v }, outputs: { dx: v, dg0: v },
    helpers: `${aliases}\n${tf.wgsl}\n${decayBackwardWgsl}`, element: sequenceElement(lanes.Q, true),
  }));
  const [dx, dg0] = [gpu.output(outs[0]!), gpu.output(outs[1]!)];
  gpu.dispatch(p, { inputs: [dG!], outputs: [dx, dg0], params: { ...sequenceParams(n, T, lanes), ...twoFloatParams, ...splitF('decay', a.decay) } });
  return [dx, dg0];
};

const DUAL_PARAMS = { ...SEQ, tauRise: 'f32', coefRise: 'f32', tauDecay: 'f32', coefDecay: 'f32', amp: 'f32' } as const;

export const dualExponRunGpu: GpuKernel<DualExponAttrs> = (gpu, [x, r0, d0], a, outs) => {
  const lanes = sequenceLanes(gpu, r0!.size);
  const { v, aliases } = laneTypes(lanes.W);
  const p = cachedProgram(`dualExponRun|${laneKey(lanes)}`, () => ({
    params: DUAL_PARAMS, inputs: { x: v, r0: v, d0: v }, outputs: { ys: v, rT: v, dT: v },
    helpers: `${aliases}\n${dualExponForwardWgsl}`, element: sequenceElement(lanes.Q, false),
  }));
  const res = outs.map((o) => gpu.output(o));
  gpu.dispatch(p, { inputs: [x!, r0!, d0!], outputs: res, params: { ...sequenceParams(r0!.size, x!.shape[0]!, lanes), ...a } });
  return res;
};

export const dualExponRunGradGpu: GpuKernel<DualExponAttrs & { hasDRise: boolean; hasDDecay: boolean }> = (gpu, ins, a, outs) => {
  const dOut = ins[0]!;
  const T = dOut.shape[0]!, n = dOut.size / T;
  const lanes = sequenceLanes(gpu, n);
  const { v, aliases } = laneTypes(lanes.W);
  const key = `dualExponRunGrad|${a.hasDRise ? 'R' : '-'}${a.hasDDecay ? 'D' : '-'}|${laneKey(lanes)}`;
  const p = cachedProgram(key, () => ({
    params: { ...DUAL_PARAMS, decayRise: 'f32', decayDecay: 'f32' },
    inputs: { dOut: v, ...(a.hasDRise ? { dRise: v } : {}), ...(a.hasDDecay ? { dDecay: v } : {}) },
    outputs: { dx: v, dr0: v, dd0: v },
    helpers: [
      aliases,
      `fn cotRise(j: u32) -> V { return ${a.hasDRise ? 'dRise[j]' : 'V(0.0)'}; }`,
      `fn cotDecay(j: u32) -> V { return ${a.hasDDecay ? 'dDecay[j]' : 'V(0.0)'}; }`,
      dualExponBackwardWgsl,
    ].join('\n'),
    element: sequenceElement(lanes.Q, true),
  }));
  const res = outs.map((o) => gpu.output(o));
  const params = {
    ...sequenceParams(n, T, lanes), tauRise: a.tauRise, coefRise: a.coefRise, tauDecay: a.tauDecay, coefDecay: a.coefDecay, amp: a.amp,
    decayRise: 1 - a.coefRise / a.tauRise, decayDecay: 1 - a.coefDecay / a.tauDecay,
  };
  gpu.dispatch(p, { inputs: ins, outputs: res, params });
  return res;
};
