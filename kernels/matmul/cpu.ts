/**
 * Matrix product on the CPU, the path chosen by the data and the shapes:
 *
 * - Sparse A with long rows (spiking input): event-driven, from A's cached nonzeros (cpuSparse.ts), where
 *   its measured density makes that cheaper than the dense kernel (cpuSparse.ts eventDensityLimits); in
 *   float32 with more than SPARSE_UNROLL_MAX output columns, as WebAssembly SIMD on every core (eventsWasm.ts).
 * - Large dense: packed panels and a 4×4 register tile (cpuPacked.ts).
 * - Thin products (two small dims, as in a small SNN layer's [51 200, 4] @ [4, 2] and its gradients):
 *   straight-line kernels generated per shape (cpuThin.ts; in float32, WebAssembly SIMD: thinWasm.ts).
 * - Everything else: row-axpy loops that skip zero entries of A.
 *
 * The linear op (x @ W + b) runs the same paths with the bias added as each output is stored: the product
 * rounded to the output's type, plus the bias, rounded again: matmul then add, bit for bit.
 *
 * All accumulation is in float64 and each output is rounded once. Every path sums the products of an output
 * element in ascending k; skipping the zero entries of A changes nothing (adding an exact zero never changes
 * a float64 sum that starts at +0, as long as B is finite). So a row's result does not depend on the path
 * nor on how many rows come with it: step mode ([B, K] per step) and sequence mode ([T·B, K] at once) agree
 * bit for bit, and so do the WebAssembly kernels and their JavaScript twins, whatever the thread count.
 */
import { allocOutput, type TypedArray, rounderFor } from '../../engine/dtype.js';
import { broadcastShapes, sizeOf, stridesOf } from '../../engine/shape.js';
import type { OutMeta } from '../../engine/ops.js';
import type { CpuInput, CpuKernel } from '../cpu/types.js';
import { gemmPacked, useBlocked } from './cpuPacked.js';
import { csrRows, csrRowsTransposed, EVENT_PARALLEL_MIN, eventDensityLimits, eventView, SPARSE_UNROLL_MAX, sparseView } from './cpuSparse.js';
import { eventGroups } from './eventsWasm.js';
import { THIN_MAX, thinRows, thinTransposed, type BiasKind } from './cpuThin.js';
import { thinRowsWasm, thinTransposedWasm } from './thinWasm.js';
import { gemmWasm, PARALLEL_MIN_FLOPS } from './gemmWasm.js';
import { poolThreads } from '../cpu/threadPool.js';
import { wasmEnabled } from '../cpu/wasmKernels.js';

export { forgetSparseView, sparseView, SPARSE_DENSITY_THRESHOLD, type Csr } from './cpuSparse.js';

/** [rows, cols] → [cols, rows] copy. */
function transposeCopy(src: TypedArray, off: number, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = src[off + r * cols + c]!;
  return t;
}

/** c[M, N] += A·B with A stored [M, K] and B [K, N], row-axpy skipping zero entries of A. */
function denseRows(a: TypedArray, aOff: number, b: ArrayLike<number>, bOff: number, c: Float64Array, M: number, K: number, N: number): void {
  for (let i = 0; i < M; i++) {
    const ai = aOff + i * K, ci = i * N;
    for (let k = 0; k < K; k++) {
      const v = a[ai + k]!;
      if (v === 0) continue;
      const bk = bOff + k * N;
      for (let j = 0; j < N; j++) c[ci + j]! += v * b[bk + j]!;
    }
  }
}

/**
 * c[M, N] += Aᵀ·B with A stored [K, M] and B [K, N], walking both by their stored rows (no transposed copy
 * of A, which is the long [T·B, n] operand of a weight gradient): row k of B is added to row m of c, scaled
 * by every nonzero A[k, m].
 */
function denseRowsTransposed(a: TypedArray, aOff: number, b: ArrayLike<number>, bOff: number, c: Float64Array, M: number, K: number, N: number): void {
  for (let k = 0; k < K; k++) {
    const ak = aOff + k * M, bk = bOff + k * N;
    for (let m = 0; m < M; m++) {
      const v = a[ak + m]!;
      if (v === 0) continue;
      const cm = m * N;
      for (let j = 0; j < N; j++) c[cm + j]! += v * b[bk + j]!;
    }
  }
}

export const matmulKernel: CpuKernel<{ transposeA: boolean; transposeB: boolean }> = ([a, b], { transposeA, transposeB }, [out]) =>
  [product(a!, b!, transposeA, transposeB, out!, null)];

/** x @ W + b (the linear op): the matmul with the bias added as each output is stored. */
export const linearKernel: CpuKernel<Record<string, never>> = ([x, w, b], _attrs, [out]) => [product(x!, w!, false, false, out!, b!.data)];

/**
 * The product, and with `bias` each output rounded to the output's type plus bias[j] (exactly matmul then
 * add, bit for bit).
 */
function product(a: CpuInput, b: CpuInput, tA: boolean, tB: boolean, out: OutMeta, bias: TypedArray | null): TypedArray {
  const as = a.shape, bs = b.shape;
  const [M, K] = tA ? [as.at(-1)!, as.at(-2)!] : [as.at(-2)!, as.at(-1)!];
  const N = tB ? bs.at(-2)! : bs.at(-1)!;
  const batchShape = broadcastShapes('matmul', as.slice(0, -2), bs.slice(0, -2));
  const nBatch = sizeOf(batchShape);
  const res = allocOutput(out.dtype, nBatch * M * N);
  if (res.length === 0) return res;
  const biasKind: BiasKind = bias === null ? 'none' : out.dtype === 'float32' ? 'float32' : 'float64';
  const aBatch = batchOffsets(as.slice(0, -2), batchShape, M * K);
  const bBatch = batchOffsets(bs.slice(0, -2), batchShape, K * N);
  const ad = a.data, bd = b.data;
  const storedCols = as.at(-1)!;
  // Events or the dense kernel: by the operand's measured density against what each path costs
  // (cpuSparse.ts), where the dense alternative is the WebAssembly kernel; else below a fixed density.
  const thinShape = tA ? M * N <= THIN_MAX && !bias : K * N <= THIN_MAX;
  const denseWasm = !thinShape && wasmEnabled() && ad instanceof Float32Array && bd instanceof Float32Array && out.dtype === 'float32'
    && (!bias || bias instanceof Float32Array);
  const limits = denseWasm ? eventDensityLimits(N, 2 * M * K * N >= PARALLEL_MIN_FLOPS ? poolThreads() : 1) : undefined;
  // Wider outputs than the unrolled JavaScript event kernels: the WebAssembly event kernel (eventsWasm.ts),
  // on every core for a large product, where the operand is sparse enough.
  if (limits && N > SPARSE_UNROLL_MAX && nBatch === 1) {
    const lists = eventView(ad as Float32Array, sizeOf(as) / storedCols, storedCols, limits);
    if (lists && eventGroups(lists, tA ? storedCols : 0, bd as Float32Array, bBatch[0]!, tB, K, N, res as Float32Array, 0, bias as Float32Array | null,
      lists.idx.length * N >= EVENT_PARALLEL_MIN ? poolThreads() : 1)) return res;
  }
  const csr = sparseView(ad, sizeOf(as) / storedCols, storedCols, limits);
  for (let bi = 0; bi < nBatch; bi++) {
    const aOff = aBatch[bi]!, outOff = bi * M * N;
    // Thin and sparse products write their output directly; the others accumulate in a float64 scratch.
    // float32 thin products run as WebAssembly SIMD where they can (thinWasm.ts), with the same bits, and so
    // do the other dense float32 products, on every core (gemmWasm.ts).
    const f32 = ad instanceof Float32Array && res instanceof Float32Array;
    const thinRowsCase = !csr && !tA && K * N <= THIN_MAX, thinTransposedCase = !csr && tA && M * N <= THIN_MAX && !bias;
    if (!csr && !thinRowsCase && !thinTransposedCase && f32 && bd instanceof Float32Array && (!bias || bias instanceof Float32Array)
      && gemmWasm(ad, aOff, tA, bd, bBatch[bi]!, tB, res, outOff, M, K, N, bias as Float32Array | null)) continue;
    // B as [K, N] row-major.
    let bm: ArrayLike<number> = bd, bo = bBatch[bi]!;
    if (tB) { bm = transposeCopy(bd, bo, N, K); bo = 0; }
    if (thinRowsCase) {
      if (!(f32 && (!bias || bias instanceof Float32Array) && thinRowsWasm(ad, aOff, bm, bo, res, outOff, M, K, N, bias as Float32Array | null))) {
        thinRows(K, N, biasKind)(ad, aOff, bm, bo, res, outOff, M, bias);
      }
      continue;
    }
    if (thinTransposedCase) {
      if (!(f32 && bm instanceof Float32Array && thinTransposedWasm(ad, aOff, bm, bo, res, outOff, M, K, N))) thinTransposed(M, N)(ad, aOff, bm, bo, res, outOff, K);
      continue;
    }
    if (csr && !tA) {
      // Rows without events are zero, or the bias.
      if (bias) fillRows(res, outOff, M, N, bias);
      else res.fill(0, outOff, outOff + M * N);
      csrRows(csr, aOff / K, M, bm, bo, N, res, outOff, bias, biasKind);
      continue;
    }
    const acc = scratch(M * N);
    acc.fill(0);
    if (csr) csrRowsTransposed(csr, aOff / M, K, bm, bo, N, acc);
    else if (useBlocked(M, K, N)) {
      const [am, ao] = tA ? [transposeCopy(ad, aOff, K, M), 0] : [ad, aOff];
      gemmPacked(am, ao, bm, bo, acc, M, K, N);
    } else if (tA) denseRowsTransposed(ad, aOff, bm, bo, acc, M, K, N);
    else denseRows(ad, aOff, bm, bo, acc, M, K, N);
    if (!bias) res.set(acc, outOff);
    else {
      const round = rounderFor(biasKind);
      for (let i = 0; i < M * N; i += N) for (let j = 0; j < N; j++) res[outOff + i + j] = round(acc[i + j]!) + bias[j]!;
    }
  }
  return res;
}

/**
 * Rows outOff … of `res` set to 0 + bias (what matmul then add gives a row without events: +0 for a −0 bias):
 * one row written, then doubled with copyWithin (a memory copy; a loop over 4-wide rows measured 4× slower).
 */
function fillRows(res: TypedArray, outOff: number, M: number, N: number, bias: TypedArray): void {
  if (M === 0) return;
  for (let j = 0; j < N; j++) res[outOff + j] = 0 + bias[j]!;
  const end = outOff + M * N;
  for (let len = N; outOff + len < end; len *= 2) res.copyWithin(outOff + len, outOff, Math.min(outOff + len, end - len));
}

// One float64 accumulator reused by every call (kernels run one at a time): a large product would otherwise
// allocate and zero a fresh one per call, which the garbage collector then has to reclaim.
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
