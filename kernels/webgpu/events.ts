/**
 * Event lists of sparse uploaded tensors (spike trains), for event-driven kernels on WebGPU.
 *
 * A GPU kernel cannot look at a tensor's values before it is encoded, and a readback per tensor would stall
 * every step; but a dataset is usually uploaded once from the host and used every epoch, and at upload the
 * values are on the host. So `scanUpload` looks at each float32 upload there (a sample of 4096 values; the
 * full scan only when the sample is sparse) and keeps, for one at most MAX_DENSITY dense, its nonzeros in
 * row-major order. Tensors are immutable and an upload's storage is never written by a kernel (in-place
 * optimizer updates drop the list: backend.ts), so the list stays valid for the storage's life.
 *
 * A kernel asks for the list grouped for its view of the tensor as a [rows, cols] matrix: by row (each group
 * the nonzeros of one row, `idx` their column) or by column (`idx` their row). Groups are built on the host
 * once per (view, grouping) and uploaded; the CPU backend's counterpart is kernels/matmul/cpu.ts's CSR cache.
 */

import type { DataId, TensorInfo } from '../../engine/backend.js';
import type { DType } from '../../engine/dtype.js';
import type { EventList } from './types.js';

/** Above this fraction of nonzeros a tensor is not worth an event list (MAX_DENSITY also bounds its memory). */
export const MAX_DENSITY = 0.1;
/** Smaller uploads are never scanned: their products cost a dispatch either way. */
const MIN_ELEMENTS = 4096;
const SAMPLE = 4096;

/** The nonzeros of an upload: flat indices (ascending) and values. */
export interface HostEvents {
  readonly size: number;
  readonly index: Uint32Array;
  readonly value: Float32Array;
}

/** Host arrays of one grouping: group g's events are ptr[g] .. ptr[g+1]-1 in idx/val. */
export interface GroupedEvents {
  ptr: Int32Array;
  idx: Int32Array;
  val: Float32Array;
}

/** The nonzeros of `values` when it is large and at most MAX_DENSITY dense, else null. */
export function scanUpload(values: Float32Array): HostEvents | null {
  const n = values.length;
  if (n < MIN_ELEMENTS) return null;
  const step = Math.floor(n / SAMPLE);
  let sampled = 0;
  for (let i = 0; i < n; i += step) if (values[i] !== 0) sampled++;
  if (sampled > MAX_DENSITY * Math.ceil(n / step)) return null;
  let nnz = 0;
  for (let i = 0; i < n; i++) if (values[i] !== 0) nnz++;
  if (nnz > MAX_DENSITY * n) return null;
  const index = new Uint32Array(nnz), value = new Float32Array(nnz);
  for (let i = 0, p = 0; i < n; i++) {
    const v = values[i]!;
    if (v !== 0) { index[p] = i; value[p] = v; p++; }
  }
  return { size: n, index, value };
}

/** Groups the events of a [rows, cols] view (row-major, rows·cols = size) by row or by column (counting sort). */
export function groupEvents(ev: HostEvents, cols: number, by: 'row' | 'col'): GroupedEvents {
  const rows = ev.size / cols;
  const groups = by === 'row' ? rows : cols;
  const nnz = ev.index.length;
  const ptr = new Int32Array(groups + 1);
  const idx = new Int32Array(nnz), val = new Float32Array(nnz);
  if (by === 'row') {
    // Flat indices ascend, so the events are already in row order, each row's columns ascending.
    for (let e = 0; e < nnz; e++) {
      const f = ev.index[e]!;
      ptr[Math.floor(f / cols) + 1]!++;
      idx[e] = f % cols;
    }
    val.set(ev.value);
  } else {
    for (let e = 0; e < nnz; e++) ptr[(ev.index[e]! % cols) + 1]!++;
  }
  for (let g = 0; g < groups; g++) ptr[g + 1]! += ptr[g]!;
  if (by === 'col') {
    // Stable: within a column, events keep ascending rows.
    const fill = ptr.slice(0, groups);
    for (let e = 0; e < nnz; e++) {
      const f = ev.index[e]!, c = f % cols;
      const at = fill[c]!++;
      idx[at] = Math.floor(f / cols);
      val[at] = ev.value[e]!;
    }
  }
  return { ptr, idx, val };
}

interface Entry {
  events: HostEvents;
  lists: Map<string, EventList>;
}

/**
 * The backend's event lists, by storage: `scan` at upload, `list` for a kernel (built and uploaded on first
 * use of a view), `drop` when the storage is freed or rewritten in place. The lists' own storage comes from
 * and goes back to the backend through the two callbacks.
 */
export class EventStore {
  readonly #entries = new WeakMap<DataId, Entry>();
  readonly #upload: (values: Int32Array | Float32Array, dtype: DType) => DataId;
  readonly #release: (id: DataId) => void;

  constructor(upload: (values: Int32Array | Float32Array, dtype: DType) => DataId, release: (id: DataId) => void) {
    this.#upload = upload;
    this.#release = release;
  }

  /** Looks at a float32 upload; keeps its nonzeros when it is large and sparse. */
  scan(id: DataId, values: Float32Array): void {
    const events = scanUpload(values);
    if (events) this.#entries.set(id, { events, lists: new Map() });
  }

  /** GpuContext.events: the list of `t` viewed as [size / cols, cols], grouped `by`, or null. */
  list(t: TensorInfo, cols: number, by: 'row' | 'col', maxDensity: number): EventList | null {
    const e = this.#entries.get(t.dataId);
    if (!e || t.dtype !== 'float32' || e.events.size !== t.size || cols <= 0 || t.size % cols !== 0) return null;
    if (e.events.index.length > maxDensity * t.size) return null;
    const key = `${cols}:${by}`;
    let list = e.lists.get(key);
    if (!list) {
      const g = groupEvents(e.events, cols, by);
      const info = (a: Int32Array | Float32Array, dtype: DType): TensorInfo => ({ dataId: this.#upload(a, dtype), shape: [a.length], dtype, size: a.length });
      list = { ptr: info(g.ptr, 'int32'), idx: info(g.idx, 'int32'), val: info(g.val, 'float32'), nnz: g.val.length };
      e.lists.set(key, list);
    }
    return list;
  }

  /** Forgets a storage's events and frees its lists (it is being freed, or rewritten in place). */
  drop(id: DataId): void {
    const e = this.#entries.get(id);
    if (!e) return;
    this.#entries.delete(id);
    for (const l of e.lists.values()) for (const t of [l.ptr, l.idx, l.val]) this.#release(t.dataId);
  }
}
