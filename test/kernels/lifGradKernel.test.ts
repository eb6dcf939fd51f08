/**
 * lifRunGrad's CPU kernel computes each row's surrogate slopes with the surrogate's compiled loop; here it
 * must give bit-for-bit what one `gradScalar` call per element gives (the straightforward form, written out
 * below), in every reset mode and for every combination of incoming cotangents, and fall back to
 * `gradScalar` for a spike function that has no expression.
 */
import { describe, expect, it } from 'vitest';
import type { GradFlags, LifAttrs } from '../../engine/opsNeuron.js';
import { lifRunGradKernel } from '../../kernels/neuron/cpu.js';
import { surrogate } from '../../index.js';
import { rng } from '../support/helpers.js';

function reference(v0: Float32Array, vs: Float32Array, dS: Float32Array | null, dV: Float32Array | null, T: number, N: number, a: LifAttrs): Float32Array[] {
  const { VTh, VReset, k, tau, coef, R } = a;
  const sg = a.spkFun.gradScalar, invK = 1 / k, decay = 1 - coef / tau, gain = (coef * R) / tau;
  const dx = new Float32Array(T * N), carry = new Float64Array(N);
  for (let t = T - 1; t >= 0; t--) {
    for (let j = 0; j < N; j++) {
      const o = t * N + j;
      let vbar = carry[j]!;
      if (dS) vbar += dS[o]! * sg((vs[o]! - VTh) * invK) * invK;
      if (dV) vbar += dV[o]!;
      dx[o] = gain * vbar;
      const pv = t > 0 ? vs[o - N]! : v0[j]!;
      const sp = sg((pv - VTh) * invK);
      const vrbar = decay * vbar;
      carry[j] = a.detachReset ? vrbar : a.reset === 'soft' ? vrbar * (1 - sp) : vrbar * (1 - (pv - VReset) * sp * invK);
    }
  }
  return [dx, Float32Array.from(carry)];
}

describe('lifRunGrad CPU kernel', () => {
  const T = 17, N = 13, r = rng(4);
  const arr = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
  const v0 = arr(N, -0.5, 1.5), vs = arr(T * N, -1, 3), dS = arr(T * N, -1, 1), dV = arr(T * N, -1, 1);
  const noExpr = { key: 'plain-tanh', gradScalar: (x: number) => 1 - Math.tanh(x) ** 2, wgslGrad: () => '' };
  const spikeFns = [new surrogate.Sigmoid({ alpha: 3 }), new surrogate.ReluGrad(), new surrogate.Arctan(), noExpr];
  for (const spkFun of spikeFns) {
    for (const [reset, detachReset] of [['soft', false], ['hard', false], ['soft', true]] as const) {
      for (const [hasDS, hasDV] of [[true, false], [false, true], [true, true]] as const) {
        it(`${String(spkFun.key)}, ${reset}${detachReset ? ' detached' : ''}, dS ${hasDS}, dV ${hasDV}`, () => {
          const a: LifAttrs & GradFlags = { tau: 7, coef: 0.93, R: 1.4, VTh: 1, VReset: -0.3, VRest: 0, k: 1.3, reset, detachReset, spkFun, hasDS, hasDV };
          const t = (data: Float32Array, shape: number[]) => ({ data, shape, dtype: 'float32' as const, size: data.length });
          const ins = [t(v0, [N]), t(vs, [T, N]), ...(hasDS ? [t(dS, [T, N])] : []), ...(hasDV ? [t(dV, [T, N])] : [])];
          const [dx, dv0] = lifRunGradKernel(ins, a, [{ shape: [T, N], dtype: 'float32' }, { shape: [N], dtype: 'float32' }]);
          const [rx, rv0] = reference(v0, vs, hasDS ? dS : null, hasDV ? dV : null, T, N, a);
          expect(Array.from(dx!)).toEqual(Array.from(rx!));
          expect(Array.from(dv0!)).toEqual(Array.from(rv0!));
        });
      }
    }
  }
});
