/**
 * lifRunGrad's reverse sweep, generated per configuration: the surrogate's σ' inlined (surrogate/compileJs.ts),
 * and the reset mode and the incoming cotangents fixed in the source. Why generated: the sweep is the
 * costliest loop of a training step, and measured here, loop-invariant branches on the configuration cost
 * 1.7× (V8 does not unswitch loops), and computing σ' in a separate pass over the whole sequence or row
 * by row costs an extra trip through memory or a call per row. Generated, each element costs its arithmetic,
 * and σ' of V_{t−1} is computed once: it serves step t's reset path here and step t−1's spike next.
 *
 * Arithmetic and order are exactly lifRunGradKernel's generic loop (kernels/neuron/cpu.ts), which remains the
 * path for spike functions without an expression and where eval is forbidden.
 */
import type { GradFlags, LifAttrs } from '../../engine/opsNeuron.js';
import { buildJs, inlineJs } from '../../surrogate/compileJs.js';
import type { Expr } from '../../surrogate/expr.js';

/**
 * Writes dx (T·N) and leaves dV0 in `carry` (N, zeroed by the caller); `slope` is an N-long float64 row.
 */
export type LifSweep = (v0: ArrayLike<number>, vs: ArrayLike<number>, dS: ArrayLike<number> | null, dV: ArrayLike<number> | null,
  dx: { [i: number]: number }, carry: Float64Array, slope: Float64Array, T: number, N: number,
  VTh: number, VReset: number, invK: number, decay: number, gain: number) => void;

const sweeps = new Map<string, LifSweep | null>();

/** The generated sweep for `a`, or null (no expression for σ', or eval forbidden). */
export function lifSweep(a: LifAttrs & GradFlags): LifSweep | null {
  const expr = (a.spkFun as { gradExpr?: Expr }).gradExpr;
  if (!expr) return null;
  const key = `${a.spkFun.key}|${a.reset}|${a.detachReset}|${a.hasDS}|${a.hasDV}`;
  let sweep = sweeps.get(key);
  if (sweep === undefined) {
    if (sweeps.size >= 256) sweeps.delete(sweeps.keys().next().value!);
    sweep = buildJs<LifSweep>(source(expr, a));
    sweeps.set(key, sweep);
  }
  return sweep;
}

function source(expr: Expr, a: LifAttrs & GradFlags): string {
  const sigma = inlineJs(expr, 'q');
  const carry = a.detachReset ? 'vrbar' : a.reset === 'soft' ? 'vrbar * (1 - sp)' : 'vrbar * (1 - (pv - VReset) * sp * invK)';
  return `return function lifGradSweep(v0, vs, dS, dV, dx, carry, slope, T, N, VTh, VReset, invK, decay, gain) {
    for (let j = 0, b = (T - 1) * N; j < N; j++) {
      let x = (vs[b + j] - VTh) * invK; ${sigma.code}
      slope[j] = ${sigma.result};
    }
    for (let step = T - 1; step >= 0; step--) {
      const o = step * N, prev = step > 0 ? vs : v0, pb = step > 0 ? o - N : 0;
      for (let j = 0; j < N; j++) {
        let vbar = carry[j];
        ${a.hasDS ? 'vbar += dS[o + j] * slope[j] * invK;' : ''}
        ${a.hasDV ? 'vbar += dV[o + j];' : ''}
        dx[o + j] = gain * vbar;
        const pv = prev[pb + j];
        let x = (pv - VTh) * invK; ${sigma.code}
        const sp = ${sigma.result};
        slope[j] = sp;
        const vrbar = decay * vbar;
        carry[j] = ${carry};
      }
    }
  };`;
}
