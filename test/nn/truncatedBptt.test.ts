/**
 * transform.truncatedBptt and detachStates (engine/transform.ts) on a recurrent ALIF layer, CPU backend:
 * - the windows' forward carries every state: the spikes equal one run over the whole sequence;
 * - each window's gradient is that of its own loss with the state it starts from held constant (computed
 *   here by hand: the earlier windows run without a tape), which differs from full BPTT's;
 * - a tensor cut into windows and the same chunks as an iterable give the same bits; nothing leaks;
 * - bad arguments are refused before any step runs.
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { cpu, rng, uniformArray } from '../support/helpers.js';

const { nn, transform, ParamState } = sg;
type T = sg.Tensor;

const NIN = 3, N = 6, B = 2, STEPS = 17, WINDOW = 5; // the last window is shorter (2 steps)

function makeNet(): sg.nn.Recurrent<sg.nn.ALIF> {
  sg.random.seed(9);
  return new nn.Recurrent(NIN, new nn.ALIF(N, { tau: 4, tauA: 9, beta: 0.4 }), {
    dtype: 'float64', selfConnections: false, wInit: new sg.init.Uniform({ low: -0.2, high: 1 }), recInit: new sg.init.Uniform({ low: -0.5, high: 1 }),
  });
}

/** Steps [t0, t0 + len) of a sequence. */
const steps = (x: T, t0: number, len: number) => sg.slice(x, [t0, ...x.shape.slice(1).map(() => 0)], [len, ...x.shape.slice(1)]);
const X = uniformArray(STEPS * B * NIN, 0, 3, rng(4));
const U = uniformArray(STEPS * B * N, -1, 1, rng(5));
const lossOf = (ys: T, t0: number) => sg.sum(sg.mul(ys, steps(sg.tensor(U, [STEPS, B, N], 'float64'), t0, ys.shape[0]!)));

/** Per window: the gradient of the window's loss w.r.t. W_in, W_rec, bias, and the window's spikes. */
function windowGrads(net: sg.nn.Recurrent, chunk: T, t0: number) {
  let spikes: number[] = [];
  const g = sg.grad(() => {
    const ys = net.run(chunk);
    spikes = Array.from(ys.dataSync());
    return lossOf(ys, t0);
  }, net.states(ParamState))();
  return { spikes, grads: Object.values(g).map((t) => Array.from(t.dataSync())) };
}

describe('transform.truncatedBptt', async () => {
  await cpu();
  it('carries the states, cuts the gradients at window boundaries, the same for a tensor and an iterable', async () => {
    await sg.setBackend('cpu');
    const xs = sg.tensor(X, [STEPS, B, NIN], 'float64');
    const a = makeNet();
    nn.initAllStates(a, { batchSize: B, dtype: 'float64' });
    const got = transform.truncatedBptt(a, xs, (chunk, i) => windowGrads(a, chunk, i * WINDOW), { window: WINDOW });
    expect(got.length).toBe(Math.ceil(STEPS / WINDOW));

    // The same chunks as an iterable (a stream).
    const b = makeNet();
    nn.initAllStates(b, { batchSize: B, dtype: 'float64' });
    const chunks = [0, 5, 10, 15].map((t0) => steps(xs, t0, Math.min(WINDOW, STEPS - t0)));
    const streamed = transform.truncatedBptt(b, chunks, (chunk, i) => windowGrads(b, chunk, i * WINDOW));
    expect(streamed).toEqual(got);

    // By hand: the earlier windows without a tape (the starting state a constant), then the window's gradient.
    const c = makeNet();
    nn.initAllStates(c, { batchSize: B, dtype: 'float64' });
    const full = Array.from(c.run(xs).dataSync());
    expect(got.flatMap((w) => w.spikes), 'the states flow on across windows').toEqual(full);
    expect(full.some((v) => v === 1) && full.some((v) => v === 0)).toBe(true);
    for (let w = 0; w < got.length; w++) {
      const t0 = w * WINDOW, len = Math.min(WINDOW, STEPS - t0);
      nn.initAllStates(c, { batchSize: B, dtype: 'float64' });
      if (t0 > 0) c.run(steps(xs, 0, t0));
      const want = windowGrads(c, steps(xs, t0, len), t0);
      expect(got[w]!.grads, `window ${w}`).toEqual(want.grads);
    }

    // Full BPTT differs: a later window's loss reaches back into the earlier windows.
    nn.initAllStates(c, { batchSize: B, dtype: 'float64' });
    const fullGrad = sg.grad(() => {
      const ys = c.run(xs);
      return sg.sum(sg.mul(steps(ys, WINDOW, WINDOW), steps(sg.tensor(U, [STEPS, B, N], 'float64'), WINDOW, WINDOW)));
    }, c.states(ParamState))();
    expect(Object.values(fullGrad).map((t) => Array.from(t.dataSync()))).not.toEqual(got[1]!.grads);
  });

  it('frees every window: memory in use returns to where it was', async () => {
    await sg.setBackend('cpu');
    const net = makeNet();
    nn.initAllStates(net, { batchSize: B, dtype: 'float64' });
    const xs = sg.tensor(X, [STEPS, B, NIN], 'float64');
    const train = () => transform.truncatedBptt(net, xs, (chunk) => {
      sg.grad(() => sg.sum(net.run(chunk)), net.states(ParamState))();
    }, { window: 4 });
    train(); // the layer creates its connectivity mask (kept for its life) on first use
    const before = sg.getBackend().memory().bytesInUse;
    train();
    expect(sg.getBackend().memory().bytesInUse).toBe(before);
  });

  it('refuses bad arguments before any step runs', async () => {
    await sg.setBackend('cpu');
    const net = makeNet();
    nn.initAllStates(net, { batchSize: B, dtype: 'float64' });
    const xs = sg.tensor(X, [STEPS, B, NIN], 'float64');
    let calls = 0;
    const step = () => { calls++; };
    expect(() => transform.truncatedBptt(net, xs, step, { window: 0 })).toThrow(/truncatedBptt: argument 'window' expected an integer from 1 to T = 17 \(the sequence's length\), got number 0/);
    expect(() => transform.truncatedBptt(net, xs, step, { window: 18 })).toThrow(/argument 'window' expected an integer from 1 to T = 17 .*got number 18/);
    expect(() => transform.truncatedBptt(net, xs, step)).toThrow(/argument 'window' expected an integer .*got undefined/);
    expect(() => transform.truncatedBptt(net, [xs], step, { window: 3 })).toThrow(/argument 'window' applies to one tensor/);
    expect(() => transform.truncatedBptt(net, 5 as unknown as T, step)).toThrow(/argument 'xs' expected a Tensor \[T, …\] or an iterable of Tensor chunks, got number 5/);
    expect(() => transform.truncatedBptt({} as sg.nn.Module, xs, step, { window: 3 })).toThrow(/argument 'net' expected a module/);
    expect(() => transform.detachStates(null as unknown as sg.nn.Module)).toThrow(/detachStates: argument 'net' expected a module/);
    expect(calls).toBe(0);
    expect(() => transform.truncatedBptt(net, [xs, 'x' as unknown as T], step)).toThrow(/truncatedBptt: chunk 1 expected a Tensor \[t, …\], got string/);
    expect(calls).toBe(1);
  });
});
