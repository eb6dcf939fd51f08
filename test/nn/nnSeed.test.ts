/**
 * The seed network (docs/numerics.md §0) against the hand-written float64 BPTT of test/support/nnReference.ts, in sequence mode
 * (fused ops) and step mode (forLoop over update), for ReluGrad, Sigmoid, Arctan and a hard-reset case;
 * its first loss at the tutorial's initialisation; and the op count of a training step, flat in T.
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { expectClose } from '../support/helpers.js';
import { TUTORIAL, seedReference, type SeedParams } from '../support/nnReference.js';
import { loadParams, randomData, randomParams, seedGrads, seedNet } from '../support/nnSeedNet.js';
import { Arctan, ReluGrad, Sigmoid } from '../../surrogate/index.js';

const { random, ParamState } = sg;

/** Every gradient within `tol` of the reference, relative to the largest reference entry of that parameter. */
function expectGrads(got: Record<string, sg.Tensor>, ref: ReturnType<typeof seedReference>['grads'], tol: number, what: string): void {
  const pairs: [string, Float64Array][] = [['0.weight', ref.W1], ['0.bias', ref.b1], ['3.weight', ref.W2], ['3.bias', ref.b2]];
  for (const [path, want] of pairs) {
    const scale = Math.max(...Array.from(want, Math.abs));
    if (scale === 0) {
      expect(Array.from(got[path]!.dataSync()).every((v) => v === 0), `${what} ${path}: zero like the reference`).toBe(true);
      continue;
    }
    expectClose(got[path]!.dataSync(), want, { atol: tol * scale, rtol: tol }, `${what} ${path}`);
  }
}

const CASES = [
  { name: 'ReluGrad', spk: new ReluGrad(), reset: 'soft' as const },
  { name: 'Sigmoid', spk: new Sigmoid(), reset: 'soft' as const },
  { name: 'Arctan', spk: new Arctan(), reset: 'soft' as const },
  { name: 'ReluGrad, hard reset', spk: new ReluGrad(), reset: 'hard' as const },
];

describe('seed network gradients against hand-written float64 BPTT (docs/numerics.md §1)', () => {
  // Large enough weights that the LIF spikes often: the reset path (not detached) is exercised.
  const [T, B, nIn, nRec, nOut] = [40, 6, 12, 5, 3];
  const params = randomParams(nIn, nRec, nOut, 11, 2.5, 1.0, 0.6);
  params.b1 = params.b1.map((v) => Math.fround(v + 0.6)); // a positive drive: about 9% of the steps spike
  const data = randomData(T, B, nIn, 0.3, 12);

  for (const c of CASES) {
    const ref = seedReference(params, { ...TUTORIAL, reset: c.reset, sg: c.spk.gradScalar }, data.x, data.labels, T, B);
    const firing = ref.spikes.reduce((a, s) => a + s, 0) / ref.spikes.length;

    it(`${c.name}: the case exercises spikes and resets (firing fraction ${firing.toFixed(3)})`, () => {
      expect(firing).toBeGreaterThan(0.05);
      expect(firing).toBeLessThan(0.8);
    });

    for (const mode of ['run', 'step'] as const) {
      it(`${c.name}: ${mode} mode, float64, matches to 1e-10`, () => sg.tidy(() => {
        const net = seedNet(c.spk, { dtype: 'float64', reset: c.reset, nIn, nRec, nOut });
        loadParams(net, params);
        const xs = sg.tensor(data.x, [T, B, nIn], 'float64');
        const [g, loss] = seedGrads(net, xs, sg.tensor(data.labels, [B], 'int32'), mode);
        expect(loss.dataSync()[0]).toBeCloseTo(ref.loss, 12);
        expectGrads(g, ref.grads, 1e-10, `${c.name} ${mode}`);
      }));

      it(`${c.name}: ${mode} mode, float32, matches to 1e-4`, () => sg.tidy(() => {
        const net = seedNet(c.spk, { dtype: 'float32', reset: c.reset, nIn, nRec, nOut });
        loadParams(net, params);
        const xs = sg.tensor(data.x, [T, B, nIn], 'float32');
        const [g, loss] = seedGrads(net, xs, sg.tensor(data.labels, [B], 'int32'), mode);
        expect(Math.abs(loss.dataSync()[0]! - ref.loss)).toBeLessThan(1e-5);
        expectGrads(g, ref.grads, 1e-4, `${c.name} ${mode} f32`);
      }));
    }
  }
});

describe('every surrogate of the catalog as spkFun (sequence mode, float64, against the hand-written BPTT)', () => {
  const [T, B, nIn, nRec, nOut] = [30, 4, 10, 5, 2];
  const params = randomParams(nIn, nRec, nOut, 21, 2.5, 1.0, 0.6);
  params.b1 = params.b1.map((v) => Math.fround(v + 0.6));
  const data = randomData(T, B, nIn, 0.3, 22);
  for (const entry of sg.surrogate.CATALOG) {
    it(entry.name, () => sg.tidy(() => {
      const spk = entry.create();
      const ref = seedReference(params, { ...TUTORIAL, sg: spk.gradScalar }, data.x, data.labels, T, B);
      const net = seedNet(spk, { dtype: 'float64', nIn, nRec, nOut });
      loadParams(net, params);
      const [g, loss] = seedGrads(net, sg.tensor(data.x, [T, B, nIn], 'float64'), sg.tensor(data.labels, [B], 'int32'), 'run');
      expect(loss.dataSync()[0]).toBeCloseTo(ref.loss, 12);
      expectGrads(g, ref.grads, 1e-10, entry.name);
    }));
  }
  it('the default spkFun is ReluGrad (brainpy.state LIF)', () => {
    expect(String(new sg.nn.LIF(3).spkFun)).toBe(String(new sg.surrogate.ReluGrad()));
  });
});

describe('the tutorial network (100→4→2, T=200, B=256)', () => {
  it('first loss is ln 2 (no hidden spike at initialisation) and the gradients match the reference', () => sg.tidy(() => {
    random.seed(0);
    const spk = new ReluGrad();
    const net = seedNet(spk);
    const xs = random.rand([200, 256, 100]).lt(0.005).astype('float32');
    const labels = random.rand([256]).lt(0.5).astype('int32');
    const [g, loss] = seedGrads(net, xs, labels, 'run');
    expect(Math.abs(loss.dataSync()[0]! - Math.LN2)).toBeLessThan(1e-5);
    const w = Object.fromEntries(Object.entries(net.states(ParamState)).map(([k, s]) => [k, Float64Array.from(s.value.dataSync())]));
    const params: SeedParams = { nIn: 100, nRec: 4, nOut: 2, W1: w['0.weight']!, b1: w['0.bias']!, W2: w['3.weight']!, b2: w['3.bias']! };
    const ref = seedReference(params, { ...TUTORIAL, sg: spk.gradScalar }, xs.dataSync(), labels.dataSync(), 200, 256);
    expect(ref.spikes.every((s) => s === 0)).toBe(true);
    expect(Math.abs(ref.loss - Math.LN2)).toBeLessThan(1e-12);
    expectGrads(g, ref.grads, 1e-4, 'tutorial');
  }));
});

describe('a sequence-mode training step has a number of ops independent of T', () => {
  function opsOfStep(T: number): number {
    const be = sg.getBackend();
    random.seed(3);
    const net = seedNet(new ReluGrad());
    const xs = random.rand([T, 16, 100]).lt(0.05).astype('float32');
    const labels = random.rand([16]).lt(0.5).astype('int32');
    return sg.tidy(() => {
      const before = be.counters.ops;
      const [g] = seedGrads(net, xs, labels, 'run');
      for (const [k, s] of Object.entries(net.states(ParamState))) s.value = s.value.sub(g[k]!.mul(0.01));
      return be.counters.ops - before;
    });
  }
  it('T = 50 and T = 200 run the same ops', () => {
    const [a, b] = [opsOfStep(50), opsOfStep(200)];
    expect(a).toBe(b);
    expect(a).toBeLessThan(80);
  });
});
