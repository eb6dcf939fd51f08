/**
 * nn.record against values computed without it: the seed network's hidden membrane and spikes from the
 * hand-written float64 reference (test/support/nnReference.ts), and every probe against the states read back
 * step by step by hand, in step mode and sequence mode, inside grad and jit, on the CPU and on WebGPU.
 * Recording off adds no op; on, it returns exactly the samples × neurons asked for.
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { expectClose } from '../support/helpers.js';
import { TUTORIAL, seedReference } from '../support/nnReference.js';
import { loadParams, randomData, randomParams, seedNet } from '../support/nnSeedNet.js';
import { describeWebGpu } from '../support/webgpu.js';
import { Sigmoid } from '../../surrogate/index.js';

const { nn, transform, ParamState } = sg;
const [T, B, nIn, nRec, nOut] = [30, 6, 12, 5, 3];
const params = randomParams(nIn, nRec, nOut, 11, 2.5, 1.0, 0.6);
params.b1 = params.b1.map((v) => Math.fround(v + 0.6)); // a positive drive: the LIF spikes and resets
const data = randomData(T, B, nIn, 0.3, 12);
const spk = new Sigmoid({ alpha: 3 });
const ref = seedReference(params, { ...TUTORIAL, sg: spk.gradScalar }, data.x, data.labels, T, B);
const SAMPLES = [4, 1], NEURONS = [3, 0, 2];
const PROBES = { '2.V': { samples: SAMPLES, neurons: NEURONS }, '2': { samples: SAMPLES }, '1.g': { neurons: [2] }, '': { samples: [0] } };

/** [T, S, N] picked from a [T, B, n] row-major array. */
function pick(all: ArrayLike<number>, n: number, samples: number[], neurons: number[]): number[] {
  const out: number[] = [];
  for (let t = 0; t < T; t++) for (const b of samples) for (const j of neurons) out.push(all[(t * B + b) * n + j]!);
  return out;
}

/** Step mode by hand, no recorder: every layer's output and the states, read back after each step. */
async function byHand(net: sg.nn.Sequential, xs: sg.Tensor) {
  nn.initAllStates(net, { batchSize: B });
  const lif = net.at(2) as sg.nn.LIF, syn = net.at(1) as sg.nn.Expon;
  const V: number[] = [], S: number[] = [], G: number[] = [], Y: number[] = [];
  const read = async (t: sg.Tensor, into: number[]) => { into.push(...await t.data()); t.dispose(); };
  for (let t = 0; t < T; t++) {
    const [s, y, v, g] = sg.tidy(() => {
      let h = sg.index(xs, t);
      const outs: sg.Tensor[] = [];
      for (const m of net) outs.push(h = m.update(h));
      // Copies: an Expon's output is its state g, which the next step replaces (and frees).
      return [outs[2]!, outs[4]!, lif.V.value, syn.g.value].map((x) => sg.keep(sg.add(x, 0)));
    });
    await read(s!, S); await read(y!, Y); await read(v!, V); await read(g!, G);
  }
  return { V, S, G, Y };
}

function checkTraces(tr: Record<string, sg.nn.Trace>, want: { V: ArrayLike<number>; S: ArrayLike<number>; G: ArrayLike<number>; Y: ArrayLike<number> }, tol: number, what: string) {
  expect(Object.keys(tr).sort()).toEqual(['', '1.g', '2', '2.V']);
  expect(tr['2.V']!.shape).toEqual([T, 2, 3]);
  expect(tr['2.V']!.data.length).toBe(T * 2 * 3); // only what was asked
  expect(tr['2']!.shape).toEqual([T, 2, nRec]);
  expect(tr['1.g']!.shape).toEqual([T, B, 1]);
  expect(tr['']!.shape).toEqual([T, 1, nOut]);
  expect(tr['2.V']!.samples).toEqual(SAMPLES);
  expect(tr['2.V']!.neurons).toEqual(NEURONS);
  expectClose(tr['2.V']!.data, pick(want.V, nRec, SAMPLES, NEURONS), { atol: tol, rtol: tol }, `${what} V`);
  expect(Array.from(tr['2']!.data)).toEqual(pick(want.S, nRec, SAMPLES, [0, 1, 2, 3, 4]));
  expectClose(tr['1.g']!.data, pick(want.G, nRec, [0, 1, 2, 3, 4, 5], [2]), { atol: tol, rtol: tol }, `${what} g`);
  expectClose(tr['']!.data, pick(want.Y, nOut, [0], [0, 1, 2]), { atol: tol, rtol: tol }, `${what} output`);
  expect(tr['2.V']!.at(7, 1, 2)).toBe(tr['2.V']!.data[(7 * 2 + 1) * 3 + 2]);
}

async function suite(backend: 'cpu' | 'webgpu', tol: number) {
  await sg.setBackend(backend);
  const net = seedNet(spk, { nIn, nRec, nOut });
  loadParams(net, params);
  const xs = sg.keep(sg.tensor(data.x, [T, B, nIn], 'float32'));
  const labels = sg.keep(sg.tensor(data.labels, [B], 'int32'));
  const hand = await byHand(net, xs);
  // The hand-read membrane and spikes are the float64 reference's (float32 rounding apart).
  expectClose(hand.V, ref.V, { atol: 2e-4, rtol: 2e-4 }, `${backend}: V read by hand vs float64 reference`);
  expect(hand.S.filter((s, i) => s !== ref.spikes[i]).length, 'spikes differing from the float64 reference').toBeLessThanOrEqual(1);
  expect(hand.S.reduce((a, b) => a + b, 0)).toBeGreaterThan(10);

  for (const mode of ['step', 'run'] as const) {
    // Inside a jitted training step (tidy frees what it does not return: the recorder keeps its copies).
    const rec = nn.record(net, PROBES);
    const step = transform.jit(() => {
      nn.initAllStates(net, { batchSize: B });
      const loss = () => {
        const out = mode === 'run' ? net.run(xs) : transform.forLoop(net.update, xs);
        return sg.softmaxCrossEntropy(out.mean(0), labels).mean();
      };
      return sg.grad(loss, net.states(ParamState), { returnValue: true })()[1];
    });
    await step().item();
    rec.stop();
    const traces = await rec.read();
    checkTraces(traces, hand, mode === 'step' && backend === 'cpu' ? 0 : tol, `${backend} ${mode}`);
    // read() started afresh: a second read has no steps.
    expect((await rec.read())['2.V']!.shape).toEqual([0, 2, 3]);
    rec.dispose();
  }
  xs.dispose(); labels.dispose();
}

describe('nn.record', () => {
  it('CPU: records V, spikes, g and the output for the chosen samples and neurons, in both modes, as computed independently', () => suite('cpu', 1e-6));

  it('recording off adds no op to a training step; a stopped recorder records nothing more', async () => {
    await sg.setBackend('cpu');
    const net = seedNet(spk, { nIn, nRec, nOut });
    const xs = sg.tensor(data.x, [T, B, nIn], 'float32');
    const step = transform.jit(() => { nn.initAllStates(net, { batchSize: B }); return net.run(xs).mean(); });
    step();
    const plain = step.stats.last.ops;
    const rec = nn.record(net, { '2.V': { neurons: [0] } });
    step();
    expect(step.stats.last.ops).toBeGreaterThan(plain); // on: the gathers
    rec.stop();
    step();
    expect(step.stats.last.ops).toBe(plain);
    expect((await rec.read())['2.V']!.shape).toEqual([T, B, 1]); // the one recorded run only
    rec.dispose();
  });

  it('bad probes are refused before any work, naming the argument', async () => {
    await sg.setBackend('cpu');
    const net = seedNet(spk, { nIn, nRec, nOut });
    expect(() => nn.record(net, { '2.W': {} })).toThrow(/probe '2.W' expected a module path \(its output\) or a hidden-state path, one of '0', '1', '2', '3', '4', '1.g', '2.V', '4.g', got '2.W'/);
    expect(() => nn.record(net, { '2.V': { neurons: [-1] } })).toThrow(/probe '2.V' argument 'neurons' expected a non-empty array of indices ≥ 0, got/);
    expect(() => nn.record(net, {})).toThrow(/argument 'probes' expected a record/);
    const rec = nn.record(net, { '2.V': { neurons: [7] } });
    nn.initAllStates(net, { batchSize: B });
    expect(() => net.run(sg.zeros([4, B, nIn]))).toThrow(/probe '2.V': argument 'neurons' expected indices below 5, got 7/);
    rec.dispose();
    // Every state of a declared spike-free layer comes out of its fused op per step (nn/synapse.ts), DualExpon's
    // second and first too: sequence mode records what step mode records.
    sg.random.seed(5);
    const dual = new nn.Sequential(new nn.Linear(3, 2), new nn.DualExpon(2, { tauRise: 1.3, tauDecay: 4.1 }));
    const xs = sg.random.uniform([4, 2, 3], -1, 1);
    const gRise = async (mode: 'run' | 'forLoop') => {
      const r2 = nn.record(dual, { '1.gRise': {}, '1.gDecay': {} });
      nn.initAllStates(dual, { batchSize: 2 });
      if (mode === 'run') dual.run(xs);
      else transform.forLoop(dual.update, xs);
      const got = await r2.read();
      r2.dispose();
      return [Array.from(got['1.gRise']!.data), Array.from(got['1.gDecay']!.data), got['1.gRise']!.shape];
    };
    const [seq, step] = [await gRise('run'), await gRise('forLoop')];
    expect(seq[2]).toEqual([4, 2, 2]);
    expect(seq).toEqual(step);
    expect((seq[0] as number[]).some((v) => v !== 0)).toBe(true);
  });
});

describeWebGpu('nn.record on WebGPU', () => {
  it('records V, spikes, g and the output as computed independently, in both modes', () => suite('webgpu', 1e-5));
});
