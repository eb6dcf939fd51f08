/**
 * The safetensors reader and writer on their own: the byte layout checked against files built by hand here
 * (not by the writer), every defect the reader must name, and a property test that feeds it random and
 * mutated files: it returns or throws a SafetensorsError, nothing else, and never allocates more than the
 * file's size.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SafetensorsError, decodeSafetensors, encodeSafetensors, MAX_HEADER_BYTES, type SafeTensor } from '../../io/safetensors.js';

const ctx = { where: 'test.read', source: "'t.safetensors'" };

/** A file built by hand: 8-byte little-endian length (or the one given), the header text, the data bytes. */
function file(header: unknown, data: ArrayLike<number> = [], headerLen?: bigint): Uint8Array {
  const h = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLen ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(Array.from(data), 8 + h.length);
  return out;
}

function le32(values: number[], kind: 'f' | 'i' | 'u'): number[] {
  const b = new DataView(new ArrayBuffer(4 * values.length));
  values.forEach((v, i) => (kind === 'f' ? b.setFloat32(4 * i, v, true) : kind === 'i' ? b.setInt32(4 * i, v, true) : b.setUint32(4 * i, v, true)));
  return Array.from(new Uint8Array(b.buffer));
}

describe('safetensors layout', () => {
  it('reads a file built by hand: little-endian length and data, offsets from the end of the header, metadata', () => {
    const f64 = new DataView(new ArrayBuffer(16));
    f64.setFloat64(0, 1 / 3, true);
    f64.setFloat64(8, -1e300, true);
    const data = [...le32([1.5, -2, 0.1], 'f'), ...Array.from(new Uint8Array(f64.buffer)), ...le32([-7, 2 ** 31 - 1], 'i'), 1, 0, 1];
    const bytes = file({
      __metadata__: { note: 'hand-made' },
      w: { dtype: 'F32', shape: [3], data_offsets: [0, 12] },
      d: { dtype: 'F64', shape: [2, 1], data_offsets: [12, 28] },
      i: { dtype: 'I32', shape: [2], data_offsets: [28, 36] },
      m: { dtype: 'BOOL', shape: [3], data_offsets: [36, 39] },
    }, data);
    const { tensors, metadata } = decodeSafetensors(bytes, ctx);
    expect(metadata).toEqual({ note: 'hand-made' });
    expect(Object.keys(tensors)).toEqual(['w', 'd', 'i', 'm']); // data order
    expect(tensors.w).toEqual({ dtype: 'F32', shape: [3], data: new Float32Array([1.5, -2, 0.1]) });
    expect(tensors.d).toEqual({ dtype: 'F64', shape: [2, 1], data: new Float64Array([1 / 3, -1e300]) });
    expect(tensors.i!.data).toEqual(new Int32Array([-7, 2 ** 31 - 1]));
    expect(tensors.m!.data).toEqual(new Uint8Array([1, 0, 1]));
  });

  it('reads tensors whose data is not aligned to their element size (an odd header length) and zero-size tensors', () => {
    const header = JSON.stringify({ e: { dtype: 'F64', shape: [0, 4], data_offsets: [0, 0] }, a: { dtype: 'F32', shape: [], data_offsets: [0, 4] } }) + ' ';
    expect((8 + header.length) % 4).not.toBe(0);
    const { tensors } = decodeSafetensors(file(header, le32([42.25], 'f')), ctx);
    expect(tensors.a).toEqual({ dtype: 'F32', shape: [], data: new Float32Array([42.25]) });
    expect(tensors.e!.data).toEqual(new Float64Array(0));
  });

  it('writes the layout it reads: padded header, data from an 8-byte boundary, tensors in the given order', () => {
    const t: Record<string, SafeTensor> = {
      b: { dtype: 'I32', shape: [2], data: new Int32Array([3, -4]) },
      a: { dtype: 'F64', shape: [1, 2], data: new Float64Array([0.5, Math.PI]) },
      s: { dtype: 'U32', shape: [1], data: new Uint32Array([0xfedcba98]) },
      u: { dtype: 'U8', shape: [3], data: new Uint8Array([0, 200, 255]) },
    };
    const bytes = encodeSafetensors(t, { made: 'here' });
    const view = new DataView(bytes.buffer);
    const n = Number(view.getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { data_offsets: number[] }>;
    expect(header).toEqual({
      __metadata__: { made: 'here' },
      b: { dtype: 'I32', shape: [2], data_offsets: [0, 8] },
      a: { dtype: 'F64', shape: [1, 2], data_offsets: [8, 24] },
      s: { dtype: 'U32', shape: [1], data_offsets: [24, 28] },
      u: { dtype: 'U8', shape: [3], data_offsets: [28, 31] },
    });
    expect(view.getInt32(8 + n + 4, true)).toBe(-4);
    expect(view.getFloat64(8 + n + 16, true)).toBe(Math.PI);
    expect(view.getUint32(8 + n + 24, true)).toBe(0xfedcba98);
    expect(bytes.length).toBe(8 + n + 31);
    expect(decodeSafetensors(bytes, ctx)).toEqual({ tensors: t, metadata: { made: 'here' } });
  });

  it('keeps names such as __proto__ as plain tensor names', () => {
    const bytes = file('{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', le32([2], 'f'));
    const { tensors } = decodeSafetensors(bytes, ctx);
    expect(Object.keys(tensors)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
  });

  it('refuses to write what the format cannot hold', () => {
    expect(() => encodeSafetensors({ __metadata__: { dtype: 'F32', shape: [1], data: new Float32Array(1) } })).toThrow(/cannot be named '__metadata__'/);
    expect(() => encodeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float32Array(3) } })).toThrow(/tensor 'w' has shape \[2\] \(2 values\) but 3 values/);
    expect(() => encodeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float64Array(2) } })).toThrow(/tensor 'w' of dtype F32 expected its data as a Float32Array, got Float64Array/);
    expect(() => encodeSafetensors({ w: { dtype: 'F16' as 'F32', shape: [1], data: new Float32Array(1) } })).toThrow(/tensor 'w' expected \{ dtype: F32\|F64\|I32\|U32\|U8\|BOOL/);
    expect(() => encodeSafetensors({}, { n: 3 as unknown as string })).toThrow(/metadata 'n' expected a string/);
  });
});

describe('every defect of a file is an error naming the file and the problem', () => {
  const ok = { w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const eight = le32([1, 2], 'f');
  const cases: [string, Uint8Array, RegExp][] = [
    ['shorter than the length field', new Uint8Array(5), /the file has 5 bytes, fewer than the 8 of the header length/],
    ['header length past the file', file(ok, eight, 10_000n), /the header length is 10000 bytes, larger than the \d+ bytes that follow it: the file is truncated/],
    ['header length past 100 MB', file(ok, eight, BigInt(MAX_HEADER_BYTES + 1)), /the header length is 100000001 bytes, more than the 100 MB limit/],
    ['header length 2^64 - 1', file(ok, eight, 2n ** 64n - 1n), /the header length is 18446744073709551615 bytes, more than the 100 MB limit/],
    ['header not UTF-8', file('{"w\xff":1}'.replace('\xff', ''), []).map((b, i, a) => (i === a.length - 3 ? 0xff : b)), /the header is not valid UTF-8 text/],
    ['header not JSON', file('{"w": {dtype', []), /the header is not JSON \(/],
    ['header an array', file([1, 2], []), /the header is not a JSON object, it is an array/],
    ['header null', file('null', []), /the header is not a JSON object, it is null/],
    ['header a number', file('12', []), /the header is not a JSON object, it is the number 12/],
    ['metadata not strings', file({ __metadata__: { epoch: 5 }, ...ok }, eight), /'__metadata__' must map strings to strings; 'epoch' holds the number 5/],
    ['metadata an array', file({ __metadata__: ['a'], ...ok }, eight), /'__metadata__' must be an object of strings, it is an array/],
    ['entry not an object', file({ w: 'F32' }, eight), /tensor 'w' must be described by \{ dtype, shape, data_offsets \}, got the string "F32"/],
    ['no dtype', file({ w: { shape: [2], data_offsets: [0, 8] } }, eight), /tensor 'w' has no dtype string/],
    ['unknown dtype', file({ w: { dtype: 'F33', shape: [2], data_offsets: [0, 8] } }, eight), /tensor 'w' has the unknown dtype "F33"/],
    ['unsupported dtype', file({ w: { dtype: 'BF16', shape: [4], data_offsets: [0, 8] } }, eight), /tensor 'w' has dtype BF16, which spikegrad does not hold/],
    ['negative dimension', file({ w: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, eight), /tensor 'w' has the shape \[-2\]; expected an array of non-negative integers/],
    ['fractional dimension', file({ w: { dtype: 'F32', shape: [1.5], data_offsets: [0, 8] } }, eight), /tensor 'w' has the shape \[1.5\]/],
    ['shape not an array', file({ w: { dtype: 'F32', shape: 2, data_offsets: [0, 8] } }, eight), /tensor 'w' has the shape 2/],
    ['one offset', file({ w: { dtype: 'F32', shape: [2], data_offsets: [8] } }, eight), /tensor 'w' has the data_offsets \[8\]; expected \[begin, end\]/],
    ['negative offset', file({ w: { dtype: 'F32', shape: [2], data_offsets: [-8, 0] } }, eight), /tensor 'w' has the data_offsets \[-8,0\]/],
    ['offsets reversed', file({ w: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, eight), /data_offsets \[8, 0\] that end before they begin/],
    ['offsets past the data', file({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, eight), /data_offsets \[0, 16\] past the end of the data \(8 bytes\): the file is truncated/],
    ['overlapping tensors', file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, eight), /tensor 'b' \(bytes 4–8\) overlaps the tensor before it \(which ends at byte 8\)/],
    ['a gap between tensors', file({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, eight), /bytes 0–4 of the data belong to no tensor \(before 'a'\)/],
    ['trailing bytes', file(ok, [...eight, 0, 0, 0]), /the last 3 bytes of the data belong to no tensor/],
    ['shape larger than its bytes', file({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, eight), /tensor 'w' has the shape \[3\] \(3 F32 values, 12 bytes\) but its data_offsets \[0, 8\] span 8 bytes/],
    ['a huge shape', file({ w: { dtype: 'F32', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 8] } }, eight), /tensor 'w' has the shape \[1099511627776, 1099511627776\] \(more than 2\^53 values\) but its data_offsets \[0, 8\] span 8 bytes/],
    ['bytes not a multiple of the element size', file({ w: { dtype: 'F64', shape: [1], data_offsets: [0, 8] }, v: { dtype: 'I32', shape: [1], data_offsets: [8, 11] } }, [...eight, 1, 2, 3]), /tensor 'v' has the shape \[1\] \(1 I32 values, 4 bytes\) but its data_offsets \[8, 11\] span 3 bytes/],
    ['a BOOL byte other than 0 or 1', file({ m: { dtype: 'BOOL', shape: [3], data_offsets: [0, 3] } }, [1, 2, 0]), /BOOL tensor 'm' holds the byte 2 at element 1; BOOL bytes are 0 or 1/],
  ];
  it.each(cases)('%s', (_what, bytes, message) => {
    let err: unknown;
    try {
      decodeSafetensors(bytes, ctx);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SafetensorsError);
    expect((err as Error).message).toMatch(/^test\.read: 't\.safetensors': /);
    expect((err as Error).message).toMatch(message);
  });
});

/** Runs `fn` while counting the bytes of every typed array and ArrayBuffer allocated by length. */
function countAllocations<T>(fn: () => T): { bytes: number; result?: T; error?: unknown } {
  const names = ['ArrayBuffer', 'Uint8Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'Uint16Array', 'Int8Array', 'Int16Array', 'BigUint64Array', 'BigInt64Array'] as const;
  const g = globalThis as unknown as Record<string, unknown>;
  const saved = names.map((n) => g[n]);
  let bytes = 0;
  names.forEach((n, i) => {
    const C = saved[i] as { BYTES_PER_ELEMENT?: number } & (new (...a: unknown[]) => object);
    g[n] = new Proxy(C, {
      construct(target, args) {
        if (typeof args[0] === 'number') bytes += args[0] * (target.BYTES_PER_ELEMENT ?? 1);
        return Reflect.construct(target, args);
      },
    });
  });
  let result: T | undefined, error: unknown;
  try {
    result = fn();
  } catch (e) {
    error = e;
  } finally {
    names.forEach((n, i) => { g[n] = saved[i]; });
  }
  return { bytes, result, error };
}

describe('the reader on random and mutated files (fast-check)', () => {
  const tensorArb = fc.record({
    dtype: fc.constantFrom('F32', 'F64', 'I32', 'U32', 'U8', 'BOOL'),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
  }).map(({ dtype, shape }): SafeTensor => {
    const n = shape.reduce((a, b) => a * b, 1);
    const C = { F32: Float32Array, F64: Float64Array, I32: Int32Array, U32: Uint32Array, U8: Uint8Array, BOOL: Uint8Array }[dtype];
    const data = new C(n);
    for (let i = 0; i < n; i++) data[i] = dtype === 'BOOL' ? i % 2 : i * 3 - 5;
    return { dtype: dtype as SafeTensor['dtype'], shape, data };
  });
  const validFile = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), tensorArb, { maxKeys: 4 }).map((t) => encodeSafetensors(t, { k: 'v' }));

  /** The outcome every input must have: a result that fits in the file, or a SafetensorsError. */
  const check = (bytes: Uint8Array) => {
    const { result, error, bytes: allocated } = countAllocations(() => decodeSafetensors(bytes, ctx));
    if (error !== undefined) {
      if (!(error instanceof SafetensorsError)) throw error;
    } else {
      let total = 0;
      for (const t of Object.values(result!.tensors)) {
        expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
        total += t.data.byteLength;
      }
      expect(total).toBeLessThanOrEqual(bytes.length);
    }
    expect(allocated).toBeLessThanOrEqual(bytes.length);
  };

  it('(the allocation counter sees typed arrays allocated by length, and not views)', () => {
    const buf = new ArrayBuffer(64);
    expect(countAllocations(() => [new Float64Array(10), new Uint8Array(3), new Int32Array(buf, 8, 4)]).bytes).toBe(83);
  });

  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check), { numRuns: 400 });
  });

  it('valid files read back exactly', () => {
    fc.assert(fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), tensorArb, { maxKeys: 4 }), (t) => {
      const back = decodeSafetensors(encodeSafetensors(t), ctx).tensors;
      expect(Object.keys(back).sort()).toEqual(Object.keys(t).sort());
      for (const [k, v] of Object.entries(t)) expect(back[k]).toEqual(v);
    }), { numRuns: 200 });
  });

  it('valid files with bytes flipped, cut or appended, or a new header length', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('append' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
      fc.record({ kind: fc.constant('length' as const), value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
    );
    fc.assert(fc.property(validFile, fc.array(mutation, { minLength: 1, maxLength: 4 }), (f, ms) => {
      let b = f.slice();
      for (const m of ms) {
        if (m.kind === 'flip' && b.length) b[m.at % b.length] = m.value;
        else if (m.kind === 'cut') b = b.slice(0, m.at % (b.length + 1));
        else if (m.kind === 'append') b = Uint8Array.from([...b, ...m.extra]);
        else if (m.kind === 'length' && b.length >= 8) new DataView(b.buffer, b.byteOffset).setBigUint64(0, m.value, true);
      }
      check(b);
    }), { numRuns: 400 });
  });

  it('headers whose entries are replaced by arbitrary JSON', () => {
    const entry = fc.oneof(
      fc.jsonValue(),
      fc.record({
        dtype: fc.oneof(fc.constantFrom('F32', 'F64', 'I32', 'U32', 'U8', 'BOOL', 'BF16', ''), fc.string(), fc.jsonValue()),
        shape: fc.oneof(fc.array(fc.oneof(fc.integer({ min: -3, max: 5 }), fc.constant(2 ** 53), fc.double())), fc.jsonValue()),
        data_offsets: fc.oneof(fc.array(fc.oneof(fc.integer({ min: -5, max: 80 }), fc.constant(2 ** 60)), { maxLength: 3 }), fc.jsonValue()),
      }, { requiredKeys: [] }),
    );
    fc.assert(fc.property(fc.dictionary(fc.string({ maxLength: 4 }), entry, { maxKeys: 4 }), fc.uint8Array({ maxLength: 80 }), (header, data) => {
      check(file(header, data));
    }), { numRuns: 500 });
  });
});
