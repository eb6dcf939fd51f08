/**
 * The fused LIF kernels as WebAssembly SIMD (kernels/cpu/wasmKernels.ts says why), float32 tensors only:
 * - forward in f32x4: the float32 arithmetic of cpu.ts's `integrate`, operation by operation (a float32
 *   operation rounds once, as Math.fround of the float64 one does: same bits), four neurons per vector;
 * - backward sweep in f64x2: lifCompiled.ts's float64 sweep with σ' inlined (surrogate/compileWasm.ts),
 *   the float32 inputs promoted exactly and dx rounded once on store, as the JavaScript sweep does.
 * Each returns false where it does not apply (a constant that is not a float32 number, k ≤ 0, a surrogate
 * with an operation WebAssembly lacks, compilation refused): the caller then runs the JavaScript loops.
 *
 * Arena layout per column block (rows `stride` floats apart): the initial state is the row just before the
 * state sequence ([v0 | V_0 … V_{T−1}], [s0 | S_0 … S_{T−1}]), so step t reads row t and writes row t + 1
 * whatever t is, and the backward reads V_{t−1} as row t of the same block.
 */
import type { GradFlags, LifAttrs } from '../../engine/opsNeuron.js';
import { inlineWasm, wasmSupports } from '../../surrogate/compileWasm.js';
import type { Expr } from '../../surrogate/expr.js';
import {
  add, f32x4, f64x2, forRange, get, gtU, i32, load, load64, Locals, mul, set, store, store64, sub, v128, whileLoop,
  type Code, type ValType,
} from '../cpu/wasmEncode.js';
import { allFloat32, columnBlocks, copyIn, copyOut, heap, wasmEnabled, wasmKernel } from '../cpu/wasmKernels.js';

/** s = H(fl(fl(V − V_th)/k)): cpu.ts's `spikes` (k > 0), as a lane mask; with k = 1 the division is exact. */
function spikeMask(v: Code, vTh: Code, k: Code | null): Code {
  const d = f32x4.sub(v, vTh);
  return f32x4.ge(k ? f32x4.div(d, k) : d, f32x4.const(0));
}

function forwardModule(a: LifAttrs, unitK: boolean) {
  const params: ValType[] = ['i32', 'i32', 'i32', 'i32', 'i32', 'f32', 'f32', 'f32', 'f32', 'f32', 'f32', 'f32'];
  const [X, V, S, T, ROW] = [0, 1, 2, 3, 4];
  const L = new Locals(params);
  const [vTh, vReset, vRest, rm, k, tau, coef] = [5, 6, 7, 8, 9, 10, 11].map((p) => {
    const l = L.local('v128');
    return { l, init: set(l, f32x4.splat(get(p))) };
  });
  const o = L.local('i32'), j = L.local('i32'), px = L.local('i32'), pv = L.local('i32'), ps = L.local('i32');
  const v = L.local('v128'), vr = L.local('v128'), num = L.local('v128'), nv = L.local('v128');
  const K = unitK ? null : get(k!.l);
  const ONE = f32x4.const(1);
  const reset = a.reset === 'hard' ? f32x4.sub(get(v), f32x4.sub(get(v), get(vReset!.l))) : f32x4.sub(get(v), get(k!.l));
  const at = (base: number, row = 0) => add(row ? add(get(base), get(ROW)) : get(base), get(j));
  const body: Code[] = [
    set(v, load(at(pv))),
    set(vr, v128.select(f32x4.ne(load(at(ps)), f32x4.const(0)), reset, get(v))),
    set(num, f32x4.neg(get(vr))),
    a.VRest !== 0 ? set(num, f32x4.add(get(num), get(vRest!.l))) : [],
    set(num, f32x4.add(get(num), a.R !== 1 ? f32x4.mul(get(rm!.l), load(at(px))) : load(at(px)))),
    set(nv, f32x4.add(get(vr), f32x4.mul(f32x4.div(get(num), get(tau!.l)), get(coef!.l)))),
    store(at(pv, 1), get(nv)),
    store(at(ps, 1), v128.and(spikeMask(get(nv), get(vTh!.l), K), ONE)),
  ];
  const code: Code[] = [
    ...[vTh, vReset, vRest, rm, k, tau, coef].map((c) => c!.init),
    // The initial spikes, from the initial membrane (row 0 of V into row 0 of S).
    forRange(j, i32(0), get(ROW), 16, store(add(get(S), get(j)), v128.and(spikeMask(load(add(get(V), get(j))), get(vTh!.l), K), ONE))),
    forRange(o, i32(0), mul(get(T), get(ROW)), get(ROW),
      set(px, add(get(X), get(o))), set(pv, add(get(V), get(o))), set(ps, add(get(S), get(o))),
      forRange(j, i32(0), get(ROW), 16, ...body)),
  ];
  return { params, locals: L, body: code.flat() };
}

/** Writes spk and vs (T·N) as cpu.ts's lifRunKernel; false where the WebAssembly kernel does not apply. */
export function lifForwardWasm(xs: Float32Array, v0: Float32Array, spk: Float32Array, vs: Float32Array, T: number, N: number, a: LifAttrs): boolean {
  const { VTh, VReset, VRest, R, k, tau, coef } = a;
  if (!wasmEnabled() || !(k > 0) || !allFloat32(VTh, VReset, VRest, R, k, tau, coef)) return false;
  const unitK = k === 1;
  const run = wasmKernel(`lifForward|${a.reset}|${VRest !== 0}|${R !== 1}|${unitK}`, () => forwardModule(a, unitK));
  if (!run) return false;
  const blocks = columnBlocks(N, 4 * (3 * T + 2));
  if (!blocks) return false;
  for (const b of blocks) {
    const row = b.stride, X = 0, V = T * row, S = (2 * T + 1) * row;
    const f = heap.f32();
    copyIn(f, X, xs, T, N, b);
    copyIn(f, V, v0, 1, N, b);
    run(4 * X, 4 * V, 4 * S, T, 4 * row, VTh, VReset, VRest, R, k, tau, coef);
    copyOut(f, V + row, vs, T, N, b);
    copyOut(f, S + row, spk, T, N, b);
  }
  return true;
}

function sweepModule(expr: Expr, a: LifAttrs & GradFlags) {
  const params: ValType[] = ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'f64', 'f64', 'f64', 'f64', 'f64'];
  const [V, DS, DV, DX, CARRY, SLOPE, T, ROW] = [0, 1, 2, 3, 4, 5, 6, 7];
  const L = new Locals(params);
  const [vTh, vReset, invK, decay, gain] = [8, 9, 10, 11, 12].map((p) => {
    const l = L.local('v128');
    return { l, init: set(l, f64x2.splat(get(p))) };
  });
  const o = L.local('i32'), jf = L.local('i32'), jd = L.local('i32');
  const rv = L.local('i32'), rds = L.local('i32'), rdv = L.local('i32'), rdx = L.local('i32');
  const x = L.local('v128'), vbar = L.local('v128'), pv = L.local('v128'), vrbar = L.local('v128');
  const f32At = (base: number) => add(get(base), get(jf)), f64At = (base: number) => add(get(base), get(jd));
  const sigmaOf = (value: Code) => {
    const s = inlineWasm(expr, x, L);
    return { code: [...set(x, f64x2.mul(f64x2.sub(value, get(vTh!.l)), get(invK!.l))), ...s.code], result: s.result };
  };
  const first = sigmaOf(f64x2.promote(load64(add(add(get(V), mul(get(T), get(ROW))), get(jf)))));
  const step = sigmaOf(get(pv));
  const ONE = f64x2.const(1);
  const carry = a.detachReset ? get(vrbar)
    : a.reset === 'soft' ? f64x2.mul(get(vrbar), f64x2.sub(ONE, get(step.result)))
      : f64x2.mul(get(vrbar), f64x2.sub(ONE, f64x2.mul(f64x2.mul(f64x2.sub(get(pv), get(vReset!.l)), get(step.result)), get(invK!.l))));
  const body: Code[] = [
    set(jd, add(get(jf), get(jf))),
    set(vbar, load(f64At(CARRY))),
    a.hasDS ? set(vbar, f64x2.add(get(vbar), f64x2.mul(f64x2.mul(f64x2.promote(load64(f32At(rds))), load(f64At(SLOPE))), get(invK!.l)))) : [],
    a.hasDV ? set(vbar, f64x2.add(get(vbar), f64x2.promote(load64(f32At(rdv))))) : [],
    store64(f32At(rdx), f32x4.demote(f64x2.mul(get(gain!.l), get(vbar)))),
    set(pv, f64x2.promote(load64(f32At(rv)))),
    step.code,
    store(f64At(SLOPE), get(step.result)),
    set(vrbar, f64x2.mul(get(decay!.l), get(vbar))),
    store(f64At(CARRY), carry),
  ];
  const code: Code[] = [
    ...[vTh, vReset, invK, decay, gain].map((c) => c!.init),
    // σ' of the last membrane: the slope of step T−1's spike.
    forRange(jf, i32(0), get(ROW), 8, set(jd, add(get(jf), get(jf))), first.code, store(f64At(SLOPE), get(first.result))),
    set(o, mul(get(T), get(ROW))),
    whileLoop(gtU(get(o), i32(0)),
      set(o, sub(get(o), get(ROW))),
      set(rv, add(get(V), get(o))), set(rds, add(get(DS), get(o))), set(rdv, add(get(DV), get(o))), set(rdx, add(get(DX), get(o))),
      forRange(jf, i32(0), get(ROW), 8, ...body)),
  ];
  return { params, locals: L, body: code.flat() };
}

/**
 * lifCompiled.ts's sweep: writes dx (T·N) and dV0 (N); false where the WebAssembly kernel does not apply.
 * Inputs are the float32 tensors' arrays.
 */
export function lifSweepWasm(v0: Float32Array, vs: Float32Array, dS: Float32Array | null, dV: Float32Array | null, dx: Float32Array, dv0: Float32Array,
  T: number, N: number, a: LifAttrs & GradFlags, invK: number, decay: number, gain: number): boolean {
  const expr = (a.spkFun as { gradExpr?: Expr }).gradExpr;
  if (!wasmEnabled() || !expr || !wasmSupports(expr)) return false;
  const run = wasmKernel(`lifSweep|${a.spkFun.key}|${a.reset}|${a.detachReset}|${a.hasDS}|${a.hasDV}`, () => sweepModule(expr, a));
  if (!run) return false;
  const seqRows = T + 1 + T * (1 + +a.hasDS + +a.hasDV);
  const blocks = columnBlocks(N, 4 * seqRows + 16);
  if (!blocks) return false;
  for (const b of blocks) {
    const row = b.stride, V = 0, DS = (T + 1) * row, DV = DS + (a.hasDS ? T * row : 0), DX = DV + (a.hasDV ? T * row : 0);
    const CARRY = (DX + T * row) / 2, SLOPE = CARRY + row; // float64 indices (every offset above is a multiple of 4)
    const f = heap.f32(), d = heap.f64();
    copyIn(f, V, v0, 1, N, b);
    copyIn(f, V + row, vs, T, N, b);
    if (dS) copyIn(f, DS, dS, T, N, b);
    if (dV) copyIn(f, DV, dV, T, N, b);
    d.fill(0, CARRY, CARRY + row);
    run(4 * V, 4 * DS, 4 * DV, 4 * DX, 8 * CARRY, 8 * SLOPE, T, 4 * row, a.VTh, a.VReset, invK, decay, gain);
    copyOut(f, DX, dx, T, N, b);
    copyOut(d, CARRY, dv0, 1, N, b);
  }
  return true;
}
