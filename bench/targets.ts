/**
 * The targets of issue 7 §5, judged from the rows of one run (ratios measured side by side):
 * - sequence mode at least 10× faster than step mode on WebGPU for `seed`;
 * - spikegrad's best backend at least 10× faster than the best peer on `seed`, and faster on `dense`;
 * - on `dense`, the WebGPU matmul-bound steps at 25 GFLOP/s or more.
 * A target whose rows are missing from the run says which option would measure it. Rows resized with
 * --steps/--batch do not count: the targets speak of the workloads at their own sizes.
 */
import type { PeerRow } from './peerRows.js';
import type { CaseRow } from './suite.js';

export interface TargetResult {
  id: string;
  description: string;
  goal: number;
  /** The measured figure (a speedup or GFLOP/s), or undefined when the run lacks the rows. */
  value?: number;
  met?: boolean;
  /** Why no value: which rows are missing. */
  missing?: string;
}

const median = (r: CaseRow) => r.result?.medianMs;

function find(rows: readonly CaseRow[], workload: string, backend: string, mode: string): CaseRow | undefined {
  return rows.find((r) => r.workload === workload && r.backend === backend && r.mode === mode && r.result);
}

/** spikegrad's fastest training-step row of a workload (any backend, any mode). */
export function bestOwn(rows: readonly CaseRow[], workload: string): CaseRow | undefined {
  return rows.filter((r) => r.workload === workload && r.mode && r.result).sort((a, b) => median(a)! - median(b)!)[0];
}

export function bestPeer(peers: readonly PeerRow[], workload: string): PeerRow | undefined {
  return peers.filter((p) => p.job.workload.name === workload && p.stats && !p.error).sort((a, b) => a.stats!.medianMs - b.stats!.medianMs)[0];
}

function judge(t: Omit<TargetResult, 'met'>): TargetResult {
  return t.value === undefined ? t : { ...t, met: t.value >= t.goal };
}

export function evaluateTargets(allRows: readonly CaseRow[], peers: readonly PeerRow[]): TargetResult[] {
  const rows = allRows.filter((r) => !r.resized);
  const seqStep = (() => {
    const seq = find(rows, 'seed', 'webgpu', 'sequence'), step = find(rows, 'seed', 'webgpu', 'step');
    return seq && step ? median(step)! / median(seq)! : undefined;
  })();
  const vsPeer = (workload: string) => {
    const own = bestOwn(rows, workload), peer = bestPeer(peers, workload);
    return own && peer ? peer.stats!.medianMs / median(own)! : undefined;
  };
  const denseGflops = Math.max(...rows.filter((r) => r.workload === 'dense' && r.backend === 'webgpu' && r.result?.gflops).map((r) => r.result!.gflops!));
  return [
    judge({
      id: 'seed-sequence-vs-step-webgpu', description: 'seed, WebGPU: sequence mode ≥ 10× faster than step mode', goal: 10, value: seqStep,
      ...(seqStep === undefined ? { missing: 'needs seed on webgpu in both modes' } : {}),
    }),
    judge({
      id: 'seed-vs-best-peer', description: 'seed: spikegrad best ≥ 10× faster than the best peer', goal: 10, value: vsPeer('seed'),
      ...(vsPeer('seed') === undefined ? { missing: 'needs --peers with seed' } : {}),
    }),
    judge({
      id: 'dense-vs-best-peer', description: 'dense: spikegrad best faster than the best peer', goal: 1, value: vsPeer('dense'),
      ...(vsPeer('dense') === undefined ? { missing: 'needs --peers with dense' } : {}),
    }),
    judge({
      id: 'dense-webgpu-gflops', description: 'dense, WebGPU: ≥ 25 GFLOP/s per step (matmul FLOPs)', goal: 25,
      value: Number.isFinite(denseGflops) ? denseGflops : undefined,
      ...(Number.isFinite(denseGflops) ? {} : { missing: 'needs dense on webgpu' }),
    }),
  ];
}
