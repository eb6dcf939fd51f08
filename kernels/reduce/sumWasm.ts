/**
 * cpu.ts's sums over leading axes as WebAssembly SIMD (kernels/cpu/wasmKernels.ts says why), for float32
 * input: the same float64 running sums in the same order, so the same bits.
 * - `sumQuadsWasm`: four running sums, one per position modulo 4 (rows of 1, 2 or 4: a bias gradient);
 * - `sumRowsWasm`: acc[j] += row[j] for each row in turn (column sums: the mean over time, a bias gradient over
 *   [T·B, n]), columns split between threads when large (each column's sum stays in row order: the same bits).
 * Each returns null/false where it does not apply (compilation refused, no room): cpu.ts then sums in
 * JavaScript.
 */
import { add, f64x2, forRange, get, i32, load64, Locals, slots, set, shl, store, type Code, type ValType } from '../cpu/wasmEncode.js';
import { columns, FLOAT64 } from '../cpu/wasmLanes.js';
import { heap } from '../cpu/wasmArena.js';
import { rangedPrologue, runRanges, sequenceParallel, wasmEnabled, wasmKernel } from '../cpu/wasmKernels.js';
import { parallelFor, poolThreads } from '../cpu/threadPool.js';

function quadsModule() {
  // x, n (a multiple of 4), out (4 float64)
  const params: ValType[] = ['i32', 'i32', 'i32'];
  const [X, NB, OUT] = slots(params);
  const L = new Locals(params);
  const i = L.local('i32'), s01 = L.local('v128'), s23 = L.local('v128');
  const body: Code[] = [
    forRange(i, i32(0), get(NB), 16,
      set(s01, f64x2.add(get(s01), f64x2.promote(load64(add(get(X), get(i)))))),
      set(s23, f64x2.add(get(s23), f64x2.promote(load64(add(get(X), get(i)), 8))))),
    store(get(OUT), get(s01)), store(get(OUT), get(s23), 16),
  ];
  return { params, locals: L, body: body.flat() };
}

/** The four running sums s_q = 0 + x[q] + x[q + 4] + … of n float32 values (n a multiple of 4), or null. */
export function sumQuadsWasm(x: Float32Array, n: number): number[] | null {
  if (!wasmEnabled()) return null;
  const run = wasmKernel('sumQuads', quadsModule);
  if (!run) return null;
  let sums: number[] | null = null;
  runRanges([{ data: x, off: 0, len: n }], [[0, 0, 0, 0]], ([at], [out]) => {
    run(at!, 4 * n, out!);
    sums = Array.from(heap.f64().subarray(out! / 8, out! / 8 + 4));
  });
  return sums;
}

function rowsModule() {
  // x, rows, W (row length), acc (float64 [W]); consts (none), thread, lo, hi: a range of columns
  // (wasmKernels.ts's rangedPrologue), so that threads sum disjoint columns, each in row order.
  const params: ValType[] = Array<ValType>(8).fill('i32');
  const [X, ROWS, W, ACC, CONSTS, , LO, HI] = slots(params);
  const L = new Locals(params);
  const r = L.local('i32'), px = L.local('i32'), j4 = L.local('i32'), rowBytes = L.local('i32');
  const f64At = add(get(ACC), add(get(j4), get(j4)));
  const body: Code[] = [
    // The row stride is the whole row's, taken before the prologue narrows W to the range.
    set(rowBytes, shl(get(W), i32(2))),
    rangedPrologue(L, { f32Ptrs: [X], f64Ptrs: [ACC], W, consts: CONSTS, lo: LO, hi: HI }, []).code,
    set(px, get(X)),
    forRange(r, i32(0), get(ROWS), 1,
      columns(j4, get(W), FLOAT64, (Lx) => Lx.storeWork(f64At, Lx.add(Lx.loadWork(f64At), Lx.load(add(get(px), get(j4)))))),
      set(px, add(get(px), get(rowBytes)))),
  ];
  return { params, locals: L, body: body.flat() };
}

/** acc[j] += x[r·W + j] for r < rows, in row order (acc: float64, W long); false where it does not apply. */
export function sumRowsWasm(x: Float32Array, rows: number, W: number, acc: Float64Array): boolean {
  if (!wasmEnabled()) return false;
  const run = wasmKernel('sumRows', rowsModule);
  if (!run) return false;
  const threads = rows * W >= sequenceParallel.minElements ? poolThreads() : 1;
  return runRanges([{ data: x, off: 0, len: rows * W }], [acc], ([at], [a]) => {
    parallelFor('sumRows', run, [at!, rows, W, a!, 0], Math.ceil(W / 4), threads);
    acc.set(heap.f64().subarray(a! / 8, a! / 8 + W));
  });
}
