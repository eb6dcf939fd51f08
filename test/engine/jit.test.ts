/** transform.jit: same results as the plain function, memory flat over many calls, clear errors. */
import { describe, expect, it, vi } from 'vitest';
import * as sg from '../../index.js';
import { metric, optim, transform } from '../../index.js';
import { rng, uniformArray } from '../support/helpers.js';

/** A tiny recurrent model trained by BPTT with Adam, built from engine ops only. */
function makeTrainer(seed: number) {
  const r = rng(seed);
  const states = {
    w: new sg.ParamState(sg.tensor(uniformArray(6 * 4, -0.5, 0.5, r), [6, 4], 'float32')),
    u: new sg.ParamState(sg.tensor(uniformArray(4 * 2, -0.5, 0.5, r), [4, 2], 'float32')),
  };
  const h = new sg.HiddenState();
  const xs = sg.keep(sg.tensor(uniformArray(10 * 8 * 6, 0, 1, rng(99)), [10, 8, 6], 'float32'));
  const ys = sg.keep(sg.tensor([0, 1, 1, 0, 1, 0, 0, 1], [8], 'int32'));
  const opt = new optim.Adam({ lr: 1e-2 }).registerTrainableWeights(states);
  const loss = () => {
    const outs = transform.forLoop((x) => {
      h.value = sg.tanh(sg.add(sg.matmul(x, states.w.value), sg.mul(h.value, 0.9)));
      return sg.matmul(h.value, states.u.value);
    }, xs);
    return metric.softmaxCrossEntropyWithIntegerLabels(outs.mean(0), ys).mean();
  };
  const step = () => {
    h.value = sg.zeros([8, 4]);
    const [grads, l] = transform.grad(loss, states, { returnValue: true })();
    opt.update(grads);
    return l;
  };
  return { step, states };
}

describe('transform.jit', () => {
  it('returns the same losses and weights as the plain function, step after step', async () => {
    const plain = makeTrainer(5), jitted = makeTrainer(5);
    const jstep = transform.jit(jitted.step);
    for (let i = 0; i < 5; i++) {
      const a = sg.tidy(() => plain.step());
      const b = jstep();
      expect(await b.item()).toBe(await a.item());
      a.dispose();
      b.dispose();
    }
    expect(Array.from(jitted.states.w.value.dataSync())).toEqual(Array.from(plain.states.w.value.dataSync()));
    expect(jstep.stats.calls).toBe(5);
    expect(jstep.stats.retraces).toBe(1); // the same ops every call
    expect(jstep.stats.last.ops).toBeGreaterThan(50);
  });

  it('frees everything a call creates except its result: memory is flat over 100 calls', async () => {
    const { step } = makeTrainer(6);
    const jstep = transform.jit(step);
    const be = sg.getBackend();
    (await jstep()).dispose();
    const base = be.memory().bytesInUse;
    const losses: number[] = [];
    for (let i = 0; i < 100; i++) {
      const l = jstep();
      losses.push(await l.item());
      expect(be.memory().bytesInUse).toBe(base + 4); // + the returned float32 loss
      l.dispose();
    }
    expect(be.memory().bytesInUse).toBe(base);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
  });

  it('returns arrays and records of tensors intact, and frees the call\'s memory when f throws', () => {
    const be = sg.getBackend();
    const f = transform.jit((n: number) => {
      const a = sg.ones([Math.abs(n)]);
      const b = a.mul(2);
      if (n < 0) throw new Error('boom');
      return { b, list: [b.add(1)] };
    });
    const r = f(3);
    expect(Array.from(r.list[0]!.dataSync())).toEqual([3, 3, 3]);
    expect(r.b.isDisposed).toBe(false);
    sg.dispose(r);
    const base = be.memory().bytesInUse;
    expect(() => f(-1)).toThrow('boom');
    expect(be.memory().bytesInUse).toBe(base);
  });

  it('hands every call to the backend\'s jitScope under one key per jitted function', () => {
    const be = sg.getBackend();
    const keys: object[] = [];
    be.jitScope = vi.fn(<T>(key: object, fn: () => T): T => { keys.push(key); return fn(); }) as never;
    try {
      const f = transform.jit(() => sg.ones([2]).add(1));
      const g = transform.jit(() => sg.ones([2]).add(2));
      f(); f(); g();
      expect(keys[0]).toBe(keys[1]);
      expect(keys[2]).not.toBe(keys[0]);
    } finally {
      delete be.jitScope;
    }
  });

  it('rejects async and non-function arguments with a clear message', () => {
    expect(() => transform.jit((async () => sg.ones([1])) as never)).toThrow(/jit: argument 'f' expected a synchronous function, got an async one/);
    expect(() => transform.jit(3 as never)).toThrow("jit: argument 'f' expected a function, got number 3");
  });
});
