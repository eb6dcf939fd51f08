/** Tables and JSON lines for peer results. */
import { fmtMs, fmtSci, formatTable, type Column } from '../table.js';
import type { PeerResult } from './run.js';

export function checkSummary(r: PeerResult): string {
  if (!r.check) return r.job.check ? '—' : 'skipped';
  const c = r.check;
  return `${c.ok ? 'ok' : 'FAIL'} ${fmtSci(c.worstRelErr)}`;
}

export const PEER_COLUMNS: Column<PeerResult>[] = [
  { header: 'workload', value: (r) => r.job.workload.name },
  { header: 'peer', value: (r) => r.label },
  { header: 'device', value: (r) => r.device ?? '—' },
  { header: 'check (grad err)', value: checkSummary },
  { header: 'first step ms', align: 'right', value: (r) => fmtMs(r.firstStepMs) },
  { header: 'median ms', align: 'right', value: (r) => fmtMs(r.stats?.medianMs) },
  { header: 'p90 ms', align: 'right', value: (r) => fmtMs(r.stats?.p90Ms) },
  { header: 'steps', align: 'right', value: (r) => (r.stats ? String(r.stats.n) : r.error ? 'error' : '—') },
];

export function peerTable(results: PeerResult[], style: 'text' | 'markdown' = 'text'): string {
  const table = formatTable(PEER_COLUMNS, results, style);
  const errors = results.filter((r) => r.error).map((r) => `  ${r.job.workload.name} ${r.label}: ${r.error}`);
  return errors.length ? `${table}\n\nerrors:\n${errors.join('\n')}` : table;
}

/** One JSON object per result, for machines (`--json`). */
export function peerJsonLine(r: PeerResult): string {
  return JSON.stringify({
    kind: 'peer',
    workload: r.job.workload.name,
    framework: r.job.framework,
    backend: r.job.backend,
    version: r.version,
    device: r.device,
    medianMs: r.stats?.medianMs,
    p90Ms: r.stats?.p90Ms,
    meanMs: r.stats?.meanMs,
    minMs: r.stats?.minMs,
    steps: r.stats?.n,
    firstStepMs: r.firstStepMs,
    wallMs: r.wallMs,
    check: r.check && {
      ok: r.check.ok, batch: r.check.batch, lossRef: r.check.lossRef, lossPeer: r.check.lossPeer,
      worstRelErr: r.check.worstRelErr, grads: r.check.grads, spikeRate: r.check.spikeRate, thresholdMargin: r.check.thresholdMargin,
    },
    error: r.error,
  });
}
