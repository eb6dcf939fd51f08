/**
 * The Spiking Heidelberg Digits (Cramer et al. 2020) and its sibling SSC: one HDF5 file per partition with
 *   spikes/times   variable-length float arrays (float16 in the published files), seconds
 *   spikes/units   variable-length uint16 arrays, the input channel (0–699) of each spike
 *   labels         uint16, one class per sample (SHD: 20)
 * read with h5wasm (the HDF5 C library compiled to WebAssembly; a devDependency of spikegrad: install it in
 * your project, `npm install h5wasm`, or pass the module as `h5wasm`).
 *
 * h5wasm returns variable-length float16 data as an error (JavaScript has no Float16Array), so variable-length
 * datasets are read through its module-level reader (the same HDF5 read h5wasm's Dataset.value does) and the
 * elements are decoded here: integers through typed arrays, floats of 2, 4 or 8 bytes.
 */
import { SpikegradError } from '../engine/errors.js';
import { EventDataset, type EventSample } from './events.js';

/** The Spiking Heidelberg Digits have 700 input channels (cochlea model fibres). */
export const SHD_CHANNELS = 700;

/** The subset of h5wasm's API used here. */
interface H5Metadata {
  type: number;
  size: number;
  signed: boolean;
  littleEndian: boolean;
  shape: number[] | null;
  total_size: number;
  vlen_type?: H5Metadata;
}
interface H5Dataset {
  metadata: H5Metadata;
  value: unknown;
  file_id: bigint;
  path: string;
}
interface H5File {
  get(path: string): unknown;
  close(): unknown;
}
/** The part of the h5wasm package `readShd` uses (pass `await import('h5wasm')` in a browser). */
export interface H5wasmModule {
  ready: Promise<unknown>;
  File: new (name: string, mode: string) => H5File;
  Dataset: abstract new (...args: never[]) => H5Dataset;
  FS: { writeFile(path: string, data: Uint8Array): void; unlink(path: string): void } | null;
  Module: {
    HEAPU8: Uint8Array;
    _malloc(n: number): number;
    _free(p: number): void;
    get_dataset_data(fileId: bigint, path: string, count: null, offset: null, stride: null, ptr: bigint): number;
    reclaim_vlen_memory(fileId: bigint, path: string, attr: string, ptr: bigint): number;
  };
}

const H5T_INTEGER = 0, H5T_FLOAT = 1, H5T_VLEN = 9;

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Decodes `n` elements of an HDF5 integer or float type from little-endian bytes to float64. */
function decodeElements(bytes: Uint8Array, meta: H5Metadata, where: string): Float64Array {
  const n = bytes.length / meta.size;
  const out = new Float64Array(n);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = meta.littleEndian;
  for (let i = 0; i < n; i++) {
    const o = i * meta.size;
    if (meta.type === H5T_FLOAT) {
      out[i] = meta.size === 2 ? halfToFloat(dv.getUint16(o, le)) : meta.size === 4 ? dv.getFloat32(o, le) : dv.getFloat64(o, le);
    } else {
      switch (meta.size) {
        case 1: out[i] = meta.signed ? dv.getInt8(o) : dv.getUint8(o); break;
        case 2: out[i] = meta.signed ? dv.getInt16(o, le) : dv.getUint16(o, le); break;
        case 4: out[i] = meta.signed ? dv.getInt32(o, le) : dv.getUint32(o, le); break;
        default: out[i] = Number(meta.signed ? dv.getBigInt64(o, le) : dv.getBigUint64(o, le));
      }
    }
  }
  if (meta.type === H5T_FLOAT && ![2, 4, 8].includes(meta.size)) throw new SpikegradError(`${where}: ${meta.size * 8}-bit floats are not supported`);
  return out;
}

/** A variable-length numeric dataset [N] as N float64 arrays. */
function readVlen(h5: H5wasmModule, ds: H5Dataset, where: string): Float64Array[] {
  const meta = ds.metadata;
  const base = meta.vlen_type;
  if (meta.type !== H5T_VLEN || !base || (base.type !== H5T_INTEGER && base.type !== H5T_FLOAT) || meta.shape?.length !== 1) {
    throw new SpikegradError(`${where}: expected a 1-d dataset of variable-length number arrays, got HDF5 type class ${meta.type} of shape [${meta.shape ?? ''}]`);
  }
  const M = h5.Module;
  const n = meta.total_size;
  const nbytes = meta.size * n; // one hvl_t (length, pointer: two 32-bit words in wasm32) per sample
  const ptr = M._malloc(Math.max(nbytes, 8));
  try {
    M.get_dataset_data(ds.file_id, ds.path, null, null, null, BigInt(ptr));
    const pairs = new Uint32Array(M.HEAPU8.slice(ptr, ptr + nbytes).buffer);
    const out: Float64Array[] = [];
    for (let i = 0; i < n; i++) {
      const len = pairs[2 * i]!, at = pairs[2 * i + 1]!;
      out.push(decodeElements(M.HEAPU8.slice(at, at + len * base.size), base, where));
    }
    return out;
  } finally {
    M.reclaim_vlen_memory(ds.file_id, ds.path, '', BigInt(ptr));
    M._free(ptr);
  }
}

/** Options of `data.readShd`: class and channel counts, the HDF5 reader and the name used in messages. */
export interface ShdOptions {
  /** Number of classes (default: 20, SHD's; SSC has 35). */
  classes?: number;
  /** Input channels (default 700). */
  channels?: number;
  /** The h5wasm module, e.g. `await import('h5wasm')` in a browser bundle (default: imported by name). */
  h5wasm?: H5wasmModule;
  /** Name used in messages (default: the path, or 'SHD data'). */
  name?: string;
}

let fileCounter = 0;

/**
 * An SHD/SSC HDF5 file (a path in Node, or the file's bytes anywhere) as an event dataset: times in µs,
 * channels = units. Errors name the file and what is missing or wrong (a truncated file, a dataset that is
 * absent or of another type, units outside [0, channels), times that are negative or not finite).
 * @example const train = await data.readShd('shd_train.h5');
 */
export async function readShd(source: string | Uint8Array, opts: ShdOptions = {}): Promise<EventDataset> {
  const fn = 'data.readShd';
  const name = opts.name ?? (typeof source === 'string' ? source : 'SHD data');
  let bytes: Uint8Array;
  if (typeof source === 'string') {
    const { readBytes } = await import('./nodeStore.js');
    bytes = await readBytes(source, fn);
  } else if (source instanceof Uint8Array) bytes = source;
  else throw new SpikegradError(`${fn}: argument 'source' expected a file path or the file's bytes (Uint8Array), got ${typeof source}`);
  const channels = opts.channels ?? SHD_CHANNELS;
  let h5 = opts.h5wasm;
  if (!h5) {
    const specifier = 'h5wasm';
    try {
      h5 = (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as H5wasmModule;
    } catch {
      throw new SpikegradError(`${fn}: reading HDF5 needs the npm package 'h5wasm', which is not installed. Install it with:  npm install h5wasm`);
    }
  }
  await h5.ready;
  if (!h5.FS) throw new SpikegradError(`${fn}: the h5wasm module has no in-memory file system (use the 'h5wasm' entry, not 'h5wasm/node')`);
  // HDF5's signature is 8 bytes at offset 0 (files with a user block are not produced by h5py by default).
  const SIG = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 8 || SIG.some((b, i) => bytes[i] !== b)) throw new SpikegradError(`${fn}: ${name} is not an HDF5 file (no HDF5 signature at offset 0; ${bytes.length} bytes)`);
  const memPath = `/spikegrad-${++fileCounter}.h5`;
  h5.FS.writeFile(memPath, bytes);
  let file: H5File | null = null;
  try {
    try {
      file = new h5.File(memPath, 'r');
    } catch (e) {
      throw new SpikegradError(`${fn}: ${name} cannot be opened as HDF5 (truncated or corrupt? ${bytes.length} bytes): ${(e as Error).message}`);
    }
    const get = (path: string): H5Dataset => {
      let d: unknown;
      try {
        d = file!.get(path);
      } catch (e) {
        throw new SpikegradError(`${fn}: ${name}: cannot read '${path}' (truncated or corrupt?): ${(e as Error).message}`);
      }
      if (!(d instanceof h5!.Dataset)) {
        throw new SpikegradError(`${fn}: ${name} has no dataset '${path}' (an SHD file has spikes/times, spikes/units and labels; or is the file truncated? ${bytes.length} bytes)`);
      }
      return d;
    };
    const guard = <R>(path: string, f: () => R): R => {
      try {
        return f();
      } catch (e) {
        if (e instanceof SpikegradError) throw e;
        throw new SpikegradError(`${fn}: ${name}: cannot read '${path}' (truncated or corrupt?): ${(e as Error).message}`);
      }
    };
    const times = guard('spikes/times', () => readVlen(h5!, get('spikes/times'), `${fn}: ${name}: spikes/times`));
    const units = guard('spikes/units', () => readVlen(h5!, get('spikes/units'), `${fn}: ${name}: spikes/units`));
    const labelsDs = get('labels');
    const labels = guard('labels', () => labelsDs.value) as ArrayLike<number | bigint> | null;
    if (!labels || typeof labels !== 'object' || !('length' in labels)) throw new SpikegradError(`${fn}: ${name}: 'labels' expected a 1-d integer dataset`);
    const y = Array.from(labels as ArrayLike<number | bigint>, Number);
    if (times.length !== units.length || times.length !== y.length) {
      throw new SpikegradError(`${fn}: ${name}: spikes/times, spikes/units and labels expected one entry per sample, got ${times.length}, ${units.length} and ${y.length}`);
    }
    const samples: EventSample[] = times.map((t, i) => {
      const u = units[i]!;
      if (u.length !== t.length) throw new SpikegradError(`${fn}: ${name}: sample ${i} has ${t.length} spike times but ${u.length} units`);
      const tu = new Float64Array(t.length), ch = new Int32Array(u.length);
      for (let e = 0; e < t.length; e++) {
        if (!(t[e]! >= 0 && Number.isFinite(t[e]!))) throw new SpikegradError(`${fn}: ${name}: sample ${i}, spike ${e}: time ${t[e]} s is not a finite time >= 0`);
        if (!(u[e]! >= 0 && u[e]! < channels)) throw new SpikegradError(`${fn}: ${name}: sample ${i}, spike ${e}: unit ${u[e]} outside [0, ${channels - 1}]`);
        tu[e] = t[e]! * 1e6;
        ch[e] = u[e]!;
      }
      return { t: tu, channel: ch };
    });
    return new EventDataset(samples, y, channels, { name, classes: opts.classes ?? 20 });
  } finally {
    try { file?.close(); } catch { /* already failed */ }
    h5.FS.unlink(memPath);
  }
}
