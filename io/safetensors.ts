/**
 * The safetensors format, read and written strictly: 8 bytes of little-endian header length N, N bytes of a
 * JSON object `{ name: { dtype, shape, data_offsets: [begin, end] }, …, "__metadata__"?: { key: "value" } }`,
 * then the raw little-endian data, offsets counted from the first byte after the header.
 *
 * Written here rather than taken from npm: the format is a page long, the one npm package named after it is
 * an unmaintained 0.0.1, and the reader has to be strict in ways a convenience reader is not. Every defect is
 * a SafetensorsError naming the file and the problem, found before anything is allocated beyond the file's
 * own size: a header length past the file or past 100 MB (the Python reader's limit), a header that is not
 * UTF-8 JSON or not an object, an unknown dtype, offsets out of range, overlapping, leaving gaps or trailing
 * bytes, a shape whose size does not match its byte length, a BOOL byte other than 0 or 1.
 * Pure: no file system, no backend; io/files.ts and io/weights.ts build on it.
 */
import { SpikegradError } from '../engine/errors.js';

/** The safetensors dtypes spikegrad reads and writes (F32, F64, I32, BOOL hold tensors; U32 and U8 raw words). */
export type SafeDType = 'F32' | 'F64' | 'I32' | 'U32' | 'U8' | 'BOOL';
/** The typed array holding a safetensors tensor's values, by its dtype. */
export type SafeArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;

/** One tensor of a safetensors file: dtype, shape and row-major values. */
export interface SafeTensor {
  dtype: SafeDType;
  shape: number[];
  /** Row-major values: Float32Array (F32), Float64Array (F64), Int32Array (I32), Uint32Array (U32), Uint8Array (U8, BOOL). */
  data: SafeArray;
}

/** A decoded safetensors file: its tensors by name and its metadata. */
export interface SafetensorsContents {
  /** The tensors by name, in the order of their data in the file. */
  tensors: Record<string, SafeTensor>;
  /** The header's `__metadata__` (string to string), empty when absent. */
  metadata: Record<string, string>;
}

/** The largest header either reader accepts (safetensors' own MAX_HEADER_SIZE). */
export const MAX_HEADER_BYTES = 100_000_000;

const BYTES: Record<SafeDType, number> = { F32: 4, F64: 8, I32: 4, U32: 4, U8: 1, BOOL: 1 };
const ARRAY = { F32: Float32Array, F64: Float64Array, I32: Int32Array, U32: Uint32Array, U8: Uint8Array, BOOL: Uint8Array } as const;
/** Dtypes of the format that spikegrad does not hold (named as such in errors, rather than "unknown"). */
const OTHER_DTYPES = ['F16', 'BF16', 'F8_E4M3', 'F8_E5M2', 'I8', 'I16', 'U16', 'I64', 'U64', 'C64'];

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A file (or byte array) that is not a valid safetensors file, or that does not fit what it is loaded into.
 * `source` names it (a path, a File's name, or what the caller called the bytes); nothing was loaded.
 */
export class SafetensorsError extends SpikegradError {
  override name = 'SafetensorsError';
  constructor(readonly where: string, readonly source: string, readonly problem: string) {
    super(`${where}: ${source}: ${problem}`);
  }
}

/** What a reader reports in its errors: the function (`io.load`) and the file (`'net.safetensors'`). */
export interface ReadContext {
  where: string;
  source: string;
}

/** Sets an own property even for names like '__proto__', which a header may contain. */
function put<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function isSafeDType(d: string): d is SafeDType {
  return Object.hasOwn(BYTES, d);
}

function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v === 'object' ? 'an object' : `the ${typeof v} ${String(v)}`}`;
}

/** Copies `n` bytes (a multiple of `size`) to a fresh buffer, reversing each element's bytes on a big-endian host. */
function copyLittleEndian(src: Uint8Array, size: number): ArrayBuffer {
  const out = new Uint8Array(src.length);
  out.set(src);
  if (!LITTLE_ENDIAN && size > 1) {
    for (let i = 0; i < out.length; i += size) out.subarray(i, i + size).reverse();
  }
  return out.buffer;
}

/**
 * Reads a safetensors file from its bytes. Validates the whole header before copying any data, then copies
 * each tensor into an array of its own (aligned, independent of `bytes`).
 * @example const { tensors, metadata } = decodeSafetensors(bytes, { where: 'io.read', source: "'net.safetensors'" });
 */
export function decodeSafetensors(bytes: Uint8Array, ctx: ReadContext): SafetensorsContents {
  const fail = (problem: string): never => {
    throw new SafetensorsError(ctx.where, ctx.source, problem);
  };
  if (!(bytes instanceof Uint8Array)) fail(`expected the file's bytes as a Uint8Array, got ${describeJson(bytes)}`);
  if (bytes.length < 8) fail(`the file has ${bytes.length} bytes, fewer than the 8 of the header length: not a safetensors file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(MAX_HEADER_BYTES)) fail(`the header length is ${headerLen} bytes, more than the ${MAX_HEADER_BYTES / 1e6} MB limit: not a safetensors file, or a damaged one`);
  const n = Number(headerLen);
  if (n > bytes.length - 8) fail(`the header length is ${n} bytes, larger than the ${bytes.length - 8} bytes that follow it: the file is truncated or not a safetensors file`);
  if (n < 2) fail(`the header length is ${n} bytes, too short for a JSON object`);

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return fail('the header is not valid UTF-8 text');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`the header is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail(`the header is not a JSON object, it is ${describeJson(header)}`);

  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafeDType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (info === null || typeof info !== 'object' || Array.isArray(info)) fail(`'__metadata__' must be an object of strings, it is ${describeJson(info)}`);
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`'__metadata__' must map strings to strings; '${k}' holds ${describeJson(v)}`);
        put(metadata, k, v as string);
      }
      continue;
    }
    const what = `tensor '${name}'`;
    if (info === null || typeof info !== 'object' || Array.isArray(info)) fail(`${what} must be described by { dtype, shape, data_offsets }, got ${describeJson(info)}`);
    const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
    if (typeof dtype !== 'string') fail(`${what} has no dtype string (got ${describeJson(dtype)})`);
    const d = dtype as string;
    if (!isSafeDType(d)) {
      fail(OTHER_DTYPES.includes(d)
        ? `${what} has dtype ${d}, which spikegrad does not hold (it reads F32, F64, I32, U32, U8 and BOOL)`
        : `${what} has the unknown dtype ${JSON.stringify(d)} (safetensors dtypes spikegrad reads: F32, F64, I32, U32, U8, BOOL)`);
    }
    const dt = d as SafeDType;
    if (!Array.isArray(shape) || shape.some((x) => !Number.isSafeInteger(x) || x < 0)) {
      fail(`${what} has the shape ${JSON.stringify(shape)}; expected an array of non-negative integers`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || offsets.some((x) => !Number.isSafeInteger(x) || x < 0)) {
      fail(`${what} has the data_offsets ${JSON.stringify(offsets)}; expected [begin, end], two non-negative integers`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end) fail(`${what} has data_offsets [${begin}, ${end}] that end before they begin`);
    if (end > dataLen) fail(`${what} has data_offsets [${begin}, ${end}] past the end of the data (${dataLen} bytes): the file is truncated`);
    // The shape's size, exact up to 2^53 and Infinity beyond (a hostile shape like [2^40, 2^40] must not
    // round into a match with the byte length).
    const dims = shape as number[];
    const elems = (end - begin) / BYTES[dt];
    let count = dims.includes(0) ? 0 : 1;
    for (const x of dims) if (count > 0) count = count * x > Number.MAX_SAFE_INTEGER ? Infinity : count * x;
    if (count !== elems) {
      const size = count === Infinity ? 'more than 2^53 values' : `${count} ${dt} values, ${count * BYTES[dt]} bytes`;
      fail(`${what} has the shape [${dims.join(', ')}] (${size}) but its data_offsets [${begin}, ${end}] span ${end - begin} bytes`);
    }
    entries.push({ name, dtype: dt, shape: [...(shape as number[])], begin, end });
  }

  // The tensors must tile the data section exactly: no overlap, no gap, nothing after the last one.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of entries) {
    if (e.begin < at) fail(`tensor '${e.name}' (bytes ${e.begin}–${e.end}) overlaps the tensor before it (which ends at byte ${at})`);
    if (e.begin > at) fail(`bytes ${at}–${e.begin} of the data belong to no tensor (before '${e.name}')`);
    at = e.end;
  }
  if (at !== dataLen) fail(`the last ${dataLen - at} bytes of the data belong to no tensor (the tensors end at byte ${at} of ${dataLen})`);

  const tensors: Record<string, SafeTensor> = {};
  for (const e of entries) {
    const src = bytes.subarray(dataStart + e.begin, dataStart + e.end);
    if (e.dtype === 'BOOL') {
      const bad = src.findIndex((b) => b > 1);
      if (bad >= 0) fail(`BOOL tensor '${e.name}' holds the byte ${src[bad]} at element ${bad}; BOOL bytes are 0 or 1`);
    }
    const data = new ARRAY[e.dtype](copyLittleEndian(src, BYTES[e.dtype]));
    put(tensors, e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata };
}

function arrayFits(dtype: SafeDType, data: unknown): boolean {
  return data instanceof ARRAY[dtype];
}

/**
 * Writes tensors and metadata as a safetensors file. The header is padded with spaces so that the data starts
 * on an 8-byte boundary (as Python's writer does); tensors are laid out in the record's order.
 * @example const bytes = encodeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } }, { note: 'x' });
 */
export function encodeSafetensors(tensors: Readonly<Record<string, SafeTensor>>, metadata: Readonly<Record<string, string>> = {}, where = 'encodeSafetensors'): Uint8Array<ArrayBuffer> {
  const header: Record<string, unknown> = {};
  if (metadata === null || typeof metadata !== 'object') throw new SpikegradError(`${where}: argument 'metadata' expected a record of strings, got ${describeJson(metadata)}`);
  const meta = Object.entries(metadata);
  for (const [k, v] of meta) {
    if (typeof v !== 'string') throw new SpikegradError(`${where}: metadata '${k}' expected a string (safetensors metadata maps strings to strings), got ${describeJson(v)}`);
  }
  if (meta.length) put(header, '__metadata__', Object.fromEntries(meta));
  let offset = 0;
  const parts: [SafeArray, number][] = [];
  for (const [name, t] of Object.entries(tensors)) {
    if (name === '__metadata__') throw new SpikegradError(`${where}: a tensor cannot be named '__metadata__' (the header's metadata key)`);
    if (t === null || typeof t !== 'object' || !isSafeDType(String(t.dtype))) {
      throw new SpikegradError(`${where}: tensor '${name}' expected { dtype: F32|F64|I32|U32|U8|BOOL, shape, data }, got ${describeJson(t)}`);
    }
    if (!Array.isArray(t.shape) || t.shape.some((x) => !Number.isSafeInteger(x) || x < 0)) {
      throw new SpikegradError(`${where}: tensor '${name}' expected a shape of non-negative integers, got ${JSON.stringify(t.shape)}`);
    }
    if (!arrayFits(t.dtype, t.data)) throw new SpikegradError(`${where}: tensor '${name}' of dtype ${t.dtype} expected its data as a ${ARRAY[t.dtype].name}, got ${t.data?.constructor?.name ?? describeJson(t.data)}`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new SpikegradError(`${where}: tensor '${name}' has shape [${t.shape.join(', ')}] (${count} values) but ${t.data.length} values`);
    put(header, name, { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] });
    parts.push([t.data, offset]);
    offset += t.data.byteLength;
  }
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (headerBytes.length % 8)) % 8;
  const n = headerBytes.length + pad;
  const out = new Uint8Array(8 + n + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(n), true);
  out.set(headerBytes, 8);
  out.fill(0x20, 8 + headerBytes.length, 8 + n);
  for (const [data, at] of parts) {
    const src = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    out.set(src, 8 + n + at);
    const size = data.BYTES_PER_ELEMENT;
    if (!LITTLE_ENDIAN && size > 1) {
      for (let i = 8 + n + at; i < 8 + n + at + src.length; i += size) out.subarray(i, i + size).reverse();
    }
  }
  return out;
}
