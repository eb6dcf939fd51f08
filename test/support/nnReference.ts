/**
 * The seed network of docs/numerics.md §0 (Linear → Expon τ1 → LIF → Linear → Expon τ2, loss = mean_b CE(mean_t y))
 * and its gradients by hand-written BPTT from docs/numerics.md §1's backward equations, in float64 plain loops. It uses
 * nothing of spikegrad: no tensors, no autodiff, no kernels, its own exprel. The tests compare the engine's
 * step and sequence modes against it.
 */

export interface SeedParams {
  nIn: number; nRec: number; nOut: number;
  W1: Float64Array; b1: Float64Array; W2: Float64Array; b2: Float64Array;
}

export interface SeedConfig {
  tauSyn: number; tauMem: number; tauOut: number;
  VTh: number; VReset: number; VRest: number; R: number;
  reset: 'soft' | 'hard';
  /** σ'(u) of the surrogate (docs/numerics.md §3 formula), u = (V − V_th)/(V_th − V_reset). */
  sg: (u: number) => number;
  dt: number;
}

export const TUTORIAL: Omit<SeedConfig, 'sg'> = { tauSyn: 5, tauMem: 20, tauOut: 10, VTh: 1, VReset: 0, VRest: 0, R: 1, reset: 'soft', dt: 1 };

/** phi = expm1(z)/z with z = −dt/τ (docs/numerics.md §0): the exp-Euler factor. */
const phiOf = (tau: number, dt: number): number => Math.expm1(-dt / tau) / (-dt / tau);

export interface SeedResult {
  loss: number;
  spikes: Uint8Array; // [T, B, nRec]
  /** The hidden layer's membrane after each step's integration [T, B, nRec] (what LIF's V holds). */
  V: Float64Array;
  grads: { W1: Float64Array; b1: Float64Array; W2: Float64Array; b2: Float64Array };
}

/** x: [T, B, nIn] row-major 0/1 (any numbers), labels: [B]. */
export function seedReference(p: SeedParams, c: SeedConfig, x: ArrayLike<number>, labels: ArrayLike<number>, T: number, B: number): SeedResult {
  const { nIn, nRec, nOut, W1, b1, W2, b2 } = p;
  const dt = c.dt;
  const phiS = phiOf(c.tauSyn, dt), phiM = phiOf(c.tauMem, dt), phiO = phiOf(c.tauOut, dt);
  const k = c.VTh - c.VReset;
  const H = (z: number) => (z >= 0 ? 1 : 0);
  // Forward, keeping V_t (after integration) and s_t for the backward pass.
  const V = new Float64Array(T * B * nRec), S = new Uint8Array(T * B * nRec);
  const g = new Float64Array(B * nRec), v = new Float64Array(B * nRec).fill(0), y = new Float64Array(B * nOut);
  const P = new Float64Array(B * nOut);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      for (let r = 0; r < nRec; r++) {
        let h = b1[r]!;
        for (let i = 0; i < nIn; i++) h += x[(t * B + b) * nIn + i]! * W1[i * nRec + r]!;
        const q = b * nRec + r;
        g[q] = g[q]! + dt * phiS * (-g[q]! / c.tauSyn) + h;
        const last = v[q]!;
        const sPrev = H((last - c.VTh) / k);
        const vr = c.reset === 'soft' ? last - k * sPrev : last - (last - c.VReset) * sPrev;
        const vn = vr + dt * phiM * ((-vr + c.VRest + c.R * g[q]!) / c.tauMem);
        v[q] = vn;
        V[t * B * nRec + q] = vn;
        S[t * B * nRec + q] = H((vn - c.VTh) / k);
      }
      for (let o = 0; o < nOut; o++) {
        let out = b2[o]!;
        for (let r = 0; r < nRec; r++) out += S[(t * B + b) * nRec + r]! * W2[r * nOut + o]!;
        const q = b * nOut + o;
        y[q] = y[q]! + dt * phiO * (-y[q]! / c.tauOut) + out;
        P[q] = P[q]! + y[q]! / T;
      }
    }
  }
  // Loss and dL/dP = (softmax(P) − onehot)/B.
  let loss = 0;
  const dP = new Float64Array(B * nOut);
  for (let b = 0; b < B; b++) {
    let m = -Infinity;
    for (let o = 0; o < nOut; o++) m = Math.max(m, P[b * nOut + o]!);
    let z = 0;
    for (let o = 0; o < nOut; o++) z += Math.exp(P[b * nOut + o]! - m);
    loss += (Math.log(z) + m - P[b * nOut + labels[b]!]!) / B;
    for (let o = 0; o < nOut; o++) dP[b * nOut + o] = (Math.exp(P[b * nOut + o]! - m) / z - (o === labels[b] ? 1 : 0)) / B;
  }
  // Backward (docs/numerics.md §1), reverse time; d = ∂state_t/∂state'_t, cM = ∂V_t/∂g_t.
  const dS = 1 - (dt * phiS) / c.tauSyn, dM = 1 - (dt * phiM) / c.tauMem, dO = 1 - (dt * phiO) / c.tauOut;
  const cM = (dt * phiM * c.R) / c.tauMem;
  const gW1 = new Float64Array(nIn * nRec), gb1 = new Float64Array(nRec), gW2 = new Float64Array(nRec * nOut), gb2 = new Float64Array(nOut);
  const ybar = new Float64Array(B * nOut), gbar = new Float64Array(B * nRec), vrNext = new Float64Array(B * nRec);
  for (let t = T - 1; t >= 0; t--) {
    for (let b = 0; b < B; b++) {
      for (let o = 0; o < nOut; o++) {
        const q = b * nOut + o;
        ybar[q] = dP[q]! / T + dO * ybar[q]!;
        gb2[o]! += ybar[q]!;
        for (let r = 0; r < nRec; r++) gW2[r * nOut + o]! += S[(t * B + b) * nRec + r]! * ybar[q]!;
      }
      for (let r = 0; r < nRec; r++) {
        const q = b * nRec + r;
        const vt = V[t * B * nRec + q]!;
        const sgt = c.sg((vt - c.VTh) / k);
        let sbar = 0;
        for (let o = 0; o < nOut; o++) sbar += ybar[b * nOut + o]! * W2[r * nOut + o]!;
        // Output spike s_t, plus the next step's reset through s'_{t+1} = H(u(V_t)) (NOT detached).
        const resetSlope = c.reset === 'soft' ? sgt : ((vt - c.VReset) * sgt) / k;
        const vbar = (sbar * sgt) / k + vrNext[q]! * (1 - resetSlope);
        vrNext[q] = dM * vbar; // V̄'_t
        gbar[q] = cM * vbar + dS * gbar[q]!;
        gb1[r]! += gbar[q]!;
        for (let i = 0; i < nIn; i++) {
          const xv = x[(t * B + b) * nIn + i]!;
          if (xv !== 0) gW1[i * nRec + r]! += xv * gbar[q]!;
        }
      }
    }
  }
  return { loss, spikes: S, V, grads: { W1: gW1, b1: gb1, W2: gW2, b2: gb2 } };
}
