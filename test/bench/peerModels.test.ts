/**
 * The benchmark's peers compute the same network as the float64 reference: loss and every gradient, on a
 * small instance of each workload kind (sparse Poisson input, dense current), on the CPU-side backends.
 * (The WebGPU backends run through the child process, test/bench/peerRunner.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPeer, findCheckProblem } from '../../bench/peers/check.js';
import { jaxjsModel, loadJaxjs, type JaxjsRuntime } from '../../bench/peers/jaxjs.js';
import type { PeerModel } from '../../bench/peers/model.js';
import { makeProblem, PEER_WORKLOADS, type PeerWorkload, type Problem } from '../../bench/peers/problem.js';
import { referenceLossAndGrads } from '../../bench/peers/reference.js';
import { loadTfjs, tfjsModel, type TfjsRuntime } from '../../bench/peers/tfjs.js';

// Odd sizes and a chunk that does not divide T, so the last, shorter time chunk is exercised.
const SPARSE: PeerWorkload = { ...PEER_WORKLOADS.seed, name: 'sparse', steps: 23, batch: 6, nIn: 30, nRec: 5, rateHz: 100, chunk: 10, checkBatch: 6 };
const DENSE: PeerWorkload = { ...PEER_WORKLOADS.dense, name: 'dense-small', steps: 17, batch: 5, nIn: 12, nRec: 9, nOut: 3, chunk: 4, checkBatch: 5 };

let tfjs: TfjsRuntime, jaxjs: JaxjsRuntime;
beforeAll(async () => {
  tfjs = await loadTfjs('cpu');
  jaxjs = await loadJaxjs('wasm');
});
afterAll(() => tfjs.tf.disposeVariables());

const builders: Record<string, (p: Problem) => PeerModel> = {
  'TF.js cpu': (p) => tfjsModel(tfjs.tf, p),
  'jax-js wasm': (p) => jaxjsModel(jaxjs.jax, p),
};

describe.each(Object.keys(builders))('%s', (name) => {
  const build = (p: Problem) => builders[name]!(p);

  it.each([SPARSE, DENSE])('matches the float64 reference: loss and all gradients ($name)', async (w) => {
    const { problem, reference } = findCheckProblem(w, 11);
    expect(reference.spikeRate, 'hidden neurons spike, so every gradient path is exercised').toBeGreaterThan(0.01);
    const model = build(problem);
    const check = await checkPeer(model, problem, reference);
    model.dispose();
    expect(check.worstRelErr).toBeLessThan(check.tolerance.relGrad);
    expect(Math.abs(check.lossPeer - check.lossRef)).toBeLessThan(check.tolerance.loss * check.lossRef);
    expect(check.ok).toBe(true);
  });

  it('trains: the first step reports the reference loss at the initial weights, later steps lower it', async () => {
    const problem = makeProblem({ ...SPARSE, lr: 0.05 }, { seed: 4, params: 'active' });
    const ref = referenceLossAndGrads(problem);
    const model = build(problem);
    const losses: number[] = [];
    for (let i = 0; i < 6; i++) losses.push(await model.trainStep());
    model.dispose();
    expect(losses[0]).toBeCloseTo(ref.loss, 5);
    expect(losses[5]!).toBeLessThan(losses[0]! - 0.01);
  });
});
