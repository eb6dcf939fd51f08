/**
 * The N-MNIST and SHD readers on files written here in exactly those formats: N-MNIST's 5-byte events packed
 * bit by bit from the format's description (independently of data.encodeNmnist), and SHD files made by h5py
 * (test/support/fixtures/make_shd_fixture.py; the values are listed there).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { data } from '../../index.js';

const tmp = mkdtempSync(join(tmpdir(), 'spikegrad-events-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** One 40-bit event, big-endian: x (8 bits), y (8), polarity (1), timestamp (23). */
function pack(x: number, y: number, p: number, t: number): number[] {
  const v = (BigInt(x) << 32n) | (BigInt(y) << 24n) | (BigInt(p) << 23n) | BigInt(t);
  return [32n, 24n, 16n, 8n, 0n].map((s) => Number((v >> s) & 0xffn));
}

describe('N-MNIST', () => {
  const events = [[0, 0, 1, 0], [33, 33, 0, 8388607], [5, 17, 1, 1234], [12, 3, 0, 70000]] as const;

  it('decodes x, y, polarity and the 23-bit timestamp of each 40-bit event', () => {
    const ev = data.parseNmnist(Uint8Array.from(events.flatMap((e) => pack(e[0], e[1], e[2], e[3]))));
    expect(Array.from(ev.x)).toEqual(events.map((e) => e[0]));
    expect(Array.from(ev.y)).toEqual(events.map((e) => e[1]));
    expect(Array.from(ev.p)).toEqual(events.map((e) => e[2]));
    expect(Array.from(ev.t)).toEqual(events.map((e) => e[3]));
    expect(Array.from(data.encodeNmnist(ev))).toEqual(events.flatMap((e) => pack(e[0], e[1], e[2], e[3])));
  });

  it('applies overflow markers (y = 240): 2¹³ µs added to every later event, the marker itself dropped', () => {
    const bytes = Uint8Array.from([...pack(1, 1, 0, 100), ...pack(0, 240, 0, 0), ...pack(2, 2, 1, 50), ...pack(0, 240, 0, 0), ...pack(3, 3, 1, 7)]);
    const ev = data.parseNmnist(bytes);
    expect(Array.from(ev.t)).toEqual([100, 8192 + 50, 16384 + 7]);
    expect(Array.from(ev.x)).toEqual([1, 2, 3]);
  });

  it('names the file and the offset of a truncated event or an address outside the sensor', () => {
    const bytes = Uint8Array.from([...pack(1, 1, 0, 100), ...pack(2, 2, 1, 5)]);
    expect(() => data.parseNmnist(bytes.subarray(0, 8), 'a.bin')).toThrow(/a.bin is truncated or not an N-MNIST file: 8 bytes is not a multiple of 5 \(the event at byte offset 5 is incomplete\)/);
    const bad = Uint8Array.from([...pack(1, 1, 0, 100), ...pack(40, 2, 1, 5)]);
    expect(() => data.parseNmnist(bad, 'b.bin')).toThrow(/b.bin: the event at byte offset 5 has x = 40, y = 2, outside the 34×34 sensor/);
  });

  it('loads a Train/<digit>/*.bin folder: labels from the folders, channels p·1156 + y·34 + x, binned by the DataLoader', async () => {
    const root = join(tmp, 'Train');
    for (const d of [3, 7]) {
      mkdirSync(join(root, String(d)), { recursive: true });
      for (const k of [0, 1]) writeFileSync(join(root, String(d), `0000${k}.bin`), Uint8Array.from([...pack(d, k, 1, 1500 * k), ...pack(33, 0, 0, 2999)]));
    }
    writeFileSync(join(root, 'README.txt'), 'not a class folder');
    const ds = await data.loadNmnist(root);
    expect([ds.length, ds.channels]).toEqual([4, 2312]);
    expect(Array.from(ds.labels)).toEqual([3, 3, 7, 7]);
    const s = ds.sample(3); // digit 7, file 1
    expect(Array.from(s.channel)).toEqual([1156 + 34 * 1 + 7, 33]);
    expect(Array.from(s.t)).toEqual([1500, 2999]);
    const merged = await data.loadNmnist(root, { polarity: 'merge', limit: 1 });
    expect([merged.length, merged.channels]).toEqual([2, 1156]);
    const loader = new data.DataLoader(ds, { batchSize: 4, shuffle: false, bins: { dt: 1, duration: 3 } });
    for await (const b of loader.epoch()) {
      expect(b.x.shape).toEqual([3, 4, 2312]);
      const v = await b.x.data();
      expect(v[(1 * 4 + 3) * 2312 + 1156 + 34 + 7]).toBe(1); // t = 1500 µs → step 1, batch row 3
      expect(Array.from(v).reduce((a, x) => a + x, 0)).toBe(8);
    }
    await expect(data.loadNmnist(join(tmp, 'nothing'))).rejects.toThrow(/data.loadNmnist: cannot read the folder '.*nothing' \(ENOENT\)/);
    writeFileSync(join(root, '3', '00009.bin'), Uint8Array.of(1, 2, 3));
    await expect(data.loadNmnist(root)).rejects.toThrow(/3\/00009.bin is truncated/);
  });
});

/** Rounds to the nearest float16 (round half to even), for the reference values of the fixture. */
function toFloat16(v: number): number {
  if (v === 0) return 0;
  const e = Math.max(Math.floor(Math.log2(Math.abs(v))), -14);
  const ulp = 2 ** (e - 10);
  const q = v / ulp, r = Math.round(q);
  const even = Math.abs(q - Math.trunc(q)) === 0.5 ? 2 * Math.round(q / 2) : r;
  return even * ulp;
}

describe('SHD (HDF5 through h5wasm)', () => {
  const fixture = join(import.meta.dirname, '../support/fixtures/shd-small.h5');

  it('reads spikes/times (vlen float16, s), spikes/units and labels as events in µs', async () => {
    const ds = await data.readShd(fixture);
    expect([ds.length, ds.channels, ds.classes]).toEqual([3, 700, 20]);
    expect(Array.from(ds.labels)).toEqual([7, 0, 19]);
    const s0 = ds.sample(0);
    expect(Array.from(s0.channel)).toEqual([0, 699, 3, 3, 350]);
    expect(Array.from(s0.t)).toEqual([0, 0.0005, 0.0125, 0.0126, 0.9].map((t) => toFloat16(t) * 1e6));
    expect(ds.sample(1).t.length).toBe(0);
    expect(Array.from(ds.sample(2).channel)).toEqual([12, 5, 699]);
    // The bytes work as well as a path (the browser's way).
    const fromBytes = await data.readShd(new Uint8Array(readFileSync(fixture)));
    expect(Array.from(fromBytes.t)).toEqual(Array.from(ds.t));
    const loader = new data.DataLoader(ds, { batchSize: 3, shuffle: false, bins: { dt: 10, duration: 1000 } });
    for await (const b of loader.epoch()) {
      expect(b.x.shape).toEqual([100, 3, 700]);
      const v = await b.x.data();
      expect(v[(1 * 3 + 0) * 700 + 3]).toBe(2); // 12.5 ms and 12.6 ms → step 1, unit 3
      expect(v[(Math.floor((toFloat16(0.9) * 1e6) / 10000) * 3 + 0) * 700 + 350]).toBe(1); // 0.9 s as float16: step 89
    }
  });

  it('names the file and the problem: not HDF5, truncated, a missing dataset, a unit out of range', async () => {
    const bytes = new Uint8Array(readFileSync(fixture));
    await expect(data.readShd(bytes.subarray(0, 100), { name: 'cut.h5' })).rejects.toThrow(/data.readShd: cut.h5.*truncated.*100 bytes/);
    await expect(data.readShd(bytes.subarray(0, 3000), { name: 'cut.h5' })).rejects.toThrow(/data.readShd: cut.h5.*truncated.*3000 bytes/);
    await expect(data.readShd(new TextEncoder().encode('hello world, not hdf5'), { name: 'x.h5' })).rejects.toThrow(/x.h5 is not an HDF5 file \(no HDF5 signature at offset 0/);
    await expect(data.readShd(join(import.meta.dirname, '../support/fixtures/shd-bad-unit.h5'))).rejects.toThrow(/shd-bad-unit.h5: sample 0, spike 1: unit 700 outside \[0, 699\]/);
    // A file without spikes/units, written with h5wasm.
    const h5 = await import('h5wasm');
    await h5.ready;
    const f = new h5.File('/no-units.h5', 'w');
    f.create_dataset({ name: 'labels', data: Uint16Array.of(1, 2) });
    f.create_group('spikes');
    f.close();
    const noUnits = h5.FS!.readFile('/no-units.h5');
    await expect(data.readShd(noUnits, { name: 'no-units.h5' })).rejects.toThrow(/no-units.h5 has no dataset 'spikes\/times'/);
    await expect(data.readShd(join(tmp, 'absent.h5'))).rejects.toThrow(/cannot read '.*absent.h5' \(ENOENT\)/);
  });
});
