/**
 * The `rnn` peer workload (bench/peers/rnn.ts): its float64 BPTT reference, which the Python peers (snnTorch
 * RLeaky, JAX) are checked against, must equal spikegrad's own autodiff of nn.Recurrent over nn.LIF with the
 * options `rnnSpikegradLif` gives, run in float64 (two independent derivations of snnTorch's RLeaky function:
 * if either the reference or the claimed parameter mapping were wrong, they would differ), and the problem must
 * have spikes and a margin from threshold where the check needs them. The TypeScript side of the Python peers
 * (without Python: a stand-in interpreter answers peer.py's JSON lines) hands them spikegrad's problem and
 * checks their gradients against the reference.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import * as u from '../../units/index.js';
import { makeRnnProblem, rnnReference, rnnSpikegradLif, RNN_PARAM_NAMES, RNN_PEER_WORKLOAD, findRnnCheckProblem, type RnnPeerWorkload, type RnnProblem } from '../../bench/peers/rnn.js';
import { CHECK_MARGIN } from '../../bench/peers/check.js';
import { defaultPeers, PEERS, peerRuns, type PeerJob } from '../../bench/peers/job.js';
import { runPythonPeerJob } from '../../bench/peers/python.js';
import { decodeSafetensors } from '../../io/safetensors.js';
import { expectClose } from '../support/helpers.js';

beforeAll(async () => {
  await sg.setBackend('cpu');
});
const dir = mkdtempSync(join(tmpdir(), 'sg-rnnpeer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


/** A small instance with dense enough input that the 12 neurons spike on their own. */
const SMALL: RnnPeerWorkload = { ...RNN_PEER_WORKLOAD, name: 'rnn-small', nIn: 10, nRec: 12, rateHz: 400, checkBatch: 3, checkSteps: 60 };

/** spikegrad's loss and gradients of the same problem, in float64 (sequence mode). */
async function spikegradGrads(p: RnnProblem): Promise<{ loss: number; grads: Record<string, Float64Array> }> {
  const w = p.workload;
  return sg.environ.context({ dt: u.ms(1) }, async () => {
    const layer = new sg.nn.Recurrent(w.nIn, new sg.nn.LIF(w.nRec, rnnSpikegradLif(w.beta, (o) => sg.surrogate.atan(o))), { dtype: 'float64' });
    const set = (st: sg.ParamState, v: Float32Array, shape: number[]) => { st.value = sg.tensor(Float64Array.from(v), shape, 'float64'); };
    set(layer.weight, p.params.w_in, [w.nIn, w.nRec]);
    set(layer.bias!, p.params.b, [w.nRec]);
    set(layer.recWeight, p.params.w_rec, [w.nRec, w.nRec]);
    const xs = sg.tensor(Float64Array.from(p.x), [p.steps, p.batch, w.nIn], 'float64');
    sg.nn.initAllStates(layer, { batchSize: p.batch, dtype: 'float64' });
    const [g, loss] = sg.grad(() => sg.mean(layer.run(xs)), [layer.weight, layer.bias!, layer.recWeight], { returnValue: true })();
    const out = { loss: await loss.item(), grads: { w_in: await g[0]!.data(), b: await g[1]!.data(), w_rec: await g[2]!.data() } };
    return { loss: out.loss, grads: Object.fromEntries(Object.entries(out.grads).map(([k, v]) => [k, Float64Array.from(v)])) };
  });
}

describe('rnn peer workload', () => {
  it("the float64 reference equals spikegrad's autodiff of nn.Recurrent(LIF) under rnnSpikegradLif", async () => {
    const p = makeRnnProblem(SMALL, { seed: 5, batch: 3, steps: 60 });
    const ref = rnnReference(p);
    expect(ref.spikeRate).toBeGreaterThan(0.03);
    expect(ref.spikeRate).toBeLessThan(0.6);
    const mine = await spikegradGrads(p);
    expect(mine.loss).toBeCloseTo(ref.loss, 12);
    for (const k of RNN_PARAM_NAMES) {
      expect(Math.max(...Array.from(ref.grads[k], Math.abs)), `${k} gradient is not trivially zero`).toBeGreaterThan(1e-5);
      expectClose(mine.grads[k]!, ref.grads[k], { atol: 1e-12, rtol: 1e-9 }, `d loss / d ${k}`);
    }
  });

  it('the gradient flows through the recurrence: dropping the W_rec term of s̄ changes dW_in', () => {
    // Guards the reference against a backward pass that ignores the recurrent path (which the loss alone,
    // a plain mean of spikes, would not reveal): with W_rec zeroed, spikes and dW_in change.
    const p = makeRnnProblem(SMALL, { seed: 5, batch: 3, steps: 60 });
    const ref = rnnReference(p);
    const noRec = rnnReference({ ...p, params: { ...p.params, w_rec: new Float32Array(p.params.w_rec.length) } });
    expect(Array.from(noRec.grads.w_in)).not.toEqual(Array.from(ref.grads.w_in));
  });

  it('the workload spikes in its working range, and a check problem at full length keeps membranes off threshold', () => {
    const p = makeRnnProblem(RNN_PEER_WORKLOAD, { seed: 0, batch: 1, steps: 200 });
    const r = rnnReference(p);
    expect(r.spikeRate).toBeGreaterThan(0.01);
    expect(r.spikeRate).toBeLessThan(0.2);
    const { problem, reference } = findRnnCheckProblem(RNN_PEER_WORKLOAD, 0, CHECK_MARGIN);
    expect([problem.steps, problem.batch]).toEqual([RNN_PEER_WORKLOAD.checkSteps, RNN_PEER_WORKLOAD.checkBatch]);
    expect(reference.thresholdMargin).toBeGreaterThanOrEqual(CHECK_MARGIN);
  });

  it('the Python peers get the problem and the check problem, and their gradients are checked against float64', async () => {
    // The workload's layer, shortened so that the float64 check stays quick here.
    const w: RnnPeerWorkload = { ...RNN_PEER_WORKLOAD, steps: 30, batch: 3, checkSteps: 120 };
    const { problem, reference } = findRnnCheckProblem(w, 0, CHECK_MARGIN);
    /** A stand-in for the venv's python: keeps the job's data and check files, prints the given answers. */
    const fakePython = (name: string, lines: object[]): string => {
      const file = join(dir, name);
      const answer = lines.map((l) => `printf '%s\\n' '${JSON.stringify(l)}'`).join('\n');
      writeFileSync(file, `#!/bin/sh\nnode -e 'const j = JSON.parse(process.argv[1]); const fs = require("fs"); fs.copyFileSync(j.dataFile, process.argv[2] + ".data"); fs.copyFileSync(j.checkFile, process.argv[2] + ".check")' "$2" "${file}"\n${answer}\n`);
      chmodSync(file, 0o755);
      return file;
    };
    const exact = Object.fromEntries(RNN_PARAM_NAMES.map((k) => [k, Array.from(reference.grads[k])]));
    const ready = { type: 'ready', version: '0.9.4', device: 'cpu' };
    const result = { type: 'result', firstStepMs: 900, times: [400, 300, 500], losses: [0.05, 0.05, 0.05, 0.05] };
    const job: PeerJob = { ...PEERS['snntorch-cpu'], workload: w, seed: 0, warmup: 0, minIters: 3, maxIters: 3, budgetMs: 0, check: true };

    const good = await runPythonPeerJob(job, { python: fakePython('good', [ready, { type: 'check', loss: reference.loss, grads: exact }, result]) });
    expect(good.error).toBeUndefined();
    expect(good.check?.ok).toBe(true);
    expect(Object.keys(good.check!.grads).sort()).toEqual(['b', 'w_in', 'w_rec']);
    expect(good.stats).toMatchObject({ n: 3, medianMs: 400 });
    const read = (f: string) => decodeSafetensors(new Uint8Array(readFileSync(join(dir, f))), { where: 't', source: f }).tensors;
    const data = read('good.data'), check = read('good.check');
    const p = makeRnnProblem(w, { seed: 0 });
    expect(data.x!.shape).toEqual([30, 3, 64]);
    expect(Array.from(data.x!.data as Float32Array)).toEqual(Array.from(p.x));
    expect(Array.from(data.w_rec!.data as Float32Array)).toEqual(Array.from(p.params.w_rec));
    expect(check.x!.shape).toEqual([120, 1, 64]);
    expect(Array.from(check.w_in!.data as Float32Array)).toEqual(Array.from(problem.params.w_in));

    // A peer whose dW_rec misses part of the recurrent path fails the check.
    const wrong = { ...exact, w_rec: exact.w_rec!.map((v) => v * 0.98) };
    const bad = await runPythonPeerJob(job, { python: fakePython('bad', [ready, { type: 'check', loss: reference.loss, grads: wrong }, result]) });
    expect(bad.check?.ok).toBe(false);
    expect(bad.check!.grads.w_rec!.maxAbsErr).toBeGreaterThan(1e-5 * bad.check!.grads.w_rec!.maxAbsRef);
  }, 60_000);

  it('runs snnTorch and the JAX stack on rnn, and no other peer', () => {
    expect(defaultPeers('rnn')).toEqual(['snntorch-cpu', 'brainpy-cpu']);
    expect((Object.keys(PEERS) as (keyof typeof PEERS)[]).filter((id) => peerRuns(id, 'rnn'))).toEqual(['snntorch-cpu', 'brainpy-cpu']);
    expect(peerRuns('snntorch-cpu', 'digits') && peerRuns('brainpy-cpu', 'seed') && !peerRuns('pytorch-cpu', 'rnn')).toBe(true);
  });
});
