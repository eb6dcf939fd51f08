/**
 * `spikegrad bench --peers` plumbing: spikegrad passes the same float64 check as the peers on each backend;
 * a peer's passed check is cached and reused, a failed one never; the ratios and the targets come
 * out of the rows of one run.
 */
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport, jsonLines } from '../../bench/benchReport.js';
import type { BenchResult } from '../../bench/harness.js';
import { runPeers } from '../../bench/peerRows.js';
import type { CheckResult } from '../../bench/peers/check.js';
import { CheckCache, frameworkVersion } from '../../bench/peers/checkCache.js';
import { PEERS, type PeerJob } from '../../bench/peers/job.js';
import { PEER_WORKLOADS } from '../../bench/peers/problem.js';
import type { PeerResult } from '../../bench/peers/run.js';
import type { BenchReport, CaseRow } from '../../bench/suite.js';
import { evaluateTargets } from '../../bench/targets.js';
import type { TrainWorkload } from '../../bench/workloads.js';
import * as sg from '../../index.js';
import * as internal from '../../internal.js';
import { gpuBackend } from '../support/webgpu.js';

const dir = join(import.meta.dirname, '..', 'out', 'test-bench');
const script = join(dir, 'peers-child.js');
const tmp = mkdtempSync(join(tmpdir(), 'spikegrad-bench-'));

const TINY: TrainWorkload = {
  kind: 'train', name: 'seed', description: 'tiny', matmulBound: false, defaultModes: ['sequence'], resized: true,
  net: { ...PEER_WORKLOADS.seed, steps: 12, batch: 8, nIn: 20, nRec: 6, rateHz: 150, chunk: 5, checkBatch: 8 },
};

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  await build({
    entryPoints: ['bench/peers/child.ts'], outfile: script, bundle: true, format: 'esm', platform: 'node',
    target: 'node20', packages: 'external', logLevel: 'warning',
  });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('peers beside spikegrad', () => {
  it('checks spikegrad on every backend, runs the peer, caches its passed check', async () => {
    const backends = new Map<'cpu' | 'webgpu', sg.Backend>([['cpu', await internal.getBackendInstance('cpu')]]);
    if (gpuBackend) backends.set('webgpu', gpuBackend);
    const cacheFile = join(tmp, 'checks.json');
    const opts = { ids: ['tfjs-cpu' as const], cacheFile, script, seed: 3, warmup: 0, minIters: 2, maxIters: 2, budgetMs: 0 };

    const first = await runPeers([TINY], backends, opts);
    expect(first.checks.map((c) => c.backend)).toEqual([...backends.keys()]);
    for (const c of first.checks) {
      expect(c.error).toBeUndefined();
      expect(c.check!.ok, `spikegrad ${c.backend}: worst gradient error ${c.check!.worstRelErr}`).toBe(true);
      expect(c.check!.spikeRate).toBeGreaterThan(0.01);
    }
    const [p] = first.peers;
    expect(p!.error).toBeUndefined();
    expect(p!.check?.ok).toBe(true);
    expect(p!.checkCached).toBeUndefined();
    expect(p!.stats?.n).toBe(2);

    const second = await runPeers([TINY], backends, opts);
    expect(second.peers[0]!.checkCached).toBe(true);
    expect(second.peers[0]!.check).toEqual(p!.check);
    // Asked to recheck, the peer checks again.
    const third = await runPeers([TINY], backends, { ...opts, recheck: true });
    expect(third.peers[0]!.checkCached).toBeUndefined();
    expect(third.peers[0]!.check?.ok).toBe(true);
  });
});

describe('the check cache', () => {
  const job: PeerJob = { ...PEERS['tfjs-wasm'], workload: TINY.net, seed: 0, warmup: 0, minIters: 1, maxIters: 1, budgetMs: 0, check: true };
  const check = (ok: boolean) => ({ ok, worstRelErr: ok ? 1e-7 : 1 }) as CheckResult;

  it('keeps passed checks per framework version, workload and seed; never a failed one', () => {
    const file = join(tmp, 'cache.json');
    new CheckCache(file).set(job, '4.22.0', check(true));
    new CheckCache(file).set({ ...job, seed: 1 }, '4.22.0', check(false));
    const cache = new CheckCache(file);
    expect(cache.get(job, '4.22.0')?.ok).toBe(true);
    expect(cache.get(job, '4.23.0')).toBeUndefined();
    expect(cache.get({ ...job, seed: 1 }, '4.22.0')).toBeUndefined();
    expect(cache.get({ ...job, workload: { ...job.workload, steps: 13 } }, '4.22.0')).toBeUndefined();
    expect(cache.get({ ...job, backend: 'webgpu' }, '4.22.0')).toBeUndefined();
    expect(cache.get(job, undefined)).toBeUndefined();
  });

  it('reads the installed framework versions', () => {
    expect(frameworkVersion('tfjs')).toMatch(/^4\.\d+\.\d+$/);
    expect(frameworkVersion('jaxjs')).toMatch(/^0\.\d+\.\d+$/);
  });
});

describe('targets and ratios', () => {
  const row = (workload: string, backend: 'cpu' | 'webgpu', mode: 'sequence' | 'step', medianMs: number, gflops?: number): CaseRow => ({
    kind: 'train', workload, backend, mode, matmulBound: workload === 'dense',
    result: { name: '', backend, iterations: 3, medianMs, p90Ms: medianMs, minMs: medianMs, cpuMs: 0, ops: 1, dispatches: 1, submits: 1, peakBytes: 1, T: 1, B: 1, ...(gflops ? { gflops } : {}) } as BenchResult,
  });
  const peer = (workload: string, medianMs: number): PeerResult => ({
    job: { ...PEERS['jaxjs-wasm'], workload: { ...PEER_WORKLOADS.seed, name: workload }, seed: 0, warmup: 1, minIters: 3, maxIters: 3, budgetMs: 0, check: true },
    label: 'jax-js 0.1.25 wasm', stats: { n: 3, medianMs, p90Ms: medianMs, meanMs: medianMs, minMs: medianMs }, wallMs: 1,
  });
  const rows = [
    row('seed', 'cpu', 'sequence', 20), row('seed', 'cpu', 'step', 400), row('seed', 'webgpu', 'sequence', 100), row('seed', 'webgpu', 'step', 1500),
    row('dense', 'cpu', 'sequence', 4000, 3.5), row('dense', 'webgpu', 'sequence', 3000, 4.7),
  ];
  const peers = [peer('seed', 60), peer('seed', 150), peer('dense', 1500)];

  it('judges each target from the rows, and says what is missing', () => {
    const t = Object.fromEntries(evaluateTargets(rows, peers).map((x) => [x.id, x]));
    expect(t['seed-sequence-vs-step-webgpu']).toMatchObject({ value: 15, met: true });
    expect(t['seed-vs-best-peer']).toMatchObject({ value: 3, met: false });
    expect(t['dense-vs-best-peer']).toMatchObject({ value: 0.5, met: false });
    expect(t['dense-webgpu-gflops']).toMatchObject({ value: 4.7, met: false });
    const none = Object.fromEntries(evaluateTargets(rows.map((r) => ({ ...r, resized: true })), []).map((x) => [x.id, x]));
    expect(none['seed-vs-best-peer']).toMatchObject({ missing: 'needs --peers with seed' });
    expect(none['seed-sequence-vs-step-webgpu']!.value).toBeUndefined();
  });

  it('prints each peer with its time over spikegrad’s best', () => {
    const report: BenchReport = {
      env: { date: '2026-11-28T21:00:00Z', node: 'v20', platform: 'linux x64', cpu: 'x', cores: 2, memGiB: 24, loadAvg: [1, 1, 1], webgpu: null },
      rows, profiles: [], peers, checks: [{ workload: 'seed', backend: 'cpu', check: { ok: true, worstRelErr: 4e-7 } as CheckResult }],
    };
    const text = formatReport(report);
    expect(text).toMatch(/seed +spikegrad \(best\) +cpu sequence +ok 4\.0e-7 .* 1\.00×/);
    expect(text).toMatch(/seed +jax-js 0\.1\.25 +wasm .* 60\.0 .* 3\.00×/);
    expect(text).toMatch(/dense +jax-js 0\.1\.25 +wasm .* 0\.50×/);
    const lines = jsonLines(report).map((l) => JSON.parse(l) as { kind: string; ratioToBest?: number });
    expect(lines.filter((l) => l.kind === 'peer').map((l) => l.ratioToBest)).toEqual([3, 7.5, 0.5]);
  });
});
