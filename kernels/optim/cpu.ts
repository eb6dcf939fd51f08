/**
 * Optimizer updates on the CPU, in place (no tape): the twins of kernels/optim/*.wgsl.
 * Adam follows optax's scale_by_adam (docs/numerics.md §6): bias-corrected moments, eps outside the square root.
 */
import type { UpdateAttrs } from '../../engine/backend.js';
import type { CpuUpdateKernel } from '../cpu/types.js';

export const adamUpdateKernel: CpuUpdateKernel<UpdateAttrs['adam']> = ([p, mu, nu], [g], a) => {
  const pd = p!.data, md = mu!.data, vd = nu!.data, gd = g!.data;
  const c1 = 1 - Math.pow(a.beta1, a.step), c2 = 1 - Math.pow(a.beta2, a.step);
  for (let i = 0; i < pd.length; i++) {
    // Coupled weight decay (Adam + L2, braintools' add_decayed_weights before scale_by_adam) adds wd·p to g;
    // decoupled (AdamW) adds it to the update after the moments.
    const gi = a.decoupled ? gd[i]! : gd[i]! + a.weightDecay * pd[i]!;
    const m = (1 - a.beta1) * gi + a.beta1 * md[i]!;
    const v = (1 - a.beta2) * gi * gi + a.beta2 * vd[i]!;
    md[i] = m;
    vd[i] = v;
    let u = (m / c1) / (Math.sqrt(v / c2) + a.eps);
    if (a.decoupled) u += a.weightDecay * pd[i]!;
    pd[i] = pd[i]! - a.lr * u;
  }
};

export const sgdUpdateKernel: CpuUpdateKernel<UpdateAttrs['sgd']> = ([p, trace], [g], a) => {
  const pd = p!.data, gd = g!.data, td = trace?.data;
  for (let i = 0; i < pd.length; i++) {
    const gi = gd[i]! + a.weightDecay * pd[i]!;
    let u = gi;
    if (td && a.momentum !== 0) {
      const t = gi + a.momentum * td[i]!; // optax trace: t ← g + μ·t
      td[i] = t;
      u = a.nesterov ? gi + a.momentum * t : t;
    }
    pd[i] = pd[i]! - a.lr * u;
  }
};
