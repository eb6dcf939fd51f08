/**
 * The float32 recurrent current of kernels/neuron/recurrentCpu.ts as WebAssembly SIMD (wasmKernels.ts says
 * why): out[b, :] = cur[b, :] + Σ_{i: s[b, i] ≠ 0} s[b, i]·W[i, :], with exactly the JavaScript twin's
 * operations in its order (the sum from +0 in ascending i, the weight itself where s = 1, s·W rounded to float32
 * otherwise, every add rounded; then cur + sum), four columns per instruction, so the same bits. Batch rows are
 * independent, so threads take disjoint rows (threadPool.ts) and the bits do not depend on the split.
 */
import { add, f32, f32s, forRange, get, i32, ifElse, Locals, mul, set, slots, type Code, type ValType } from '../cpu/wasmEncode.js';
import { columns, FLOAT32 } from '../cpu/wasmLanes.js';
import { runRanges, sequenceParallel, wasmEnabled, wasmKernel } from '../cpu/wasmKernels.js';
import { parallelFor, poolThreads } from '../cpu/threadPool.js';

const KEY = 'recurrentCurrent';

function currentModule() {
  // cur, s, W, out (byte addresses of [B, n], [B, n], [n, n], [B, n]), n; thread, lo, hi: batch rows [lo, hi).
  const params: ValType[] = Array<ValType>(8).fill('i32');
  const [CUR, S, W, OUT, NN, , LO, HI] = slots(params);
  const L = new Locals(params);
  const b = L.local('i32'), i = L.local('i32'), j4 = L.local('i32'), rowBytes = L.local('i32');
  const o = L.local('i32'), c = L.local('i32'), sRow = L.local('i32'), w = L.local('i32'), s = L.local('f32');
  const at = (base: number) => add(get(base), get(j4));
  const body: Code[] = [
    set(rowBytes, mul(get(NN), i32(4))),
    forRange(b, get(LO), get(HI), 1,
      set(o, add(get(OUT), mul(get(b), get(rowBytes)))),
      set(c, add(get(CUR), mul(get(b), get(rowBytes)))),
      set(sRow, add(get(S), mul(get(b), get(rowBytes)))),
      columns(j4, get(NN), FLOAT32, (Lx) => Lx.store(at(o), Lx.const(0))),
      set(w, get(W)),
      forRange(i, i32(0), get(NN), 1,
        set(s, f32s.load(add(get(sRow), mul(get(i), i32(4))))),
        ifElse(f32s.ne(get(s), f32(0)), [
          ifElse(f32s.eq(get(s), f32(1)),
            [columns(j4, get(NN), FLOAT32, (Lx) => Lx.store(at(o), Lx.add(Lx.load(at(o)), Lx.load(at(w)))))],
            [columns(j4, get(NN), FLOAT32, (Lx) => Lx.store(at(o), Lx.add(Lx.load(at(o)), Lx.mul(Lx.splat(get(s)), Lx.load(at(w))))))]),
        ]),
        set(w, add(get(w), get(rowBytes)))),
      columns(j4, get(NN), FLOAT32, (Lx) => Lx.store(at(o), Lx.add(Lx.load(at(c)), Lx.load(at(o)))))),
  ];
  return { params, locals: L, body: body.flat() };
}

/**
 * The current of one step in float32 (arguments as recurrentCurrent's), or false where WebAssembly does not
 * apply (then the JavaScript twin runs).
 */
export function recurrentCurrentWasm(cur: Float32Array, cOff: number, s: Float32Array, sOff: number, W: Float32Array, B: number, n: number, out: Float32Array): boolean {
  if (!wasmEnabled()) return false;
  const run = wasmKernel(KEY, currentModule);
  if (!run) return false;
  const N = B * n;
  // A step's worst case (every spike set) is B·n² multiply-adds: threads once that is large.
  const threads = B > 1 && B * n * n >= sequenceParallel.minElements ? poolThreads() : 1;
  return runRanges([{ data: cur, off: cOff, len: N }, { data: s, off: sOff, len: N }, { data: W, off: 0, len: n * n }, { data: out, off: 0, len: N, out: true }], [],
    ([c, sp, w, o]) => parallelFor(KEY, run, [c!, sp!, w!, o!, n], B, threads));
}
