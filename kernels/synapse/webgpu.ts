/**
 * WebGPU kernels of the fused synapse sequence ops: one invocation per element (four on software adapters:
 * kernels/webgpu/quads.ts) runs the time loop (kernels/synapse/*.wgsl). All are linear recurrences, so the
 * backward kernels need no forward values.
 */
import type { DualExponAttrs, ExponAttrs } from '../../engine/opsSynapse.js';
import { cachedProgram } from '../webgpu/program.js';
import { laneAliases, sequenceWidth } from '../webgpu/quads.js';
import type { GpuKernel } from '../webgpu/types.js';
import decayBackwardWgsl from './decayBackward.wgsl';
import dualExponBackwardWgsl from './dualExponBackward.wgsl';
import dualExponForwardWgsl from './dualExponForward.wgsl';
import exponForwardWgsl from './exponForward.wgsl';
import leakyForwardWgsl from './leakyForward.wgsl';

const lane = (W: 1 | 4) => (W === 4 ? 'vec4<f32>' as const : 'f32' as const);

export const exponRunGpu: GpuKernel<ExponAttrs> = (gpu, [x, g0], a, [out]) => {
  const W = sequenceWidth(gpu, g0!.size), v = lane(W);
  const p = cachedProgram(`exponRun|w${W}`, () => ({
    params: { n: 'u32', steps: 'u32', tau: 'f32', coef: 'f32' }, inputs: { x: v, g0: v }, outputs: { gs: v },
    helpers: `${laneAliases(W)}\n${exponForwardWgsl}`, element: 'exponForward(i);',
  }));
  const gs = gpu.output(out!);
  gpu.dispatch(p, { inputs: [x!, g0!], outputs: [gs], params: { n: g0!.size / W, steps: x!.shape[0]!, tau: a.tau, coef: a.coef } });
  return [gs];
};

export const leakyRunGpu: GpuKernel<{ decay: number }> = (gpu, [x, r0], a, [out]) => {
  const W = sequenceWidth(gpu, r0!.size), v = lane(W);
  const p = cachedProgram(`leakyRun|w${W}`, () => ({
    params: { n: 'u32', steps: 'u32', decay: 'f32' }, inputs: { x: v, r0: v }, outputs: { rs: v },
    helpers: `${laneAliases(W)}\n${leakyForwardWgsl}`, element: 'leakyForward(i);',
  }));
  const rs = gpu.output(out!);
  gpu.dispatch(p, { inputs: [x!, r0!], outputs: [rs], params: { n: r0!.size / W, steps: x!.shape[0]!, decay: a.decay } });
  return [rs];
};

export const decayRunGradGpu: GpuKernel<{ decay: number }> = (gpu, [dG], a, outs) => {
  const T = dG!.shape[0]!;
  const W = sequenceWidth(gpu, dG!.size / T), v = lane(W);
  const p = cachedProgram(`decayRunGrad|w${W}`, () => ({
    params: { n: 'u32', steps: 'u32', decay: 'f32' }, inputs: { dG: v }, outputs: { dx: v, dg0: v },
    helpers: `${laneAliases(W)}\n${decayBackwardWgsl}`, element: 'decayBackward(i);',
  }));
  const [dx, dg0] = [gpu.output(outs[0]!), gpu.output(outs[1]!)];
  gpu.dispatch(p, { inputs: [dG!], outputs: [dx, dg0], params: { n: dG!.size / T / W, steps: T, decay: a.decay } });
  return [dx, dg0];
};

const DUAL_PARAMS = { n: 'u32', steps: 'u32', tauRise: 'f32', coefRise: 'f32', tauDecay: 'f32', coefDecay: 'f32', amp: 'f32' } as const;

export const dualExponRunGpu: GpuKernel<DualExponAttrs> = (gpu, [x, r0, d0], a, outs) => {
  const W = sequenceWidth(gpu, r0!.size), v = lane(W);
  const p = cachedProgram(`dualExponRun|w${W}`, () => ({
    params: DUAL_PARAMS, inputs: { x: v, r0: v, d0: v }, outputs: { ys: v, rT: v, dT: v },
    helpers: `${laneAliases(W)}\n${dualExponForwardWgsl}`, element: 'dualExponForward(i);',
  }));
  const res = outs.map((o) => gpu.output(o));
  gpu.dispatch(p, { inputs: [x!, r0!, d0!], outputs: res, params: { n: r0!.size / W, steps: x!.shape[0]!, ...a } });
  return res;
};

export const dualExponRunGradGpu: GpuKernel<DualExponAttrs & { hasDRise: boolean; hasDDecay: boolean }> = (gpu, ins, a, outs) => {
  const dOut = ins[0]!;
  const T = dOut.shape[0]!;
  const W = sequenceWidth(gpu, dOut.size / T), v = lane(W);
  const key = `dualExponRunGrad|${a.hasDRise ? 'R' : '-'}${a.hasDDecay ? 'D' : '-'}|w${W}`;
  const p = cachedProgram(key, () => ({
    params: { ...DUAL_PARAMS, decayRise: 'f32', decayDecay: 'f32' },
    inputs: { dOut: v, ...(a.hasDRise ? { dRise: v } : {}), ...(a.hasDDecay ? { dDecay: v } : {}) },
    outputs: { dx: v, dr0: v, dd0: v },
    helpers: [
      laneAliases(W),
      `fn cotRise(j: u32) -> V { return ${a.hasDRise ? 'dRise[j]' : 'V(0.0)'}; }`,
      `fn cotDecay(j: u32) -> V { return ${a.hasDDecay ? 'dDecay[j]' : 'V(0.0)'}; }`,
      dualExponBackwardWgsl,
    ].join('\n'),
    element: 'dualExponBackward(i);',
  }));
  const res = outs.map((o) => gpu.output(o));
  const params = {
    n: dOut.size / T / W, steps: T, tauRise: a.tauRise, coefRise: a.coefRise, tauDecay: a.tauDecay, coefDecay: a.coefDecay, amp: a.amp,
    decayRise: 1 - a.coefRise / a.tauRise, decayDecay: 1 - a.coefDecay / a.tauDecay,
  };
  gpu.dispatch(p, { inputs: ins, outputs: res, params });
  return res;
};
