/**
 * The thin products of cpuThin.ts as WebAssembly SIMD (kernels/cpu/wasmKernels.ts says why), for float32
 * operands and outputs: the same float64 sums, 0 + p_0 + p_1 + … in ascending k, each output rounded once
 * (plus the linear op's bias, added in float32 after that rounding), so the same bits. Two output columns
 * share one float64 pair (f64x2); an odd last column is computed alone. The small operand B (and the bias)
 * is read from a float64 (float32) copy in scratch. Each returns false where it does not apply
 * (compilation refused, no room): the caller then runs cpuThin.ts's kernel.
 */
import { add, f32s, f32x4, f64, f64s, f64x2, forRange, get, i32, load, load64, Locals, slots, set, store64, type Code, type ValType } from '../cpu/wasmEncode.js';
import { runRanges, wasmEnabled, wasmKernel } from '../cpu/wasmKernels.js';

/** Column pairs of an N-wide row, and whether a last column is left alone. */
const pairsOf = (N: number) => ({ pairs: Math.floor(N / 2), odd: N % 2 === 1 });

/** The output's float32: the sum rounded, plus bias column j (a float32 row at `bias`) when there is one. */
function finish(sum: Code, pair: boolean, bias: number | null, j: number): Code {
  if (pair) return bias === null ? f32x4.demote(sum) : f32x4.add(f32x4.demote(sum), load64(add(get(bias), i32(4 * j))));
  return bias === null ? f32s.demote(sum) : f32s.add(f32s.demote(sum), f32s.load(add(get(bias), i32(4 * j))));
}

function rowsModule(K: number, N: number, withBias: boolean) {
  // a, out, M, B (float64 [K, N]), bias (float32 [N])
  const params: ValType[] = ['i32', 'i32', 'i32', 'i32', 'i32'];
  const [A, OUT, M, B, BIAS] = slots(params);
  const L = new Locals(params);
  const { pairs, odd } = pairsOf(N);
  const i = L.local('i32'), pa = L.local('i32'), po = L.local('i32');
  // B's pairs and odd column in locals for the whole loop; A's row as scalars and as pairs.
  const bPair = Array.from({ length: K * pairs }, () => L.local('v128'));
  const bOdd = Array.from({ length: odd ? K : 0 }, () => L.local('f64'));
  const aS = Array.from({ length: K }, () => L.local('f64')), aV = Array.from({ length: K }, () => L.local('v128'));
  const bAt = (k: number, j: number) => add(get(B), i32(8 * (k * N + j)));
  const sum = (term: (k: number) => Code, zero: Code, addOp: (a: Code, b: Code) => Code) =>
    Array.from({ length: K }, (_, k) => k).reduce((acc, k) => addOp(acc, term(k)), zero);
  const body: Code[] = [
    ...Array.from({ length: K }, (_, k): Code => [
      ...Array.from({ length: pairs }, (_, p) => set(bPair[k * pairs + p]!, load(bAt(k, 2 * p)))).flat(),
      ...(odd ? set(bOdd[k]!, f64s.load(bAt(k, N - 1))) : []),
    ]),
    set(pa, get(A)), set(po, get(OUT)),
    forRange(i, i32(0), get(M), 1,
      ...Array.from({ length: K }, (_, k) => [...set(aS[k]!, f64s.promote(f32s.load(add(get(pa), i32(4 * k))))), ...set(aV[k]!, f64x2.splat(get(aS[k]!)))]),
      ...Array.from({ length: pairs }, (_, p) => store64(add(get(po), i32(8 * p)),
        finish(sum((k) => f64x2.mul(get(aV[k]!), get(bPair[k * pairs + p]!)), f64x2.const(0), f64x2.add), true, withBias ? BIAS : null, 2 * p))),
      odd ? f32s.store(add(get(po), i32(4 * (N - 1))),
        finish(sum((k) => f64s.mul(get(aS[k]!), get(bOdd[k]!)), f64(0), f64s.add), false, withBias ? BIAS : null, N - 1)) : [],
      set(pa, add(get(pa), i32(4 * K))), set(po, add(get(po), i32(4 * N)))),
  ];
  return { params, locals: L, body: body.flat() };
}

/**
 * cpuThin.ts's thinRows for float32: out[outOff + i·N + j] = Σ_k a[aOff + i·K + k]·b[bOff + k·N + j] (+ bias[j]
 * after rounding), i < M. False where the WebAssembly kernel does not apply.
 */
export function thinRowsWasm(a: Float32Array, aOff: number, b: ArrayLike<number>, bOff: number, out: Float32Array, outOff: number,
  M: number, K: number, N: number, bias: Float32Array | null): boolean {
  if (!wasmEnabled()) return false;
  const run = wasmKernel(`thinRows|${K}|${N}|${bias !== null}`, () => rowsModule(K, N, bias !== null));
  if (!run) return false;
  const bk = Float64Array.from({ length: K * N }, (_, q) => b[bOff + q]!);
  return runRanges([{ data: a, off: aOff, len: M * K }, { data: out, off: outOff, len: M * N, out: true }, ...(bias ? [{ data: bias, off: 0, len: N }] : [])],
    [bk], ([at, o, c], [bAt]) => run(at!, o!, M, bAt!, c ?? 0));
}

function transposedModule(Mc: number, N: number) {
  // a [K, M], b [K, N], out [M, N], K
  const params: ValType[] = ['i32', 'i32', 'i32', 'i32'];
  const [A, B, OUT, K] = slots(params);
  const L = new Locals(params);
  const { pairs, odd } = pairsOf(N);
  const k = L.local('i32'), pa = L.local('i32'), pb = L.local('i32');
  const acc = Array.from({ length: Mc * pairs }, () => L.local('v128'));
  const accOdd = Array.from({ length: odd ? Mc : 0 }, () => L.local('f64'));
  const bV = Array.from({ length: pairs }, () => L.local('v128')), bS = L.local('f64');
  const aS = L.local('f64'), aV = L.local('v128');
  const step: Code[] = [
    ...Array.from({ length: pairs }, (_, p) => set(bV[p]!, f64x2.promote(load64(add(get(pb), i32(8 * p)))))),
    odd ? set(bS, f64s.promote(f32s.load(add(get(pb), i32(4 * (N - 1)))))) : [],
    ...Array.from({ length: Mc }, (_, m) => [
      ...set(aS, f64s.promote(f32s.load(add(get(pa), i32(4 * m))))), ...set(aV, f64x2.splat(get(aS))),
      ...Array.from({ length: pairs }, (_, p) => set(acc[m * pairs + p]!, f64x2.add(get(acc[m * pairs + p]!), f64x2.mul(get(aV), get(bV[p]!))))).flat(),
      ...(odd ? set(accOdd[m]!, f64s.add(get(accOdd[m]!), f64s.mul(get(aS), get(bS)))) : []),
    ]),
  ];
  const body: Code[] = [
    set(pa, get(A)), set(pb, get(B)),
    forRange(k, i32(0), get(K), 1, ...step, set(pa, add(get(pa), i32(4 * Mc))), set(pb, add(get(pb), i32(4 * N)))),
    ...Array.from({ length: Mc }, (_, m): Code => [
      ...Array.from({ length: pairs }, (_, p) => store64(add(get(OUT), i32(4 * (m * N + 2 * p))), f32x4.demote(get(acc[m * pairs + p]!)))).flat(),
      ...(odd ? f32s.store(add(get(OUT), i32(4 * (m * N + N - 1))), f32s.demote(get(accOdd[m]!))) : []),
    ]),
  ];
  return { params, locals: L, body: body.flat() };
}

/**
 * cpuThin.ts's thinTransposed for float32: out[outOff + m·N + j] = Σ_k a[aOff + k·M + m]·b[bOff + k·N + j],
 * k < K. False where the WebAssembly kernel does not apply.
 */
export function thinTransposedWasm(a: Float32Array, aOff: number, b: Float32Array, bOff: number, out: Float32Array, outOff: number,
  M: number, K: number, N: number): boolean {
  if (!wasmEnabled()) return false;
  const run = wasmKernel(`thinTransposed|${M}|${N}`, () => transposedModule(M, N));
  if (!run) return false;
  return runRanges([{ data: a, off: aOff, len: K * M }, { data: b, off: bOff, len: K * N }, { data: out, off: outOff, len: M * N, out: true }],
    [], ([at, bt, o]) => run(at!, bt!, o!, K));
}
