/**
 * CPU twins of the fused synapse sequence kernels (engine/opsSynapse.ts has the equations). Time runs
 * outside, elements inside (contiguous rows). In float32 every arithmetic result is rounded with Math.fround
 * where the step-mode layer's primitive ops round it, so both modes agree bit for bit on the CPU.
 */
import { allocArray } from '../../engine/dtype.js';
import type { DualExponAttrs, ExponAttrs } from '../../engine/opsSynapse.js';
import type { CpuKernel } from '../cpu/types.js';

const identity = (v: number): number => v;
const rounder = (dtype: string): ((v: number) => number) => (dtype === 'float32' ? Math.fround : identity);

export const exponRunKernel: CpuKernel<ExponAttrs> = ([x, g0], { tau, coef }, [out]) => {
  const fr = rounder(x!.dtype);
  const N = g0!.size, T = x!.shape[0]!, xs = x!.data;
  const gs = allocArray(out!.dtype, T * N);
  const g = Float64Array.from(g0!.data);
  for (let t = 0, o = 0; t < T; t++) {
    for (let j = 0; j < N; j++, o++) {
      const pg = g[j]!;
      const ng = fr(fr(pg + fr(fr(fr(-pg) / tau) * coef)) + xs[o]!);
      g[j] = ng;
      gs[o] = ng;
    }
  }
  return [gs];
};

export const leakyRunKernel: CpuKernel<{ decay: number }> = ([x, r0], { decay }, [out]) => {
  const fr = rounder(x!.dtype);
  const N = r0!.size, T = x!.shape[0]!, xs = x!.data;
  const rs = allocArray(out!.dtype, T * N);
  const r = Float64Array.from(r0!.data);
  for (let t = 0, o = 0; t < T; t++) {
    for (let j = 0; j < N; j++, o++) {
      const nr = fr(fr(decay * r[j]!) + xs[o]!);
      r[j] = nr;
      rs[o] = nr;
    }
  }
  return [rs];
};

/** dx_t = ḡ_t = dG_t + decay·ḡ_{t+1}; dg0 = decay·ḡ_1. */
export const decayRunGradKernel: CpuKernel<{ decay: number }> = ([dG], { decay }, [outDx]) => {
  const T = dG!.shape[0]!, N = dG!.size / T, d = dG!.data;
  const dx = allocArray(outDx!.dtype, T * N), dg0 = allocArray(outDx!.dtype, N);
  const carry = new Float64Array(N);
  for (let t = T - 1; t >= 0; t--) {
    const o = t * N;
    for (let j = 0; j < N; j++) {
      const gb = d[o + j]! + carry[j]!;
      dx[o + j] = gb;
      carry[j] = decay * gb;
    }
  }
  dg0.set(carry);
  return [dx, dg0];
};

export const dualExponRunKernel: CpuKernel<DualExponAttrs> = ([x, r0, d0], a, [out, outR]) => {
  const fr = rounder(x!.dtype);
  const N = r0!.size, T = x!.shape[0]!, xs = x!.data;
  const { tauRise, coefRise, tauDecay, coefDecay, amp } = a;
  const ys = allocArray(out!.dtype, T * N);
  const gr = Float64Array.from(r0!.data), gd = Float64Array.from(d0!.data);
  for (let t = 0, o = 0; t < T; t++) {
    for (let j = 0; j < N; j++, o++) {
      const pr = gr[j]!, pd = gd[j]!, xi = xs[o]!;
      const nr = fr(fr(pr + fr(fr(fr(-pr) / tauRise) * coefRise)) + xi);
      const nd = fr(fr(pd + fr(fr(fr(-pd) / tauDecay) * coefDecay)) + xi);
      gr[j] = nr;
      gd[j] = nd;
      ys[o] = fr(amp * fr(nd - nr));
    }
  }
  const rT = allocArray(outR!.dtype, N), dT = allocArray(outR!.dtype, N);
  rT.set(gr);
  dT.set(gd);
  return [ys, rT, dT];
};

/** ḡr_t = −amp·dOut_t + dr·ḡr_{t+1}, ḡd_t = amp·dOut_t + dd·ḡd_{t+1}, dx_t = ḡr_t + ḡd_t. */
export const dualExponRunGradKernel: CpuKernel<DualExponAttrs & { hasDRise: boolean; hasDDecay: boolean }> = (ins, a, [outDx]) => {
  const dOut = ins[0]!;
  let next = 1;
  const dRise = a.hasDRise ? ins[next++]!.data : null;
  const dDecay = a.hasDDecay ? ins[next++]!.data : null;
  const T = dOut.shape[0]!, N = dOut.size / T, dy = dOut.data;
  const dr = 1 - a.coefRise / a.tauRise, dd = 1 - a.coefDecay / a.tauDecay, amp = a.amp;
  const dt = outDx!.dtype;
  const dx = allocArray(dt, T * N), dr0 = allocArray(dt, N), dd0 = allocArray(dt, N);
  const cr = dRise ? Float64Array.from(dRise) : new Float64Array(N);
  const cd = dDecay ? Float64Array.from(dDecay) : new Float64Array(N);
  // The final states' gradients start the carries: they add to ḡr_T and ḡd_T at the last step.
  for (let t = T - 1; t >= 0; t--) {
    const o = t * N;
    for (let j = 0; j < N; j++) {
      const g = amp * dy[o + j]!;
      const br = cr[j]! - g, bd = cd[j]! + g;
      dx[o + j] = br + bd;
      cr[j] = dr * br;
      cd[j] = dd * bd;
    }
  }
  dr0.set(cr);
  dd0.set(cd);
  return [dx, dr0, dd0];
};
