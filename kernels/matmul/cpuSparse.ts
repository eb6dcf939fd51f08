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
import { rounderFor } from '../../engine/dtype.js';
import { cachedKernel, range } from '../cpu/codegen.js';
import type { BiasKind } from './cpuThin.js';
import { scanEvents, type EventLists } from './eventsWasm.js';

/** Row-compressed nonzeros of a row-major [rows, cols] matrix (or of a batch of them, flattened by rows). */
export interface Csr {
  rowPtr: Int32Array;
  /** The stored row of each nonzero (lets a product walk the events in one flat loop). */
  rowIdx: Int32Array;
  colIdx: Int32Array;
  values: Float64Array;
}

/**
 * Below this fraction of nonzeros a matmul operand is treated as sparse when the dense alternative is
 * JavaScript (float64 operands, or no WebAssembly); against the WebAssembly kernel, `eventDensityLimits` decides.
 */
export const SPARSE_DENSITY_THRESHOLD = 0.1;
/** A fixed density limit for every product instead of the cost model (the benchmark sets it to time both paths); null: the model. */
export const sparseTuning: { density: number | null } = { density: null };

/**
 * What each path costs on a core, measured (bench/RESULTS.md, "The digits epoch on the CPU backend" (branch
 * digits-events): CPU time per product of fresh 0/1 operands [3200, 784] at densities 2–30 %, N = 128,
 * one thread): the WebAssembly event path (eventsWasm.ts) ~0.6 ns per element of A (the scan that builds the
 * lists, on one thread) plus ~0.19 ns per event and output column (shared by threads); the dense WebAssembly
 * kernel (gemmWasm.ts) ~0.07 ns per element of A and output column, shared by threads.
 */
export const EVENT_COSTS = { nsPerElement: 0.6, nsPerEventColumn: 0.19, denseNsPerElementColumn: 0.07 };
/**
 * Events × output columns from which the WebAssembly event kernel (eventsWasm.ts) runs on every thread: ~2 ms
 * of one core's work, as gemmWasm.ts's PARALLEL_MIN_FLOPS is for the dense kernel.
 */
export const EVENT_PARALLEL_MIN = 16e6;
/**
 * At or below this density the view is always built: spike trains of a few Hz (the tutorial's 0.5 %) are
 * usually a constant input trained on for many steps, and a cached view costs nothing to build again.
 */
export const ALWAYS_EVENTS_DENSITY = 0.01;

/** Densities up to which the event path is taken: for a fresh operand, and for one whose view is cached. */
export interface DensityLimits {
  fresh: number;
  cached: number;
}

/**
 * The limits against the dense WebAssembly kernel for a product with N output columns on `threads` threads:
 * events win while nsPerElement (fresh only) + d·N·nsPerEventColumn / threads < N·denseNsPerElementColumn / threads.
 */
export function eventDensityLimits(N: number, threads: number): DensityLimits {
  // Narrow outputs (≤ SPARSE_UNROLL_MAX: the event kernels run unrolled, one register per column): the event
  // path as below a fixed density. The model says dense for a fresh operand, but it leaves out that the view
  // then serves the weight gradient, where a narrow dense kernel reads Aᵀ by columns (the `wide` readout:
  // events 60 ms forward and < 1 ms for its weight gradient, against 40 + 60 ms dense).
  if (N <= SPARSE_UNROLL_MAX) return FIXED_LIMITS;
  const t = Math.max(1, threads);
  const dense = (N * EVENT_COSTS.denseNsPerElementColumn) / t, perDensity = (N * EVENT_COSTS.nsPerEventColumn) / t;
  return {
    fresh: Math.max(ALWAYS_EVENTS_DENSITY, (dense - EVENT_COSTS.nsPerElement) / perDensity),
    cached: Math.max(ALWAYS_EVENTS_DENSITY, dense / perDensity),
  };
}

const FIXED_LIMITS: DensityLimits = { fresh: SPARSE_DENSITY_THRESHOLD, cached: SPARSE_DENSITY_THRESHOLD };
/** Stored rows shorter than this are scanned directly (zero-skipping dense kernels) rather than compressed. */
export const SPARSE_MIN_ROW = 32;
/** Elements of A sampled to decide sparse vs dense before paying for a full scan. */
const DENSITY_SAMPLE = 4096;

/**
 * Per operand storage: its density (sampled, exact once a view is built) and the views built: the CSR of the
 * JavaScript kernels, the event lists (by rows) of the WebAssembly kernel (eventsWasm.ts).
 */
const csrCache = new WeakMap<TypedArray, { density: number; csr: Csr | null; byRow?: EventLists }>();

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

/**
 * The cached CSR of `a` seen as [rows, cols], or null when `a` is denser than `limits` allow (the view built
 * already, or not: see DensityLimits) or its rows are short. The density is sampled once per storage.
 */
export function sparseView(a: TypedArray, rows: number, cols: number, limits: DensityLimits = FIXED_LIMITS): Csr | null {
  if (sparseTuning.density !== null) limits = { fresh: sparseTuning.density, cached: sparseTuning.density };
  if (cols < SPARSE_MIN_ROW || a.length < 1024) return null; // short rows: the decision depends on the shape it is seen in
  let entry = csrCache.get(a);
  if (entry?.csr) return entry.density <= limits.cached ? entry.csr : null;
  if (!entry) csrCache.set(a, entry = { density: sampleDensity(a), csr: null });
  if (entry.density > limits.fresh) return null;
  const csr = buildCsr(a, rows, cols);
  entry.density = csr.values.length / Math.max(1, a.length);
  if (entry.density > limits.fresh) return null; // the sample was wrong: not kept
  return (entry.csr = csr);
}

/**
 * The event lists of the float32 `a` seen as [rows, cols] for the WebAssembly event kernel (eventsWasm.ts),
 * grouped by rows (the weight gradient's kernel regroups them by columns). Null when `a` is denser than
 * `limits` allow (as sparseView decides), its rows are short, or the kernel cannot run. The density is sampled
 * once per storage, then measured by the scan; the lists are cached on the storage, for the backward pass.
 */
export function eventView(a: Float32Array, rows: number, cols: number, limits: DensityLimits): EventLists | null {
  if (sparseTuning.density !== null) limits = { fresh: sparseTuning.density, cached: sparseTuning.density };
  if (cols < SPARSE_MIN_ROW || a.length < 1024) return null;
  let entry = csrCache.get(a);
  if (entry?.byRow) return entry.density <= limits.cached ? entry.byRow : null;
  if (!entry) csrCache.set(a, entry = { density: sampleDensity(a), csr: null });
  if (entry.density > limits.fresh) return null;
  // The scan stops once it has found more events than the limit allows (the sample was wrong).
  const scan = scanEvents(a, rows, cols, Math.floor(limits.fresh * a.length));
  if (!scan) return null;
  entry.density = scan.count / a.length;
  return scan.lists ? (entry.byRow = scan.lists) : null;
}

/** Drops the cached view of `a`: called when its storage is rewritten in place or recycled. */
export function forgetSparseView(a: TypedArray): void {
  csrCache.delete(a);
}

/** Output widths up to this get generated kernels with one register per output column. */
export const SPARSE_UNROLL_MAX = 16;

type CsrRows = (rowPtr: Int32Array, rowIdx: Int32Array, colIdx: Int32Array, values: Float64Array, firstRow: number, M: number,
  b: ArrayLike<number>, bOff: number, out: TypedArray, outOff: number, bias: ArrayLike<number> | null) => void;

/**
 * out[outOff + r·N + j] = Σ_events v·B[col, j] for the M stored rows of A from `firstRow` (A not transposed),
 * B [K, N]. One flat loop over the events (a loop over rows would branch on each row's event count, random
 * for Poisson input), the row's sums in registers, stored when the next event belongs to another row. Rows
 * without events are not written: `out` must hold zeros there, or the bias (linear: a row with events gets
 * its sum rounded to the output's type plus the bias). Generated per N; generic beyond SPARSE_UNROLL_MAX or
 * where eval is forbidden.
 */
export function csrRows(csr: Csr, firstRow: number, M: number, b: ArrayLike<number>, bOff: number, N: number, out: TypedArray, outOff: number,
  bias: ArrayLike<number> | null = null, biasKind: BiasKind = 'none'): void {
  const kernel = N <= SPARSE_UNROLL_MAX
    ? cachedKernel<CsrRows>(`csrRows${N}${biasKind}`, () => csrRowsSource(N, biasKind), () => csrRowsGeneric(N, biasKind))
    : csrRowsGeneric(N, biasKind);
  kernel(csr.rowPtr, csr.rowIdx, csr.colIdx, csr.values, firstRow, M, b, bOff, out, outOff, bias);
}

function csrRowsSource(N: number, biasKind: BiasKind): string {
  const cols = range(N);
  const end = (j: number) => (biasKind === 'none' ? `s${j}` : `${biasKind === 'float32' ? 'Math.fround' : ''}(s${j}) + c${j}`);
  const store = `o = outOff + (r - firstRow) * ${N}; ${cols.map((j) => `out[o + ${j}] = ${end(j)};`).join(' ')}`;
  return `return function csrRows${N}(rowPtr, rowIdx, colIdx, values, firstRow, M, b, bOff, out, outOff, bias) {
    let p = rowPtr[firstRow], o = 0;
    const e = rowPtr[firstRow + M];
    if (p === e) return;
    ${biasKind === 'none' ? '' : `const ${cols.map((j) => `c${j} = bias[${j}]`).join(', ')};`}
    let r = rowIdx[p], ${cols.map((j) => `s${j} = 0`).join(', ')};
    for (; p < e; p++) {
      const rp = rowIdx[p];
      if (rp !== r) { ${store} ${cols.map((j) => `s${j} = 0;`).join(' ')} r = rp; }
      const v = values[p], bk = bOff + colIdx[p] * ${N};
      ${cols.map((j) => `s${j} += v * b[bk + ${j}];`).join(' ')}
    }
    ${store}
  };`;
}

function csrRowsGeneric(N: number, biasKind: BiasKind): CsrRows {
  const acc = new Float64Array(N);
  const round = rounderFor(biasKind);
  return (rowPtr, rowIdx, colIdx, values, firstRow, M, b, bOff, out, outOff, bias) => {
    const e = rowPtr[firstRow + M]!;
    for (let p = rowPtr[firstRow]!; p < e;) {
      const r = rowIdx[p]!;
      acc.fill(0);
      for (; p < e && rowIdx[p] === r; p++) {
        const v = values[p]!, bk = bOff + colIdx[p]! * N;
        for (let j = 0; j < N; j++) acc[j]! += v * b[bk + j]!;
      }
      const o = outOff + (r - firstRow) * N;
      for (let j = 0; j < N; j++) out[o + j] = bias ? round(acc[j]!) + bias[j]! : acc[j]!;
    }
  };
}

type CsrTransposed = (rowPtr: Int32Array, rowIdx: Int32Array, colIdx: Int32Array, values: Float64Array, firstRow: number, K: number,
  b: ArrayLike<number>, bOff: number, c: Float64Array) => void;

/**
 * c[M, N] += Aᵀ·B where A is stored [K, M] (its K stored rows start at `firstRow`) and B is [K, N]: every
 * event A[k, m] adds v·B[k, :] to row m of c (float64), in one flat loop over the events. Generated per N
 * (the N additions unrolled); generic beyond SPARSE_UNROLL_MAX or where eval is forbidden.
 */
export function csrRowsTransposed(csr: Csr, firstRow: number, K: number, b: ArrayLike<number>, bOff: number, N: number, c: Float64Array): void {
  const kernel = N <= SPARSE_UNROLL_MAX ? cachedKernel<CsrTransposed>(`csrT${N}`, () => csrTransposedSource(N), () => csrTransposedGeneric(N)) : csrTransposedGeneric(N);
  kernel(csr.rowPtr, csr.rowIdx, csr.colIdx, csr.values, firstRow, K, b, bOff, c);
}

function csrTransposedSource(N: number): string {
  return `return function csrTransposed${N}(rowPtr, rowIdx, colIdx, values, firstRow, K, b, bOff, c) {
    for (let p = rowPtr[firstRow], e = rowPtr[firstRow + K]; p < e; p++) {
      const v = values[p], ci = colIdx[p] * ${N}, bk = bOff + (rowIdx[p] - firstRow) * ${N};
      ${range(N).map((j) => `c[ci + ${j}] += v * b[bk + ${j}];`).join(' ')}
    }
  };`;
}

function csrTransposedGeneric(N: number): CsrTransposed {
  return (rowPtr, rowIdx, colIdx, values, firstRow, K, b, bOff, c) => {
    for (let p = rowPtr[firstRow]!, e = rowPtr[firstRow + K]!; p < e; p++) {
      const v = values[p]!, ci = colIdx[p]! * N, bk = bOff + (rowIdx[p]! - firstRow) * N;
      for (let j = 0; j < N; j++) c[ci + j]! += v * b[bk + j]!;
    }
  };
}
