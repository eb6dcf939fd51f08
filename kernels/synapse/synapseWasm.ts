/**
 * The synapse sequence loops of a training step as WebAssembly SIMD (kernels/cpu/wasmKernels.ts says why),
 * float32 tensors only, with the arithmetic of their JavaScript twins in cpu.ts operation by operation:
 * - Expon forward in float32: g ← fl(fl(g + fl(fl(−g/τ)·coef)) + x) (each float32 operation rounds once,
 *   as Math.fround of the float64 one does);
 * - the decay recurrence's backward in float64: ḡ = dG_t + carry, dx_t = fl32(ḡ), carry = decay·ḡ.
 * Each returns false where it does not apply (τ or coef not float32 numbers, compilation refused, no room):
 * the caller then runs the JavaScript loop.
 */
import { add, forRange, get, gtU, i32, Locals, slots, mul, set, sub, whileLoop, type Code, type ValType } from '../cpu/wasmEncode.js';
import { columns, FLOAT32, FLOAT64 } from '../cpu/wasmLanes.js';
import { allFloat32, rangedPrologue, runColumns, wasmEnabled, wasmKernel } from '../cpu/wasmKernels.js';

function exponModule() {
  // x, xStride, g0, gs, gsStride, T, W; consts (τ, coef), thread, lo, hi (wasmKernels.ts's rangedPrologue)
  const params: ValType[] = Array<ValType>(11).fill('i32');
  const [X, XS, G0, GS, GSS, T, W, CONSTS, , LO, HI] = slots(params);
  const L = new Locals(params);
  const pro = rangedPrologue(L, { f32Ptrs: [X, G0, GS], f64Ptrs: [], W, consts: CONSTS, lo: LO, hi: HI }, ['f32', 'f32']);
  const [TAU, COEF] = pro.consts as [number, number];
  const t = L.local('i32'), j4 = L.local('i32'), px = L.local('i32'), pg = L.local('i32'), ng = L.local('i32');
  const lanes = FLOAT32.map((lanes) => ({ lanes, tau: L.local(lanes.value), coef: L.local(lanes.value), g: L.local(lanes.value) }));
  const at = (p: number) => add(get(p), get(j4));
  const body: Code[] = [
    pro.code,
    ...lanes.map((e) => [...set(e.tau, e.lanes.splat(get(TAU))), ...set(e.coef, e.lanes.splat(get(COEF)))]),
    set(pg, get(G0)), set(px, get(X)), set(ng, get(GS)),
    forRange(t, i32(0), get(T), 1,
      columns(j4, get(W), FLOAT32, (Lx) => {
        const { tau, coef, g } = lanes.find((e) => e.lanes === Lx)!;
        return [
          ...set(g, Lx.load(at(pg))),
          ...Lx.store(at(ng), Lx.add(Lx.add(get(g), Lx.mul(Lx.div(Lx.neg(get(g)), get(tau)), get(coef))), Lx.load(at(px)))),
        ];
      }),
      set(pg, get(ng)), set(px, add(get(px), get(XS))), set(ng, add(get(ng), get(GSS)))),
  ];
  return { params, locals: L, body: body.flat() };
}

/** cpu.ts's exponForward32: writes gs (T·N) from xs and g0; false where the WebAssembly kernel does not apply. */
export function exponForwardWasm(xs: Float32Array, g0: Float32Array, gs: Float32Array, T: number, N: number, tau: number, coef: number): boolean {
  if (!wasmEnabled() || !allFloat32(tau, coef)) return false;
  const run = wasmKernel('exponForward', exponModule);
  if (!run) return false;
  return runColumns('exponForward', run, N, [{ data: xs, rows: T }, { data: g0, rows: 1 }, { data: gs, rows: T, out: true }], { f32: 0, f64: 0 }, [tau, coef],
    ([x, g, o], W) => [x!.at, x!.stride, g!.at, o!.at, o!.stride, T, W]);
}

function decayModule() {
  // dG, dGStride, dx, dxStride, dg0, carry (work row), T, W; consts (decay), thread, lo, hi (rangedPrologue)
  const params: ValType[] = Array<ValType>(12).fill('i32');
  const [D, DS, DX, DXS, DG0, CARRY, T, W, CONSTS, , LO, HI] = slots(params);
  const L = new Locals(params);
  const pro = rangedPrologue(L, { f32Ptrs: [D, DX, DG0], f64Ptrs: [CARRY], W, consts: CONSTS, lo: LO, hi: HI }, ['f64']);
  const [DECAY] = pro.consts as [number];
  const t = L.local('i32'), j4 = L.local('i32'), pd = L.local('i32'), pdx = L.local('i32');
  const lanes = FLOAT64.map((lanes) => ({ lanes, decay: L.local(lanes.value), gb: L.local(lanes.value) }));
  const f32At = (p: number) => add(get(p), get(j4)), f64At = (p: number) => add(get(p), add(get(j4), get(j4)));
  const body: Code[] = [
    pro.code,
    ...lanes.map((e) => set(e.decay, e.lanes.splat(get(DECAY)))),
    set(t, get(T)),
    whileLoop(gtU(get(t), i32(0)),
      set(t, sub(get(t), i32(1))),
      set(pd, add(get(D), mul(get(t), get(DS)))), set(pdx, add(get(DX), mul(get(t), get(DXS)))),
      columns(j4, get(W), FLOAT64, (Lx) => {
        const { decay, gb } = lanes.find((e) => e.lanes === Lx)!;
        return [
          ...set(gb, Lx.add(Lx.load(f32At(pd)), Lx.loadWork(f64At(CARRY)))),
          ...Lx.store(f32At(pdx), get(gb)),
          ...Lx.storeWork(f64At(CARRY), Lx.mul(get(decay), get(gb))),
        ];
      })),
    // dg0: the carry left after step 0.
    columns(j4, get(W), FLOAT64, (Lx) => Lx.store(f32At(DG0), Lx.loadWork(f64At(CARRY)))),
  ];
  return { params, locals: L, body: body.flat() };
}

/** cpu.ts's decay sweep: writes dx (T·N) and dg0 (N) from dG; false where the WebAssembly kernel does not apply. */
export function decaySweepWasm(dG: Float32Array, dx: Float32Array, dg0: Float32Array, T: number, N: number, decay: number): boolean {
  if (!wasmEnabled()) return false;
  const run = wasmKernel('decaySweep', decayModule);
  if (!run) return false;
  return runColumns('decaySweep', run, N, [{ data: dG, rows: T }, { data: dx, rows: T, out: true }, { data: dg0, rows: 1, out: true }], { f32: 0, f64: 1 }, [decay],
    ([d, x, g0], W, _, [carry]) => [d!.at, d!.stride, x!.at, x!.stride, g0!.at, carry!, T, W]);
}
