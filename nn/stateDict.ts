/**
 * Reading and writing a module's parameters by path, as plain typed arrays with shapes (PyTorch's
 * state_dict). Loading checks every entry before writing any, so a bad checkpoint leaves the module intact.
 *
 * A state dict survives JSON: `JSON.stringify(await net.stateDict())` writes each entry as
 * `{ shape, dtype, data: [numbers] }` (NaN and ±Infinity, which JSON has no numbers for, as the strings
 * "NaN", "Infinity", "-Infinity"), and `loadStateDict(JSON.parse(text))` reads it back bit for bit (a
 * float32 printed by JSON.stringify parses back to the same float32). For files, io.save is smaller and
 * faster (safetensors).
 */
import { tensor } from '../engine/api.js';
import type { DType, TypedArray } from '../engine/dtype.js';
import { DTYPES } from '../engine/dtype.js';
import { SpikegradError, describeValue, fmtShape } from '../engine/errors.js';
import { sameShape, sizeOf } from '../engine/shape.js';
import type { State } from '../engine/state.js';
import type { Tensor } from '../engine/tensor.js';

/** One entry of `module.stateDict()`: a state's shape, dtype and values. */
export interface StateDictEntry {
  shape: number[];
  dtype: DType;
  data: TypedArray;
}
/** `module.stateDict()`: every parameter's values by its path (`'0.weight'`). */
export type StateDict = Record<string, StateDictEntry>;

/** A value of `data` in JSON: a number, or one of the strings JSON.stringify of a state dict uses for non-finite values. */
export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

/** What loadStateDict accepts per path: a shape and the values (a typed array or an array of numbers; dtype optional). */
export interface StateDictInputEntry {
  shape: readonly number[];
  data: ArrayLike<number> | readonly JsonNumber[];
  dtype?: DType;
}
/** What `module.loadStateDict` accepts: a state dict, or the same from JSON (arrays of numbers). */
export type StateDictInput = Readonly<Record<string, StateDictInputEntry>>;

/** Options of `module.loadStateDict`. */
export interface LoadOptions {
  /** Reject entries that match no parameter (default true). */
  strict?: boolean;
}

const NON_FINITE: Readonly<Record<string, number>> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };

/** The JSON form of an entry: its values as an array, non-finite ones as strings. */
function entryToJSON(this: StateDictEntry): { shape: number[]; dtype: DType; data: JsonNumber[] } {
  const data = Array.from(this.data, (v): JsonNumber => (Number.isFinite(v) ? v : (String(v) as JsonNumber)));
  return { shape: this.shape, dtype: this.dtype, data };
}

/** A state dict entry that JSON.stringify writes as plain arrays (the toJSON is not enumerable: the entry looks plain). */
export function stateDictEntry(shape: number[], dtype: DType, data: TypedArray): StateDictEntry {
  const e = { shape, dtype, data };
  Object.defineProperty(e, 'toJSON', { value: entryToJSON, enumerable: false });
  return e;
}

export async function readStateDict(states: Record<string, State>): Promise<StateDict> {
  const out: StateDict = {};
  for (const [path, s] of Object.entries(states)) {
    if (!s.initialized) continue; // an uninitialised hidden state has nothing to save
    const v = s.value;
    out[path] = stateDictEntry([...v.shape], v.dtype, await v.data());
  }
  return out;
}

/**
 * Gives each state its new value: every tensor is created first (on the state's backend, in its dtype),
 * and only when all exist are they assigned, so a failure part way (out of device memory) changes nothing.
 */
export function assignStates(writes: readonly { state: State; data: TypedArray | ArrayLike<number> }[]): void {
  const made: Tensor[] = [];
  try {
    for (const { state, data } of writes) {
      const old = state.value;
      const values = ArrayBuffer.isView(data) ? (data as TypedArray) : Float64Array.from(data);
      made.push(tensor(values, [...old.shape], old.dtype, old.backend));
    }
  } catch (e) {
    for (const t of made) t.dispose();
    throw e;
  }
  writes.forEach(({ state }, i) => { state.value = made[i]!; });
}

/** The values of `data` as numbers, checked against `dtype`; the error names the entry and the first bad value. */
function numericValues(path: string, data: ArrayLike<unknown>, dtype: DType): ArrayLike<number> {
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    if (dtype !== 'bool' || !(data instanceof Uint8Array)) return data as unknown as TypedArray;
  }
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const raw = data[i];
    const v = typeof raw === 'string' && Object.hasOwn(NON_FINITE, raw) ? NON_FINITE[raw]! : raw;
    const ok = typeof v === 'number'
      && (dtype === 'float32' || dtype === 'float64' || (dtype === 'int32' ? Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31 : v === 0 || v === 1));
    if (!ok) {
      const want = dtype === 'int32' ? 'an int32 integer' : dtype === 'bool' ? '0 or 1' : 'a number (or "NaN", "Infinity", "-Infinity")';
      throw new SpikegradError(`loadStateDict: entry '${path}' data[${i}] expected ${want}, got ${describeValue(raw)}`);
    }
    out[i] = v as number;
  }
  return out;
}

export function loadStateDictInto(params: Record<string, State>, dict: StateDictInput, opts: LoadOptions): void {
  if (dict === null || typeof dict !== 'object') {
    throw new SpikegradError(`loadStateDict: argument 'dict' expected a record of { shape, data } by path, got ${describeValue(dict)}`);
  }
  const writes: { state: State; data: ArrayLike<number> }[] = [];
  for (const [path, s] of Object.entries(params)) {
    const want = s.value;
    const e = Object.hasOwn(dict, path) ? dict[path] : undefined;
    if (e === undefined) {
      throw new SpikegradError(`loadStateDict: missing entry '${path}' (expected ${want.dtype} ${fmtShape(want.shape)}); the dict has ${Object.keys(dict).map((k) => `'${k}'`).join(', ') || 'no entries'}`);
    }
    if (e === null || typeof e !== 'object' || !Array.isArray(e.shape) || !('data' in e)) {
      throw new SpikegradError(`loadStateDict: entry '${path}' expected { shape, data }, got ${describeValue(e)}`);
    }
    const data = e.data as unknown;
    if (data === null || typeof data !== 'object' || typeof (data as ArrayLike<unknown>).length !== 'number') {
      // A typed array that went through JSON without stateDict's toJSON arrives as {"0": …, "1": …}.
      const hint = data !== null && typeof data === 'object' && '0' in data ? ' (a typed array passed through JSON.stringify loses its length: stringify the whole state dict, whose entries write their data as arrays)' : '';
      throw new SpikegradError(`loadStateDict: entry '${path}' data expected a typed array or an array of ${sizeOf(want.shape)} numbers, got ${describeValue(data)}${hint}`);
    }
    if (e.dtype !== undefined && e.dtype !== want.dtype) {
      throw new SpikegradError(`loadStateDict: entry '${path}' has dtype ${DTYPES.includes(e.dtype) ? e.dtype : describeValue(e.dtype)}, the parameter is ${want.dtype} ${fmtShape(want.shape)}`);
    }
    if (!sameShape(e.shape, want.shape)) {
      throw new SpikegradError(`loadStateDict: entry '${path}' has shape ${fmtShape(e.shape)}, expected ${fmtShape(want.shape)}`);
    }
    const values = data as ArrayLike<unknown>;
    if (values.length !== sizeOf(want.shape)) {
      throw new SpikegradError(`loadStateDict: entry '${path}' has ${values.length} values, its shape ${fmtShape(want.shape)} needs ${sizeOf(want.shape)}`);
    }
    writes.push({ state: s, data: numericValues(path, values, want.dtype) });
  }
  if (opts.strict ?? true) {
    const extra = Object.keys(dict).filter((k) => !(k in params));
    if (extra.length > 0) {
      throw new SpikegradError(`loadStateDict: unexpected entr${extra.length > 1 ? 'ies' : 'y'} ${extra.map((k) => `'${k}'`).join(', ')}; the module's parameters are ${Object.keys(params).map((k) => `'${k}'`).join(', ')} (pass { strict: false } to ignore extras)`);
    }
  }
  assignStates(writes);
}
