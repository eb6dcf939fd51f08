/** The peers, and what the parent asks a child process to do and what it answers (plain JSON both ways). */
import type { CheckResult } from './check.js';
import type { PeerWorkload } from './problem.js';

/** JavaScript peers run in a Node child (child.ts); Python ones in bench/peers/python's environment (python.ts). */
export type PeerFramework = 'tfjs' | 'jaxjs' | 'pytorch' | 'snntorch' | 'brainpy';
export const PYTHON_FRAMEWORKS: readonly PeerFramework[] = ['pytorch', 'snntorch', 'brainpy'];
export const isPythonPeer = (spec: Pick<PeerSpec, 'framework'>): boolean => PYTHON_FRAMEWORKS.includes(spec.framework);

export interface PeerSpec {
  framework: PeerFramework;
  backend: 'cpu' | 'wasm' | 'webgpu';
}

/** Every peer configuration the benchmark knows, by id ('tfjs-wasm', …). */
export const PEERS = {
  'tfjs-cpu': { framework: 'tfjs', backend: 'cpu' },
  'tfjs-wasm': { framework: 'tfjs', backend: 'wasm' },
  'tfjs-webgpu': { framework: 'tfjs', backend: 'webgpu' },
  'jaxjs-wasm': { framework: 'jaxjs', backend: 'wasm' },
  'jaxjs-webgpu': { framework: 'jaxjs', backend: 'webgpu' },
  'pytorch-cpu': { framework: 'pytorch', backend: 'cpu' },
  'snntorch-cpu': { framework: 'snntorch', backend: 'cpu' },
  'brainpy-cpu': { framework: 'brainpy', backend: 'cpu' },
} as const satisfies Record<string, PeerSpec>;

export type PeerId = keyof typeof PEERS;

/**
 * Peers run by default: all five on `seed`; on `dense` and `wide` the two wasm ones, the fastest there. The
 * others are opt-in (`--peers all`) because on this 2-core machine without a GPU one `dense` step takes
 * 12–13 s on lavapipe for either WebGPU peer (jax-js's first step, compiling, 68 s), and TF.js cpu takes
 * many seconds per step on `dense` and 24 s on `wide` (ANCHORS.md §E).
 */
export function defaultPeers(workload: string): PeerId[] {
  if (workload === 'digits') return ['snntorch-cpu'];
  if (workload === 'rnn') return ['snntorch-cpu', 'brainpy-cpu'];
  const js = (Object.keys(PEERS) as PeerId[]).filter((id) => !isPythonPeer(PEERS[id]));
  const python: PeerId[] = ['pytorch-cpu', 'brainpy-cpu'];
  return workload === 'seed' ? [...js, ...python] : workload === 'wide' ? ['tfjs-wasm', 'jaxjs-wasm', ...python] : ['tfjs-wasm', 'jaxjs-wasm'];
}

/** The peers that have a version of a workload: the Python ones only of some. */
export function peerRuns(id: PeerId, workload: string): boolean {
  switch (PEERS[id].framework) {
    case 'snntorch': return workload === 'digits' || workload === 'rnn';
    case 'pytorch': return workload === 'seed' || workload === 'wide';
    case 'brainpy': return workload === 'seed' || workload === 'wide' || workload === 'rnn';
    default: return workload !== 'digits' && workload !== 'rnn';
  }
}

export const FRAMEWORK_NAMES: Record<PeerFramework, string> = { tfjs: 'TF.js', jaxjs: 'jax-js', pytorch: 'PyTorch', snntorch: 'snnTorch', brainpy: 'BrainPy' };

export interface PeerJob extends PeerSpec {
  workload: PeerWorkload;
  /** Seed of the data and weights (spikegrad's generator). */
  seed: number;
  /** Untimed steps after the first (the first compiles and is reported on its own). */
  warmup: number;
  /** Timed steps: at least minIters, then more while the budget lasts, at most maxIters. */
  minIters: number;
  maxIters: number;
  budgetMs: number;
  /** Check loss and gradients against the float64 reference first. */
  check: boolean;
}

export interface StepStats {
  n: number;
  medianMs: number;
  p90Ms: number;
  meanMs: number;
  minMs: number;
}

export type PeerMessage =
  | { type: 'ready'; version: string; device: string }
  | { type: 'check'; check: CheckResult }
  | { type: 'result'; firstStepMs: number; stats: StepStats; losses: number[] }
  | { type: 'error'; message: string };

/** Median, p90 (nearest rank) and mean of step times. */
export function stepStats(times: number[]): StepStats {
  const s = [...times].sort((a, b) => a - b);
  const rank = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  const median = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return { n: s.length, medianMs: median, p90Ms: rank(0.9), meanMs: s.reduce((a, b) => a + b, 0) / s.length, minMs: s[0]! };
}
