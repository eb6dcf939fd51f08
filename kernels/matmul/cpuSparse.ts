/**
 * Event-driven products for a sparse left operand (spiking input: 0.5% dense at 5 Hz). The row-compressed
 * nonzeros of A are cached on A's storage (tensors are immutable, so the cache stays valid until the
 * storage is rewritten in place or recycled, which calls `forgetSparseView`). `x @ W` and the weight
 * gradient `xᵀ @ g` both read A by its stored rows, so one cache serves forward and backward:
 * O(nnz·N) instead of O(M·K·N).
 *
 * Building the view costs a scan of A, the same as one dense pass that skips zeros, so it pays only when the
 * view is reused (a constant input, trained for many steps) or when its rows are long (most of a dense pass
 * would be spent skipping zeros). Short rows (the 4 hidden neurons of the seed network, fresh every step)
 * go to the dense row kernels of cpu.ts instead.
 */
import type { TypedArray } from '../../engine/dtype.js';

/** Row-compressed nonzeros of a row-major [rows, cols] matrix (or of a batch of them, flattened by rows). */
export interface Csr {
  rowPtr: Int32Array;
  /** The stored row of each nonzero (lets a product walk the events in one flat loop). */
  rowIdx: Int32Array;
  colIdx: Int32Array;
  values: Float64Array;
}

/** Below this fraction of nonzeros a matmul operand is treated as sparse. */
export const SPARSE_DENSITY_THRESHOLD = 0.1;
/** Stored rows shorter than this are scanned directly (zero-skipping dense kernels) rather than compressed. */
export const SPARSE_MIN_ROW = 32;
/** Elements of A sampled to decide sparse vs dense before paying for a full scan. */
const DENSITY_SAMPLE = 4096;

const csrCache = new WeakMap<TypedArray, Csr | 'dense'>();

function sampleDensity(a: TypedArray): number {
  const n = a.length;
  if (n === 0) return 1;
  const step = Math.max(1, Math.floor(n / DENSITY_SAMPLE));
  let nz = 0, seen = 0;
  for (let i = 0; i < n; i += step, seen++) if (a[i] !== 0) nz++;
  return nz / seen;
}

function buildCsr(a: TypedArray, rows: number, cols: number): Csr {
  let nnz = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) nnz++;
  const rowPtr = new Int32Array(rows + 1);
  const rowIdx = new Int32Array(nnz);
  const colIdx = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  let p = 0;
  for (let r = 0; r < rows; r++) {
    rowPtr[r] = p;
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      const v = a[base + c]!;
      if (v !== 0) { rowIdx[p] = r; colIdx[p] = c; values[p] = v; p++; }
    }
  }
  rowPtr[rows] = p;
  return { rowPtr, rowIdx, colIdx, values };
}

/** The cached CSR of `a` seen as [rows, cols], or null when `a` is dense or its rows are short. */
export function sparseView(a: TypedArray, rows: number, cols: number): Csr | null {
  const hit = csrCache.get(a);
  if (hit !== undefined) return hit === 'dense' ? null : hit;
  if (cols < SPARSE_MIN_ROW) return null; // not cached: the decision depends on the shape it is seen in
  if (a.length < 1024 || sampleDensity(a) > SPARSE_DENSITY_THRESHOLD) {
    csrCache.set(a, 'dense');
    return null;
  }
  const csr = buildCsr(a, rows, cols);
  const sparse = csr.values.length / Math.max(1, a.length) <= SPARSE_DENSITY_THRESHOLD;
  csrCache.set(a, sparse ? csr : 'dense');
  return sparse ? csr : null;
}

/** Drops the cached view of `a`: called when its storage is rewritten in place or recycled. */
export function forgetSparseView(a: TypedArray): void {
  csrCache.delete(a);
}

/**
 * c[M, N] += A·B for the M stored rows of A starting at `firstRow` (A not transposed), B [K, N]: every event
 * A[r, col] adds v·B[col, :] to row r of c (float64). One flat loop over the events: a loop over rows would
 * branch on each row's event count, which is random (mispredicted) for Poisson input.
 */
export function csrRows(csr: Csr, firstRow: number, M: number, b: ArrayLike<number>, bOff: number, N: number, c: Float64Array): void {
  const { rowPtr, rowIdx, colIdx, values } = csr;
  for (let p = rowPtr[firstRow]!, e = rowPtr[firstRow + M]!; p < e; p++) {
    const v = values[p]!, ci = (rowIdx[p]! - firstRow) * N, bk = bOff + colIdx[p]! * N;
    for (let j = 0; j < N; j++) c[ci + j]! += v * b[bk + j]!;
  }
}

/**
 * c[M, N] += Aᵀ·B where A is stored [K, M] (its K stored rows start at `firstRow`) and B is [K, N]: every
 * event A[k, m] adds v·B[k, :] to row m of c (float64).
 */
export function csrRowsTransposed(csr: Csr, firstRow: number, K: number, b: ArrayLike<number>, bOff: number, N: number, c: Float64Array): void {
  const { rowPtr, rowIdx, colIdx, values } = csr;
  for (let p = rowPtr[firstRow]!, e = rowPtr[firstRow + K]!; p < e; p++) {
    const v = values[p]!, ci = colIdx[p]! * N, bk = bOff + (rowIdx[p]! - firstRow) * N;
    for (let j = 0; j < N; j++) c[ci + j]! += v * b[bk + j]!;
  }
}
