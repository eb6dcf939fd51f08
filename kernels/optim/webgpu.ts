/** Optimizer updates on WebGPU, in place, outside the tape (twins: optim/cpu.ts). */
import type { UpdateAttrs } from '../../engine/backend.js';
import { cachedProgram } from '../webgpu/program.js';
import type { GpuUpdateKernel } from '../webgpu/types.js';
import adamWgsl from './adam.wgsl';

export const adamUpdateKernel: GpuUpdateKernel<UpdateAttrs['adam']> = (gpu, [p, mu, nu], [g], a) => {
  const prog = cachedProgram('adam', () => ({
    params: { n: 'u32', lr: 'f32', beta1: 'f32', beta2: 'f32', oneMinusBeta1: 'f32', oneMinusBeta2: 'f32', eps: 'f32', c1: 'f32', c2: 'f32', weightDecay: 'f32', decoupled: 'u32' },
    inputs: { g: 'f32' }, outputs: { p: 'f32', mu: 'f32', nu: 'f32' }, helpers: adamWgsl, element: '  adamStep(i);',
  }));
  gpu.dispatch(prog, {
    inputs: [g!], outputs: [p!, mu!, nu!],
    params: {
      n: p!.size, lr: a.lr, beta1: a.beta1, beta2: a.beta2, eps: a.eps, weightDecay: a.weightDecay, decoupled: a.decoupled ? 1 : 0,
      c1: 1 - Math.pow(a.beta1, a.step), c2: 1 - Math.pow(a.beta2, a.step),
      oneMinusBeta1: 1 - a.beta1, oneMinusBeta2: 1 - a.beta2, // in float64 here, not 1 − f32(beta) on the GPU
    },
  });
};

/** SGD with optional momentum (optax trace: t ← g + μ·t; Nesterov: g + μ·t) and L2 weight decay. */
export const sgdUpdateKernel: GpuUpdateKernel<UpdateAttrs['sgd']> = (gpu, targets, [g], a) => {
  const withTrace = targets.length > 1 && a.momentum !== 0;
  const prog = cachedProgram(`sgd|${withTrace ? 'momentum' : 'plain'}`, () => ({
    params: { n: 'u32', lr: 'f32', momentum: 'f32', nesterov: 'u32', weightDecay: 'f32' },
    inputs: { g: 'f32' }, outputs: (withTrace ? { p: 'f32', trace: 'f32' } : { p: 'f32' }) as Record<string, 'f32'>,
    element: [
      '  let gi = g[i] + params.weightDecay * p[i];',
      ...(withTrace
        ? ['  let t = gi + params.momentum * trace[i];', '  trace[i] = t;', '  let u = select(t, gi + params.momentum * t, params.nesterov != 0u);']
        : ['  let u = gi;']),
      '  p[i] = p[i] - params.lr * u;',
    ].join('\n'),
  }));
  gpu.dispatch(prog, {
    inputs: [g!], outputs: withTrace ? [targets[0]!, targets[1]!] : [targets[0]!],
    params: { n: targets[0]!.size, lr: a.lr, momentum: a.momentum, nesterov: a.nesterov ? 1 : 0, weightDecay: a.weightDecay },
  });
};
