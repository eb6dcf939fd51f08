/**
 * data.randomShift: each image moved by its own (dy, dx), checked pixel by pixel against a direct reference
 * that reads the same draws; the shifts cover [−s, s]² evenly; the DataLoader applies it before the encoder
 * and the same generator seed gives the same batches; bad arguments are refused with the value.
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';

const { data, random } = sg;

/** Pixel (r, c) of image b after a shift by (dy, dx): the input's (r − dy, c − dx), or 0 outside. */
function shiftedReference(img: Float32Array, H: number, W: number, C: number, dy: number, dx: number): Float32Array {
  const out = new Float32Array(H * W * C);
  for (let r = 0; r < H; r++) {
    for (let c = 0; c < W; c++) {
      const sr = r - dy, sc = c - dx;
      if (sr < 0 || sr >= H || sc < 0 || sc >= W) continue;
      for (let k = 0; k < C; k++) out[(r * W + c) * C + k] = img[(sr * W + sc) * C + k]!;
    }
  }
  return out;
}

describe('data.randomShift', () => {
  it('moves each image by the (dy, dx) its two draws give, zero-filling, on [B, H, W] and [B, H, W, C]', () => {
    for (const shape of [[7, 5, 6], [4, 3, 5, 2]]) {
      const [B, H, W] = shape as [number, number, number];
      const C = shape[3] ?? 1;
      const values = Float32Array.from({ length: B * H * W * C }, (_, i) => 1 + i); // no zeros: a moved-in 0 is visible
      const s = 2;
      const { values: out, shape: outShape } = data.randomShift({ maxShift: s, generator: new random.Generator(11) })(values, shape);
      expect(outShape).toEqual(shape);
      const g = new random.Generator(11);
      const n = H * W * C;
      for (let b = 0; b < B; b++) {
        const dy = (g.nextUint32() % (2 * s + 1)) - s, dx = (g.nextUint32() % (2 * s + 1)) - s;
        expect(Array.from(out.subarray(b * n, (b + 1) * n))).toEqual(Array.from(shiftedReference(values.subarray(b * n, (b + 1) * n), H, W, C, dy, dx)));
      }
      expect(values[0]).toBe(1); // the input is left as it was
    }
  });

  it('draws every shift in [−s, s]² about equally often; maxShift 0 is the identity; shifts beyond the image give zeros', () => {
    const s = 1, B = 9000;
    const values = new Float32Array(B * 9);
    for (let b = 0; b < B; b++) values[b * 9 + 4] = 1; // a single lit centre pixel: its new place is the shift
    const out = data.randomShift({ maxShift: s, generator: new random.Generator(3) })(values, [B, 3, 3]).values;
    const counts = new Array<number>(9).fill(0);
    for (let b = 0; b < B; b++) counts[out.subarray(b * 9, b * 9 + 9).indexOf(1)]! += 1;
    for (const c of counts) expect(Math.abs(c - B / 9)).toBeLessThan(5 * Math.sqrt((B / 9) * (8 / 9))); // 5 σ
    const same = Float32Array.from({ length: 12 }, (_, i) => i);
    expect(Array.from(data.randomShift({ maxShift: 0 })(same, [1, 3, 4]).values)).toEqual(Array.from(same));
    const far = data.randomShift({ maxShift: 8, generator: new random.Generator(1) })(Float32Array.from({ length: 200 * 4 }, () => 1), [200, 2, 2]).values;
    expect(far.some((v) => v === 0)).toBe(true);
  });

  it('in a DataLoader: shifted before the host encoder, the same seed the same batches', async () => {
    await sg.setBackend('cpu', { verbose: false });
    const x = Float32Array.from({ length: 6 * 16 }, (_, i) => (i % 7) / 7);
    const ds = data.fromArrays(x, Int32Array.from([0, 1, 0, 1, 0, 1]), { shape: [4, 4] });
    const seen: number[][] = [];
    const loader = (seed: number) => new data.DataLoader(ds, {
      batchSize: 3, seed: 1,
      augment: data.randomShift({ maxShift: 1, generator: new random.Generator(seed) }),
      encodeHost: (v, shape) => { seen.push(shape); return { values: v, shape: [shape[0]!, 16] }; },
    });
    const batches = async (l: InstanceType<typeof data.DataLoader>) => {
      const out: number[][] = [];
      for await (const b of l.epoch(0)) out.push(Array.from(await b.x.data()));
      return out;
    };
    const a = await batches(loader(5)), b = await batches(loader(5)), c = await batches(loader(6));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(seen[0]).toEqual([3, 4, 4]);
    const plain = [];
    for await (const bt of new data.DataLoader(ds, { batchSize: 3, seed: 1 }).epoch(0)) plain.push(Array.from(await bt.x.data()));
    expect(a).not.toEqual(plain);
  });

  it('refuses bad arguments with the value, and a DataLoader refuses an augment that is not a function', () => {
    expect(() => data.randomShift({ maxShift: -1 })).toThrow(/data\.randomShift: argument 'maxShift' expected an integer >= 0, got number -1/);
    expect(() => data.randomShift({ maxShift: 1.5 })).toThrow(/got number 1\.5/);
    expect(() => data.randomShift({ maxShift: 1, generator: {} as never })).toThrow(/argument 'generator' expected a random\.Generator/);
    const shift = data.randomShift({ maxShift: 1 });
    expect(() => shift(new Float32Array(8), [2, 4])).toThrow(/expected images \[batch, height, width\].*got a batch of shape \[2, 4\]/);
    expect(() => shift(new Float32Array(7), [2, 2, 2])).toThrow(/needs 8 values, got 7/);
    const ds = data.fromArrays(new Float32Array(8), Int32Array.from([0, 1]), { shape: [2, 2] });
    expect(() => new data.DataLoader(ds, { batchSize: 1, augment: 3 as never })).toThrow(/DataLoader: argument 'augment' expected a function/);
  });
});
