/**
 * What `spikegrad bench` can time, by name (bench/README.md documents each):
 * - training workloads (`seed`, `wide`, `dense`): one full training step, forward over all T steps, BPTT,
 *   Adam; the same networks and data the peers run (bench/peers/problem.ts), so rows compare directly;
 * - `onm-<n>`: the Open Neuromorphic benchmark's layer, Linear(n, n) + LIF, B = 16, T = 500, forward and
 *   backward of output.sum() (ANCHORS.md B.2); `onm` names both published sizes;
 * - kernel microbenchmarks (`matmul`, `lif`, `spike`, `conv`).
 */
import { SpikegradError, describeValue } from '../engine/errors.js';
import { PEER_WORKLOADS, type PeerWorkload } from './peers/problem.js';

export type Mode = 'sequence' | 'step';
export type BenchBackend = 'cpu' | 'webgpu';

export const MODES: readonly Mode[] = ['sequence', 'step'];
export const BACKENDS: readonly BenchBackend[] = ['cpu', 'webgpu'];

/** Set when --steps/--batch changed the sizes: such rows are not the workloads the targets speak of. */
interface Sized {
  resized?: boolean;
}

export interface TrainWorkload extends Sized {
  kind: 'train';
  name: string;
  description: string;
  /** Network, sizes and data (shared with the peers). */
  net: PeerWorkload;
  /** Whether time goes mostly into matmuls, so that GFLOP/s is the meaningful rate. */
  matmulBound: boolean;
  /** Modes run when `--modes` is not given. */
  defaultModes: readonly Mode[];
}

export interface OnmWorkload extends Sized {
  kind: 'onm';
  name: string;
  description: string;
  n: number;
  steps: number;
  batch: number;
  defaultModes: readonly Mode[];
}

export type MicroKernel = 'matmul' | 'lif' | 'spike' | 'conv';

export interface MicroWorkload extends Sized {
  kind: 'micro';
  name: MicroKernel;
  description: string;
  /** Sequence shape [T, B, n] of the lif and spike kernels. */
  steps: number;
  batch: number;
  n: number;
}

/**
 * `digits`: one training epoch of the digit classifier (train/digits.ts: 784 → 128 LIF → 10 leaky readout,
 * T = 25 rate-coded steps, batch 128, Adam) over the 8,000 training images of data.digits(), data loading and
 * spike encoding included: what a user waits for per epoch.
 */
export interface EpochWorkload extends Sized {
  kind: 'epoch';
  name: string;
  description: string;
  steps: number;
  batch: number;
  hidden: number;
  defaultModes: readonly Mode[];
}

export type Workload = TrainWorkload | OnmWorkload | MicroWorkload | EpochWorkload;

const train = (net: PeerWorkload, matmulBound: boolean, defaultModes: readonly Mode[]): TrainWorkload => ({
  kind: 'train', name: net.name, description: net.description, net, matmulBound, defaultModes,
});

export const ONM_SIZES = [4096, 16384] as const;

export function onmWorkload(n: number): OnmWorkload {
  return {
    kind: 'onm', name: `onm-${n}`, n, steps: 500, batch: 16, defaultModes: ['sequence'],
    description: `Open Neuromorphic layer: Linear(${n}, ${n}) + LIF, B=16, T=500, forward + backward of output.sum()`,
  };
}

const MICRO_SHAPE = { steps: 100, batch: 128, n: 1024 }; // the dense workload's hidden layer

/**
 * `seed` runs in both modes by default (its sequence-vs-step speedup is a target of issue 7); `wide` and
 * `dense` in sequence mode only, the mode to use: their step mode costs 7–15 s per step on this 2-core
 * machine (2–5× the sequence mode), which would push a bare `spikegrad bench` past 3 minutes. `--modes`
 * applies the modes given to every workload.
 */
export const WORKLOADS: Record<string, Workload> = {
  seed: train(PEER_WORKLOADS.seed, false, MODES),
  wide: train(PEER_WORKLOADS.wide, false, ['sequence']),
  dense: train(PEER_WORKLOADS.dense, true, ['sequence']),
  ...Object.fromEntries(ONM_SIZES.map((n) => [`onm-${n}`, onmWorkload(n)])),
  matmul: { kind: 'micro', name: 'matmul', description: 'matmul GFLOP/s by shape (square, the dense layer, the seed layers with spike input)', ...MICRO_SHAPE },
  lif: { kind: 'micro', name: 'lif', description: 'fused LIF over a sequence, forward (neuronRun) and backward (neuronRunGrad) of nn.LIF, GB/s', ...MICRO_SHAPE },
  spike: { kind: 'micro', name: 'spike', description: 'the spike op (Heaviside) and its surrogate backward (spikeGrad), GB/s', ...MICRO_SHAPE },
  conv: { kind: 'micro', name: 'conv', description: 'conv2d forward, input and weight gradient GFLOP/s on the digits CSNN\'s layers and a 128-channel 3×3 layer', ...MICRO_SHAPE },
  digits: {
    kind: 'epoch', name: 'digits', steps: 25, batch: 128, hidden: 128, defaultModes: ['sequence'],
    description: 'one training epoch of 784→128 LIF→10 readout on the 8,000 training digits, T=25 rate-coded, B=128, Adam (data and encoding included)',
  },
};

/** What a bare `spikegrad bench` runs: everything but `onm` (minutes per step on a CPU or a software GPU). */
export const DEFAULT_WORKLOADS = ['seed', 'wide', 'dense', 'matmul', 'lif', 'spike'];

/** Aliases that expand to several workloads. */
const GROUPS: Record<string, string[]> = {
  onm: ONM_SIZES.map((n) => `onm-${n}`),
  train: ['seed', 'wide', 'dense'],
  micro: ['matmul', 'lif', 'spike'],
  all: [...DEFAULT_WORKLOADS, ...ONM_SIZES.map((n) => `onm-${n}`)],
};

/** Overrides of the sizes (every workload that has them): time steps and batch. */
export interface SizeOverrides {
  steps?: number;
  batch?: number;
}

/**
 * Names → workloads, in the order given, without duplicates. Accepts the names above, the groups `onm`,
 * `train`, `micro`, `all`, and `onm-<n>` for any layer size n.
 */
export function resolveWorkloads(names: readonly string[], sizes: SizeOverrides = {}): Workload[] {
  const out: Workload[] = [];
  const seen = new Set<string>();
  const add = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    out.push(resized(lookup(name), sizes));
  };
  if (names.length === 0) throw new SpikegradError(`bench: argument '--workloads' expected at least one name (${knownNames()}), got none`);
  for (const name of names) (GROUPS[name] ?? [name]).forEach(add);
  return out;
}

function lookup(name: string): Workload {
  const w = WORKLOADS[name];
  if (w) return w;
  const m = /^onm-(\d+)$/.exec(name);
  if (m && Number(m[1]) >= 1) return onmWorkload(Number(m[1]));
  throw new SpikegradError(`bench: argument '--workloads' expected names among ${knownNames()}, got ${describeValue(name)}`);
}

function knownNames(): string {
  return [...Object.keys(WORKLOADS), ...Object.keys(GROUPS), 'onm-<n>'].join(', ');
}

function resized(w: Workload, s: SizeOverrides): Workload {
  if (s.steps === undefined && s.batch === undefined) return w;
  const steps = s.steps, batch = s.batch;
  switch (w.kind) {
    case 'train': {
      const net = { ...w.net, steps: steps ?? w.net.steps, batch: batch ?? w.net.batch };
      return { ...w, net, resized: true, description: `${w.description} (resized: T=${net.steps}, B=${net.batch})` };
    }
    case 'onm':
    case 'micro':
    case 'epoch':
      return { ...w, steps: steps ?? w.steps, batch: batch ?? w.batch, resized: true };
  }
}

/**
 * Matmul FLOPs of one training step (2 per multiply-add): the input layer forward and its weight gradient
 * (the input needs no gradient), the readout layer forward, weight gradient and input gradient.
 */
export function trainStepFlops(w: PeerWorkload): number {
  const rows = w.steps * w.batch;
  return 2 * rows * (2 * w.nIn * w.nRec + 3 * w.nRec * w.nOut);
}

/** Matmul FLOPs of one `onm` forward + backward: Linear forward and its weight gradient. */
export function onmFlops(w: OnmWorkload): number {
  return 2 * 2 * w.steps * w.batch * w.n * w.n;
}
