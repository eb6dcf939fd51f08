/**
 * The Python peers' side in TypeScript (bench/peers/python.ts), without Python: a missing environment gives the
 * setup hint instead of a crash; a stand-in interpreter that answers peer.py's JSON lines shows that the
 * answers are read (version, timings, losses), that the gradients it returns go through the float64 check (a
 * peer with wrong gradients FAILs, one with the reference's own passes), and that the data file the peer is
 * given holds the problem spikegrad trains on. Which peers run on which workloads.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../../io/safetensors.js';
import { findCheckProblem } from '../../bench/peers/check.js';
import { defaultPeers, PEERS, peerRuns, type PeerJob } from '../../bench/peers/job.js';
import { makeProblem, PEER_WORKLOADS } from '../../bench/peers/problem.js';
import { PYTHON_SETUP_HINT, runPythonPeerJob } from '../../bench/peers/python.js';

const dir = mkdtempSync(join(tmpdir(), 'sg-pypeer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const job = (check: boolean): PeerJob => ({
  ...PEERS['pytorch-cpu'], workload: PEER_WORKLOADS.seed, seed: 0, warmup: 0, minIters: 1, maxIters: 1, budgetMs: 0, check,
});

/** A stand-in for the venv's python: copies the data file aside and prints the given answer lines. */
function fakePython(name: string, lines: object[]): string {
  const file = join(dir, name);
  const answer = lines.map((l) => `printf '%s\\n' '${JSON.stringify(l)}'`).join('\n');
  // $2 is the job JSON (after peer.py's path); keep its data file before the caller deletes it.
  writeFileSync(file, `#!/bin/sh\nnode -e 'const j = JSON.parse(process.argv[1]); require("fs").copyFileSync(j.dataFile, process.argv[2])' "$2" "${file}.data"\necho 'a framework greeting on stdout'\n${answer}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe('Python peers (TypeScript side)', () => {
  it('without an environment: the setup hint, no crash', async () => {
    const r = await runPythonPeerJob(job(false), { python: null });
    expect(r.error).toBe(PYTHON_SETUP_HINT);
    expect(r.error).toMatch(/bench\/peers\/python\/setup\.sh/);
  });

  it('reads the answers, checks the returned gradients against float64, and hands the peer spikegrad\'s problem', async () => {
    const { reference } = findCheckProblem(PEER_WORKLOADS.seed, 0);
    const exact = Object.fromEntries(Object.entries(reference.grads).map(([k, g]) => [k, Array.from(g as Float64Array)]));
    const wrong = { ...exact, w2: exact.w2!.map((v) => v * 1.01 + 1e-3) };
    const result = { type: 'result', firstStepMs: 120, times: [30, 10, 20], losses: [0.7, 0.69, 0.68, 0.67] };
    const ready = { type: 'ready', version: '9.9.9', device: 'cpu, 2 threads' };

    const good = await runPythonPeerJob(job(true), { python: fakePython('good', [ready, { type: 'check', loss: reference.loss, grads: exact }, result]) });
    expect(good.error).toBeUndefined();
    expect(good.label).toBe('PyTorch 9.9.9 cpu');
    expect(good.check?.ok).toBe(true);
    expect(good.stats).toMatchObject({ n: 3, medianMs: 20, minMs: 10 });
    expect(good.firstStepMs).toBe(120);
    expect(good.losses).toHaveLength(4);
    const data = decodeSafetensors(new Uint8Array(readFileSync(join(dir, 'good.data'))), { where: 't', source: 'data' }).tensors;
    const p = makeProblem(PEER_WORKLOADS.seed, { seed: 0 });
    expect(data.x!.shape).toEqual([200, 256, 100]);
    expect(Array.from(data.w1!.data as Float32Array)).toEqual(Array.from(p.params.w1));
    expect(Array.from(data.labels!.data as Int32Array)).toEqual(Array.from(p.labels));

    const bad = await runPythonPeerJob(job(true), { python: fakePython('bad', [ready, { type: 'check', loss: reference.loss, grads: wrong }, result]) });
    expect(bad.check?.ok).toBe(false);
    expect(bad.check!.grads.w2!.maxAbsErr).toBeGreaterThan(1e-4);

    const crashed = await runPythonPeerJob(job(false), { python: fakePython('crash', [ready, { type: 'error', message: 'ModuleNotFoundError: No module named torch\nmore' }]) });
    expect(crashed.error).toBe('ModuleNotFoundError: No module named torch');
    const silent = await runPythonPeerJob(job(false), { python: fakePython('silent', [ready]) });
    expect(silent.error).toMatch(/the Python peer exited \(code 0\) without a result/);
  }, 60_000);

  it('digits epochs: the median is the nearest-rank one, as spikegrad\'s epoch row computes it', async () => {
    const { DIGITS_PEER_WORKLOAD } = await import('../../bench/peers/python.js');
    const digitsJob: PeerJob = { ...PEERS['snntorch-cpu'], workload: DIGITS_PEER_WORKLOAD, seed: 0, warmup: 0, minIters: 1, maxIters: 1, budgetMs: 0, check: false };
    const r = await runPythonPeerJob(digitsJob, { python: fakePython('digits', [{ type: 'ready', version: '0.9.4', device: 'cpu' }, { type: 'result', firstStepMs: 90, times: [90, 60], losses: [1, 0.5], testAccuracy: 0.9 }]) });
    expect(r.stats).toMatchObject({ n: 2, medianMs: 60, p90Ms: 90, meanMs: 75 });
    expect(r.testAccuracy).toBe(0.9);
  }, 120_000);

  it('runs each peer on the workloads it has', () => {
    expect(defaultPeers('digits')).toEqual(['snntorch-cpu']);
    expect(defaultPeers('wide')).toEqual(['tfjs-wasm', 'jaxjs-wasm', 'pytorch-cpu', 'brainpy-cpu']);
    expect(defaultPeers('seed')).toContain('brainpy-cpu');
    expect(peerRuns('snntorch-cpu', 'seed')).toBe(false);
    expect(peerRuns('pytorch-cpu', 'dense')).toBe(false);
    expect(peerRuns('tfjs-wasm', 'digits')).toBe(false);
    expect(peerRuns('brainpy-cpu', 'wide')).toBe(true);
  });
});
