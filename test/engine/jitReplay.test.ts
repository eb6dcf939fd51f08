/**
 * transform.jit record and replay: replayed calls are bit-identical to plain calls over many training steps
 * (a learning-rate schedule, Adam's step count, fresh random data and a carried hidden state each step),
 * f's JavaScript does not run on a replay, new shapes re-record with the reason, and a step that cannot be
 * replayed runs unrecorded with a one-time message saying why.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as sg from '../../index.js';
import * as internal from '../../internal.js';
import { metric, optim, random, transform } from '../../index.js';
import { describeWebGpu } from '../support/webgpu.js';
import { settleCollected } from '../support/helpers.js';

/**
 * A recurrent classifier trained on fresh random spikes and labels each step, with a cosine schedule; its
 * hidden state `carry` lives on from step to step (read at the start, written at the end), `h` is reset.
 */
function makeTrainer(be: sg.Backend) {
  return sg.withBackend(be, () => {
    random.seed(11);
    const params = {
      w: new sg.ParamState(random.normal([5, 4], 0, 0.6)),
      u: new sg.ParamState(random.normal([4, 3], 0, 0.6)),
    };
    const carry = new sg.HiddenState(sg.zeros([6, 4]));
    const h = new sg.HiddenState();
    const opt = new optim.Adam({ lr: optim.cosineLR({ lr: 3e-2, steps: 9, minLr: 1e-3 }), betas: [0.8, 0.95] }).registerTrainableWeights(params);
    let ran = 0;
    const step = () => {
      ran++;
      const xs = random.poissonSpikes(0.3, [7, 6, 5]);
      const ys = random.randint(0, 3, [6]);
      h.value = carry.value.mul(0.5);
      const loss = () => {
        const outs = transform.forLoop((x) => {
          h.value = sg.tanh(sg.add(sg.matmul(x, params.w.value), sg.mul(h.value, 0.9)));
          return sg.matmul(h.value, params.u.value);
        }, xs);
        return metric.softmaxCrossEntropyWithIntegerLabels(outs.mean(0), ys).mean();
      };
      const [grads, l] = transform.grad(loss, params, { returnValue: true })();
      opt.update(grads);
      carry.value = sg.stopGradient(h.value);
      return { loss: l, carry: carry.value };
    };
    return { step, params, carry, opt, ran: () => ran };
  });
}

async function trainBoth(be: sg.Backend, steps: number) {
  const plain = makeTrainer(be);
  const plainLosses: number[] = [];
  const plainRandom: number[][] = [];
  for (let i = 0; i < steps; i++) {
    const out = sg.withBackend(be, () => sg.tidy(() => plain.step()));
    plainLosses.push(await out.loss.item());
    plainRandom.push(random.getState());
    out.loss.dispose();
  }
  const plainW = Array.from(await plain.params.w.value.data());
  const plainCarry = Array.from(await plain.carry.value.data());

  const jitted = makeTrainer(be);
  const step = transform.jit(jitted.step);
  const losses: number[] = [];
  const randomStates: number[][] = [];
  let last: { loss: sg.Tensor; carry: sg.Tensor } | null = null;
  for (let i = 0; i < steps; i++) {
    last = sg.withBackend(be, () => step());
    losses.push(await last.loss.item());
    randomStates.push(random.getState());
  }
  return {
    plainLosses, plainRandom, plainW, plainCarry, plain, jitted, step, losses, randomStates, last: last!,
    w: Array.from(await jitted.params.w.value.data()), carry: Array.from(await jitted.carry.value.data()),
  };
}

function checkBitIdentical(r: Awaited<ReturnType<typeof trainBoth>>, steps: number): void {
  expect(r.losses).toEqual(r.plainLosses);
  expect(r.randomStates).toEqual(r.plainRandom); // the replays drew exactly the plain calls' numbers
  expect(r.w).toEqual(r.plainW);
  expect(r.carry).toEqual(r.plainCarry);
  expect(r.jitted.opt.stepCount).toBe(steps);
  expect(r.jitted.opt.stepCount).toBe(r.plain.opt.stepCount);
  expect(r.step.stats.hits).toBe(steps - 2); // recorded twice, replayed from the third call on
  expect(r.jitted.ran()).toBe(2); // f's JavaScript ran only for the two recordings
  expect(r.step.stats.mode).toBe('replayed');
  expect(r.step.stats.unrecorded).toBeNull();
  expect(r.last.carry).toBe(r.jitted.carry.value); // the State's new value is the returned tensor
}

afterEach(() => vi.restoreAllMocks());

describe('transform.jit replay on the CPU', () => {
  it('is bit-identical to plain calls over 12 steps: schedule, Adam step count, fresh random data, a carried state', async () => {
    const r = await trainBoth(await internal.getBackendInstance('cpu'), 12);
    checkBitIdentical(r, 12);
    // Losses change every step (fresh data, new weights): a replay that reused a recorded value would repeat one.
    expect(new Set(r.losses).size).toBe(12);
    expect(r.step.stats.reasons).toEqual(['call 1: first call']);
  });

  it('records again for new argument shapes, a State of a new shape or a freed captured tensor, saying why', async () => {
    const scale = new sg.HiddenState(sg.ones([3]));
    let captured = sg.keep(sg.tensor([1, 2, 3]));
    let ran = 0;
    const f = transform.jit((x: sg.Tensor) => {
      ran++;
      return x.mul(scale.value).add(captured);
    });
    const x3 = sg.tensor([1, 1, 1]);
    const expectCall = async (x: sg.Tensor, want: number[]) => expect(Array.from(await f(x).data())).toEqual(want);
    for (let i = 0; i < 3; i++) await expectCall(x3, [2, 3, 4]);
    expect([f.stats.hits, ran]).toEqual([1, 2]);
    // New argument shape: a second recording (the first is kept for its own shape).
    await expectCall(sg.tensor([[2, 2, 2]]), [3, 4, 5]);
    expect(f.stats.reasons.at(-1)).toBe('call 4: new argument shapes, dtypes or backend');
    await expectCall(x3, [2, 3, 4]);
    expect(f.stats.mode).toBe('replayed');
    // The State now holds another shape: the recording does not fit.
    scale.value = sg.ones([1]);
    await expectCall(x3, [2, 3, 4]);
    expect(f.stats.reasons.at(-1)).toBe('call 6: State changed from float32 [3] to float32 [1]');
    expect(f.stats.mode).toBe('recorded');
    // A captured tensor freed and replaced: the old recording must not read it.
    await expectCall(x3, [2, 3, 4]);
    for (let i = 0; i < 2; i++) await expectCall(x3, [2, 3, 4]);
    expect(f.stats.mode).toBe('replayed');
    captured.dispose();
    captured = sg.keep(sg.tensor([10, 20, 30]));
    await expectCall(x3, [11, 21, 31]);
    expect(f.stats.reasons.at(-1)).toMatch(/call 10: a tensor the step captured \(a constant of its recording\) was freed/);
    captured.dispose();
  });

  it("replays update the Adam step count and learning rate (not the recording's values)", async () => {
    const w = new sg.ParamState(sg.tensor([1, -2, 3]));
    const lrs: number[] = [];
    const opt = new optim.Adam({ lr: (k: number) => { lrs.push(k); return 0.1 / (k + 1); } }).registerTrainableWeights({ w });
    const f = transform.jit(() => {
      const g = transform.grad(() => w.value.square().sum(), { w })();
      opt.update(g);
    });
    for (let i = 0; i < 6; i++) f();
    expect(opt.stepCount).toBe(6);
    expect(lrs).toEqual([0, 1, 2, 3, 4, 5]);
    // Independent float64 reference: Adam with bias correction, lr 0.1/(k+1) at update k = 0..5.
    const p = [1, -2, 3], m = [0, 0, 0], v = [0, 0, 0];
    for (let k = 0; k < 6; k++) {
      for (let i = 0; i < 3; i++) {
        const g = 2 * p[i]!;
        m[i] = 0.9 * m[i]! + 0.1 * g;
        v[i] = 0.999 * v[i]! + 0.001 * g * g;
        const mh = m[i]! / (1 - 0.9 ** (k + 1)), vh = v[i]! / (1 - 0.999 ** (k + 1));
        p[i] = p[i]! - (0.1 / (k + 1)) * mh / (Math.sqrt(vh) + 1e-8);
      }
    }
    const got = Array.from(w.value.dataSync());
    got.forEach((x, i) => expect(Math.abs(x - p[i]!)).toBeLessThan(1e-5));
    expect(f.stats.hits).toBe(4);
  });

  it('frees a replayed result at the next call, as a recorded one, and keeps memory flat', async () => {
    const be = await internal.getBackendInstance('cpu');
    const f = transform.jit((x: sg.Tensor) => x.add(1).mul(2).sum());
    const x = sg.tensor([1, 2, 3]);
    f(x); f(x);
    const a = f(x);
    expect(f.stats.mode).toBe('replayed');
    const base = be.memory().bytesInUse;
    const b = f(x);
    expect(a.isDisposed).toBe(true);
    expect(await b.item()).toBe(18);
    expect(be.memory().bytesInUse).toBe(base);
    x.dispose();
  });

  it('a result the step keep()s stays alive after the next call on a replay too, as on a plain call', async () => {
    const x = sg.tensor([1, 2]);
    const f = transform.jit(() => [x.add(1), sg.keep(x.mul(3))] as const);
    const outs = Array.from({ length: 5 }, () => f());
    expect(f.stats.hits).toBe(3);
    for (const [i, [a, b]] of outs.entries()) {
      expect(a.isDisposed).toBe(i < 4); // freed by the next call
      expect(Array.from(await b.data())).toEqual([3, 6]); // kept: the caller disposes it
      b.dispose();
    }
    outs[4]![0].dispose();
    x.dispose();
  });

  it('never records with { record: false }, and refuses a bad option', () => {
    let ran = 0;
    const f = transform.jit(() => { ran++; return sg.ones([2]).add(1); }, { record: false });
    for (let i = 0; i < 4; i++) f();
    expect([ran, f.stats.hits, f.stats.misses]).toEqual([4, 0, 4]);
    expect(() => transform.jit(() => sg.ones([1]), { record: 'yes' as never })).toThrow("jit: option 'record' expected true or false, got string 'yes'");
  });
});

describe('transform.jit steps that cannot be replayed', () => {
  it('a step that reads a value inside f runs unrecorded, with one message saying why', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const x = sg.tensor([1, -2, 3]);
    let ran = 0;
    const f = transform.jit(() => {
      ran++;
      const s = x.sum();
      // Data-dependent control flow: which op runs depends on a value read inside the step.
      return s.dataSync()[0]! > 0 ? x.mul(2) : x.mul(-1);
    });
    for (let i = 0; i < 4; i++) expect(Array.from(await f().data())).toEqual([2, -4, 6]);
    expect(ran).toBe(4);
    expect(f.stats.hits).toBe(0);
    expect(f.stats.unrecorded).toMatch(/reads a tensor's values \(dataSync\(\)\) while it runs/);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/transform\.jit\(f\) runs unrecorded .*reads a tensor's values/);
    x.dispose();
  });

  it('control flow on a JavaScript counter: the recordings differ, so the step runs unrecorded after 3 tries', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const x = sg.tensor([1, 2]);
    let calls = 0;
    const f = transform.jit(() => (calls++ % 2 === 0 ? x.add(1) : x.mul(3)));
    for (let i = 0; i < 8; i++) expect(Array.from(await f().data())).toEqual(i % 2 === 0 ? [2, 3] : [3, 6]);
    expect(f.stats.hits).toBe(0);
    // x.add(1) uploads the scalar 1, x.mul(3) the scalar 3: the first event already differs.
    expect(f.stats.unrecorded).toMatch(/its work differed between consecutive calls 3 times .*event 1 was 'upload s0 float32 4:\w+', then 'upload s0 float32 4:\w+'/);
    expect(warn).toHaveBeenCalledTimes(1);
    x.dispose();
  });

  it('a constant computed in JavaScript that changes between calls is caught by the second recording', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const x = sg.tensor([1, 2]);
    let k = 0;
    const f = transform.jit(() => x.mul(sg.tensor([++k, k])));
    for (let i = 1; i <= 5; i++) expect(Array.from(await f().data())).toEqual([i, 2 * i]);
    expect(f.stats.hits).toBe(0);
    expect(f.stats.reasons[1]).toMatch(/call 2: the step did different work than on the call before: event 1 was 'upload s0 float32 8:/);
    x.dispose();
  });

  it('a first call that sets something up (keep()) is not replayed; the next two recordings are', async () => {
    const x = sg.tensor([1, 2]);
    let cache: sg.Tensor | null = null;
    let ran = 0;
    const f = transform.jit(() => {
      ran++;
      cache ??= sg.keep(sg.tensor([10, 20]).mul(2));
      return x.add(cache);
    });
    for (let i = 0; i < 5; i++) expect(Array.from(await f().data())).toEqual([21, 42]);
    expect(f.stats.reasons).toEqual(['call 1: first call', 'call 1: the step kept a tensor it created beyond the call without returning it or storing it in a State (keep(), share() or a cache)']);
    expect([ran, f.stats.hits, f.stats.unrecorded]).toEqual([3, 2, null]);
    sg.dispose([x, cache!]);
  });
});

describeWebGpu('transform.jit replay on WebGPU', (gpu) => {
  it('is bit-identical to plain calls over 12 steps: schedule, Adam step count, fresh random data, a carried state', async () => {
    const r = await trainBoth(gpu, 12);
    checkBitIdentical(r, 12);
    expect(new Set(r.losses).size).toBe(12);
    // The compiled command list: every dispatch of the step in one submit, no readback inside the call.
    expect(r.step.stats.last.submits).toBe(1);
    expect(r.step.stats.last.readbacks).toBe(0);
    expect(r.step.stats.last.dispatches).toBeGreaterThan(40);
  });

  it('keeps live buffers and bytes flat over replayed calls', async () => {
    const r = makeTrainer(gpu);
    const step = transform.jit(r.step);
    const call = () => sg.withBackend(gpu, () => step());
    // Calls 1–2 record, call 3 compiles the plan; what the recordings held is let go over the next calls, so the
    // count is taken once replays are steady.
    for (let i = 0; i < 6; i++) await call().loss.item();
    await settleCollected();
    const base = gpu.memory();
    for (let i = 0; i < 10; i++) await call().loss.item();
    expect(step.stats.mode).toBe('replayed');
    await settleCollected();
    expect(gpu.memory().liveBuffers).toBe(base.liveBuffers);
    expect(gpu.memory().bytesInUse).toBe(base.bytesInUse);
  });

  it('sparse inputs (event-driven kernels): a captured constant, a draw inside the step, a new argument each call', async () => {
    // [512, 16] float32 with ≤ 10 % ones: large and sparse enough for the event lists of WebGPU uploads
    // (kernels/webgpu/events.ts), so x·W and its weight gradient xᵀ·dY run the event-driven matmul.
    const sparse = (seed: number, density: number) => {
      const g = new random.Generator(seed);
      return Float32Array.from({ length: 512 * 16 }, () => (g.nextFloat32() < density ? 1 : 0));
    };
    const setup = () => sg.withBackend(gpu, () => {
      const w = new sg.ParamState(sg.tensor(Float32Array.from({ length: 64 }, (_, i) => Math.sin(i) * 0.3), [16, 4]));
      const opt = new optim.Adam({ lr: 0.05 }).registerTrainableWeights({ w });
      const captured = sg.keep(sg.tensor(sparse(1, 0.05), [512, 16]));
      const step = (x: sg.Tensor | null) => {
        const input = x ?? random.poissonSpikes(0.04, [512, 16]);
        const xs = [input, captured];
        const [g, l] = transform.grad(() => xs.map((v) => sg.matmul(v, w.value).tanh().sum()).reduce((a, b) => a.add(b)), { w }, { returnValue: true })();
        opt.update(g);
        return l;
      };
      return { w, step, captured };
    });
    // Even calls pass a new argument: sparse, sparse (two recordings), then one too dense for the event path
    // (the replay must notice and run the kernels), then sparse again. Odd calls draw inside the step.
    const densities = [0.05, 0, 0.06, 0, 0.5, 0, 0.04, 0, 0.03];
    const run = async (jitted: boolean) => {
      random.seed(5);
      const s = setup();
      const f = jitted ? transform.jit(s.step) : (x: sg.Tensor | null) => sg.tidy(() => s.step(x));
      const losses: number[] = [];
      for (let i = 0; i < densities.length; i++) {
        // Odd calls draw inside the step, even ones pass a new sparse argument: two signatures, both replayed.
        const x = i % 2 === 0 ? sg.withBackend(gpu, () => sg.tensor(sparse(100 + i, densities[i]!), [512, 16])) : null;
        const l = sg.withBackend(gpu, () => f(x));
        losses.push(await l.item());
        if (!jitted) l.dispose();
        x?.dispose();
      }
      const w = Array.from(await s.w.value.data());
      s.captured.dispose();
      return { losses, w, stats: jitted ? (f as ReturnType<typeof transform.jit>).stats : null };
    };
    const plain = await run(false);
    const jitted = await run(true);
    expect(jitted.losses).toEqual(plain.losses);
    expect(jitted.w).toEqual(plain.w);
    expect(jitted.stats!.hits).toBe(5); // calls 5–9 but the first of each signature's two recordings
  });

  it('records any op through the generic path: a conv2d / maxPool2d step is bit-identical replayed, in one submit', async () => {
    const make = () => sg.withBackend(gpu, () => {
      random.seed(21);
      const w = new sg.ParamState(random.normal([3, 2, 3, 3], 0, 0.4));
      const v = new sg.ParamState(random.normal([3 * 3 * 3, 2], 0, 0.4));
      const opt = new optim.Adam({ lr: optim.stepLR({ lr: 0.05, stepSize: 2, gamma: 0.5 }) }).registerTrainableWeights({ w, v });
      const gen = new random.Generator(7); // each trainer its own stream: the two run interleaved
      const step = () => {
        const x = random.normal([4, 2, 7, 7], 0, 1, { generator: gen }); // fresh images each step
        const [g, l] = transform.grad(() => {
          const h = sg.maxPool2d(sg.conv2d(x, w.value, null, { padding: 1 }).tanh(), 2); // [4, 3, 3, 3]
          return sg.matmul(h.reshape([4, 27]), v.value).square().mean();
        }, { w, v }, { returnValue: true })();
        opt.update(g);
        return l;
      };
      return { step, w };
    });
    const plain = make(), jitted = make();
    const f = transform.jit(jitted.step);
    for (let i = 0; i < 7; i++) {
      const a = sg.withBackend(gpu, () => sg.tidy(() => plain.step()));
      const want = await a.item(); // read first: the plain step's work is not pending when f runs
      a.dispose();
      const b = sg.withBackend(gpu, () => f());
      expect(await b.item()).toBe(want);
    }
    expect(Array.from(await jitted.w.value.data())).toEqual(Array.from(await plain.w.value.data()));
    expect(f.stats.hits).toBe(5);
    expect(f.stats.last.submits).toBe(1);
  });

  it('binds each call\'s own argument buffers, and reuses the bind groups of buffers it has seen', async () => {
    // The replay looks a variable dispatch's bind group up again only when the buffer of an argument, State or
    // result changed since the last call: a stale group would make B's call compute A's result, and a cache
    // that missed would create new bind groups for every call of a step that alternates between A and B.
    const groups = () => (gpu as unknown as { stats(): { bindGroups: { created: number } } }).stats().bindGroups.created;
    const w = sg.withBackend(gpu, () => sg.keep(sg.tensor(Float32Array.from({ length: 32 }, (_, i) => Math.cos(i)), [8, 4])));
    const plain = (x: sg.Tensor) => sg.matmul(x, w).tanh().mul(x.sum(1).reshape([3, 1])).sum(0);
    const f = transform.jit(plain);
    const xs = [0.5, -1.25, 2].map((k) => sg.withBackend(gpu, () => sg.keep(sg.tensor(Float32Array.from({ length: 24 }, (_, i) => Math.sin(i * k)), [3, 8]))));
    const wants: Float32Array[] = [];
    for (const x of xs) wants.push((await sg.withBackend(gpu, () => sg.tidy(() => plain(x))).data()) as Float32Array);
    const order = [0, 1, 0, 1, 0, 1, 2, 0, 1, 0, 1, 2];
    const created: number[] = [];
    for (const [i, j] of order.entries()) {
      const got = await sg.withBackend(gpu, () => f(xs[j]!)).data();
      expect(Array.from(got), `call ${i + 1} (argument ${j})`).toEqual(Array.from(wants[j]!));
      created.push(groups());
    }
    expect(f.stats.mode).toBe('replayed');
    expect(f.stats.hits).toBe(order.length - 2);
    // Calls 8–12 only bind buffers earlier replays bound (the plain calls beside them reuse the backend's cache).
    expect(created.at(-1)).toBe(created[6]);
    sg.dispose([w, ...xs]);
  });

  it('frees a dropped recording\'s command list and buffers (a captured constant replaced again and again)', async () => {
    const pooled = () => (gpu as unknown as { stats(): { pooledBuffers: number } }).stats().pooledBuffers;
    let c = sg.withBackend(gpu, () => sg.keep(sg.tensor([1, 2, 3, 4])));
    const f = transform.jit((x: sg.Tensor) => x.mul(c).add(1).mul(x).sum());
    const x = sg.withBackend(gpu, () => sg.tensor([1, 1, 2, 2]));
    const counts: number[] = [];
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 4; i++) expect(await sg.withBackend(gpu, () => f(x)).item()).toBe(37 + 2 * round);
      expect(f.stats.mode).toBe('replayed');
      counts.push(pooled());
      c.dispose();
      c = sg.withBackend(gpu, () => sg.keep(sg.tensor([1 + 2 * (round + 1), 2, 3, 4])));
    }
    // Without freeing, every round would leave its plan's buffers behind.
    expect(counts.at(-1)!).toBeLessThanOrEqual(counts[1]!);
    sg.dispose([c, x]);
  });
});
