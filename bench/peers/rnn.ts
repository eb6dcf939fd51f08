/**
 * The `rnn` workload as the peers run it (issue 14): a recurrent LIF layer, n = 256, B = 32, T = 1,000, 64
 * Poisson inputs, forward + backward of the mean of its spikes (the gradients of W_in, b and W_rec; no
 * optimizer step). The network is snnTorch's `RLeaky` (all-to-all, reset by subtraction), in exact arithmetic:
 *   I_t = x_t·W_in + b + s_{t−1}·W_rec,   V_t = β·V_{t−1} + I_t − s_{t−1},   s_t = H(V_t − 1),
 *   loss = mean over (t, b, i) of s_t,   s_0 = V_0 = 0,
 * where the reset term s_{t−1} = H(V_{t−1} − 1) is detached (snnTorch's `mem_reset`) and the spike's surrogate
 * derivative is snnTorch's arctan with α = 2: σ'(x) = (α/2) / (1 + (π/2·α·x)²).
 *
 * spikegrad computes the same function with nn.Recurrent over nn.LIF at dt = 1 ms with τ = −1/ln β,
 * R = 1/(1 − β), V_th = 1, V_reset = 1 − 1/β, spkFun surrogate.atan({ alpha: 2/β }), detachReset (see
 * `rnnSpikegradLif`): its soft reset subtracts k·s with k = V_th − V_reset = 1/β before the decay, so
 * β·(V − s/β) + I = β·V − s + I; its surrogate sees u = (V − 1)/k = β·(V − 1) and BPTT uses σ'_α'(u)/k, which
 * with α' = 2/β is (1/β)/(1 + (π·(V − 1))²)·β = σ'(V − 1) above. test/bench/rnnPeer.test.ts checks the float64
 * reference below against spikegrad's own autodiff of that layer in float64.
 *
 * The data and weights are drawn by spikegrad's generator (makeRnnProblem) and handed to the Python peers
 * (bench/peers/python/peer.py, workload 'rnn') in a safetensors file; their loss and gradients on the check
 * problem are compared with `rnnReference` exactly as the other workloads' peers are (check.ts compareGrads).
 */
import { Generator } from '../../engine/random.js';
import type { PeerWorkload } from './problem.js';

/** The rnn workload: the shared PeerWorkload fields (nRec = n; no synapse, no readout, no optimizer) and β. */
export interface RnnPeerWorkload extends PeerWorkload {
  /** Membrane decay per step (snnTorch's β); tauMem = −1/ln β. */
  beta: number;
  /** Time steps of the check problem (its batch is checkBatch). */
  checkSteps: number;
}

const BETA = 0.95;

export const RNN_PEER_WORKLOAD: RnnPeerWorkload = {
  name: 'rnn', steps: 1000, batch: 32, nIn: 64, nRec: 256, nOut: 0, input: 'poisson', rateHz: 50,
  tauSyn: 0, tauMem: -1 / Math.log(BETA), tauOut: 0, lr: 0, chunk: 1000, checkBatch: 1, checkSteps: 1000, beta: BETA,
  description: 'recurrent LIF layer (snnTorch RLeaky, all-to-all) 64→256, T=1000, B=32, 50 Hz Poisson input, forward + backward of the mean spike',
};

export const RNN_PARAM_NAMES = ['w_in', 'b', 'w_rec'] as const;
export type RnnParamName = (typeof RNN_PARAM_NAMES)[number];

export interface RnnProblem {
  workload: RnnPeerWorkload;
  seed: number;
  steps: number;
  batch: number;
  /** Input spikes [T, B, nIn], row-major. */
  x: Float32Array;
  /** W_in [nIn, n], b [n], W_rec [n, n] ([from, to], spikegrad's layout; torch's nn.Linear holds the transposes). */
  params: Record<RnnParamName, Float32Array>;
}

/**
 * Draws a problem: W_in ~ N(0.02, 0.1²), W_rec ~ N(0, (0.1/√n)²), then the Poisson input (p = rateHz·1 ms), b = 0.
 * About 5 % of the (t, b, i) entries spike (a population in its working range, not silent and not saturated),
 * so every gradient is non-trivial. W_rec is that small because the surrogate gradient through 1,000 steps of
 * recurrence grows as (β + ρ(W_rec)·mean σ')^T: at 0.5/√n (spectral radius ≈ 0.5) the float64 gradients reach
 * 1e41, at 0.2/√n 3e4, at 0.1/√n they stay of the order of the feed-forward part (max |dW_in| ≈ 7e-3).
 */
export function makeRnnProblem(w: RnnPeerWorkload, opts: { seed?: number; batch?: number; steps?: number } = {}): RnnProblem {
  const seed = opts.seed ?? 0, batch = opts.batch ?? w.batch, steps = opts.steps ?? w.steps;
  const g = new Generator(seed);
  const normal = (k: number, mean: number, std: number) => Float32Array.from({ length: k }, () => mean + std * g.nextNormal());
  const wIn = normal(w.nIn * w.nRec, 0.02, 0.1);
  const wRec = normal(w.nRec * w.nRec, 0, 0.1 / Math.sqrt(w.nRec));
  const p = w.rateHz / 1000;
  const x = new Float32Array(steps * batch * w.nIn);
  for (let i = 0; i < x.length; i++) x[i] = g.nextFloat32() < p ? 1 : 0;
  return { workload: w, seed, steps, batch, x, params: { w_in: wIn, b: new Float32Array(w.nRec), w_rec: wRec } };
}

/** snnTorch's arctan surrogate derivative, α = 2 (snntorch.surrogate.atan()). */
export function atanGrad(x: number, alpha = 2): number {
  const u = (Math.PI / 2) * alpha * x;
  return alpha / 2 / (1 + u * u);
}

export interface RnnReference {
  loss: number;
  grads: Record<RnnParamName, Float64Array>;
  /** Fraction of (t, b, i) entries that spiked. */
  spikeRate: number;
  /** Smallest |V_t − 1|: a float32 peer can decide a spike differently only where V is this close to threshold. */
  thresholdMargin: number;
}

/**
 * Loss and gradients of the workload in float64, by hand-written BPTT (shares no code with any framework):
 *   s̄_t = 1/N + Ī_{t+1}·W_recᵀ,   V̄_t = s̄_t·σ'(V_t − 1) + β·V̄_{t+1},   Ī_t = V̄_t
 * (the detached reset passes no gradient), dW_in = Σ_t x_tᵀ Ī_t, db = Σ_{t,b} Ī_t, dW_rec = Σ_t s_{t−1}ᵀ Ī_t.
 */
export function rnnReference(p: RnnProblem): RnnReference {
  const { nIn, nRec: n, beta } = p.workload;
  const T = p.steps, B = p.batch, nb = B * n, N = T * nb;
  const W = { w_in: Float64Array.from(p.params.w_in), b: Float64Array.from(p.params.b), w_rec: Float64Array.from(p.params.w_rec) };
  const V = new Float64Array(T * nb), S = new Float64Array(T * nb);
  const v = new Float64Array(nb), cur = new Float64Array(nb);
  let spikes = 0, margin = Infinity;
  for (let t = 0; t < T; t++) {
    const prev = t > 0 ? S.subarray((t - 1) * nb, t * nb) : null;
    for (let b = 0; b < B; b++) {
      const o = b * n;
      for (let i = 0; i < n; i++) cur[o + i] = W.b[i]!;
      for (let j = 0; j < nIn; j++) {
        const xv = p.x[(t * B + b) * nIn + j]!;
        if (xv !== 0) for (let i = 0; i < n; i++) cur[o + i]! += xv * W.w_in[j * n + i]!;
      }
      if (prev) {
        for (let j = 0; j < n; j++) {
          if (prev[o + j] !== 0) for (let i = 0; i < n; i++) cur[o + i]! += W.w_rec[j * n + i]!;
        }
      }
    }
    for (let k = 0; k < nb; k++) {
      const vk = beta * v[k]! + cur[k]! - (prev ? prev[k]! : 0);
      v[k] = vk;
      V[t * nb + k] = vk;
      const s = vk >= 1 ? 1 : 0;
      S[t * nb + k] = s;
      spikes += s;
      margin = Math.min(margin, Math.abs(vk - 1));
    }
  }
  const grads = { w_in: new Float64Array(nIn * n), b: new Float64Array(n), w_rec: new Float64Array(n * n) };
  const vBar = new Float64Array(nb), iNext = new Float64Array(nb);
  for (let t = T - 1; t >= 0; t--) {
    for (let b = 0; b < B; b++) {
      const o = b * n;
      for (let i = 0; i < n; i++) {
        let sBar = 1 / N;
        if (t < T - 1) for (let j = 0; j < n; j++) sBar += iNext[o + j]! * W.w_rec[i * n + j]!;
        const k = o + i;
        vBar[k] = sBar * atanGrad(V[t * nb + k]! - 1) + beta * vBar[k]!;
      }
    }
    // Ī_t = V̄_t: into the weights, and the next (earlier) step's s̄ through W_rec.
    for (let b = 0; b < B; b++) {
      const o = b * n;
      for (let i = 0; i < n; i++) grads.b[i]! += vBar[o + i]!;
      for (let j = 0; j < nIn; j++) {
        const xv = p.x[(t * B + b) * nIn + j]!;
        if (xv !== 0) for (let i = 0; i < n; i++) grads.w_in[j * n + i]! += xv * vBar[o + i]!;
      }
      if (t > 0) {
        for (let j = 0; j < n; j++) {
          if (S[(t - 1) * nb + o + j] !== 0) for (let i = 0; i < n; i++) grads.w_rec[j * n + i]! += vBar[o + i]!;
        }
      }
    }
    iNext.set(vBar);
  }
  return { loss: spikes / N, grads, spikeRate: spikes / N, thresholdMargin: margin };
}

/**
 * The check problem: batch checkBatch, checkSteps steps, from the first seed at or after `seed` whose float64
 * run keeps every membrane CHECK_MARGIN (check.ts) away from threshold, so a float32 peer decides every
 * spike as float64 does.
 */
export function findRnnCheckProblem(w: RnnPeerWorkload, seed: number, margin: number, tries = 64): { problem: RnnProblem; reference: RnnReference } {
  for (let k = 0; k < tries; k++) {
    const problem = makeRnnProblem(w, { seed: seed + k, batch: w.checkBatch, steps: w.checkSteps });
    const reference = rnnReference(problem);
    if (reference.thresholdMargin >= margin) return { problem, reference };
  }
  throw new Error(`no check problem for '${w.name}' among seeds ${seed}..${seed + tries - 1} keeps membranes ${margin} from threshold`);
}

/**
 * nn.LIF options under which spikegrad's nn.Recurrent computes this workload's function (see the file's note);
 * the caller makes the layer: new nn.Recurrent(nIn, new nn.LIF(n, rnnSpikegradLif(β, surrogate.atan)), …).
 */
export function rnnSpikegradLif<S>(beta: number, atan: (o: { alpha: number }) => S) {
  return { tau: -1 / Math.log(beta), R: 1 / (1 - beta), VTh: 1, VReset: 1 - 1 / beta, spkFun: atan({ alpha: 2 / beta }), detachReset: true };
}
