/** data.fromArrays, subsets, and the DataLoader (batches, seeded shuffles, drop-last, binning, prefetch, lifetimes). */
import { beforeAll, describe, expect, it } from 'vitest';
import { data, getBackend, setBackend, spikegen, random, SpikegradError, tensor } from '../../index.js';

beforeAll(async () => {
  await setBackend('cpu');
});

describe('data.fromArrays', () => {
  it('takes nested arrays or a flat typed array with the sample shape', () => {
    const a = data.fromArrays([[[1, 2], [3, 4]], [[5, 6], [7, 8]], [[0, 0], [0, 1]]], [0, 1, 0]);
    expect(a.featureShape).toEqual([2, 2]);
    expect([a.length, a.classes]).toEqual([3, 2]);
    expect(Array.from(a.features([1, 0]))).toEqual([5, 6, 7, 8, 1, 2, 3, 4]);
    const b = data.fromArrays(new Float32Array(12).map((_, i) => i), Int32Array.of(2, 0, 1), { shape: [4] });
    expect(b.classes).toBe(3);
    expect(Array.from(b.subset([2]).features([0]))).toEqual([8, 9, 10, 11]);
    expect(b.subset([2, 0]).labels).toEqual(Int32Array.of(1, 2));
  });

  it('refuses wrong sizes, bad labels, an empty or one-class dataset and non-finite values, naming the argument', () => {
    const x = new Float32Array(8);
    expect(() => data.fromArrays(x, [0, 1, 0], { shape: [2, 2] })).toThrow(/argument 'x' expected 3 samples of shape \[2, 2\] \(12 values\), got 8 values \(2 samples\)/);
    expect(() => data.fromArrays(x, [0, 1])).toThrow(/pass \{ shape \}/);
    expect(() => data.fromArrays(x, [0, 3], { shape: [4], classes: 3 })).toThrow(/argument 'y' expected labels in \[0, 2\] for 3 classes, got 3 \(first at index 1\)/);
    expect(() => data.fromArrays(x, [0, -1], { shape: [4] })).toThrow(/integer class labels >= 0, got -1 at index 1/);
    expect(() => data.fromArrays(x, [0, 1.5], { shape: [4] })).toThrow(/got 1.5 at index 1/);
    expect(() => data.fromArrays(new Float32Array(0), [], { shape: [4] })).toThrow(/at least one sample, got an empty dataset/);
    expect(() => data.fromArrays(x, [1, 1], { shape: [4] })).toThrow(/at least 2 classes, got only class 1 in all 2 samples/);
    expect(() => data.fromArrays(Float32Array.of(1, NaN, 0, 0), [0, 1], { shape: [2] })).toThrow(/finite numbers, got NaN in sample 0 \(value 1\)/);
    expect(() => data.fromArrays([[1, 2], [3]], [0, 1])).toThrow(/ragged/);
    expect(() => data.fromArrays([[1, 2]], [0, 1])).toThrow(/the same number of samples, got 1 and 2/);
    expect(() => data.fromArrays([[1, 2], [3, 4]], [0, 1], { shape: [3] })).toThrow(/samples of shape \[3\], got \[2\]/);
  });
});

describe('DataLoader', () => {
  const N = 23;
  const ds = data.fromArrays(Float32Array.from({ length: N * 3 }, (_, i) => i), Int32Array.from({ length: N }, (_, i) => i % 4), { shape: [3] });

  async function epochIndices(loader: data.DataLoader, e?: number): Promise<{ batches: number[][]; xs: number[][]; ys: number[][] }> {
    const batches: number[][] = [], xs: number[][] = [], ys: number[][] = [];
    for await (const b of loader.epoch(e)) {
      batches.push(Array.from(b.indices));
      xs.push(Array.from(await b.x.data()));
      ys.push(Array.from(await b.y.data()));
    }
    return { batches, xs, ys };
  }

  it('hands out every sample once per epoch in batches, the last one short unless dropLast', async () => {
    const loader = new data.DataLoader(ds, { batchSize: 5, seed: 1 });
    expect(loader.length).toBe(5);
    const { batches, xs, ys } = await epochIndices(loader);
    expect(batches.map((b) => b.length)).toEqual([5, 5, 5, 5, 3]);
    expect(batches.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
    batches.forEach((b, k) => {
      expect(xs[k]).toEqual(b.flatMap((i) => [3 * i, 3 * i + 1, 3 * i + 2]));
      expect(ys[k]).toEqual(b.map((i) => i % 4));
    });
    const dropped = new data.DataLoader(ds, { batchSize: 5, seed: 1, dropLast: true });
    expect(dropped.length).toBe(4);
    expect((await epochIndices(dropped)).batches.map((b) => b.length)).toEqual([5, 5, 5, 5]);
  });

  it('shuffles each epoch differently, reproducibly from (seed, epoch), and not at all without shuffle', async () => {
    const a = new data.DataLoader(ds, { batchSize: 8, seed: 3 }), b = new data.DataLoader(ds, { batchSize: 8, seed: 3 });
    const e0 = (await epochIndices(a)).batches.flat(), e1 = (await epochIndices(a)).batches.flat();
    expect(e0).not.toEqual(e1);
    expect((await epochIndices(b, 1)).batches.flat()).toEqual(e1); // epoch 1 directly, without running epoch 0
    expect((await epochIndices(new data.DataLoader(ds, { batchSize: 8, seed: 4 }), 1)).batches.flat()).not.toEqual(e1);
    expect((await epochIndices(new data.DataLoader(ds, { batchSize: 8, shuffle: false }))).batches.flat()).toEqual(Array.from({ length: N }, (_, i) => i));
  });

  it('encodes on the host or on the device with the same spikes, prefetching or not, and frees every batch', async () => {
    const be = getBackend();
    const before = be.memory().bytesInUse;
    const run = async (mode: 'host' | 'device', prefetch: boolean) => {
      const g = new random.Generator(9);
      const opts = mode === 'host'
        ? { encodeHost: (v: Float32Array, shape: number[]) => spikegen.rateArray(v, shape, { numSteps: 4, gain: 1 / 69, generator: g }) }
        : { encode: (x: import('../../index.js').Tensor) => spikegen.rate(x, { numSteps: 4, gain: 1 / 69, generator: g }) };
      const loader = new data.DataLoader(ds, { batchSize: 6, seed: 2, prefetch, ...opts });
      const out: number[][] = [];
      for await (const b of loader.epoch()) {
        expect(b.x.shape).toEqual([4, b.indices.length, 3]);
        out.push(Array.from(await b.x.data()));
      }
      return out;
    };
    const ref = await run('host', false);
    expect(await run('host', true)).toEqual(ref);
    expect(await run('device', true)).toEqual(ref);
    expect(be.memory().bytesInUse).toBe(before);
    // Leaving the loop early frees the current and the prefetched batch too.
    for await (const b of new data.DataLoader(ds, { batchSize: 6 }).epoch()) { expect(b.index).toBe(0); break; }
    expect(be.memory().bytesInUse).toBe(before);
  });

  it('bins events into [T, B, channels]: counts or binary, events at or after the duration dropped', async () => {
    const ev = new data.EventDataset([
      { t: Float64Array.of(0, 999, 1000, 2500, 2999.5, 3000), channel: Int32Array.of(0, 0, 1, 2, 2, 0) },
      { t: Float64Array.of(1500), channel: Int32Array.of(1) },
    ], [1, 0], 3);
    const loader = new data.DataLoader(ev, { batchSize: 2, shuffle: false, bins: { dt: 1, duration: 3 } });
    const [b] = await (async () => { const r = []; for await (const x of loader.epoch()) r.push({ shape: x.x.shape, v: Array.from(await x.x.data()) }); return r; })();
    expect(b!.shape).toEqual([3, 2, 3]);
    // Reference: step = floor(t / 1000 µs), t >= 3000 µs dropped.
    const ref = new Array(18).fill(0);
    const add = (t: number, bRow: number, c: number) => { ref[(Math.floor(t / 1000) * 2 + bRow) * 3 + c] += 1; };
    add(0, 0, 0); add(999, 0, 0); add(1000, 0, 1); add(2500, 0, 2); add(2999.5, 0, 2); add(1500, 1, 1);
    expect(b!.v).toEqual(ref);
    const bin = data.binEvents(ev, [0], { dt: 1, duration: 3, mode: 'binary' });
    expect(Math.max(...bin.values)).toBe(1);
  });

  it('rejects bad options before any batch: batch of 0, dropLast with too few samples, missing or bad bins, a dense dataset with bins', () => {
    expect(() => new data.DataLoader(ds, { batchSize: 0 })).toThrow(/DataLoader: argument 'batchSize' expected a positive integer, got number 0/);
    expect(() => new data.DataLoader(ds, { batchSize: 30, dropLast: true })).toThrow(/batchSize' 30 is larger than the 23 samples/);
    const ev = new data.EventDataset([{ t: Float64Array.of(1), channel: Int32Array.of(0) }, { t: Float64Array.of(), channel: Int32Array.of() }], [0, 1], 1);
    expect(() => new data.DataLoader(ev, { batchSize: 1 })).toThrow(/argument 'bins' expected \{ dt, duration \}/);
    expect(() => new data.DataLoader(ev, { batchSize: 1, bins: { dt: 0, duration: 5 } })).toThrow(/argument 'dt' expected a positive value in ms, got 0/);
    expect(() => new data.DataLoader(ds, { batchSize: 1, bins: { dt: 1, duration: 5 } })).toThrow(/event datasets only/);
    expect(() => new data.DataLoader(ds, { batchSize: 1, seed: 0.5 })).toThrow(SpikegradError);
    expect(() => new data.EventDataset([{ t: Float64Array.of(1), channel: Int32Array.of(3) }, { t: Float64Array.of(), channel: Int32Array.of() }], [0, 1], 3)).toThrow(/sample 0, event 0: channel 3 outside \[0, 2\]/);
  });

  it('uploads to the backend it is given', async () => {
    const loader = new data.DataLoader(ds, { batchSize: 4, backend: getBackend() });
    for await (const b of loader.epoch()) { expect(b.x.backend).toBe(getBackend()); break; }
    expect(tensor([1]).backend).toBe(getBackend());
  });
});
