/**
 * Reading and writing a module's parameters by path, as plain typed arrays with shapes (PyTorch's
 * state_dict). Loading checks every entry before writing any, so a bad checkpoint leaves the module intact.
 */
import { tensor } from '../engine/api.js';
import type { DType, TypedArray } from '../engine/dtype.js';
import { SpikegradError, describeValue, fmtShape } from '../engine/errors.js';
import { sameShape, sizeOf } from '../engine/shape.js';
import type { State } from '../engine/state.js';

export interface StateDictEntry {
  shape: number[];
  dtype: DType;
  data: TypedArray;
}
export type StateDict = Record<string, StateDictEntry>;

/** What loadStateDict accepts per path: a shape and the values (any array-like of numbers; dtype optional). */
export interface StateDictInputEntry {
  shape: readonly number[];
  data: ArrayLike<number>;
  dtype?: DType;
}
export type StateDictInput = Readonly<Record<string, StateDictInputEntry>>;

export interface LoadOptions {
  /** Reject entries that match no parameter (default true). */
  strict?: boolean;
}

export async function readStateDict(states: Record<string, State>): Promise<StateDict> {
  const out: StateDict = {};
  for (const [path, s] of Object.entries(states)) {
    if (!s.initialized) continue; // an uninitialised hidden state has nothing to save
    const v = s.value;
    out[path] = { shape: [...v.shape], dtype: v.dtype, data: await v.data() };
  }
  return out;
}

export function loadStateDictInto(params: Record<string, State>, dict: StateDictInput, opts: LoadOptions): void {
  if (dict === null || typeof dict !== 'object') {
    throw new SpikegradError(`loadStateDict: argument 'dict' expected a record of { shape, data } by path, got ${describeValue(dict)}`);
  }
  const writes: [State, StateDictInputEntry][] = [];
  for (const [path, s] of Object.entries(params)) {
    const want = s.value;
    const e = dict[path];
    if (e === undefined) {
      throw new SpikegradError(`loadStateDict: missing entry '${path}' (expected ${want.dtype} ${fmtShape(want.shape)}); the dict has ${Object.keys(dict).map((k) => `'${k}'`).join(', ') || 'no entries'}`);
    }
    if (!e || !Array.isArray(e.shape) || !e.data || typeof e.data.length !== 'number') {
      throw new SpikegradError(`loadStateDict: entry '${path}' expected { shape, data }, got ${describeValue(e)}`);
    }
    if (!sameShape(e.shape, want.shape)) {
      throw new SpikegradError(`loadStateDict: entry '${path}' has shape ${fmtShape(e.shape)}, expected ${fmtShape(want.shape)}`);
    }
    if (e.data.length !== sizeOf(want.shape)) {
      throw new SpikegradError(`loadStateDict: entry '${path}' has ${e.data.length} values, its shape ${fmtShape(want.shape)} needs ${sizeOf(want.shape)}`);
    }
    writes.push([s, e]);
  }
  if (opts.strict ?? true) {
    const extra = Object.keys(dict).filter((k) => !(k in params));
    if (extra.length > 0) {
      throw new SpikegradError(`loadStateDict: unexpected entr${extra.length > 1 ? 'ies' : 'y'} ${extra.map((k) => `'${k}'`).join(', ')}; the module's parameters are ${Object.keys(params).map((k) => `'${k}'`).join(', ')} (pass { strict: false } to ignore extras)`);
    }
  }
  for (const [s, e] of writes) {
    const old = s.value;
    const values = ArrayBuffer.isView(e.data) ? (e.data as TypedArray) : Float64Array.from(e.data);
    s.value = tensor(values, [...old.shape], old.dtype, old.backend);
  }
}
