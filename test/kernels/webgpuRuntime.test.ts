/**
 * The WebGPU runtime itself: batching and counters, the write-after-release hazard, large dispatch grids,
 * memory returning to its baseline over training iterations, adapter reporting, and error messages.
 */
import { expect, it, vi } from 'vitest';
import * as sg from '../../index.js';
import * as internal from '../../internal.js';
import { SUBMIT_EVERY, type WebGpuBackend } from '../../kernels/webgpu/index.js';
import { elementSpan, program } from '../../kernels/webgpu/program.js';
import { rng, settleCollected, uniformArray } from '../support/helpers.js';
import { describeWebGpu } from '../support/webgpu.js';

describeWebGpu('WebGPU runtime', (backend) => {
  const gpu = () => backend as WebGpuBackend;

  it('batches dispatches into one submit per SUBMIT_EVERY and flushes before a readback', async () => {
    await gpu().sync();
    const x = sg.tensor(new Float32Array(100).fill(1), [100], 'float32', gpu());
    const before = { ...gpu().counters };
    const n = 3 * SUBMIT_EVERY + 5;
    const y = sg.tidy(() => {
      let t = x;
      for (let i = 0; i < n; i++) t = sg.add(t, x);
      return t;
    });
    expect(gpu().counters.dispatches - before.dispatches).toBe(n);
    expect(gpu().counters.submits - before.submits).toBe(3);
    const v = await y.data();
    expect(v[99]).toBe(n + 1);
    // The readback submitted the 5 pending dispatches and its copy in one command buffer.
    expect(gpu().counters.submits - before.submits).toBe(4);
    expect(gpu().counters.readbacks - before.readbacks).toBe(1);
    sg.dispose([x, y]);
  });

  it('never lets an upload overwrite a buffer that pending commands still read (deferred release)', async () => {
    await gpu().sync();
    const a = Float32Array.from(uniformArray(4096, -1, 1, rng(3)));
    const x = sg.tensor(a, [4096], 'float32', gpu());
    const y = sg.tidy(() => sg.mul(x, 2)); // encoded, not submitted: it reads x's buffer
    x.dispose(); // x's buffer must not go back to the pool before y's batch is submitted …
    const z = sg.tensor(new Float32Array(4096).fill(1e6), [4096], 'float32', gpu()); // … or this upload reuses it
    const v = await y.data();
    for (let i = 0; i < a.length; i++) if (v[i] !== 2 * a[i]!) throw new Error(`element ${i}: ${v[i]} instead of ${2 * a[i]!}`);
    sg.dispose([y, z]);
  });

  it('gives each dispatch of a batch its own uniforms', async () => {
    const x = sg.tensor(Float32Array.from({ length: 60 }, (_, i) => i), [6, 10], 'float32', gpu());
    const parts = Array.from({ length: 6 }, (_, r) => sg.slice(x, [r, r], [1, 10 - r]));
    const got = await Promise.all(parts.map((p) => p.data()));
    got.forEach((g, r) => expect([...g]).toEqual(Array.from({ length: 10 - r }, (_, j) => r * 10 + r + j)));
    sg.dispose([x, parts]);
  });

  it('compiles nothing new for new sizes once each kernel variant has run (shapes travel as uniforms)', async () => {
    const step = (batch: number) => sg.tidy(() => {
      const x = sg.random.uniform([batch, 100], -1, 1, { backend: gpu() });
      const w = sg.random.uniform([100, 40], -1, 1, { backend: gpu() });
      const h = sg.sigmoid(sg.add(sg.matmul(x, w), sg.sum(w, 0)));
      return sg.mean(sg.max(h, 1));
    });
    // Sizes pick among a few variants (size-1 axes merged away, narrow matmul with 1, 2, 4 or 8 rows per
    // invocation or tiled, serial or tree reduction, split or not) …
    for (const batch of [256, 1, 2, 3, 5, 1000, 5000]) await step(batch).data();
    const compiled = gpu().stats().pipelines;
    // … and any other size reuses them.
    for (const batch of [255, 4, 7, 999, 4097]) {
      const v = await step(batch).item();
      expect(Number.isFinite(v)).toBe(true);
    }
    expect(gpu().stats().pipelines).toBe(compiled);
  });

  it('splits a grid of more than 65535 workgroups for custom (main) programs', async () => {
    const count = 70_001;
    const p = program({
      key: 'test:workgroupIds', params: { count: 'u32' }, inputs: {}, outputs: { y: 'u32' }, workgroupSize: 1,
      main: `@compute @workgroup_size(WG) fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let g = workgroupIndex(wid, nwg);
  if (g >= params.count) { return; }
  y[g] = g * 3u;
}`,
    });
    const [info] = gpu().runProgram(p, { inputs: [], outputs: [{ shape: [count], dtype: 'int32' }], params: { count }, workgroups: count });
    const t = new sg.Tensor(gpu(), info!.dataId, info!.shape, info!.dtype);
    const v = await t.data();
    let bad = -1;
    for (let i = 0; i < count; i++) if (v[i] !== 3 * i) { bad = i; break; }
    expect(bad).toBe(-1);
    t.dispose();
  });

  it('runs every element of an element program exactly once, one per invocation or spanned', async () => {
    // 65536·64 + 3 elements: with one element per invocation, more than 65535 workgroups (a split grid); on a
    // software adapter the default spans many elements per invocation (elementSpan) and must cover the same set.
    const n = 65536 * 64 + 3;
    const p = program({
      key: 'test:elementIds', params: { n: 'u32' }, inputs: { x: 'u32' }, outputs: { y: 'u32' },
      element: '  y[i] = x[i] + i * 2u;',
    });
    const ones = sg.ones([n], 'int32', gpu());
    try {
      for (const span of [1, Infinity]) {
        gpu().maxElementSpan = span;
        const [info] = gpu().runProgram(p, { inputs: [ones], outputs: [{ shape: [n], dtype: 'int32' }], params: { n } });
        const t = new sg.Tensor(gpu(), info!.dataId, info!.shape, info!.dtype);
        const v = await t.data();
        let bad = -1;
        for (let i = 0; i < n; i++) if (v[i] !== 1 + 2 * i) { bad = i; break; }
        expect(bad).toBe(-1);
        t.dispose();
      }
    } finally {
      gpu().maxElementSpan = Infinity;
      ones.dispose();
    }
    expect(elementSpan(n, 64, false)).toBe(1);
    expect(elementSpan(n, 64, true)).toBe(64);
    expect(elementSpan(1000, 64, true)).toBe(1);
  });

  it('returns to its baseline memory after 100 forward+backward iterations', async () => {
    await gpu().sync();
    const be = gpu();
    const rand = rng(11);
    const x = sg.tensor(Float32Array.from(uniformArray(64 * 17, -1, 1, rand)), [64, 17], 'float32', be);
    const labels = sg.tensor(Int32Array.from({ length: 64 }, (_, i) => i % 3), [64], 'int32', be);
    const w1 = sg.tensor(Float32Array.from(uniformArray(17 * 33, -0.3, 0.3, rand)), [17, 33], 'float32', be);
    const b1 = sg.zeros([33], 'float32', be);
    const w2 = sg.tensor(Float32Array.from(uniformArray(33 * 3, -0.3, 0.3, rand)), [33, 3], 'float32', be);
    const slots = [w1, b1, w2].map((w) => [sg.zerosLike(w), sg.zerosLike(w)] as const);
    const loss = () => sg.mean(sg.softmaxCrossEntropy(sg.matmul(sg.relu(sg.add(sg.matmul(x, w1), b1)), w2), labels));
    const losses: number[] = [];
    let baseline = { bytesInUse: 0, liveBuffers: 0 }, allocatedAt10 = 0;
    for (let step = 1; step <= 100; step++) {
      // Earlier tests' unreferenced tensors released now, not during the count (their finalizers free buffers).
      if (step === 2) { await be.sync(); await settleCollected(); baseline = be.memory(); }
      const l = sg.tidy(() => {
        const [grads, value] = sg.grad(loss, [w1, b1, w2], { returnValue: true })();
        [w1, b1, w2].forEach((w, k) => be.update('adam', [w, ...slots[k]!], [grads[k]!],
          { lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8, step, weightDecay: 0, decoupled: false }));
        return value;
      });
      if (step % 25 === 0) losses.push(await l.item());
      l.dispose();
      if (step === 10) allocatedAt10 = be.memory().bytesAllocated;
    }
    await be.sync();
    await settleCollected();
    expect(be.memory().bytesInUse).toBe(baseline.bytesInUse);
    expect(be.memory().liveBuffers).toBe(baseline.liveBuffers);
    // The pool recycles: 90 more iterations (each allocating about what the first 10 needed in all, divided
    // by 10) add little. Not exactly nothing: where the 32-dispatch batches fall within an iteration shifts,
    // and with it which buffers are still parked until their batch is submitted.
    expect(be.memory().bytesAllocated).toBeLessThan(1.25 * allocatedAt10);
    expect(losses[3]!).toBeLessThan(losses[0]!); // and it trained
    sg.dispose([x, labels, w1, b1, w2, slots]);
  });

  it('describes its adapter, and auto picks it only when it is hardware', async () => {
    const d = await internal.decideAuto();
    expect(gpu().description).toMatch(/^WebGPU: /);
    if (gpu().adapter.software) {
      expect(d.backend).toBe('cpu');
      expect(d.reason).toMatch(/software adapter/);
    } else {
      expect(d.backend).toBe('webgpu');
    }
  });

  it("'auto' with a benchmark times the work on both backends on a software adapter and keeps the faster", async () => {
    const previous = sg.getBackend().name;
    const ran: string[] = [];
    const work = () => {
      ran.push(sg.getBackend().name);
      return sg.matmul(sg.random.rand([64, 32]), sg.random.rand([32, 16])).sum();
    };
    const before = gpu().memory().bytesInUse;
    const logs: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((m: string) => { logs.push(m); });
    try {
      const be = await sg.setBackend('auto', { benchmark: work, benchmarkRuns: 2 });
      if (gpu().adapter.software) {
        // a warm-up and two timed calls on each backend, and the message gives both times
        expect(ran.filter((n) => n === 'cpu').length).toBe(3);
        expect(ran.filter((n) => n === 'webgpu').length).toBe(3);
        expect(logs.join('\n')).toMatch(new RegExp(`backend 'auto' chose '${be.name}': measured on your benchmark: cpu [0-9.]+ ms, webgpu [0-9.]+ ms per call \\(WebGPU: .*\\); ${be.name} is [0-9.]+× faster`));
      } else {
        expect(ran).toEqual([]); // a hardware adapter wins without measuring
        expect(be.name).toBe('webgpu');
      }
    } finally {
      spy.mockRestore();
      await sg.setBackend('webgpu');
    }
    // The benchmark's tensors are freed. At most `before`: switching backends may also free what earlier tests
    // (in whatever order they ran) left behind.
    expect(gpu().memory().bytesInUse).toBeLessThanOrEqual(before);
    await expect(sg.setBackend('auto', { benchmark: 3 as never })).rejects.toThrow(/setBackend: option 'benchmark' expected a function returning a Tensor, got number 3/);
    await expect(sg.setBackend('auto', { benchmark: work, benchmarkRuns: 0 })).rejects.toThrow(/option 'benchmarkRuns' expected a positive integer, got number 0/);
    await sg.setBackend(previous);
  });

  it('pickMeasured keeps the faster backend and says by how much', () => {
    expect(internal.pickMeasured(10, 4, 'lavapipe')).toMatchObject({ backend: 'webgpu', reason: expect.stringMatching(/cpu 10\.0 ms, webgpu 4\.00 ms per call \(lavapipe\); webgpu is 2\.50× faster/) });
    expect(internal.pickMeasured(3, 12, 'x')).toMatchObject({ backend: 'cpu', reason: expect.stringMatching(/cpu is 4\.00× faster/) });
  });

  it('rejects bad input with clear errors before any GPU work', () => {
    expect(() => sg.tensor([1, 2], [2], 'float64', gpu())).toThrow(/webgpu backend has no float64/);
    const dispatches = gpu().counters.dispatches;
    const huge = Math.floor(gpu().device.limits.maxStorageBufferBindingSize / 4) + 1;
    expect(() => sg.zeros([huge], 'float32', gpu())).toThrow(new RegExp(`fill: output float32 \\[${huge}\\] needs ${huge * 4} bytes, more than this device allows`));
    expect(gpu().counters.dispatches).toBe(dispatches);
    const a = sg.tensor([1, 2, 3], [3], 'float32', gpu());
    const c = sg.tensor([1, 2, 3], [3]); // on the CPU backend
    expect(() => sg.add(a, c)).toThrow(/inputs live on different backends \(webgpu and cpu\)/);
    sg.dispose([a, c]);
  });

  it('reports a kernel that fails to compile, with its key and WGSL, once', async () => {
    await gpu().sync();
    const broken = program({ key: 'test:broken', params: { n: 'u32' }, inputs: {}, outputs: { y: 'f32' }, element: '  y[i] = undefinedThing;' });
    gpu().runProgram(broken, { inputs: [], outputs: [{ shape: [4], dtype: 'float32' }], params: { n: 4 } })
      .forEach((i) => gpu().release(i.dataId));
    await expect(gpu().sync()).rejects.toThrow(/kernel 'test:broken@64' failed to compile[\s\S]*undefinedThing/);
    expect(await sg.sum(sg.tensor([1, 2, 3], [3], 'float32', gpu())).item()).toBe(6); // the backend goes on
  });
});
