/**
 * Float64 loss and gradients of the workload network, by hand-written BPTT (docs/numerics.md §1 "Backward pass implied by
 * autodiff"). This is what every peer is checked against; it shares no code with any framework.
 *
 * Forward per step (docs/numerics.md §0, in float64, with phi = expm1(z)/z, z = −dt/τ):
 *   h_t = x_t W1 + b1;  g_t = g + phi_s·(−g/τ_s) + h_t
 *   s'_t = S(V_{t−1} − 1);  V'_t = V_{t−1} − s'_t;  V_t = V'_t + phi_m·((−V'_t + g_t)/τ_m);  s_t = S(V_t − 1)
 *   o_t = s_t W2 + b2;  y_t = y + phi_o·(−y/τ_o) + o_t;  P = mean_t y_t;  loss = mean_b CE(P_b, label_b)
 * S is the spike's forward (Heaviside for the peers) and S' its surrogate derivative. The backward equations
 * only use S' and the forward values, so a smooth S (its own derivative as S') makes the gradient exact, which
 * is how the tests check this code against finite differences.
 */
import { PARAM_NAMES, type Params, type Problem } from './problem.js';

export interface SpikeFunction {
  name: string;
  forward(x: number): number;
  /** dS/dx as the backward pass uses it. */
  grad(x: number): number;
}

/** braintools ReluGrad(alpha=0.3, width=1): Heaviside forward (x = 0 spikes), triangle derivative (docs/numerics.md §3). */
export const RELU_GRAD: SpikeFunction = {
  name: 'ReluGrad',
  forward: (x) => (x >= 0 ? 1 : 0),
  grad: (x) => Math.max(0.3 - 0.3 * Math.abs(x), 0),
};

export interface ReferenceResult {
  loss: number;
  grads: Params<Float64Array>;
  /** Fraction of hidden (step, sample, neuron) entries that spiked. */
  spikeRate: number;
  /**
   * Smallest |V_t − 1| over the run. A float32 peer can only disagree on a spike where V is this close to
   * threshold, so a tiny margin explains a failed check.
   */
  thresholdMargin: number;
}

function phi(tau: number): number {
  const z = -1 / tau;
  return Math.expm1(z) / z;
}

/** `params` overrides the problem's float32 parameters (finite differences need float64 perturbations). */
export function referenceLossAndGrads(p: Problem, spike: SpikeFunction = RELU_GRAD, params?: Params<Float64Array>): ReferenceResult {
  const w = p.workload;
  const { steps: T, nIn, nRec, nOut } = w;
  const B = p.batch;
  const P = params ?? (Object.fromEntries(PARAM_NAMES.map((k) => [k, Float64Array.from(p.params[k])])) as Params<Float64Array>);
  const phiS = phi(w.tauSyn), phiM = phi(w.tauMem), phiO = phi(w.tauOut);
  const nr = B * nRec, no = B * nOut;

  // Forward. Kept for the backward pass: V_t (for S'), s_t (for dW2).
  const V = new Float64Array(T * nr), S = new Float64Array(T * nr);
  const g = new Float64Array(nr), v = new Float64Array(nr), y = new Float64Array(no), ySum = new Float64Array(no);
  const h = new Float64Array(nr);
  let spikes = 0, margin = Infinity;
  for (let t = 0; t < T; t++) {
    const xt = t * B * nIn;
    linear(p.x, xt, P.w1, P.b1, B, nIn, nRec, h);
    for (let i = 0; i < nr; i++) {
      g[i] = g[i]! + phiS * (-g[i]! / w.tauSyn) + h[i]!;
      const vr = v[i]! - spike.forward(v[i]! - 1);
      const vi = vr + phiM * ((-vr + g[i]!) / w.tauMem);
      v[i] = vi;
      V[t * nr + i] = vi;
      const s = spike.forward(vi - 1);
      S[t * nr + i] = s;
      if (vi >= 1) spikes++;
      margin = Math.min(margin, Math.abs(vi - 1));
    }
    for (let b = 0; b < B; b++) {
      for (let o = 0; o < nOut; o++) {
        let acc = P.b2[o]!;
        for (let r = 0; r < nRec; r++) acc += S[t * nr + b * nRec + r]! * P.w2[r * nOut + o]!;
        const k = b * nOut + o;
        y[k] = y[k]! + phiO * (-y[k]! / w.tauOut) + acc;
        ySum[k] = ySum[k]! + y[k]!;
      }
    }
  }

  // Loss: max-shifted log-sum-exp cross entropy of the time-averaged readout, mean over the batch (docs/numerics.md §7).
  const dP = new Float64Array(no);
  let loss = 0;
  for (let b = 0; b < B; b++) {
    let m = -Infinity;
    for (let o = 0; o < nOut; o++) m = Math.max(m, ySum[b * nOut + o]! / T);
    let z = 0;
    for (let o = 0; o < nOut; o++) z += Math.exp(ySum[b * nOut + o]! / T - m);
    loss += Math.log(z) + m - ySum[b * nOut + p.labels[b]!]! / T;
    for (let o = 0; o < nOut; o++) {
      const sm = Math.exp(ySum[b * nOut + o]! / T - m) / z;
      dP[b * nOut + o] = (sm - (o === p.labels[b] ? 1 : 0)) / B;
    }
  }
  loss /= B;

  // Backward (docs/numerics.md §1), reverse time; the "next" adjoints start at zero.
  const dS = 1 - phiS / w.tauSyn, dM = 1 - phiM / w.tauMem, cM = phiM / w.tauMem, dO = 1 - phiO / w.tauOut;
  const grads = {
    w1: new Float64Array(nIn * nRec), b1: new Float64Array(nRec), w2: new Float64Array(nRec * nOut), b2: new Float64Array(nOut),
  };
  const yBar = new Float64Array(no), vResetBar = new Float64Array(nr), gBar = new Float64Array(nr);
  for (let t = T - 1; t >= 0; t--) {
    for (let k = 0; k < no; k++) yBar[k] = dP[k]! / T + dO * yBar[k]!;
    for (let b = 0; b < B; b++) {
      for (let r = 0; r < nRec; r++) {
        const i = b * nRec + r;
        const st = S[t * nr + i]!;
        let sBar = 0;
        for (let o = 0; o < nOut; o++) {
          const oBar = yBar[b * nOut + o]!;
          grads.w2[r * nOut + o]! += st * oBar;
          sBar += oBar * P.w2[r * nOut + o]!;
        }
        const sg = spike.grad(V[t * nr + i]! - 1);
        // Output spike, plus the next step's soft reset V'_{t+1} = V_t − S(V_t − 1) (not detached).
        const vBar = sBar * sg + vResetBar[i]! * (1 - sg);
        vResetBar[i] = dM * vBar;
        gBar[i] = cM * vBar + dS * gBar[i]!;
      }
    }
    for (let k = 0; k < no; k++) grads.b2[k % nOut]! += yBar[k]!;
    const xt = t * B * nIn;
    for (let b = 0; b < B; b++) {
      for (let r = 0; r < nRec; r++) grads.b1[r]! += gBar[b * nRec + r]!;
      for (let j = 0; j < nIn; j++) {
        const xv = p.x[xt + b * nIn + j]!;
        if (xv === 0) continue; // Poisson input is 0.5 % dense
        for (let r = 0; r < nRec; r++) grads.w1[j * nRec + r]! += xv * gBar[b * nRec + r]!;
      }
    }
  }
  return { loss, grads, spikeRate: spikes / (T * nr), thresholdMargin: margin };
}

/** out[b, :] = x[off + b·nIn, :] W + bias, skipping zero inputs. */
function linear(x: Float32Array, off: number, W: Float64Array, bias: Float64Array, B: number, nIn: number, nOut: number, out: Float64Array): void {
  for (let b = 0; b < B; b++) {
    const o = b * nOut;
    for (let r = 0; r < nOut; r++) out[o + r] = bias[r]!;
    for (let j = 0; j < nIn; j++) {
      const xv = x[off + b * nIn + j]!;
      if (xv === 0) continue;
      const wr = j * nOut;
      for (let r = 0; r < nOut; r++) out[o + r]! += xv * W[wr + r]!;
    }
  }
}
