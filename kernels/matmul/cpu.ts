/**
 * Matrix product on the CPU, three paths chosen by the data:
 *
 * - Sparse A (spiking input: 0.5% dense at 5 Hz): the row-compressed nonzeros of A are cached on A's storage
 *   (tensors are immutable, so the cache stays valid) and the product only touches them. Both `x @ W` and the
 *   weight gradient `xᵀ @ g` read A by rows, so one cache serves forward and backward: event-driven
 *   accumulation, O(nnz·N) instead of O(M·K·N).
 * - Large dense: packed panels and a 4×4 register tile (cache-blocked over K and N).
 * - Small dense: plain row-axpy / row-dot loops, which win when a panel would be mostly padding.
 *
 * All accumulation is in float64; float32 outputs are rounded once at the end.
 */
import { allocArray, type TypedArray } from '../../engine/dtype.js';
import { broadcastShapes, sizeOf, stridesOf } from '../../engine/shape.js';
import type { CpuInput, CpuKernel } from '../cpu/types.js';

/** Row-compressed nonzeros of a row-major [rows, cols] matrix (or of a batch of them, flattened by rows). */
export interface Csr {
  rowPtr: Int32Array;
  colIdx: Int32Array;
  values: Float64Array;
}

/** Below this fraction of nonzeros a matmul operand is treated as sparse. */
export const SPARSE_DENSITY_THRESHOLD = 0.1;
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
  const colIdx = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  let p = 0;
  for (let r = 0; r < rows; r++) {
    rowPtr[r] = p;
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      const v = a[base + c]!;
      if (v !== 0) { colIdx[p] = c; values[p] = v; p++; }
    }
  }
  rowPtr[rows] = p;
  return { rowPtr, colIdx, values };
}

/** The cached CSR of `a` seen as [rows, cols], or null when `a` is dense. */
export function sparseView(a: TypedArray, rows: number, cols: number): Csr | null {
  const hit = csrCache.get(a);
  if (hit !== undefined) return hit === 'dense' ? null : hit;
  if (a.length < 1024 || sampleDensity(a) > SPARSE_DENSITY_THRESHOLD) {
    csrCache.set(a, 'dense');
    return null;
  }
  const csr = buildCsr(a, rows, cols);
  csrCache.set(a, csr.values.length / Math.max(1, a.length) > SPARSE_DENSITY_THRESHOLD ? 'dense' : csr);
  return csr.values.length / Math.max(1, a.length) > SPARSE_DENSITY_THRESHOLD ? null : csr;
}

/** Drops the cached view of `a`: called when its storage is rewritten in place (optimizer updates). */
export function forgetSparseView(a: TypedArray): void {
  csrCache.delete(a);
}

/** [rows, cols] → [cols, rows] copy. */
function transposeCopy(src: TypedArray, off: number, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = src[off + r * cols + c]!;
  return t;
}

// Block sizes of the packed kernel: a KC×NC panel of B (~256 KB of float64) stays in L2.
const KC = 256;
const NC = 128;

/**
 * C[M,N] += A[M,K] · B[K,N] with A and B row-major (offsets aOff/bOff): packed panels, 4×4 register tile.
 */
function gemmPacked(a: ArrayLike<number>, aOff: number, b: ArrayLike<number>, bOff: number, c: Float64Array, M: number, K: number, N: number): void {
  const ap = new Float64Array(KC * 4);
  const bp = new Float64Array(KC * NC);
  for (let j0 = 0; j0 < N; j0 += NC) {
    const nc = Math.min(NC, N - j0);
    const strips = Math.ceil(nc / 4);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = Math.min(KC, K - k0);
      // Pack B[k0:k0+kc, j0:j0+nc] as strips of 4 columns: bp[(s*kc + k)*4 + q]
      for (let s = 0; s < strips; s++) {
        for (let k = 0; k < kc; k++) {
          const row = bOff + (k0 + k) * N + j0 + s * 4;
          const dst = (s * kc + k) * 4;
          for (let q = 0; q < 4; q++) bp[dst + q] = s * 4 + q < nc ? b[row + q]! : 0;
        }
      }
      for (let i0 = 0; i0 < M; i0 += 4) {
        const mr = Math.min(4, M - i0);
        for (let k = 0; k < kc; k++) {
          for (let q = 0; q < 4; q++) ap[k * 4 + q] = q < mr ? a[aOff + (i0 + q) * K + k0 + k]! : 0;
        }
        for (let s = 0; s < strips; s++) {
          let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
          let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
          let pb = s * kc * 4;
          for (let k = 0, pa = 0; k < kc; k++, pa += 4, pb += 4) {
            const a0 = ap[pa]!, a1 = ap[pa + 1]!, a2 = ap[pa + 2]!, a3 = ap[pa + 3]!;
            const b0 = bp[pb]!, b1 = bp[pb + 1]!, b2 = bp[pb + 2]!, b3 = bp[pb + 3]!;
            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
            c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
            c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
          }
          const jb = j0 + s * 4;
          if (mr === 4 && jb + 4 <= N) {
            let o = i0 * N + jb;
            c[o] += c00; c[o + 1] += c01; c[o + 2] += c02; c[o + 3] += c03; o += N;
            c[o] += c10; c[o + 1] += c11; c[o + 2] += c12; c[o + 3] += c13; o += N;
            c[o] += c20; c[o + 1] += c21; c[o + 2] += c22; c[o + 3] += c23; o += N;
            c[o] += c30; c[o + 1] += c31; c[o + 2] += c32; c[o + 3] += c33;
          } else {
            const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
            const ncol = Math.min(4, N - jb);
            for (let r = 0; r < mr; r++) for (let q = 0; q < ncol; q++) c[(i0 + r) * N + jb + q]! += tile[r * 4 + q]!;
          }
        }
      }
    }
  }
}

/** C[M,N] += A[M,K] · B[K,N], small shapes: row axpy. */
function gemmAxpy(a: ArrayLike<number>, aOff: number, b: ArrayLike<number>, bOff: number, c: Float64Array, M: number, K: number, N: number): void {
  for (let i = 0; i < M; i++) {
    const ci = i * N;
    for (let k = 0; k < K; k++) {
      const v = a[aOff + i * K + k]!;
      if (v === 0) continue;
      const bk = bOff + k * N;
      for (let j = 0; j < N; j++) c[ci + j]! += v * b[bk + j]!;
    }
  }
}

/** The packed kernel pays off once every dimension fills a few register tiles. */
function useBlocked(M: number, K: number, N: number): boolean {
  return M >= 16 && N >= 16 && K >= 16 && M * N * K >= 65536;
}

/**
 * One 2-D product into `c` (float64, zeroed). `a` is stored [M,K] (or [K,M] when tA), `b` stored [K,N]
 * (or [N,K] when tB).
 */
function matmul2d(a: TypedArray, aOff: number, b: TypedArray, bOff: number, c: Float64Array, M: number, K: number, N: number,
  tA: boolean, tB: boolean, csr: Csr | null): void {
  // B as [K,N] row-major.
  let bm: ArrayLike<number> = b, bo = bOff;
  if (tB) { bm = transposeCopy(b, bOff, N, K); bo = 0; }
  if (csr) {
    // A's stored rows are its nonzero events.
    const { rowPtr, colIdx, values } = csr;
    const rowsPerBatch = tA ? K : M;
    const firstRow = aOff / (tA ? M : K);
    for (let r = 0; r < rowsPerBatch; r++) {
      for (let p = rowPtr[firstRow + r]!, e = rowPtr[firstRow + r + 1]!; p < e; p++) {
        const v = values[p]!, col = colIdx[p]!;
        // !tA: C[r,:] += v·B[col,:]      tA: C[col,:] += v·B[r,:]
        const ci = (tA ? col : r) * N, bk = bo + (tA ? r : col) * N;
        for (let j = 0; j < N; j++) c[ci + j]! += v * bm[bk + j]!;
      }
    }
    return;
  }
  let am: ArrayLike<number> = a, ao = aOff;
  if (tA) { am = transposeCopy(a, aOff, K, M); ao = 0; }
  if (useBlocked(M, K, N)) gemmPacked(am, ao, bm, bo, c, M, K, N);
  else gemmAxpy(am, ao, bm, bo, c, M, K, N);
}

export const matmulKernel: CpuKernel<{ transposeA: boolean; transposeB: boolean }> = ([a, b], { transposeA: tA, transposeB: tB }, [out]) => {
  const as = a!.shape, bs = b!.shape;
  const [M, K] = tA ? [as.at(-1)!, as.at(-2)!] : [as.at(-2)!, as.at(-1)!];
  const N = tB ? bs.at(-2)! : bs.at(-1)!;
  const batchShape = broadcastShapes('matmul', as.slice(0, -2), bs.slice(0, -2));
  const nBatch = sizeOf(batchShape);
  const res = allocArray(out!.dtype, nBatch * M * N);
  const acc = scratch(M * N);
  const aBatch = batchOffsets(as.slice(0, -2), batchShape, M * K);
  const bBatch = batchOffsets(bs.slice(0, -2), batchShape, K * N);
  const csr = sparseView(a!.data, sizeOf(as) / as.at(-1)!, as.at(-1)!);
  for (let bi = 0; bi < nBatch; bi++) {
    acc.fill(0);
    matmul2d(a!.data, aBatch[bi]!, b!.data, bBatch[bi]!, acc, M, K, N, tA, tB, csr);
    res.set(acc, bi * M * N);
  }
  return [res];
};

// One float64 accumulator reused by every call (kernels run one at a time): a [51 200, 4] product would
// otherwise allocate and zero 1.6 MB per call, which the garbage collector then has to reclaim.
let scratchBuf = new Float64Array(0);
function scratch(n: number): Float64Array {
  if (scratchBuf.length < n) scratchBuf = new Float64Array(Math.max(n, 2 * scratchBuf.length));
  return scratchBuf.subarray(0, n);
}

/** Element offset of each broadcast batch's matrix inside an operand with batch shape `own`. */
function batchOffsets(own: readonly number[], full: readonly number[], matSize: number): number[] {
  const n = sizeOf(full);
  const offs = new Array<number>(n);
  const ownStrides = stridesOf(own);
  const lead = full.length - own.length;
  for (let i = 0; i < n; i++) {
    let rem = i, off = 0;
    for (let d = full.length - 1; d >= 0; d--) {
      const idx = rem % full[d]!;
      rem = Math.floor(rem / full[d]!);
      const od = d - lead;
      if (od >= 0 && own[od] !== 1) off += idx * ownStrides[od]!;
    }
    offs[i] = off * matSize;
  }
  return offs;
}

export type { CpuInput };
