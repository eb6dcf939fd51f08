/**
 * What `spikegrad bench` prints: readable tables (training steps with the sequence-vs-step and GPU-vs-CPU
 * speedups, kernels, spikegrad beside its peers, per-op profiles, the issue's targets), or with `--json`
 * one JSON object per line, each with a `kind`: env, case, check, peer, profile, target.
 * The same tables in Markdown go into bench/RESULTS.md.
 */
import { checkSummary, peerJsonLine } from './peers/report.js';
import type { BenchReport, CaseRow, ProfileRow } from './suite.js';
import type { JitSplitRow } from './jitSplit.js';
import { fmtMs, fmtRatio, fmtSci, formatTable, type Column } from './table.js';
import { bestOwn, evaluateTargets, type TargetResult } from './targets.js';

type Style = 'text' | 'markdown';

const mib = (b: number | undefined) => (b === undefined ? '—' : (b / 2 ** 20).toFixed(b >= 10 * 2 ** 20 ? 0 : 1));
const num = (x: number | undefined, digits = 1) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));

/** Sequence-mode speedup over step mode, and WebGPU's over the CPU, for one row (when the other row exists). */
function speedups(rows: readonly CaseRow[], r: CaseRow): { seq?: number; gpu?: number } {
  const other = (backend: string, mode: string | undefined) =>
    rows.find((o) => o.workload === r.workload && o.backend === backend && o.mode === mode && o.kernel === r.kernel && o.shape === r.shape && o.result);
  const out: { seq?: number; gpu?: number } = {};
  if (!r.result) return out;
  if (r.mode === 'sequence') {
    const step = other(r.backend, 'step');
    if (step) out.seq = step.result!.medianMs / r.result.medianMs;
  }
  if (r.backend === 'webgpu') {
    const cpu = other('cpu', r.mode);
    if (cpu) out.gpu = cpu.result!.medianMs / r.result.medianMs;
  }
  return out;
}

function stepTable(rows: readonly CaseRow[], style: Style): string {
  const own = rows.filter((r) => r.kind !== 'micro');
  const cols: Column<CaseRow>[] = [
    { header: 'workload', value: (r) => r.workload },
    { header: 'backend', value: (r) => r.backend },
    { header: 'mode', value: (r) => r.mode ?? '' },
    { header: 'T×B', value: (r) => (r.result ? `${String(r.result.T)}×${String(r.result.B)}` : '') },
    { header: 'median ms', align: 'right', value: (r) => (r.error ? 'error' : fmtMs(r.result?.medianMs)) },
    { header: 'p90 ms', align: 'right', value: (r) => fmtMs(r.result?.p90Ms) },
    { header: 'first ms', align: 'right', value: (r) => fmtMs(r.result?.firstMs) },
    { header: 'steps', align: 'right', value: (r) => String(r.result?.iterations ?? '—') },
    { header: 'dispatches', align: 'right', value: (r) => (r.result ? String(Math.round(r.result.dispatches)) : '—') },
    { header: 'peak MiB', align: 'right', value: (r) => mib(r.result?.peakBytes) },
    { header: 'GFLOP/s', align: 'right', value: (r) => (r.matmulBound ? num(r.result?.gflops) : '—') },
    { header: 'seq vs step', align: 'right', value: (r) => fmtRatio(speedups(rows, r).seq) },
    { header: 'GPU vs CPU', align: 'right', value: (r) => fmtRatio(speedups(rows, r).gpu) },
  ];
  return formatTable(cols, own, style);
}

/** PyTorch's CPU convolution beside the conv rows (bench/conv.ts torchConvRows), or why it is missing. */
function torchConvTable(t: NonNullable<BenchReport['torchConv']>, style: Style): string {
  if ('error' in t) return `PyTorch CPU convolution: ${t.error}`;
  const cols: Column<(typeof t.rows)[number]>[] = [
    { header: 'kernel', value: (r) => `conv2d ${r.kernel}` },
    { header: 'shape', value: (r) => r.shape },
    { header: 'median ms', align: 'right', value: (r) => fmtMs(r.ms) },
    { header: 'rate', align: 'right', value: (r) => `${num(r.gflops, 2)} GFLOP/s` },
  ];
  return `PyTorch CPU convolution on the same shapes (${t.torch}):\n${formatTable(cols, t.rows, style)}`;
}

function microTable(rows: readonly CaseRow[], style: Style): string {
  const micro = rows.filter((r) => r.kind === 'micro');
  const cols: Column<CaseRow>[] = [
    { header: 'kernel', value: (r) => r.kernel ?? r.workload },
    { header: 'shape', value: (r) => r.shape ?? '' },
    { header: 'backend', value: (r) => r.backend },
    { header: 'median ms', align: 'right', value: (r) => (r.error ? 'error' : fmtMs(r.result?.medianMs)) },
    { header: 'rate', align: 'right', value: (r) => (r.result?.gflops !== undefined ? `${num(r.result.gflops, 2)} GFLOP/s` : r.result?.gbps !== undefined ? `${num(r.result.gbps, 2)} GB/s` : '—') },
    { header: 'GPU vs CPU', align: 'right', value: (r) => fmtRatio(speedups(rows, r).gpu) },
  ];
  return formatTable(cols, micro, style);
}

interface VsRow {
  workload: string;
  who: string;
  where: string;
  check: string;
  firstMs?: number;
  medianMs?: number;
  p90Ms?: number;
  ratio?: number;
}

function peersTable(r: BenchReport, style: Style): string {
  const out: VsRow[] = [];
  for (const workload of [...new Set(r.peers.map((p) => p.job.workload.name))]) {
    const best = bestOwn(r.rows, workload);
    const bestMs = best?.result?.medianMs;
    for (const row of r.rows.filter((o) => o.workload === workload && o.mode && o.result)) {
      const c = r.checks.find((k) => k.workload === workload && k.backend === row.backend);
      out.push({
        workload, who: row === best ? 'spikegrad (best)' : 'spikegrad', where: `${row.backend} ${row.mode}`,
        check: c?.check ? `${c.check.ok ? 'ok' : 'FAIL'} ${fmtSci(c.check.worstRelErr)}` : c?.error ? 'error' : '—',
        firstMs: row.result!.firstMs, medianMs: row.result!.medianMs, p90Ms: row.result!.p90Ms, ratio: bestMs && row.result!.medianMs / bestMs,
      });
    }
    for (const p of r.peers.filter((q) => q.job.workload.name === workload)) {
      out.push({
        workload, who: p.label.replace(/ (cpu|wasm|webgpu)$/, ''), where: p.job.backend,
        check: p.error && !p.check ? 'error' : `${checkSummary(p)}${p.checkCached ? ' (cached)' : ''}`,
        ...(p.firstStepMs !== undefined ? { firstMs: p.firstStepMs } : {}),
        ...(p.stats ? { medianMs: p.stats.medianMs, p90Ms: p.stats.p90Ms, ...(bestMs ? { ratio: p.stats.medianMs / bestMs } : {}) } : {}),
      });
    }
  }
  const cols: Column<VsRow>[] = [
    { header: 'workload', value: (v) => v.workload },
    { header: 'who', value: (v) => v.who },
    { header: 'backend', value: (v) => v.where },
    { header: 'check (grad err)', value: (v) => v.check },
    { header: 'first ms', align: 'right', value: (v) => fmtMs(v.firstMs) },
    { header: 'median ms', align: 'right', value: (v) => fmtMs(v.medianMs) },
    { header: 'p90 ms', align: 'right', value: (v) => fmtMs(v.p90Ms) },
    { header: 'time ÷ spikegrad best', align: 'right', value: (v) => fmtRatio(v.ratio) },
  ];
  return formatTable(cols, out, style);
}

function profileTable(p: ProfileRow, style: Style): string {
  if (!p.profile) return `profile ${p.workload} ${p.backend} ${p.mode}: error: ${p.error}`;
  const ops = p.profile.ops;
  const gpu = ops.some((o) => o.deviceMs !== undefined);
  const total = ops.reduce((s, o) => s + (o.deviceMs ?? o.hostMs), 0);
  const cols: Column<(typeof ops)[number]>[] = [
    { header: 'op', value: (o) => o.op },
    { header: 'calls', align: 'right', value: (o) => String(o.calls) },
    { header: 'dispatches', align: 'right', value: (o) => String(o.dispatches) },
    { header: gpu ? 'host (encode) ms' : 'ms', align: 'right', value: (o) => fmtMs(o.hostMs) },
    ...(gpu ? [{ header: 'device ms (replayed alone)', align: 'right' as const, value: (o: (typeof ops)[number]) => fmtMs(o.deviceMs) }] : []),
    { header: 'share', align: 'right', value: (o) => `${((100 * (o.deviceMs ?? o.hostMs)) / total).toFixed(1)} %` },
  ];
  return `profile: ${p.workload}, ${p.backend}, ${p.mode} mode — one step ${fmtMs(p.profile.stepMs)} ms\n${formatTable(cols, ops, style)}${jitTable(p, style)}`;
}

/** Host against device time of the step, transform.jit replayed and unrecorded (bench/jitSplit.ts). */
function jitTable(p: ProfileRow, style: Style): string {
  if (p.jitError) return `\ntransform.jit split: error: ${p.jitError}`;
  const rows = p.jit;
  if (!rows?.length) return '';
  const cpu = rows.some((r) => r.overheadUsPerOp !== undefined);
  const cols: Column<(typeof rows)[number]>[] = [
    { header: 'transform.jit', value: (r) => r.variant },
    { header: 'host ms', align: 'right', value: (r) => fmtMs(r.hostMs) },
    ...(cpu
      ? [{ header: 'kernels ms', align: 'right' as const, value: (r: JitSplitRow) => fmtMs(r.kernelMs) },
        { header: 'overhead µs/op', align: 'right' as const, value: (r: JitSplitRow) => (r.overheadUsPerOp ?? 0).toFixed(2) }]
      : [{ header: 'wait for device ms', align: 'right' as const, value: (r: JitSplitRow) => fmtMs(r.waitMs) }]),
    { header: 'step ms', align: 'right', value: (r) => fmtMs(r.stepMs) },
    { header: 'ops', align: 'right', value: (r) => String(r.ops) },
    { header: 'dispatches', align: 'right', value: (r) => String(r.dispatches) },
    { header: 'submits', align: 'right', value: (r) => String(r.submits) },
  ];
  const [u, r] = [rows.find((x) => x.variant === 'unrecorded'), rows.find((x) => x.variant === 'replayed')];
  const ratio = u && r && r.hostMs > 0 ? ` — host time ${(u.hostMs / r.hostMs).toFixed(1)}× lower replayed` : '';
  return `\ntransform.jit: ${p.workload}, ${p.backend}, ${p.mode} mode, medians of ${rows[0]!.steps} alternated steps${ratio}\n${formatTable(cols, rows, style)}`;
}

function targetLines(ts: readonly TargetResult[]): string {
  return ts.map((t) => {
    const mark = t.met === undefined ? '·' : t.met ? '✓' : '✗';
    const value = t.value === undefined ? `not measured (${t.missing})` : `${t.id === 'dense-webgpu-gflops' ? `${t.value.toFixed(1)} GFLOP/s` : fmtRatio(t.value)} (goal ${t.goal}${t.id === 'dense-webgpu-gflops' ? '' : '×'})`;
    return `${mark} ${t.description}: ${value}`;
  }).join('\n');
}

function errorLines<T extends { error?: string | undefined }>(rows: readonly T[], name: (x: T) => string): string[] {
  return rows.filter((x) => x.error).map((x) => `  ${name(x)}: ${x.error}`);
}

/** What a report shows beyond the measurements. */
export interface ReportOptions {
  /**
   * Judge the development targets of issue 7 (bench/targets.ts) against the rows: for the project's
   * bench/RESULTS.md (`spikegrad bench --targets`), not shown to users by default.
   */
  targets?: boolean;
}

export function formatReport(r: BenchReport, style: Style = 'text', opts: ReportOptions = {}): string {
  const e = r.env;
  const parts = [
    `spikegrad bench — ${e.date.slice(0, 16).replace('T', ' ')} UTC · ${e.cores}× ${e.cpu} · ${e.memGiB} GiB · Node ${e.node} · load ${e.loadAvg.join(' ')}`,
    `WebGPU: ${e.webgpu ?? 'not used'}`,
  ];
  if (r.rows.some((x) => x.kind !== 'micro')) parts.push(`Training steps (forward, backward, optimizer; median after warm-up; device synchronised):\n${stepTable(r.rows, style)}`);
  if (r.rows.some((x) => x.kind === 'micro')) parts.push(`Kernels:\n${microTable(r.rows, style)}`);
  if (r.torchConv) parts.push(torchConvTable(r.torchConv, style));
  if (r.peers.length) parts.push(`spikegrad and its peers (same network, weights and data; check: worst gradient error against float64):\n${peersTable(r, style)}`);
  for (const p of r.profiles) parts.push(profileTable(p, style));
  const errs = [
    ...errorLines(r.rows, (x) => `${x.workload} ${x.backend} ${x.mode ?? x.kernel ?? ''}`),
    ...errorLines(r.peers, (x) => `${x.job.workload.name} ${x.label}`),
    ...errorLines(r.checks, (x) => `check ${x.workload} ${x.backend}`),
  ];
  if (errs.length) parts.push(`errors:\n${errs.join('\n')}`);
  if (opts.targets) parts.push(`Targets (issue 7):\n${targetLines(evaluateTargets(r.rows, r.peers))}`);
  return parts.join('\n\n');
}

export function jsonLines(r: BenchReport, opts: ReportOptions = {}): string[] {
  const lines: unknown[] = [{ kind: 'env', ...r.env }];
  for (const row of r.rows) {
    const s = speedups(r.rows, row);
    lines.push({
      kind: 'case', type: row.kind, workload: row.workload, backend: row.backend, mode: row.mode, kernel: row.kernel, shape: row.shape,
      ...(row.result ?? {}), name: undefined, matmulBound: row.matmulBound, resized: row.resized, seqSpeedup: s.seq, gpuSpeedup: s.gpu, error: row.error,
    });
  }
  for (const c of r.checks) lines.push({ kind: 'check', ...c });
  const tc = r.torchConv;
  if (tc && 'error' in tc) lines.push({ kind: 'torchConv', error: tc.error });
  else if (tc) for (const t of tc.rows) lines.push({ kind: 'torchConv', torch: tc.torch, ...t });
  for (const p of r.peers) {
    const best = bestOwn(r.rows, p.job.workload.name);
    const line = JSON.parse(peerJsonLine(p)) as Record<string, unknown>;
    lines.push({ ...line, checkCached: p.checkCached, ratioToBest: p.stats && best?.result ? p.stats.medianMs / best.result.medianMs : undefined });
  }
  for (const p of r.profiles) {
    if (!p.profile) lines.push({ kind: 'profile', workload: p.workload, backend: p.backend, mode: p.mode, error: p.error });
    for (const o of p.profile?.ops ?? []) lines.push({ kind: 'profile', workload: p.workload, backend: p.backend, mode: p.mode, stepMs: p.profile!.stepMs, ...o });
    for (const j of p.jit ?? []) lines.push({ kind: 'jit', workload: p.workload, backend: p.backend, mode: p.mode, ...j });
    if (p.jitError) lines.push({ kind: 'jit', workload: p.workload, backend: p.backend, mode: p.mode, error: p.jitError });
  }
  if (opts.targets) for (const t of evaluateTargets(r.rows, r.peers)) lines.push({ kind: 'target', ...t });
  return lines.map((l) => JSON.stringify(l));
}
