/**
 * Each peer runs in its own process: the runner starts the child, gets the check and the timings back over
 * IPC, and turns a crash, a refusal or a hang into an `error` instead of an exception.
 */
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PEERS, stepStats, type PeerJob } from '../../bench/peers/job.js';
import { PEER_WORKLOADS, type PeerWorkload } from '../../bench/peers/problem.js';
import { peerJsonLine, peerTable } from '../../bench/peers/report.js';
import { runPeerJob } from '../../bench/peers/run.js';
import { REQUIRE_WEBGPU } from '../support/helpers.js';

// Inside the repository (out/ is ignored) so the child resolves the frameworks from node_modules.
const dir = join(import.meta.dirname, '..', 'out', 'test-peers');
const script = join(dir, 'peers-child.js');

const TINY: PeerWorkload = { ...PEER_WORKLOADS.seed, name: 'tiny', steps: 12, batch: 8, nIn: 20, nRec: 6, rateHz: 150, chunk: 5, checkBatch: 8 };
const job = (id: keyof typeof PEERS, extra: Partial<PeerJob> = {}): PeerJob => ({
  ...PEERS[id], workload: TINY, seed: 0, warmup: 1, minIters: 3, maxIters: 5, budgetMs: 1000, check: true, ...extra,
});

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  await build({
    entryPoints: ['bench/peers/child.ts'], outfile: script, bundle: true, format: 'esm', platform: 'node',
    target: 'node20', packages: 'external', logLevel: 'warning',
  });
});

describe('peer processes', () => {
  it('runs a peer: check against the float64 reference, first step, timed steps', async () => {
    const r = await runPeerJob(job('tfjs-cpu'), { script });
    expect(r.error).toBeUndefined();
    expect(r.label).toMatch(/^TF\.js 4\.\d+\.\d+ cpu$/);
    expect(r.check?.ok).toBe(true);
    expect(r.stats?.n).toBeGreaterThanOrEqual(3);
    expect(r.stats?.n).toBeLessThanOrEqual(5);
    expect(r.stats!.p90Ms).toBeGreaterThanOrEqual(r.stats!.medianMs);
    expect(r.losses?.length).toBe(1 + 1 + r.stats!.n);
    expect(r.losses!.every(Number.isFinite)).toBe(true);
    const line = JSON.parse(peerJsonLine(r)) as Record<string, unknown>;
    expect(line).toMatchObject({ kind: 'peer', workload: 'tiny', framework: 'tfjs', backend: 'cpu', steps: r.stats!.n });
    expect(peerTable([r])).toContain('ok ');
  });

  it('runs a WebGPU peer (TF.js) on Dawn in its own process', async () => {
    const r = await runPeerJob(job('tfjs-webgpu', { minIters: 1, maxIters: 1, warmup: 0 }), { script });
    if (r.error && !REQUIRE_WEBGPU && /adapter|requestAdapter|could not start/i.test(r.error)) {
      console.warn(`no WebGPU adapter here, WebGPU peer not run: ${r.error}`);
      return;
    }
    expect(r.error).toBeUndefined();
    expect(r.device).not.toBe('CPU');
    expect(r.check?.ok).toBe(true);
    expect(r.stats?.n).toBe(1);
  });

  it('reports a refusal as an error', async () => {
    const r = await runPeerJob({ ...job('jaxjs-wasm'), backend: 'cpu' }, { script });
    expect(r.error).toMatch(/jax-js's 'cpu' device/);
    expect(r.stats).toBeUndefined();
  });

  it('kills a peer that runs past its timeout', async () => {
    const r = await runPeerJob(job('tfjs-cpu'), { script, timeoutMs: 200 });
    expect(r.error).toMatch(/timed out after/);
  });

  it('reports a missing child script instead of throwing', async () => {
    const r = await runPeerJob(job('tfjs-cpu'), { script: join(dir, 'nope.js') });
    expect(r.error).toMatch(/exited|Cannot find module/);
  });
});

describe('step statistics', () => {
  it('median, nearest-rank p90, mean, min', () => {
    expect(stepStats([5, 1, 3, 2, 4])).toEqual({ n: 5, medianMs: 3, p90Ms: 5, meanMs: 3, minMs: 1 });
    expect(stepStats([4, 1, 3, 2])).toMatchObject({ medianMs: 2.5, p90Ms: 4 });
    const ten = Array.from({ length: 10 }, (_, i) => i + 1);
    expect(stepStats(ten).p90Ms).toBe(9);
  });
});
