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
