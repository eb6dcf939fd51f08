/**
 * The event-driven product as WebAssembly SIMD, on every core: the CPU backend's path for a float32 product
 * whose left operand is a sparse spike tensor and whose output is wider than the unrolled JavaScript event
 * kernels (cpuSparse.ts), e.g. the digit classifier's rate-coded input layer [3200, 784] @ [784, 128] (10–20 %
 * of the pixels spike per step) and its weight gradient [3200, 784]ᵀ @ [3200, 128].
 *
 * Two kernels:
 * - `scanEvents` builds the event lists of A (row-major [rows, cols]): per row, the columns of its nonzeros
 *   in ascending order and their values, found four at a time without a branch per event (a SIMD compare, its
 *   lane mask, a shuffle that packs the nonzero lanes), and whether every nonzero is exactly 1 (a spike train:
 *   the product then adds rows of B without multiplying).
 * - `eventGroups`: out[g, :] = Σ_e val_e · B[idx_e, :] over the events e of group g, in list order. The
 *   forward x·W groups the events by A's rows (idx: the column k); the weight gradient xᵀ·dY groups them by
 *   A's columns (idx: the row m, ascending), regrouped from the rows' lists by a counting sort in the arena.
 *   B is packed by gemmWasm.ts's packB in float64 blocks of 16 columns ([K][16] each); a block of output
 *   columns is summed in 8 float64 pairs held in registers, so an event costs a load of its index and 8 vector
 *   loads and adds per block.
 *
 * Numerics: those of every other CPU matmul path (cpu.ts). Each output is the float64 sum from +0 of the
 * exact products v·B[k, j] (v and B float32: exact in float64) over the nonzeros in ascending k, rounded once
 * to float32 (the linear op then adds its float32 bias): the dense kernel's sum with its exact zero terms left
 * out, which changes no bit while B is finite. So the event path, the dense kernel and the JavaScript twins give
 * the same bits, on any thread count (threads split the groups, never a sum).
 */
import { addressOf, arenaRelease, arenaTake, heap } from '../cpu/wasmArena.js';
import { parallelFor } from '../cpu/threadPool.js';
import {
  add, and, f32, f32s, f32x4, f64s, f64x2, forRange, get, gtU, i32, i32s, i32x4, i8x16, ifElse, load, load64, Locals, ltU, mul, or, set,
  shl, slots, store, store64, sub, v128, whileLoop, type Code, type ValType,
} from '../cpu/wasmEncode.js';
import { wasmEnabled, wasmKernel } from '../cpu/wasmKernels.js';
import { inArena, packB } from './gemmWasm.js';

/** A matrix's nonzeros grouped by rows (or by columns): group g's are [ptr[g], ptr[g + 1]) of idx and values. */
export interface EventLists {
  ptr: Int32Array;
  /** The column (or row) of each nonzero, ascending within a group. */
  idx: Int32Array;
  /** Each nonzero's value; null when every one is exactly 1. */
  values: Float32Array | null;
}

/** Products the event kernel ran: tests check that a product took the event path (its bits equal the dense kernel's). */
export const eventCounters = { products: 0 };

/** Output columns per block, summed in 8 float64 pairs. */
const BLOCK = 16;

/**
 * run(A, ROWS, COLS, IDX, VAL, PTR, CAP, FLAG, TABLE): the lists of A's rows into IDX/VAL (PTR: each row's first
 * event, and the count at PTR[ROWS]), stopping after the row that passes CAP events; FLAG: nonzero unless every
 * event is 1.0; TABLE: COMPRESS_TABLE's 256 bytes (byte addresses throughout).
 */
function scanModule() {
  const params: ValType[] = ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'];
  const [A, ROWS, COLS, IDX, VAL, PTR, CAP, FLAG, TABLE] = slots(params);
  const L = new Locals(params);
  const r = L.local('i32'), row = L.local('i32'), c = L.local('i32'), vend = L.local('i32'), bytes = L.local('i32'), m = L.local('i32');
  const n = L.local('i32'), nb = L.local('i32'), pat = L.local('v128'), x = L.local('v128'), nz = L.local('v128'), v = L.local('f32');
  const cols4 = L.local('v128'), notOne = L.local('v128');
  const at = (base: number) => add(get(base), shl(get(n), i32(2)));
  const body: Code[] = [
    set(bytes, shl(get(COLS), i32(2))),
    set(vend, and(get(bytes), i32(-16))),
    set(n, i32(0)), set(nb, i32(0)), set(row, get(A)), set(notOne, f32x4.const(0)),
    forRange(r, i32(0), get(ROWS), 1,
      i32s.store(add(get(PTR), shl(get(r), i32(2))), get(n)),
      set(cols4, i32x4.const([0, 1, 2, 3])),
      // Four columns at a time, without a branch per event (a branch on the random spikes mispredicts half the
      // time): the nonzero lanes' columns and values are moved to the front of a vector by the mask's pattern
      // (TABLE: 16 byte patterns), the whole vector is stored at the list's end, and the end advances by the
      // count of nonzeros. The next store overwrites the lanes past it.
      forRange(c, i32(0), get(vend), 16,
        set(x, load(add(get(row), get(c)))),
        set(nz, f32x4.ne(get(x), f32x4.const(0))),
        set(m, i32x4.bitmask(get(nz))),
        // nonzero lanes other than 1.0 (NaN included): the list is not a plain spike train
        set(notOne, v128.or(get(notOne), v128.and(get(nz), f32x4.ne(get(x), f32x4.const(1))))),
        set(pat, load(add(get(TABLE), shl(get(m), i32(4))))),
        store(at(IDX), i8x16.swizzle(get(cols4), get(pat))),
        store(at(VAL), i8x16.swizzle(get(x), get(pat))),
        set(n, add(get(n), i32s.popcnt(get(m)))),
        set(cols4, i32x4.add(get(cols4), i32x4.const([4, 4, 4, 4])))),
      forRange(c, get(vend), get(bytes), 4,
        set(v, f32s.load(add(get(row), get(c)))),
        ifElse(f32s.ne(get(v), f32(0)), [
          i32s.store(at(IDX), i32s.shrU(get(c), i32(2))),
          f32s.store(at(VAL), get(v)),
          set(n, add(get(n), i32(1))),
          set(nb, or(get(nb), f32s.ne(get(v), f32(1)))),
        ])),
      set(row, add(get(row), get(bytes))),
      // Over the capacity the caller gave: stop at this row (the list is then too dense to be used).
      ifElse(gtU(get(n), get(CAP)), [set(r, get(ROWS))])),
    i32s.store(add(get(PTR), shl(get(ROWS), i32(2))), get(n)),
    i32s.store(get(FLAG), or(get(nb), i32x4.bitmask(get(notOne)))),
  ];
  return { params, locals: L, body: body.flat() };
}

/** For each 4-bit lane mask, the byte pattern that moves the chosen 4-byte lanes, in order, to the front. */
const COMPRESS_TABLE = (() => {
  const t = new Uint8Array(256).fill(0x80);
  for (let m = 0; m < 16; m++) {
    let o = 0;
    for (let q = 0; q < 4; q++) {
      if (!(m & (1 << q))) continue;
      for (let byte = 0; byte < 4; byte++) t[16 * m + 4 * o + byte] = 4 * q + byte;
      o++;
    }
  }
  return t;
})();

/**
 * The event lists of `a` ([rows, cols], in the arena) by rows, or null when it has more than `cap` nonzeros
 * (then `count` tells how many were found before the scan stopped: at least cap + 1) or the kernel cannot run.
 */
export function scanEvents(a: Float32Array, rows: number, cols: number, cap: number): { lists: EventLists | null; count: number } | null {
  if (!wasmEnabled() || addressOf(a) < 0) return null;
  const run = wasmKernel('scanEvents', scanModule);
  if (!run) return null;
  // Room for `cap` events and one more row (the scan stops after the row that passes the cap), plus the 3
  // lanes a vector store writes past the end; the pointers, the flag and the compress table (64 words).
  const room = Math.min(rows * cols, cap + cols) + 4;
  const idx = arenaTake(room, false), val = idx && arenaTake(room, false), ptr = val && arenaTake(rows + 1 + 4 + 64, false);
  try {
    if (!idx || !val || !ptr) return null;
    const flagAt = ptr.byteOffset + 4 * (rows + 1), tableAt = ptr.byteOffset + 4 * (rows + 1 + 4);
    new Uint8Array(ptr.buffer, tableAt, 256).set(COMPRESS_TABLE);
    run(a.byteOffset, rows, cols, idx.byteOffset, val.byteOffset, ptr.byteOffset, cap, flagAt, tableAt);
    const buf = idx.buffer;
    const n = new Int32Array(buf, ptr.byteOffset + 4 * rows, 1)[0]!;
    if (n > cap) return { lists: null, count: n };
    const binary = new Int32Array(buf, flagAt, 1)[0] === 0;
    return {
      lists: {
        ptr: new Int32Array(buf, ptr.byteOffset, rows + 1).slice(),
        idx: new Int32Array(buf, idx.byteOffset, n).slice(),
        values: binary ? null : val.slice(0, n),
      },
      count: n,
    };
  } finally {
    for (const t of [idx, val, ptr]) if (t) arenaRelease(t);
  }
}

/**
 * The events by rows → by columns (rows ascending within each column), a counting sort in three passes:
 * run(RP, RI, RV, ROWS, COLS, CP, CI, CV, NEXT): counts per column into CP, their prefix sums (CP[c] = first
 * event of column c, also copied to NEXT, the running end of each column), then each row's events appended to
 * their columns in row order. RV/CV: the values, or 0 for a spike train.
 */
function regroupModule() {
  const params: ValType[] = ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'];
  const [RP, RI, RV, ROWS, COLS, CP, CI, CV, NEXT] = slots(params);
  const L = new Locals(params);
  const e = L.local('i32'), end = L.local('i32'), c = L.local('i32'), r = L.local('i32'), q = L.local('i32'), a = L.local('i32'), acc = L.local('i32');
  const word = (base: number, i: Code): Code => add(get(base), shl(i, i32(2)));
  const body: Code[] = [
    forRange(c, i32(0), add(get(COLS), i32(1)), 1, i32s.store(word(CP, get(c)), i32(0))),
    set(end, i32s.load(word(RP, get(ROWS)))),
    forRange(e, i32(0), get(end), 1,
      set(a, word(CP, add(i32s.load(word(RI, get(e))), i32(1)))),
      i32s.store(get(a), add(i32s.load(get(a)), i32(1)))),
    set(acc, i32(0)),
    forRange(c, i32(0), get(COLS), 1,
      set(acc, add(get(acc), i32s.load(word(CP, add(get(c), i32(1)))))),
      i32s.store(word(NEXT, get(c)), i32s.load(word(CP, get(c)))),
      i32s.store(word(CP, add(get(c), i32(1))), get(acc))),
    forRange(r, i32(0), get(ROWS), 1,
      forRange(e, i32s.load(word(RP, get(r))), i32s.load(word(RP, add(get(r), i32(1)))), 1,
        set(a, word(NEXT, i32s.load(word(RI, get(e))))),
        set(q, i32s.load(get(a))),
        i32s.store(get(a), add(get(q), i32(1))),
        i32s.store(word(CI, get(q)), get(r)),
        ifElse(get(RV), [f32s.store(word(CV, get(q)), f32s.load(word(RV, get(e))))]))),
  ];
  return { params, locals: L, body: body.flat() };
}

/** Parameters of the product kernel, in order; the pool appends (thread, lo, hi): this thread's groups [lo, hi). */
const PARAMS = ['PTR', 'IDX', 'VAL', 'BP', 'KB', 'NBLK', 'N', 'OUT', 'BIAS', 'TILE', 'THREAD', 'LO', 'HI'] as const;

function groupsModule(weighted: boolean, withBias: boolean) {
  const params: ValType[] = PARAMS.map(() => 'i32');
  const [PTR, IDX, VAL, BP, KB, NBLK, N, OUT, BIAS, TILE, THREAD, LO, HI] = slots(params);
  const L = new Locals(params);
  const blk = L.local('i32'), js = L.local('i32'), g = L.local('i32'), ep = L.local('i32'), eEnd = L.local('i32'), vp = L.local('i32');
  const o = L.local('i32'), oo = L.local('i32'), q = L.local('i32'), tile = L.local('i32');
  const block = L.local('i32');
  const acc = Array.from({ length: BLOCK / 2 }, () => L.local('v128'));
  const v = L.local('v128');
  // One event: its row of the block of B (16 float64, 128 bytes: one address, 8 loads at constant offsets),
  // times its value when weighted.
  const term = (x: Code): Code => (weighted ? f64x2.mul(get(v), x) : x);
  const event: Code[] = [
    set(o, add(get(block), shl(i32s.load(get(ep)), i32(7)))),
    ...(weighted ? [set(v, f64x2.splat(f64s.promote(f32s.load(get(vp))))), set(vp, add(get(vp), i32(4)))] : []),
    ...acc.map((a, p) => set(a, f64x2.add(get(a), term(load(get(o), 16 * p))))),
    set(ep, add(get(ep), i32(4))),
  ];
  const biasAt = add(get(BIAS), shl(get(js), i32(2)));
  const finish = (p: number): Code => (withBias ? f32x4.add(f32x4.demote(get(acc[p]!)), load64(biasAt, 8 * p)) : f32x4.demote(get(acc[p]!)));
  const body: Code[] = [
    set(tile, add(get(TILE), shl(get(THREAD), i32(6)))),
    // Block by block, every group of this chunk: the block of B stays in cache while the events pass.
    forRange(blk, i32(0), get(NBLK), 1,
      set(block, add(get(BP), mul(get(blk), get(KB)))),
      set(js, shl(get(blk), i32(4))),
      forRange(g, get(LO), get(HI), 1,
        ...acc.map((a) => set(a, f64x2.const(0))),
        set(ep, add(get(IDX), shl(i32s.load(add(get(PTR), shl(get(g), i32(2)))), i32(2)))),
        set(eEnd, add(get(IDX), shl(i32s.load(add(get(PTR), shl(get(g), i32(2))), 4), i32(2)))),
        ...(weighted ? [set(vp, add(get(VAL), sub(get(ep), get(IDX))))] : []),
        whileLoop(ltU(get(ep), get(eEnd)), ...event),
        set(oo, add(get(OUT), shl(add(mul(get(g), get(N)), get(js)), i32(2)))),
        ifElse(gtU(add(get(js), i32(BLOCK)), get(N)), [
          // The last, partial block: the rounded sums to this thread's tile, then the columns that exist.
          ...acc.map((_, p) => store64(get(tile), f32x4.demote(get(acc[p]!)), 8 * p)),
          forRange(q, i32(0), sub(get(N), get(js)), 1, f32s.store(add(get(oo), shl(get(q), i32(2))), (() => {
            const t = f32s.load(add(get(tile), shl(get(q), i32(2))));
            return withBias ? f32s.add(t, f32s.load(add(biasAt, shl(get(q), i32(2))))) : t;
          })())),
        ], acc.map((_, p) => store64(get(oo), finish(p), 8 * p))))),
  ];
  return { params, locals: L, body: body.flat() };
}

/**
 * out[outOff + g·N + j] = Σ_e val_e · op(B)[idx_e, j] (+ bias[j] after rounding) for every group g of `lists`,
 * op(B) [K, N] (B stored [K, N] from bOff, or [N, K] when tB). The groups are the lists' own (rows), or with
 * `byColumns` > 0 the columns of the [rows, byColumns] matrix the lists describe, regrouped here (the weight
 * gradient xᵀ·dY: group k sums over the rows where column k has an event, in ascending order). Returns false,
 * having written nothing, where the kernel cannot run (WebAssembly off or refused, no room in the arena): the
 * caller then takes another path with the same bits.
 */
export function eventGroups(lists: EventLists, byColumns: number, b: Float32Array, bOff: number, tB: boolean, K: number, N: number, out: Float32Array,
  outOff: number, bias: Float32Array | null, threads: number): boolean {
  const groups = byColumns > 0 ? byColumns : lists.ptr.length - 1;
  if (groups <= 0 || N === 0) return true; // nothing to write
  if (!wasmEnabled()) return false;
  const weighted = lists.values !== null;
  const key = `events|${weighted}|${bias !== null}`;
  const run = wasmKernel(key, () => groupsModule(weighted, bias !== null));
  const regroup = byColumns > 0 ? wasmKernel('regroupEvents', regroupModule) : null;
  if (!run || (byColumns > 0 && !regroup)) return false;
  const nblk = Math.ceil(N / BLOCK);
  const nnz = lists.idx.length, rows = lists.ptr.length - 1;
  const temps: Float32Array[] = [];
  const take = (n: number): Float32Array | undefined => {
    const t = arenaTake(n, false);
    if (t) temps.push(t);
    return t;
  };
  try {
    const O = inArena(out), C = bias ? inArena(bias) : { arr: null, temp: false };
    for (const x of [O, C]) if (x?.temp) temps.push(x.arr!);
    // Packed B: float64 [blocks][K][16]; the tiles, 16 floats per thread; the lists as given.
    const bp = take(nblk * K * BLOCK * 2), tile = take(threads * BLOCK), ptr = take(rows + 1), idx = take(Math.max(1, nnz));
    const val = weighted ? take(Math.max(1, nnz)) : null;
    // Regrouped by columns: their pointers, indices, values, and the running ends.
    const cp = byColumns > 0 ? take(groups + 1) : ptr, ci = byColumns > 0 ? take(Math.max(1, nnz)) : idx;
    const cv = byColumns > 0 && weighted ? take(Math.max(1, nnz)) : val, next = byColumns > 0 ? take(groups) : tile;
    if (!O || !C || !bp || !tile || !ptr || !idx || (weighted && !val) || !cp || !ci || (weighted && !cv) || !next) return false;
    const buf = bp.buffer;
    new Int32Array(buf, ptr.byteOffset, rows + 1).set(lists.ptr);
    new Int32Array(buf, idx.byteOffset, nnz).set(lists.idx);
    if (val) val.set(lists.values!);
    if (regroup) {
      regroup(ptr.byteOffset, idx.byteOffset, val ? val.byteOffset : 0, rows, byColumns, cp.byteOffset, ci.byteOffset, cv ? cv.byteOffset : 0, next.byteOffset);
    }
    packB(b, bOff, tB, K, N, heap.f64(), bp.byteOffset / 8, BLOCK);
    const args = [cp.byteOffset, ci.byteOffset, cv ? cv.byteOffset : 0, bp.byteOffset, 8 * BLOCK * K, nblk, N, addressOf(O.arr) + 4 * outOff,
      C.arr ? addressOf(C.arr) : 0, tile.byteOffset];
    parallelFor(key, run, args, groups, threads);
    eventCounters.products++;
    if (O.temp) out.set(O.arr.subarray(outOff, outOff + groups * N), outOff);
    return true;
  } finally {
    for (const t of temps) arenaRelease(t);
  }
}
