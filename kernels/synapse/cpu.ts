/**
 * CPU twins of the fused synapse sequence kernels (engine/opsSynapse.ts has the equations). Time runs
 * outside, elements inside (contiguous rows). In float32 every arithmetic result is rounded with Math.fround
 * where the step-mode layer's primitive ops round it, so both modes agree bit for bit on the CPU. The two
 * loops of a seed training step (Expon forward in float32, the decay backward) run as WebAssembly SIMD on
 * float32 tensors (synapseWasm.ts), else as JavaScript generated with four elements per iteration
 * (kernels/cpu/codegen.ts: measured 1.25× and 1.1× in a training step); the loops written out here are the
 * reference and the path where eval is forbidden.
 */
import { allocArray, allocOutput, type TypedArray } from '../../engine/dtype.js';
import { rounderFor } from '../../engine/dtype.js';
import { cachedKernel, unrolled } from '../cpu/codegen.js';
import { F32_SUBNORMAL_GUARD, f32Div } from '../cpu/f32.js';
import { workRow } from '../cpu/workRow.js';
import type { DualExponAttrs, ExponAttrs } from '../../engine/opsSynapse.js';
import type { CpuKernel } from '../cpu/types.js';
import { decaySweepWasm, exponForwardWasm } from './synapseWasm.js';


export const exponRunKernel: CpuKernel<ExponAttrs> = ([x, g0], { tau, coef }, [out]) => {
  const N = g0!.size, T = x!.shape[0]!, xs = x!.data;
  const gs = allocOutput(out!.dtype, T * N);
  if (xs instanceof Float32Array) {
    if (!exponForwardWasm(xs, g0!.data as Float32Array, gs as Float32Array, T, N, tau, coef)) {
      exponForward32(xs, g0!.data as Float32Array, gs as Float32Array, T, N, tau, coef);
    }
    return [gs];
  }
  const fr = rounderFor(x!.dtype);
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

type ExponForward = (xs: Float32Array, g0: Float32Array, gs: Float32Array, T: number, N: number, tau: number, coef: number) => void;

/**
 * Expon in float32, the previous g read back from the output's previous row: the loop above with its rounding
 * spelled out (−g is exact; the division by τ is f32Div), generated with four elements per loop iteration
 * (kernels/cpu/codegen.ts; V8 repeats its per-iteration checks every iteration). Same bits.
 */
function exponForward32(xs: Float32Array, g0: Float32Array, gs: Float32Array, T: number, N: number, tau: number, coef: number): void {
  cachedKernel<ExponForward>('exponForward32', () => `return function exponForward32(xs, g0, gs, T, N, tau, coef) {
    const fr = Math.fround, rTau = 1 / tau, GUARD = ${F32_SUBNORMAL_GUARD};
    for (let t = 0; t < T; t++) {
      const pg = t === 0 ? g0 : gs, po = t === 0 ? 0 : (t - 1) * N, o = t * N;
      ${unrolled((k) => `
        const g = pg[po + j + ${k}];
        let q = -g * rTau; if (Math.abs(q) < GUARD) q = -g / tau;
        gs[o + j + ${k}] = fr(fr(g + fr(fr(q) * coef)) + xs[o + j + ${k}]);`)}
    }
  };`, () => (xs, g0, gs, T, N, tau, coef) => {
    const fr = Math.fround, rTau = 1 / tau;
    for (let t = 0; t < T; t++) {
      const pg = t === 0 ? g0 : gs, po = t === 0 ? 0 : (t - 1) * N, o = t * N;
      for (let j = 0; j < N; j++) {
        const g = pg[po + j]!;
        gs[o + j] = fr(fr(g + fr(fr(f32Div(-g, rTau, tau)) * coef)) + xs[o + j]!);
      }
    }
  })(xs, g0, gs, T, N, tau, coef);
}

export const leakyRunKernel: CpuKernel<{ decay: number }> = ([x, r0], { decay }, [out]) => {
  const fr = rounderFor(x!.dtype);
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

const decayCarry = workRow();

/** dx_t = ḡ_t = dG_t + decay·ḡ_{t+1}; dg0 = decay·ḡ_1. */
export const decayRunGradKernel: CpuKernel<{ decay: number }> = ([dG], { decay }, [outDx]) => {
  const T = dG!.shape[0]!, N = dG!.size / T, d = dG!.data;
  const dx = allocOutput(outDx!.dtype, T * N), dg0 = allocOutput(outDx!.dtype, N);
  if (d instanceof Float32Array && decaySweepWasm(d, dx as Float32Array, dg0 as Float32Array, T, N, decay)) return [dx, dg0];
  const carry = decayCarry(N);
  decaySweep()(d, dx, carry, T, N, decay);
  for (let j = 0; j < N; j++) dg0[j] = carry[j]!;
  return [dx, dg0];
};

type DecaySweep = (d: TypedArray, dx: TypedArray, carry: Float64Array, T: number, N: number, decay: number) => void;

/** The reverse sweep, generated with four elements per loop iteration (kernels/cpu/codegen.ts). */
function decaySweep(): DecaySweep {
  return cachedKernel<DecaySweep>('decaySweep', () => `return function decaySweep(d, dx, carry, T, N, decay) {
    for (let t = T - 1; t >= 0; t--) {
      const o = t * N;
      ${unrolled((k) => `
        const gb = d[o + j + ${k}] + carry[j + ${k}];
        dx[o + j + ${k}] = gb;
        carry[j + ${k}] = decay * gb;`)}
    }
  };`, () => (d, dx, carry, T, N, decay) => {
    for (let t = T - 1; t >= 0; t--) {
      const o = t * N;
      for (let j = 0; j < N; j++) {
        const gb = d[o + j]! + carry[j]!;
        dx[o + j] = gb;
        carry[j] = decay * gb;
      }
    }
  });
}

export const dualExponRunKernel: CpuKernel<DualExponAttrs> = ([x, r0, d0], a, [out, outR]) => {
  const fr = rounderFor(x!.dtype);
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
