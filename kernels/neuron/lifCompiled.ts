/**
 * The fused LIF kernels' loops, generated per configuration (kernels/neuron/cpu.ts keeps the generic loops:
 * the reference, and the path where eval is forbidden). Why generated, each measured on [200, 256, 4]:
 * - V8 does not unswitch loops: branches on the configuration (reset mode, V_rest ≠ 0, R ≠ 1, which
 *   cotangents arrive) cost up to 1.7× even though they always go the same way. Here they are resolved in
 *   the source.
 * - V8 repeats its per-iteration work (stack check, each array's map, bounds and base pointer) on every
 *   iteration; four elements per iteration amortise it (1.3×).
 * - The surrogate's σ' is inlined into the backward sweep (surrogate/compileJs.ts) rather than computed in
 *   a pass of its own or called per element; σ' of V_{t−1} is computed once: it serves step t's reset path
 *   and step t−1's spike.
 * Arithmetic and order are exactly the generic loops' (the forward's float32 rounding is spelled out with
 * Math.fround where `integrate` rounds; the division by τ is the exact f32Div), so the bits are the same.
 */
import type { GradFlags, LifAttrs } from '../../engine/opsNeuron.js';
import { buildJs, codegen, inlineJs } from '../../surrogate/compileJs.js';
import type { Expr } from '../../surrogate/expr.js';
import { unrolled } from '../cpu/codegen.js';
import { F32_SUBNORMAL_GUARD } from '../cpu/f32.js';

/**
 * Writes spk and vs (T·N) from xs; pv/ps start as the initial membrane and its spikes (N), then are the
 * outputs' previous rows.
 */
export type LifForward = (xs: ArrayLike<number>, v0: ArrayLike<number>, s0: ArrayLike<number>, spk: { [i: number]: number },
  vs: { [i: number]: number } & ArrayLike<number>, T: number, N: number, a: LifAttrs) => void;

/** Writes dx (T·N) and leaves dV0 in `carry` (N, zeroed by the caller); `slope` is an N-long float64 row. */
export type LifSweep = (v0: ArrayLike<number>, vs: ArrayLike<number>, dS: ArrayLike<number> | null, dV: ArrayLike<number> | null,
  dx: { [i: number]: number }, carry: Float64Array, slope: Float64Array, T: number, N: number,
  VTh: number, VReset: number, invK: number, decay: number, gain: number) => void;

const forwards = new Map<string, LifForward | null>();

/** The generated forward for `a` on `dtype` arrays, or null where eval is forbidden. */
export function lifForward(a: LifAttrs, dtype: 'float32' | 'float64'): LifForward | null {
  if (!codegen.enabled) return null;
  const key = `${dtype}|${a.reset}|${a.VRest !== 0}|${a.R !== 1}`;
  let f = forwards.get(key);
  if (f === undefined) forwards.set(key, f = buildJs<LifForward>(forwardSource(a, dtype === 'float32')));
  return f;
}

function forwardSource(a: LifAttrs, f32: boolean): string {
  const R = (e: string) => (f32 ? `fr(${e})` : `(${e})`);
  // num / τ: in float32 a multiplication by 1/τ, with the division where the quotient is subnormal (f32Div).
  const quotient = f32 ? 'let q = num * rTau; if (Math.abs(q) < GUARD) q = num / tau;' : 'const q = num / tau;';
  const body = (k: number) => `
      const i = o + j + ${k}, p = po + j + ${k};
      const v = pv[p];
      const vr = ps[p] === 0 ? v : ${a.reset === 'hard' ? R(`v - ${R('v - VReset')}`) : R('v - k')};
      let num = -vr;
      ${a.VRest !== 0 ? `num = ${R('num + VRest')};` : ''}
      const x = xs[i];
      num = ${R(`num + ${a.R !== 1 ? R('Rm * x') : 'x'}`)};
      ${quotient}
      const nv = ${R(`vr + ${R(`${R('q')} * coef`)}`)};
      vs[i] = nv;
      const d = nv - VTh;
      spk[i] = d >= 0 || (d > kU && ${R('d / k')} >= 0) ? 1 : 0;`;
  return `return function lifForward(xs, v0, s0, spk, vs, T, N, a) {
    const fr = Math.fround, GUARD = ${F32_SUBNORMAL_GUARD};
    const VTh = a.VTh, VReset = a.VReset, VRest = a.VRest, Rm = a.R, k = a.k, tau = a.tau, coef = a.coef;
    const rTau = 1 / tau, kU = -k * ${2 ** -126};
    for (let t = 0; t < T; t++) {
      const pv = t === 0 ? v0 : vs, ps = t === 0 ? s0 : spk, po = t === 0 ? 0 : (t - 1) * N, o = t * N;
      ${unrolled(body)}
    }
  };`;
}

/** Per spike function (immutable), the sweeps of the configurations met so far. */
const sweeps = new WeakMap<object, Map<string, LifSweep | null>>();

/** The generated backward sweep for `a`, or null (no expression for σ', or eval forbidden). */
export function lifSweep(a: LifAttrs & GradFlags): LifSweep | null {
  const expr = (a.spkFun as { gradExpr?: Expr }).gradExpr;
  if (!expr || !codegen.enabled) return null;
  let forFn = sweeps.get(a.spkFun);
  if (!forFn) sweeps.set(a.spkFun, forFn = new Map());
  const key = `${a.reset}|${a.detachReset}|${a.hasDS}|${a.hasDV}`;
  let sweep = forFn.get(key);
  if (sweep === undefined) forFn.set(key, sweep = buildJs<LifSweep>(sweepSource(expr, a)));
  return sweep;
}

function sweepSource(expr: Expr, a: LifAttrs & GradFlags): string {
  const sigma = inlineJs(expr, 'q');
  const carry = a.detachReset ? 'vrbar' : a.reset === 'soft' ? 'vrbar * (1 - sp)' : 'vrbar * (1 - (pv - VReset) * sp * invK)';
  const body = (k: number) => `
        const c = j + ${k}, i = o + c;
        let vbar = carry[c];
        ${a.hasDS ? 'vbar += dS[i] * slope[c] * invK;' : ''}
        ${a.hasDV ? 'vbar += dV[i];' : ''}
        dx[i] = gain * vbar;
        const pv = prev[pb + c];
        let x = (pv - VTh) * invK; ${sigma.code}
        const sp = ${sigma.result};
        slope[c] = sp;
        const vrbar = decay * vbar;
        carry[c] = ${carry};`;
  return `return function lifGradSweep(v0, vs, dS, dV, dx, carry, slope, T, N, VTh, VReset, invK, decay, gain) {
    for (let j = 0, b = (T - 1) * N; j < N; j++) {
      let x = (vs[b + j] - VTh) * invK; ${sigma.code}
      slope[j] = ${sigma.result};
    }
    for (let step = T - 1; step >= 0; step--) {
      const o = step * N, prev = step > 0 ? vs : v0, pb = step > 0 ? o - N : 0;
      ${unrolled(body)}
    }
  };`;
}
