/**
 * WebGPU kernels of the fused synapse sequence ops: one invocation per element runs the time loop
 * (kernels/synapse/*.wgsl). All are linear recurrences, so the backward kernels need no forward values.
 */
import type { DualExponAttrs, ExponAttrs } from '../../engine/opsSynapse.js';
import { cachedProgram } from '../webgpu/program.js';
import type { GpuKernel } from '../webgpu/types.js';
import decayBackwardWgsl from './decayBackward.wgsl';
import dualExponBackwardWgsl from './dualExponBackward.wgsl';
import dualExponForwardWgsl from './dualExponForward.wgsl';
import exponForwardWgsl from './exponForward.wgsl';
import leakyForwardWgsl from './leakyForward.wgsl';

export const exponRunGpu: GpuKernel<ExponAttrs> = (gpu, [x, g0], a, [out]) => {
  const p = cachedProgram('exponRun', () => ({
    params: { n: 'u32', steps: 'u32', tau: 'f32', coef: 'f32' }, inputs: { x: 'f32', g0: 'f32' }, outputs: { gs: 'f32' },
    helpers: exponForwardWgsl, element: 'exponForward(i);',
  }));
  const gs = gpu.output(out!);
  gpu.dispatch(p, { inputs: [x!, g0!], outputs: [gs], params: { n: g0!.size, steps: x!.shape[0]!, tau: a.tau, coef: a.coef } });
  return [gs];
};

export const leakyRunGpu: GpuKernel<{ decay: number }> = (gpu, [x, r0], a, [out]) => {
  const p = cachedProgram('leakyRun', () => ({
    params: { n: 'u32', steps: 'u32', decay: 'f32' }, inputs: { x: 'f32', r0: 'f32' }, outputs: { rs: 'f32' },
    helpers: leakyForwardWgsl, element: 'leakyForward(i);',
  }));
  const rs = gpu.output(out!);
  gpu.dispatch(p, { inputs: [x!, r0!], outputs: [rs], params: { n: r0!.size, steps: x!.shape[0]!, decay: a.decay } });
  return [rs];
};

export const decayRunGradGpu: GpuKernel<{ decay: number }> = (gpu, [dG], a, outs) => {
  const p = cachedProgram('decayRunGrad', () => ({
    params: { n: 'u32', steps: 'u32', decay: 'f32' }, inputs: { dG: 'f32' }, outputs: { dx: 'f32', dg0: 'f32' },
    helpers: decayBackwardWgsl, element: 'decayBackward(i);',
  }));
  const [dx, dg0] = [gpu.output(outs[0]!), gpu.output(outs[1]!)];
  const T = dG!.shape[0]!;
  gpu.dispatch(p, { inputs: [dG!], outputs: [dx, dg0], params: { n: dG!.size / T, steps: T, decay: a.decay } });
  return [dx, dg0];
};

const DUAL_PARAMS = { n: 'u32', steps: 'u32', tauRise: 'f32', coefRise: 'f32', tauDecay: 'f32', coefDecay: 'f32', amp: 'f32' } as const;

export const dualExponRunGpu: GpuKernel<DualExponAttrs> = (gpu, [x, r0, d0], a, outs) => {
  const p = cachedProgram('dualExponRun', () => ({
    params: DUAL_PARAMS, inputs: { x: 'f32', r0: 'f32', d0: 'f32' }, outputs: { ys: 'f32', rT: 'f32', dT: 'f32' },
    helpers: dualExponForwardWgsl, element: 'dualExponForward(i);',
  }));
  const res = outs.map((o) => gpu.output(o));
  gpu.dispatch(p, { inputs: [x!, r0!, d0!], outputs: res, params: { n: r0!.size, steps: x!.shape[0]!, ...a } });
  return res;
};

export const dualExponRunGradGpu: GpuKernel<DualExponAttrs & { hasDRise: boolean; hasDDecay: boolean }> = (gpu, ins, a, outs) => {
  const dOut = ins[0]!;
  const key = `dualExponRunGrad|${a.hasDRise ? 'R' : '-'}${a.hasDDecay ? 'D' : '-'}`;
  const p = cachedProgram(key, () => ({
    params: { ...DUAL_PARAMS, decayRise: 'f32', decayDecay: 'f32' },
    inputs: { dOut: 'f32', ...(a.hasDRise ? { dRise: 'f32' as const } : {}), ...(a.hasDDecay ? { dDecay: 'f32' as const } : {}) },
    outputs: { dx: 'f32', dr0: 'f32', dd0: 'f32' },
    helpers: [
      `fn cotRise(j: u32) -> f32 { return ${a.hasDRise ? 'dRise[j]' : '0.0'}; }`,
      `fn cotDecay(j: u32) -> f32 { return ${a.hasDDecay ? 'dDecay[j]' : '0.0'}; }`,
      dualExponBackwardWgsl,
    ].join('\n'),
    element: 'dualExponBackward(i);',
  }));
  const res = outs.map((o) => gpu.output(o));
  const T = dOut.shape[0]!;
  const params = {
    n: dOut.size / T, steps: T, tauRise: a.tauRise, coefRise: a.coefRise, tauDecay: a.tauDecay, coefDecay: a.coefDecay, amp: a.amp,
    decayRise: 1 - a.coefRise / a.tauRise, decayDecay: 1 - a.coefDecay / a.tauDecay,
  };
  gpu.dispatch(p, { inputs: ins, outputs: res, params });
  return res;
};
