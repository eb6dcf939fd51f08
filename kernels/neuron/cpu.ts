/**
 * CPU twins of the fused LIF sequence kernels (engine/opsNeuron.ts has the equations).
 *
 * Loops run time outside and neurons inside, so every step reads and writes contiguous rows. In float32, each
 * arithmetic result is rounded with Math.fround exactly where the step-mode layer's primitive ops round it, so
 * sequence mode and step mode agree bit for bit on the CPU. Backward accumulates in float64 and rounds once
 * on store. No per-element allocation. LIF's float32 loops run as WebAssembly SIMD (lifWasm.ts), else as
 * JavaScript generated per configuration (lifCompiled.ts); the loops written out here are the reference and
 * the path where eval is forbidden.
 */
import { allocOutput, allocScratch, rounderFor } from '../../engine/dtype.js';
import type { GradFlags, LifAttrs } from '../../engine/opsNeuron.js';
import type { CpuKernel } from '../cpu/types.js';
import { lifForward, lifSweep } from './lifCompiled.js';
import { lifForwardWasm, lifSweepWasm } from './lifWasm.js';
import { workRow } from '../cpu/workRow.js';


/** Below this (times k), a negative V − V_th could round to −0 when divided by k, and −0 >= 0 spikes. */
const UNDERFLOW = 2 ** -126;

/**
 * H(((V − V_th)/k)) from d = fl(V − V_th) without the division: k > 0 keeps the sign, except that a tiny
 * negative d can underflow to −0 (which spikes); only then is the real quotient taken.
 */
function spikes(d: number, k: number, fr: (v: number) => number): boolean {
  return d >= 0 || (d > -k * UNDERFLOW && fr(d / k) >= 0);
}

/** Reset by the previous spike, then one exp-Euler step with input current `input`: docs/numerics.md §1's float order. */
function integrate(a: LifAttrs, fr: (v: number) => number, pv: number, spiked: boolean, input: number): number {
  const vr = !spiked ? pv : a.reset === 'soft' ? fr(pv - a.k) : fr(pv - fr(pv - a.VReset));
  let num = fr(-vr);
  if (a.VRest !== 0) num = fr(num + a.VRest);
  num = fr(num + (a.R === 1 ? input : fr(a.R * input)));
  return fr(vr + fr(fr(num / a.tau) * a.coef));
}

export const lifRunKernel: CpuKernel<LifAttrs> = ([x, v0], a, [outS]) => {
  const fr = rounderFor(x!.dtype);
  const N = v0!.size, T = x!.shape[0]!;
  const xs = x!.data, spk = allocOutput(outS!.dtype, T * N), vs = allocOutput(outS!.dtype, T * N);
  if (xs instanceof Float32Array && lifForwardWasm(xs, v0!.data as Float32Array, spk as Float32Array, vs as Float32Array, T, N, a)) return [spk, vs];
  const { VTh, k } = a;
  // The spike of V_t is both step t's output and step t+1's reset: computed once, kept per neuron.
  const last = allocScratch(outS!.dtype, N); // a work row, not an output
  for (let j = 0; j < N; j++) last[j] = spikes(fr(v0!.data[j]! - VTh), k, fr) ? 1 : 0;
  const compiled = lifForward(a, outS!.dtype === 'float32' ? 'float32' : 'float64');
  if (compiled) {
    compiled(xs, v0!.data, last, spk, vs, T, N, a);
    return [spk, vs];
  }
  const v = Float64Array.from(v0!.data);
  for (let t = 0, o = 0; t < T; t++) {
    for (let j = 0; j < N; j++, o++) {
      const nv = integrate(a, fr, v[j]!, last[j] === 1, xs[o]!);
      v[j] = nv;
      vs[o] = nv;
      const s = spikes(fr(nv - VTh), k, fr) ? 1 : 0;
      last[j] = s;
      spk[o] = s;
    }
  }
  return [spk, vs];
};

/**
 * Reverse time. With σ = σ'(u(V))/k the slope of a spike in V, per step t (carry = gradient reaching V_t
 * from step t+1):  V̄_t = dS_t·σ(V_t) + dV_t + carry;  dx_t = (coef·R/τ)·V̄_t;  V̄'_t = (1 − coef/τ)·V̄_t;
 * carry = V̄'_t · ∂V'_t/∂V_{t−1}, which is 1 − σ'(u(V_{t−1}))·(k or V_{t−1} − V_reset)/k unless detached.
 */
const gradCarry = workRow(), gradSlope = workRow();

export const lifRunGradKernel: CpuKernel<LifAttrs & GradFlags> = (ins, a, [outDx]) => {
  const v0 = ins[0]!, vsIn = ins[1]!;
  let next = 2;
  const dS = a.hasDS ? ins[next++]!.data : null;
  const dV = a.hasDV ? ins[next++]!.data : null;
  const N = v0.size, T = vsIn.shape[0]!, vs = vsIn.data;
  const { VTh, VReset, k, tau, coef, R } = a;
  const decay = 1 - coef / tau, gain = (coef * R) / tau, invK = 1 / k;
  const dx = allocOutput(outDx!.dtype, T * N), dv0 = allocOutput(outDx!.dtype, N);
  if (vs instanceof Float32Array && lifSweepWasm(v0.data as Float32Array, vs, dS as Float32Array | null, dV as Float32Array | null,
    dx as Float32Array, dv0 as Float32Array, T, N, a, invK, decay, gain)) return [dx, dv0];
  const carry = gradCarry(N);
  // σ'(u(V)) with u = (V − V_th)/k in float64 (backward is not bit-matched to step mode, forward is), for the
  // row being visited (slope, computed when its successor was visited) and the row before it (sp).
  const slope = gradSlope(N);
  const sweep = lifSweep(a);
  if (sweep) sweep(v0.data, vs, dS, dV, dx, carry, slope, T, N, VTh, VReset, invK, decay, gain);
  else {
    const sg = a.spkFun.gradScalar;
    const soft = a.reset === 'soft', detach = a.detachReset;
    for (let j = 0, b = (T - 1) * N; j < N; j++) slope[j] = sg((vs[b + j]! - VTh) * invK);
    for (let t = T - 1; t >= 0; t--) {
      const o = t * N, prev = t > 0 ? vs : v0.data, pb = t > 0 ? o - N : 0;
      for (let j = 0; j < N; j++) {
        let vbar = carry[j]!;
        if (dS) vbar += dS[o + j]! * slope[j]! * invK;
        if (dV) vbar += dV[o + j]!;
        dx[o + j] = gain * vbar;
        const pv = prev[pb + j]!;
        const sp = sg((pv - VTh) * invK);
        slope[j] = sp;
        const vrbar = decay * vbar;
        carry[j] = detach ? vrbar : soft ? vrbar * (1 - sp) : vrbar * (1 - (pv - VReset) * sp * invK);
      }
    }
  }
  for (let j = 0; j < N; j++) dv0[j] = carry[j]!;
  return [dx, dv0];
};
