/**
 * The dense float32 matrix product as WebAssembly SIMD, on every core (kernels/cpu/threadPool.ts): the
 * CPU backend's path for products that are neither thin (cpuThin.ts) nor sparse (cpuSparse.ts), e.g. the
 * digit classifier's [3200, 784] @ [784, 128] input layer and its weight gradient [3200, 784]ᵀ @ [3200, 128].
 *
 * Numerics are those of every other CPU matmul path (cpu.ts): each output is the float64 sum
 * 0 + p_0 + p_1 + … of the exact products p_k = A[i, k]·B[k, j] in ascending k, rounded once to float32 (the
 * linear op then adds its float32 bias). A float32 × float32 product is exact in float64, and f64x2.mul /
 * f64x2.add are the same IEEE operations as JavaScript's `*` and `+`, so the bits are those of the
 * JavaScript kernels. Work is split between threads by row strips only; a row's sum never depends on who
 * computes it, so every thread count gives the same bits.
 *
 * Layout: B is packed once per product as float64 strips of 4 columns ([K][4], zero beyond N). Each row
 * strip of 4 rows of A is packed as float64 [K][4] (zero beyond M) into the computing thread's own scratch,
 * then a 4×4 register tile (8 f64x2 accumulators) walks K once per strip of B: 32 flops per 6 loads. The
 * columns are taken in blocks whose packed B fits L2 (columnBlock).
 */
import { addressOf, arenaRelease, arenaTake, heap } from '../cpu/wasmArena.js';
import { parallelFor, poolThreads } from '../cpu/threadPool.js';
import {
  add, and, f32s, f32x4, f64s, f64x2, forRange, get, gtU, i32, i8x16, ifElse, load, load64, load64Splat, Locals, mul, select, set, shl, slots,
  store, store64, sub, type Code, type ValType,
} from '../cpu/wasmEncode.js';
import { wasmEnabled, wasmKernel } from '../cpu/wasmKernels.js';

/**
 * K from which a transposed A is copied to rows first (below it, its K rows fit the TLB), and N from which
 * the product's work per element of A (2N flops) outweighs the copy's.
 */
const TRANSPOSE_MIN_K = 256, TRANSPOSE_MIN_N = 32;
/** Row strip height and column strip width of the register tile. */
const MR = 4, NR = 4;
/**
 * Flops below which a product stays on the calling thread: measured on the loaded 2-core machine, a product
 * of 4–34 MFLOP took ~1–2 ms more CPU time on two threads than on one (bench/RESULTS.md); 32 MFLOP is ~2 ms
 * of one core's work.
 */
export const PARALLEL_MIN_FLOPS = 32e6;

const eqI = (a: Code, b: Code): Code => [...a, ...b, 0x46];
const geU = (a: Code, b: Code): Code => [...a, ...b, 0x4f];

/** Parameters of the kernel, in order; the pool appends (thread, lo, hi): this thread's row strips [lo, hi). */
const PARAMS = ['A', 'SAI', 'SAK', 'BP', 'K', 'N', 'M', 'OUT', 'BIAS', 'AP', 'APS', 'NC', 'THREAD', 'LO', 'HI'] as const;

/**
 * The kernel. `out64`: the float64 sums are stored as they are (no rounding; no bias), for a caller that adds
 * them up further (the convolution's col2im); `accumulate` (with out64): each sum starts from the value in
 * `out` instead of 0, so a product split along K into calls stays one serial float64 sum in ascending k
 * (the convolution's weight gradient over chunks of images).
 */
function gemmModule(withBias: boolean, out64 = false, accumulate = false) {
  const params: ValType[] = PARAMS.map(() => 'i32');
  const [A, SAI, SAK, BP, K, N, M, OUT, BIAS, APB, APS, NC, THREAD, LO, HI] = slots(params);
  const L = new Locals(params);
  const s = L.local('i32'), i0 = L.local('i32'), mr = L.local('i32'), k = L.local('i32'), pa = L.local('i32'), pb = L.local('i32');
  const ap = L.local('i32'), apEnd = L.local('i32'), k32 = L.local('i32'), js = L.local('i32'), nc = L.local('i32'), o = L.local('i32');
  const r = L.local('i32'), q = L.local('i32'), tile = L.local('i32'), jb = L.local('i32'), jEnd = L.local('i32');
  const p = Array.from({ length: MR }, () => L.local('i32'));
  const acc = Array.from({ length: MR * 2 }, () => L.local('v128'));
  const b0 = L.local('v128'), b1 = L.local('v128'), av = L.local('v128');

  const promote = (addr: Code): Code => f64s.promote(f32s.load(addr));
  // Pack rows i0 … i0 + 3 of op(A) (all four present) as float64 [K][4] at ap.
  const packFull: Code[] = [
    set(p[0]!, add(get(A), mul(get(i0), get(SAI)))),
    ...Array.from({ length: MR - 1 }, (_, rr) => set(p[rr + 1]!, add(get(p[rr]!), get(SAI)))),
    set(pa, get(ap)),
    forRange(k, i32(0), get(K), 1,
      ...p.map((pr, rr) => f64s.store(get(pa), promote(get(pr)), 8 * rr)),
      ...p.map((pr) => set(pr, add(get(pr), get(SAK)))),
      set(pa, add(get(pa), i32(32)))),
  ];
  // The same when the four rows are adjacent in memory (A transposed, SAI = 4 bytes): two float32 pairs per k.
  const packAdjacent: Code[] = [
    set(p[0]!, add(get(A), mul(get(i0), get(SAI)))),
    set(pa, get(ap)),
    forRange(k, i32(0), get(K), 1,
      store(get(pa), f64x2.promote(load64(get(p[0]!)))),
      store(get(pa), f64x2.promote(load64(get(p[0]!), 8)), 16),
      set(p[0]!, add(get(p[0]!), get(SAK))),
      set(pa, add(get(pa), i32(32)))),
  ];
  // Fewer than four rows left: zeros, then the rows there are.
  const packPartial: Code[] = [
    forRange(pa, get(ap), get(apEnd), 16, store(get(pa), f64x2.const(0))),
    forRange(r, i32(0), get(mr), 1,
      set(p[0]!, add(get(A), mul(add(get(i0), get(r)), get(SAI)))),
      set(pa, add(get(ap), shl(get(r), i32(3)))),
      forRange(k, i32(0), get(K), 1,
        f64s.store(get(pa), promote(get(p[0]!))),
        set(p[0]!, add(get(p[0]!), get(SAK))),
        set(pa, add(get(pa), i32(32))))),
  ];
  // One k of the 4×4 tile: two pairs of B's columns, each row's A value in both lanes.
  const step: Code[] = [
    set(b0, load(get(pb))), set(b1, load(get(pb), 16)),
    ...Array.from({ length: MR }, (_, rr) => [
      ...set(av, load64Splat(get(pa), 8 * rr)),
      ...set(acc[2 * rr]!, f64x2.add(get(acc[2 * rr]!), f64x2.mul(get(av), get(b0)))),
      ...set(acc[2 * rr + 1]!, f64x2.add(get(acc[2 * rr + 1]!), f64x2.mul(get(av), get(b1)))),
    ]),
    set(pa, add(get(pa), i32(32))), set(pb, add(get(pb), i32(32))),
  ];
  const biasAt = add(get(BIAS), shl(get(js), i32(2)));
  const osh = out64 ? 3 : 2; // log2 of the output's element size
  const outRow = (row: Code): Code => add(get(OUT), shl(add(mul(row, get(N)), get(js)), i32(osh)));
  // float64 output: a whole tile as eight f64x2 (loaded first when accumulating).
  const f64Tile = (write: boolean): Code[] => [
    set(o, outRow(get(i0))),
    ...Array.from({ length: MR }, (_, rr) => [
      ...(write ? store(get(o), get(acc[2 * rr]!)) : set(acc[2 * rr]!, load(get(o)))),
      ...(write ? store(get(o), get(acc[2 * rr + 1]!), 16) : set(acc[2 * rr + 1]!, load(get(o), 16))),
      ...set(o, add(get(o), shl(get(N), i32(3)))),
    ]),
  ];
  // float64 output, an edge tile: through a float64 4×4 tile in scratch, the rows and columns that exist.
  const f64Edge = (write: boolean): Code[] => [
    set(nc, select(gtU(get(nc), i32(NR)), i32(NR), get(nc))),
    ...(write
      ? Array.from({ length: MR }, (_, rr): Code => [...store(get(tile), get(acc[2 * rr]!), 32 * rr), ...store(get(tile), get(acc[2 * rr + 1]!), 32 * rr + 16)])
      : [forRange(q, get(tile), add(get(tile), i32(128)), 16, store(get(q), f64x2.const(0)))]),
    forRange(r, i32(0), get(mr), 1,
      set(o, outRow(add(get(i0), get(r)))),
      forRange(q, i32(0), get(nc), 1, (() => {
        const at = add(get(tile), shl(add(shl(get(r), i32(2)), get(q)), i32(3)));
        const there = add(get(o), shl(get(q), i32(3)));
        return write ? f64s.store(there, f64s.load(at)) : f64s.store(at, f64s.load(there));
      })())),
    ...(write ? [] : Array.from({ length: MR }, (_, rr): Code => [...set(acc[2 * rr]!, load(get(tile), 32 * rr)), ...set(acc[2 * rr + 1]!, load(get(tile), 32 * rr + 16))])),
  ];
  const fullTile = (): Code => and(eqI(get(mr), i32(MR)), geU(get(nc), i32(NR)));
  const finish = (v: Code, half: number): Code => (withBias ? f32x4.add(f32x4.demote(v), load64(biasAt, 8 * half)) : f32x4.demote(v));
  // A whole tile: straight into the output rows.
  const storeFull: Code[] = [
    set(o, add(get(OUT), shl(add(mul(get(i0), get(N)), get(js)), i32(2)))),
    ...Array.from({ length: MR }, (_, rr) => [
      ...store64(get(o), finish(get(acc[2 * rr]!), 0)),
      ...store64(get(o), finish(get(acc[2 * rr + 1]!), 1), 8),
      ...set(o, add(get(o), shl(get(N), i32(2)))),
    ]),
  ];
  // An edge tile: the rounded sums to a float32 4×4 tile in scratch, then the rows and columns that exist.
  const storePartial: Code[] = [
    ...Array.from({ length: MR }, (_, rr) => [
      ...store64(get(tile), f32x4.demote(get(acc[2 * rr]!)), 16 * rr),
      ...store64(get(tile), f32x4.demote(get(acc[2 * rr + 1]!)), 16 * rr + 8),
    ]),
    set(nc, select(gtU(get(nc), i32(NR)), i32(NR), get(nc))),
    forRange(r, i32(0), get(mr), 1,
      set(o, add(get(OUT), shl(add(mul(add(get(i0), get(r)), get(N)), get(js)), i32(2)))),
      forRange(q, i32(0), get(nc), 1,
        f32s.store(add(get(o), shl(get(q), i32(2))), (() => {
          const v = f32s.load(add(get(tile), shl(add(shl(get(r), i32(2)), get(q)), i32(2))));
          return withBias ? f32s.add(v, f32s.load(add(biasAt, shl(get(q), i32(2))))) : v;
        })()))),
  ];
  const body: Code[] = [
    set(ap, add(get(APB), mul(get(THREAD), get(APS)))),
    set(k32, shl(get(K), i32(5))),
    set(apEnd, add(get(ap), get(k32))),
    set(tile, get(apEnd)),
    // Column blocks of B small enough to stay in L2 while every row strip of this chunk passes over them.
    forRange(jb, i32(0), get(N), get(NC),
      set(jEnd, add(get(jb), get(NC))),
      set(jEnd, select(gtU(get(jEnd), get(N)), get(N), get(jEnd))),
      forRange(s, get(LO), get(HI), 1,
      set(i0, shl(get(s), i32(2))),
      set(mr, sub(get(M), get(i0))),
      set(mr, select(gtU(get(mr), i32(MR)), i32(MR), get(mr))),
      ifElse(eqI(get(mr), i32(MR)), [ifElse(eqI(get(SAI), i32(4)), packAdjacent, packFull)], packPartial),
      forRange(js, get(jb), get(jEnd), NR,
        set(nc, sub(get(N), get(js))),
        ...(accumulate ? [ifElse(fullTile(), f64Tile(false), f64Edge(false))] : acc.map((a) => set(a, f64x2.const(0)))),
        set(pa, get(ap)),
        set(pb, add(get(BP), mul(shl(get(js), i32(3)), get(K)))),
        forRange(k, i32(0), get(K), 1, ...step),
        set(nc, sub(get(N), get(js))),
        out64 ? ifElse(fullTile(), f64Tile(true), f64Edge(true)) : ifElse(fullTile(), storeFull, storePartial)))),
  ];
  return { params, locals: L, body: body.flat() };
}

/** Bytes of packed B that one column block may take: it stays in L2 (1–2 MiB on current x86 and ARM cores) next to A's strip. */
const B_BLOCK_BYTES = 1024 * 1024;
/** Fewest columns per block: the A strip is packed again per block, ~3/NC of the block's tile work. */
const MIN_BLOCK_COLUMNS = 32;

/**
 * Columns per block (a multiple of 4): every row strip of a chunk is multiplied by one block of B before the
 * next block is read, so B comes from L2 rather than memory (measured: [784, 3200]·[3200, 128] 1.5× faster
 * than one block of 3.2 MB); at least MIN_BLOCK_COLUMNS, so that repacking A stays a small cost.
 */
function columnBlock(K: number, N: number): number {
  const nc = Math.max(MIN_BLOCK_COLUMNS, Math.floor(B_BLOCK_BYTES / (8 * NR * Math.max(1, K))) * NR);
  const blocks = Math.ceil(N / nc);
  return Math.ceil(N / blocks / NR) * NR; // equal blocks: no narrow last block that repacks A for a few columns
}

/** Side of the square blocks of the transposing copy (two 32×32 float32 blocks stay in L1). */
const T_BLOCK = 32;

/**
 * The transposing copy as a WebAssembly kernel over blocks of T_BLOCK output rows, so the workers share it:
 * run(SRC, M, K, DST, thread, lo, hi) copies dst[i·K + k] = src[k·M + i] for i in [lo·T_BLOCK, hi·T_BLOCK) ∩ [0, M),
 * k in T_BLOCK-long runs (addresses in bytes).
 */
function transposeModule() {
  const params: ValType[] = ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'];
  const [SRC, M, K, DST, , LO, HI] = slots(params);
  const L = new Locals(params);
  const i0 = L.local('i32'), i1 = L.local('i32'), k0 = L.local('i32'), k1 = L.local('i32'), k = L.local('i32'), i = L.local('i32');
  const ps = L.local('i32'), pd = L.local('i32'), m4 = L.local('i32'), k4 = L.local('i32');
  const minU = (a: Code, b: Code): Code => select(gtU(a, b), b, a);
  const body: Code[] = [
    set(m4, shl(get(M), i32(2))), set(k4, shl(get(K), i32(2))),
    set(i0, mul(get(LO), i32(T_BLOCK))),
    set(i1, minU(mul(get(HI), i32(T_BLOCK)), get(M))),
    forRange(k0, i32(0), get(K), T_BLOCK,
      set(k1, minU(add(get(k0), i32(T_BLOCK)), get(K))),
      forRange(k, get(k0), get(k1), 1,
        set(ps, add(get(SRC), add(mul(get(k), get(m4)), shl(get(i0), i32(2))))),
        set(pd, add(get(DST), add(mul(get(i0), get(k4)), shl(get(k), i32(2))))),
        forRange(i, get(i0), get(i1), 1,
          f32s.store(get(pd), f32s.load(get(ps))),
          set(ps, add(get(ps), i32(4))),
          set(pd, add(get(pd), get(k4)))))),
  ];
  return { params, locals: L, body: body.flat() };
}

/** dst[i·K + k] = src[sOff + k·M + i]: A stored [K, M] copied as [M, K], in blocks (cache and TLB friendly). */
function transposeInto(src: Float32Array, sOff: number, M: number, K: number, dst: Float32Array): void {
  for (let k0 = 0; k0 < K; k0 += T_BLOCK) {
    const k1 = Math.min(K, k0 + T_BLOCK);
    for (let i0 = 0; i0 < M; i0 += T_BLOCK) {
      const i1 = Math.min(M, i0 + T_BLOCK);
      for (let k = k0; k < k1; k++) {
        const row = sOff + k * M;
        for (let i = i0; i < i1; i++) dst[i * K + k] = src[row + i]!;
      }
    }
  }
}

/** Bytes of one thread's scratch: the packed A strip ([K][4] float64) and a 4×4 edge tile (float64 at most). */
const threadScratchBytes = (K: number): number => 32 * K + 128;

/**
 * Packs op(B) ([K, N]: B stored [K, N], or [N, K] when transposed) as float64 strips of `width` columns ([K][width]
 * each, zero beyond N): the dense kernel's strips of 4, the event kernel's blocks of 16 (eventsWasm.ts).
 */
export function packB(b: Float32Array, bOff: number, tB: boolean, K: number, N: number, dst: Float64Array, dOff: number, width = NR): void {
  const strips = Math.ceil(N / width);
  // The whole strips of a B in the arena, not transposed: four columns per vector load (promoted in two pairs).
  const whole = tB ? 0 : Math.floor(N / width);
  let first = 0;
  if (whole > 0 && wasmEnabled() && addressOf(b) >= 0 && addressOf(dst) >= 0) {
    const run = wasmKernel('packB', packModule);
    if (run) {
      run(addressOf(b) + 4 * bOff, N, K, addressOf(dst) + 8 * dOff, width, whole);
      first = whole;
    }
  }
  for (let st = first; st < strips; st++) {
    const j0 = st * width, nc = Math.min(width, N - j0);
    let d = dOff + st * K * width;
    if (!tB && nc === width) {
      if (width === NR) {
        for (let kk = 0, s0 = bOff + j0; kk < K; kk++, s0 += N, d += NR) {
          dst[d] = b[s0]!; dst[d + 1] = b[s0 + 1]!; dst[d + 2] = b[s0 + 2]!; dst[d + 3] = b[s0 + 3]!;
        }
      } else {
        for (let kk = 0, s0 = bOff + j0; kk < K; kk++, s0 += N, d += width) for (let qq = 0; qq < width; qq++) dst[d + qq] = b[s0 + qq]!;
      }
      continue;
    }
    for (let kk = 0; kk < K; kk++, d += width) {
      for (let qq = 0; qq < width; qq++) dst[d + qq] = qq < nc ? b[tB ? bOff + (j0 + qq) * K + kk : bOff + kk * N + j0 + qq]! : 0;
    }
  }
}

/**
 * run(SRC, N, K, DST, WIDTH, STRIPS): packB's whole strips as float64, four float32 columns per vector load:
 * dst[(st·K + k)·WIDTH + q] = src[k·N + st·WIDTH + q] (WIDTH a multiple of 4; byte addresses).
 */
function packModule() {
  const params: ValType[] = ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'];
  const [SRC, N, K, DST, WIDTH, STRIPS] = slots(params);
  const L = new Locals(params);
  const st = L.local('i32'), k = L.local('i32'), q = L.local('i32'), ps = L.local('i32'), pd = L.local('i32'), w4 = L.local('i32'), x = L.local('v128');
  const body: Code[] = [
    set(w4, shl(get(WIDTH), i32(2))),
    set(pd, get(DST)),
    forRange(st, i32(0), get(STRIPS), 1,
      forRange(k, i32(0), get(K), 1,
        set(ps, add(get(SRC), shl(add(mul(get(k), get(N)), mul(get(st), get(WIDTH))), i32(2)))),
        forRange(q, i32(0), get(w4), 16,
          set(x, load(add(get(ps), get(q)))),
          store(get(pd), f64x2.promote(get(x))),
          // lanes 2 and 3 moved down, then promoted
          store(get(pd), f64x2.promote(i8x16.shuffle([8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15])(get(x), get(x))), 16),
          set(pd, add(get(pd), i32(32)))))),
  ];
  return { params, locals: L, body: body.flat() };
}

/** An arena copy of `a` when it lives elsewhere (the caller releases it), else `a`; undefined when the arena is full. */
export function inArena(a: Float32Array): { arr: Float32Array; temp: boolean } | undefined {
  if (addressOf(a) >= 0) return { arr: a, temp: false };
  const t = arenaTake(a.length, false);
  if (!t) return undefined;
  t.set(a);
  return { arr: t, temp: true };
}

/**
 * out[outOff + i·N + j] = Σ_k op(A)[i, k]·op(B)[k, j] (+ bias[j] after rounding), i < M, j < N: A stored [M, K]
 * from aOff (or [K, M] when tA), B stored [K, N] from bOff (or [N, K] when tB). Returns false, having written
 * nothing, where the kernel does not apply (WebAssembly off or refused, no room in the arena): the caller
 * then runs a JavaScript path with the same bits. `threads`: how many threads share the rows (by default all
 * the pool has for a product of at least PARALLEL_MIN_FLOPS, else one).
 */
export function gemmWasm(a: Float32Array, aOff: number, tA: boolean, b: Float32Array, bOff: number, tB: boolean, out: Float32Array, outOff: number,
  M: number, K: number, N: number, bias: Float32Array | null, threads = parallelThreads(2 * M * K * N)): boolean {
  return gemmRun(a, aOff, tA, b, bOff, tB, out, outOff, M, K, N, bias, threads, false);
}

/**
 * The same product with float64 outputs, unrounded: out[i·N + j] = the float64 sum, or, with `accumulate`,
 * out[i·N + j] + Σ_k … continued as one serial sum (so K may be split over calls without changing a bit).
 * `out` must be an arena array (wasmArena.ts: a Float64Array over arenaTake's block); returns false, having
 * written nothing, where the kernel does not apply (the caller then uses the JavaScript kernel, cpuPacked.ts,
 * whose sums are the same).
 */
export function gemmWasm64(a: Float32Array, aOff: number, tA: boolean, b: Float32Array, bOff: number, tB: boolean, out: Float64Array,
  M: number, K: number, N: number, accumulate: boolean, threads = parallelThreads(2 * M * K * N)): boolean {
  if (addressOf(out) < 0) return false;
  return gemmRun(a, aOff, tA, b, bOff, tB, out, 0, M, K, N, null, threads, accumulate);
}

function gemmRun(a: Float32Array, aOff: number, tA: boolean, b: Float32Array, bOff: number, tB: boolean, out: Float32Array | Float64Array, outOff: number,
  M: number, K: number, N: number, bias: Float32Array | null, threads: number, accumulate: boolean): boolean {
  if (!wasmEnabled() || M === 0 || N === 0) return false;
  const out64 = out instanceof Float64Array;
  const key = out64 ? `gemm64|${accumulate}` : `gemm|${bias !== null}`;
  const run = wasmKernel(key, () => gemmModule(bias !== null, out64, accumulate));
  if (!run) return false;
  const strips = Math.ceil(N / NR);
  const aps = threadScratchBytes(K);
  const temps: Float32Array[] = [];
  try {
    // A transposed and long in K (a weight gradient [T·B, n]ᵀ): packing 4 rows of op(A) would read 16 bytes
    // from each of K rows K·4·M bytes apart, a TLB miss per k; one transposing copy first is cheaper.
    let A: { arr: Float32Array; temp: boolean } | undefined;
    if (tA && K >= TRANSPOSE_MIN_K && M >= MR && N >= TRANSPOSE_MIN_N) {
      const t = arenaTake(M * K, false);
      if (t) {
        const src = inArena(a);
        const copy = src ? wasmKernel('transpose', transposeModule) : null;
        if (src?.temp) temps.push(src.arr);
        // On the threads the product uses (rows of the copy are independent, like the product's); in
        // JavaScript where A cannot be put in the arena.
        if (src && copy) parallelFor('transpose', copy, [addressOf(src.arr) + 4 * aOff, M, K, addressOf(t)], Math.ceil(M / T_BLOCK), threads);
        else transposeInto(a, aOff, M, K, t);
        A = { arr: t, temp: true };
        [tA, aOff] = [false, 0];
      }
    }
    A ??= inArena(a);
    const O = out instanceof Float64Array ? { arr: out, temp: false } : inArena(out), C = bias ? inArena(bias) : { arr: null, temp: false };
    for (const x of [A, O, C]) if (x?.temp) temps.push(x.arr as Float32Array);
    // Packed B (float64) and every thread's scratch, as one float32 block (16-byte aligned).
    const bBytes = strips * K * NR * 8;
    const work = arenaTake((bBytes + threads * aps) / 4, false);
    if (work) temps.push(work);
    if (!A || !O || !C || !work) return false;
    const base = work.byteOffset;
    const f64 = heap.f64();
    packB(b, bOff, tB, K, N, f64, base / 8); // (K = 0: nothing to pack, and the kernel reads nothing: sums are +0)
    const aAddr = addressOf(A.arr) + 4 * aOff;
    const [sai, sak] = tA ? [4, 4 * M] : [4 * K, 4];
    const args = [aAddr, sai, sak, base, K, N, M, addressOf(O.arr) + O.arr.BYTES_PER_ELEMENT * outOff, C.arr ? addressOf(C.arr) : 0, base + bBytes, aps, columnBlock(K, N)];
    parallelFor(key, run, args, Math.ceil(M / MR), threads);
    if (O.temp) (out as Float32Array).set((O.arr as Float32Array).subarray(outOff, outOff + M * N), outOff);
    return true;
  } finally {
    for (const t of temps) arenaRelease(t);
  }
}

/** How many threads a product of `flops` should use: all the pool has once it is large enough, else one. */
function parallelThreads(flops: number): number {
  return flops < PARALLEL_MIN_FLOPS ? 1 : poolThreads();
}
