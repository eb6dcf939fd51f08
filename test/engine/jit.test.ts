/** transform.jit: same results as the plain function, memory flat over many calls, clear errors. */
import { describe, expect, it, vi } from 'vitest';
import * as sg from '../../index.js';
import { metric, optim, transform } from '../../index.js';
import { rng, uniformArray } from '../support/helpers.js';
import { describeWebGpu } from '../support/webgpu.js';

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

describe('transform.jit results', () => {
  it("the README's loop `await step().item()` holds one result at a time, not one per call", async () => {
    const { step } = makeTrainer(8);
    const jstep = transform.jit(step);
    const be = sg.getBackend();
    const losses = [await jstep().item()]; // the first call also creates the optimizer's moments and the state
    const base = be.memory();
    for (let i = 0; i < 50; i++) losses.push(await jstep().item()); // as written in the README: no dispose
    // Only the last call's loss is alive: before, every call's loss stayed until garbage collection.
    expect(be.memory().bytesInUse).toBe(base.bytesInUse);
    expect(be.memory().liveBuffers).toBe(base.liveBuffers);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
  });

  it('frees a result when the next call returns, with a message saying why if it is used after', async () => {
    const f = transform.jit((n: number) => sg.ones([2]).mul(n));
    const a = f(2);
    expect(Array.from(await a.data())).toEqual([2, 2]);
    const b = f(3);
    expect(a.isDisposed).toBe(true);
    expect(b.isDisposed).toBe(false);
    await expect(a.data()).rejects.toThrow(/was used after dispose\(\) \(it was a result of call 1 of a transform\.jit function, freed when call 2 returned; keep\(\) a result to use it longer\)/);
    expect(() => sg.add(a, 1)).toThrow(/add: input 0 \(float32\) was used after dispose\(\) \(it was a result of call 1/);
    b.dispose();
  });

  it('keeps what is keep()-ed, held by a State, passed back in, or not created by the call', async () => {
    const w = new sg.ParamState(sg.ones([2]));
    const constant = sg.keep(sg.tensor([5, 6]));
    const f = transform.jit((h: sg.Tensor | null, mode: 'keep' | 'state' | 'plain') => {
      const y = h ? h.add(1) : sg.zeros([2]);
      if (mode === 'keep') sg.keep(y);
      if (mode === 'state') w.value = y;
      return { y, constant };
    });
    const kept = f(null, 'keep').y;
    const held = f(kept, 'state').y;
    let h = f(held, 'plain').y; // its input, the State's value, is not freed
    expect(Array.from(await kept.data())).toEqual([0, 0]);
    expect(Array.from(await w.value.data())).toEqual([1, 1]);
    for (let i = 0; i < 3; i++) h = f(h, 'plain').y; // a recurrent carry: each result is the next call's input
    expect(Array.from(await h.data())).toEqual([5, 5]);
    expect(constant.isDisposed).toBe(false);
    expect(Array.from(await constant.data())).toEqual([5, 6]);
    sg.dispose([kept, h, constant, w.value]);
  });

  it('returns an earlier result again without freeing it, and a call that throws frees nothing', async () => {
    let held: sg.Tensor | null = null;
    const f = transform.jit((again: boolean, fail = false) => {
      if (fail) throw new Error('boom');
      return again && held ? held : (held = sg.ones([3]));
    });
    const a = f(false);
    expect(f(true)).toBe(a);
    expect(f(true)).toBe(a);
    expect(a.isDisposed).toBe(false);
    expect(() => f(false, true)).toThrow('boom');
    expect(a.isDisposed).toBe(false);
    const b = f(false);
    expect(a.isDisposed).toBe(true);
    b.dispose();
  });
});

describeWebGpu('transform.jit results on WebGPU', (gpu) => {
  it("the README's loop keeps the GPU's live buffers flat (before: one more per call until garbage collection)", async () => {
    const { step } = sg.withBackend(gpu, () => makeTrainer(10));
    const jstep = transform.jit(step);
    const call = () => sg.withBackend(gpu, () => jstep());
    await call().item();
    const base = gpu.memory();
    for (let i = 0; i < 20; i++) await call().item();
    expect(gpu.memory().liveBuffers).toBe(base.liveBuffers);
    expect(gpu.memory().bytesInUse).toBe(base.bytesInUse);
  });
});
