/**
 * The workloads the peers run, and the host data they run on.
 *
 * A `PeerWorkload` fixes the network (docs/numerics.md §0: Linear → Expon → LIF → Linear → Expon, mean-over-time readout,
 * cross-entropy, Adam). A `Problem` is one concrete instance: input, labels and parameters as float32 host
 * arrays drawn from spikegrad's own seeded generator, so every peer (and spikegrad itself) starts from
 * bit-identical data and weights.
 */
import { Generator } from '../../engine/random.js';

export interface PeerWorkload {
  name: string;
  /** Time steps T. */
  steps: number;
  /** Batch size B. */
  batch: number;
  nIn: number;
  nRec: number;
  nOut: number;
  /** 'poisson': 0/1 spikes with probability rateHz·dt; 'current': dense real-valued input in [0, 1). */
  input: 'poisson' | 'current';
  rateHz: number;
  /** Synapse, membrane and readout time constants (ms); dt = 1 ms. */
  tauSyn: number;
  tauMem: number;
  tauOut: number;
  lr: number;
  /**
   * Time steps per chunk in the peers. TF.js's wasm `slice` copies the whole tensor and jax-js fuses long
   * unrolled chains into ever larger kernels, so both get the input matmul per chunk of this many steps
   * (measured best at 10 for jax-js wasm: 63 ms vs 130 ms unchunked at T = 200).
   */
  chunk: number;
  /**
   * Batch of the correctness check: small enough that the float64 reference (plain JS) is quick and that a
   * problem with no membrane near threshold exists among a few seeds (check.ts `findCheckProblem`).
   */
  checkBatch: number;
  /** What one timed step does, in words, for tables. */
  description: string;
}

export const DT_MS = 1;

export const PEER_WORKLOADS = {
  seed: {
    name: 'seed', steps: 200, batch: 256, nIn: 100, nRec: 4, nOut: 2, input: 'poisson', rateHz: 5,
    tauSyn: 5, tauMem: 20, tauOut: 10, lr: 3e-3, chunk: 10, checkBatch: 64,
    description: 'tutorial network 100→4→2, T=200, B=256, 5 Hz Poisson input',
  },
  wide: {
    name: 'wide', steps: 200, batch: 256, nIn: 100, nRec: 512, nOut: 2, input: 'poisson', rateHz: 5,
    tauSyn: 5, tauMem: 20, tauOut: 10, lr: 3e-3, chunk: 10, checkBatch: 1,
    description: 'tutorial network with 512 hidden neurons, 100→512→2, T=200, B=256, 5 Hz Poisson input',
  },
  dense: {
    name: 'dense', steps: 100, batch: 128, nIn: 256, nRec: 1024, nOut: 10, input: 'current', rateHz: 0,
    tauSyn: 5, tauMem: 20, tauOut: 10, lr: 3e-3, chunk: 10, checkBatch: 1,
    description: '256→1024→10, T=100, B=128, dense real-valued input current',
  },
} as const satisfies Record<string, PeerWorkload>;

export type PeerWorkloadName = keyof typeof PEER_WORKLOADS;

export function getPeerWorkload(name: string): PeerWorkload {
  const w = (PEER_WORKLOADS as Record<string, PeerWorkload>)[name];
  if (!w) throw new Error(`unknown peer workload '${name}' (known: ${Object.keys(PEER_WORKLOADS).join(', ')})`);
  return w;
}

export const PARAM_NAMES = ['w1', 'b1', 'w2', 'b2'] as const;
export type ParamName = (typeof PARAM_NAMES)[number];
export type Params<T = Float32Array> = Record<ParamName, T>;

export function paramShapes(w: PeerWorkload): Record<ParamName, number[]> {
  return { w1: [w.nIn, w.nRec], b1: [w.nRec], w2: [w.nRec, w.nOut], b2: [w.nOut] };
}

/**
 * Exponential-Euler coefficients in float32, as docs/numerics.md §0 derives them: z = −dt/τ, phi = expm1(z)/z, and
 * x_next = x + phi·dt·(−x/τ + input/τ) = d·x + c·input with d = 1 − phi·dt/τ and c = phi·dt/τ.
 */
export function expEuler(tau: number): { phi: number; decay: number; gain: number } {
  const z = Math.fround(-DT_MS / tau);
  const phi = Math.fround(Math.fround(Math.expm1(z)) / z);
  return { phi, decay: Math.fround(1 - Math.fround((phi * DT_MS) / tau)), gain: Math.fround((phi * DT_MS) / tau) };
}

export interface Problem {
  workload: PeerWorkload;
  seed: number;
  /** Batch of this instance (the workload's, or its checkBatch for the correctness check). */
  batch: number;
  /** Input, [T, B, nIn] row-major. */
  x: Float32Array;
  /** Class labels in [0, nOut), [B]. */
  labels: Int32Array;
  params: Params;
}

export interface ProblemOptions {
  seed?: number;
  batch?: number;
  /**
   * 'init': the training start (KaimingNormal weights, zero biases; in `seed` no hidden neuron spikes yet,
   * so dW2 is exactly 0 there). 'active': larger input weights and random biases so neurons spike and every
   * gradient is non-trivial, which is what a correctness check needs.
   */
  params?: 'init' | 'active';
}

/** Draws a problem: W1, W2 (as the tutorial draws them, first), then the input, then the labels, then biases. */
export function makeProblem(w: PeerWorkload, opts: ProblemOptions = {}): Problem {
  const seed = opts.seed ?? 0;
  const g = new Generator(seed);
  const batch = opts.batch ?? w.batch;
  const active = opts.params === 'active';
  const normal = (n: number, std: number, mean = 0): Float32Array => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = mean + std * g.nextNormal();
    return a;
  };
  // KaimingNormal, braintools >= 0.2: std = sqrt(2 / fan_in) (docs/numerics.md §5).
  const w1 = normal(w.nIn * w.nRec, Math.sqrt(2 / w.nIn) * (active ? activeGain(w) : 1));
  const w2 = normal(w.nRec * w.nOut, Math.sqrt(2 / w.nRec));
  const x = new Float32Array(w.steps * batch * w.nIn);
  if (w.input === 'poisson') {
    const p = (w.rateHz * DT_MS) / 1000;
    for (let i = 0; i < x.length; i++) x[i] = g.nextFloat32() < p ? 1 : 0;
  } else {
    for (let i = 0; i < x.length; i++) x[i] = g.nextFloat32();
  }
  const labels = new Int32Array(batch);
  for (let b = 0; b < batch; b++) labels[b] = w.nOut === 2 ? (g.nextFloat32() < 0.5 ? 1 : 0) : Math.floor(g.nextFloat64() * w.nOut);
  const b1 = active ? normal(w.nRec, 0.1, 0.25) : new Float32Array(w.nRec);
  const b2 = active ? normal(w.nOut, 0.1) : new Float32Array(w.nOut);
  return { workload: w, seed, batch, x, labels, params: { w1, b1, w2, b2 } };
}

/** Input-weight gain that makes a good share of hidden neurons spike (sparse Poisson input needs more). */
function activeGain(w: PeerWorkload): number {
  return w.input === 'poisson' ? 8 : 1;
}

/** Splits [T, B, nIn] into chunks of `chunk` steps (the last may be shorter), each [k·B, nIn]. */
export function timeChunks(p: Problem, chunk: number): { steps: number; data: Float32Array }[] {
  const { steps, nIn } = p.workload;
  const row = p.batch * nIn;
  const out: { steps: number; data: Float32Array }[] = [];
  for (let t = 0; t < steps; t += chunk) {
    const k = Math.min(chunk, steps - t);
    out.push({ steps: k, data: p.x.subarray(t * row, (t + k) * row) });
  }
  return out;
}
