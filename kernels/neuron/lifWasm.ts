/**
 * The fused LIF kernels as WebAssembly SIMD (kernels/cpu/wasmKernels.ts says why), float32 tensors only:
 * - forward in float32 (four neurons per vector): the arithmetic of cpu.ts's `integrate`, operation by
 *   operation (a float32 operation rounds once, as Math.fround of the float64 one does: same bits);
 * - backward sweep in float64 (two per vector): lifCompiled.ts's sweep with σ' inlined
 *   (surrogate/compileWasm.ts), float32 inputs promoted exactly and dx rounded once on store.
 * Each returns false where it does not apply (a constant that is not a float32 number, k ≤ 0, a surrogate
 * with an operation WebAssembly lacks, compilation refused, no room): the caller then runs the JavaScript.
 */
import type { GradFlags, LifAttrs } from '../../engine/opsNeuron.js';
import { inlineWasm, wasmSupports } from '../../surrogate/compileWasm.js';
import type { Expr } from '../../surrogate/expr.js';
import { add, get, gtU, i32, Locals, slots, mul, select, set, sub, whileLoop, forRange, type Code, type ValType } from '../cpu/wasmEncode.js';
import { columns, FLOAT32, FLOAT64, type Lanes } from '../cpu/wasmLanes.js';
import { allFloat32, rangedPrologue, runColumns, wasmEnabled, wasmKernel } from '../cpu/wasmKernels.js';

/** Per lanes, locals holding each scalar parameter splatted (set once, before the loops). */
function splatted(L: Lanes, locals: Locals, params: number[]): { init: Code; get: (i: number) => Code } {
  const ls = params.map(() => locals.local(L.value));
  return { init: ls.flatMap((l, i) => set(l, L.splat(get(params[i]!)))), get: (i) => get(ls[i]!) };
}

/** s = H(fl(fl(V − V_th)/k)): cpu.ts's `spikes` (k > 0) as a mask; with k = 1 the division is exact. */
const spikeMask = (L: Lanes, v: Code, vTh: Code, k: Code | null): Code => {
  const d = L.sub(v, vTh);
  return L.ge(k ? L.div(d, k) : d, L.const(0));
};

function forwardModule(a: LifAttrs, unitK: boolean) {
  // x, xStride, v0, vs, vsStride, spk, spkStride, s0 (work row), T, W; consts (V_th, V_reset, V_rest, R, k, τ,
  // coef), thread, lo, hi (wasmKernels.ts's rangedPrologue)
  const params: ValType[] = Array<ValType>(14).fill('i32');
  const [X, XS, V0, VS, VSS, SP, SPS, S0, T, W, CONSTS, , LO, HI] = slots(params);
  const L = new Locals(params);
  const pro = rangedPrologue(L, { f32Ptrs: [X, V0, VS, SP, S0], f64Ptrs: [], W, consts: CONSTS, lo: LO, hi: HI }, Array(7).fill('f32'));
  const t = L.local('i32'), j4 = L.local('i32');
  const px = L.local('i32'), pv = L.local('i32'), ps = L.local('i32'), nv = L.local('i32'), ns = L.local('i32');
  const lanes = FLOAT32.map((lanes) => ({ lanes, c: splatted(lanes, L, pro.consts), v: L.local(lanes.value), vr: L.local(lanes.value), num: L.local(lanes.value), out: L.local(lanes.value) }));
  const pick = (Lx: Lanes) => lanes.find((e) => e.lanes === Lx)!;
  const at = (p: number) => add(get(p), get(j4));
  const initialSpikes = (Lx: Lanes): Code => {
    const { c } = pick(Lx);
    return Lx.store(at(S0), Lx.ones(spikeMask(Lx, Lx.load(at(V0)), c.get(0), unitK ? null : c.get(4))));
  };
  const step = (Lx: Lanes): Code => {
    const { c, v, vr, num, out } = pick(Lx);
    const vTh = c.get(0), vReset = c.get(1), vRest = c.get(2), rm = c.get(3), k = c.get(4), tau = c.get(5), coef = c.get(6);
    const reset = a.reset === 'hard' ? Lx.sub(get(v), Lx.sub(get(v), vReset!)) : Lx.sub(get(v), k!);
    const x = Lx.load(at(px));
    return [
      ...set(v, Lx.load(at(pv))),
      ...set(vr, Lx.select(Lx.ne(Lx.load(at(ps)), Lx.const(0)), reset, get(v))),
      ...set(num, Lx.neg(get(vr))),
      ...(a.VRest !== 0 ? set(num, Lx.add(get(num), vRest!)) : []),
      ...set(num, Lx.add(get(num), a.R !== 1 ? Lx.mul(rm!, x) : x)),
      ...set(out, Lx.add(get(vr), Lx.mul(Lx.div(get(num), tau!), coef!))),
      ...Lx.store(at(nv), get(out)),
      ...Lx.store(at(ns), Lx.ones(spikeMask(Lx, get(out), vTh!, unitK ? null : k!))),
    ];
  };
  const body: Code[] = [
    pro.code,
    ...lanes.map((e) => e.c.init),
    columns(j4, get(W), FLOAT32, initialSpikes),
    // Row t reads the previous membrane and spikes (the initial ones at t = 0) and writes row t.
    set(pv, get(V0)), set(ps, get(S0)), set(px, get(X)), set(nv, get(VS)), set(ns, get(SP)),
    forRange(t, i32(0), get(T), 1,
      columns(j4, get(W), FLOAT32, step),
      set(pv, get(nv)), set(ps, get(ns)),
      set(px, add(get(px), get(XS))), set(nv, add(get(nv), get(VSS))), set(ns, add(get(ns), get(SPS)))),
  ];
  return { params, locals: L, body: body.flat() };
}

/** Writes spk and vs (T·N) as cpu.ts's lifRunKernel; false where the WebAssembly kernel does not apply. */
export function lifForwardWasm(xs: Float32Array, v0: Float32Array, spk: Float32Array, vs: Float32Array, T: number, N: number, a: LifAttrs): boolean {
  const { VTh, VReset, VRest, R, k, tau, coef } = a;
  if (!wasmEnabled() || !(k > 0) || !allFloat32(VTh, VReset, VRest, R, k, tau, coef)) return false;
  const unitK = k === 1;
  const key = `lifForward|${a.reset}|${VRest !== 0}|${R !== 1}|${unitK}`;
  const run = wasmKernel(key, () => forwardModule(a, unitK));
  if (!run) return false;
  return runColumns(key, run, N, [{ data: xs, rows: T }, { data: v0, rows: 1 }, { data: vs, rows: T, out: true }, { data: spk, rows: T, out: true }],
    { f32: 1, f64: 0 }, [VTh, VReset, VRest, R, k, tau, coef], ([x, v, m, s], W, [s0]) => [x!.at, x!.stride, v!.at, m!.at, m!.stride, s!.at, s!.stride, s0!, T, W]);
}

function sweepModule(expr: Expr, a: LifAttrs & GradFlags) {
  // v0, vs, vsStride, dS, dSStride, dV, dVStride, dx, dxStride, dv0, carry, slope (work rows), T, W; consts
  // (V_th, V_reset, 1/k, decay, gain), thread, lo, hi (wasmKernels.ts's rangedPrologue)
  const params: ValType[] = Array<ValType>(18).fill('i32');
  const [V0, VS, VSS, DS, DSS, DV, DVS, DX, DXS, DV0, CARRY, SLOPE, T, W, CONSTS, , LO, HI] = slots(params);
  const L = new Locals(params);
  // dS and dV are moved even when absent (address 0, stride 0: never read).
  const pro = rangedPrologue(L, { f32Ptrs: [V0, VS, DS, DV, DX, DV0], f64Ptrs: [CARRY, SLOPE], W, consts: CONSTS, lo: LO, hi: HI }, Array(5).fill('f64'));
  const t = L.local('i32'), j4 = L.local('i32'), pv = L.local('i32'), rds = L.local('i32'), rdv = L.local('i32'), rdx = L.local('i32');
  const lanes = FLOAT64.map((lanes) => ({ lanes, c: splatted(lanes, L, pro.consts), x: L.local(lanes.value), vbar: L.local(lanes.value), v: L.local(lanes.value), vrbar: L.local(lanes.value) }));
  const pick = (Lx: Lanes) => lanes.find((e) => e.lanes === Lx)!;
  const f32At = (p: number) => add(get(p), get(j4)), f64At = (p: number) => add(get(p), add(get(j4), get(j4)));
  const sigma = (Lx: Lanes, value: Code) => {
    const { c, x } = pick(Lx);
    const s = inlineWasm(expr, x, Lx, L);
    return { code: [...set(x, Lx.mul(Lx.sub(value, c.get(0)), c.get(2))), ...s.code], result: s.result };
  };
  // σ' of the last membrane: the slope of step T−1's spike.
  const lastSlope = (Lx: Lanes): Code => {
    const s = sigma(Lx, Lx.load(add(add(get(VS), mul(sub(get(T), i32(1)), get(VSS))), get(j4))));
    return [...s.code, ...Lx.storeWork(f64At(SLOPE), get(s.result))];
  };
  const step = (Lx: Lanes): Code => {
    const { c, vbar, v, vrbar } = pick(Lx);
    const vReset = c.get(1), invK = c.get(2), decay = c.get(3), gain = c.get(4);
    const s = sigma(Lx, get(v));
    const ONE = Lx.const(1);
    const carry = a.detachReset ? get(vrbar)
      : a.reset === 'soft' ? Lx.mul(get(vrbar), Lx.sub(ONE, get(s.result)))
        : Lx.mul(get(vrbar), Lx.sub(ONE, Lx.mul(Lx.mul(Lx.sub(get(v), vReset!), get(s.result)), invK!)));
    return [
      ...set(vbar, Lx.loadWork(f64At(CARRY))),
      ...(a.hasDS ? set(vbar, Lx.add(get(vbar), Lx.mul(Lx.mul(Lx.load(f32At(rds)), Lx.loadWork(f64At(SLOPE))), invK!))) : []),
      ...(a.hasDV ? set(vbar, Lx.add(get(vbar), Lx.load(f32At(rdv)))) : []),
      ...Lx.store(f32At(rdx), Lx.mul(gain!, get(vbar))),
      ...set(v, Lx.load(f32At(pv))),
      ...s.code,
      ...Lx.storeWork(f64At(SLOPE), get(s.result)),
      ...set(vrbar, Lx.mul(decay!, get(vbar))),
      ...Lx.storeWork(f64At(CARRY), carry),
    ];
  };
  const row = (base: number, stride: number) => add(get(base), mul(get(t), get(stride)));
  const body: Code[] = [
    pro.code,
    ...lanes.map((e) => e.c.init),
    columns(j4, get(W), FLOAT64, lastSlope),
    // t counts rows down from T − 1; step t reads V_{t−1}: row t − 1 of vs, or v0 at t = 0.
    set(t, get(T)),
    whileLoop(gtU(get(t), i32(0)),
      set(t, sub(get(t), i32(1))),
      set(rds, row(DS, DSS)), set(rdv, row(DV, DVS)), set(rdx, row(DX, DXS)),
      set(pv, select(gtU(get(t), i32(0)), add(get(VS), mul(sub(get(t), i32(1)), get(VSS))), get(V0))),
      columns(j4, get(W), FLOAT64, step)),
    // dV0: the carry left after step 0.
    columns(j4, get(W), FLOAT64, (Lx) => Lx.store(f32At(DV0), Lx.loadWork(f64At(CARRY)))),
  ];
  return { params, locals: L, body: body.flat() };
}

/**
 * lifCompiled.ts's sweep: writes dx (T·N) and dV0 (N) from the float32 tensors' arrays; false where the
 * WebAssembly kernel does not apply.
 */
export function lifSweepWasm(v0: Float32Array, vs: Float32Array, dS: Float32Array | null, dV: Float32Array | null, dx: Float32Array, dv0: Float32Array,
  T: number, N: number, a: LifAttrs & GradFlags, invK: number, decay: number, gain: number): boolean {
  const expr = (a.spkFun as { gradExpr?: Expr }).gradExpr;
  if (!wasmEnabled() || !expr || !wasmSupports(expr)) return false;
  const key = `lifSweep|${a.spkFun.key}|${a.reset}|${a.detachReset}|${a.hasDS}|${a.hasDV}`;
  const run = wasmKernel(key, () => sweepModule(expr, a));
  if (!run) return false;
  const arrays = [{ data: v0, rows: 1 }, { data: vs, rows: T }, { data: dx, rows: T, out: true }, { data: dv0, rows: 1, out: true },
    ...(dS ? [{ data: dS, rows: T }] : []), ...(dV ? [{ data: dV, rows: T }] : [])];
  return runColumns(key, run, N, arrays, { f32: 0, f64: 2 }, [a.VTh, a.VReset, invK, decay, gain], ([b0, bs, bx, bv0, ...cot], W, _, [carry, slope]) => {
    const none = { at: 0, stride: 0 };
    const bS = dS ? cot.shift()! : none, bV = dV ? cot.shift()! : none;
    return [b0!.at, bs!.at, bs!.stride, bS.at, bS.stride, bV.at, bV.stride, bx!.at, bx!.stride, bv0!.at, carry!, slope!, T, W];
  });
}
