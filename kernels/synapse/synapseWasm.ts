/**
 * The synapse sequence loops of a training step as WebAssembly SIMD (kernels/cpu/wasmKernels.ts says why),
 * float32 tensors only, with the arithmetic of their JavaScript twins in cpu.ts operation by operation:
 * - Expon forward in f32x4: g ← fl(fl(g + fl(fl(−g/τ)·coef)) + x) (each float32 operation rounds once, as
 *   Math.fround of the float64 one does);
 * - the decay recurrence's backward in f64x2: ḡ = dG_t + carry (float64), dx_t = fl32(ḡ), carry = decay·ḡ.
 * Each returns false where it does not apply (τ or coef not float32 numbers, compilation refused): the caller
 * then runs the JavaScript loop. Arena layout as lifWasm.ts: the initial state is the row before the sequence.
 */
import {
  add, f32x4, f64x2, forRange, get, gtU, i32, load, load64, Locals, mul, set, store, store64, sub, whileLoop,
  type Code, type ValType,
} from '../cpu/wasmEncode.js';
import { allFloat32, columnBlocks, copyIn, copyOut, heap, wasmEnabled, wasmKernel } from '../cpu/wasmKernels.js';

function exponModule() {
  const params: ValType[] = ['i32', 'i32', 'i32', 'i32', 'f32', 'f32'];
  const [X, G, T, ROW, TAU, COEF] = [0, 1, 2, 3, 4, 5];
  const L = new Locals(params);
  const tau = L.local('v128'), coef = L.local('v128'), g = L.local('v128');
  const o = L.local('i32'), j = L.local('i32'), px = L.local('i32'), pg = L.local('i32');
  const at = (base: number) => add(get(base), get(j));
  const code: Code[] = [
    set(tau, f32x4.splat(get(TAU))), set(coef, f32x4.splat(get(COEF))),
    forRange(o, i32(0), mul(get(T), get(ROW)), get(ROW),
      set(px, add(get(X), get(o))), set(pg, add(get(G), get(o))),
      forRange(j, i32(0), get(ROW), 16,
        set(g, load(at(pg))),
        store(add(add(get(pg), get(ROW)), get(j)),
          f32x4.add(f32x4.add(get(g), f32x4.mul(f32x4.div(f32x4.neg(get(g)), get(tau)), get(coef))), load(at(px)))))),
  ];
  return { params, locals: L, body: code.flat() };
}

/** cpu.ts's exponForward32: writes gs (T·N) from xs and g0; false where the WebAssembly kernel does not apply. */
export function exponForwardWasm(xs: Float32Array, g0: Float32Array, gs: Float32Array, T: number, N: number, tau: number, coef: number): boolean {
  if (!wasmEnabled() || !allFloat32(tau, coef)) return false;
  const run = wasmKernel('exponForward', exponModule);
  if (!run) return false;
  const blocks = columnBlocks(N, 4 * (2 * T + 1));
  if (!blocks) return false;
  for (const b of blocks) {
    const row = b.stride, X = 0, G = T * row;
    const f = heap.f32();
    copyIn(f, X, xs, T, N, b);
    copyIn(f, G, g0, 1, N, b);
    run(4 * X, 4 * G, T, 4 * row, tau, coef);
    copyOut(f, G + row, gs, T, N, b);
  }
  return true;
}

function decayModule() {
  const params: ValType[] = ['i32', 'i32', 'i32', 'i32', 'i32', 'f64'];
  const [D, DX, CARRY, T, ROW, DECAY] = [0, 1, 2, 3, 4, 5];
  const L = new Locals(params);
  const decay = L.local('v128'), gb = L.local('v128');
  const o = L.local('i32'), jf = L.local('i32'), jd = L.local('i32'), pd = L.local('i32'), pdx = L.local('i32');
  const code: Code[] = [
    set(decay, f64x2.splat(get(DECAY))),
    set(o, mul(get(T), get(ROW))),
    whileLoop(gtU(get(o), i32(0)),
      set(o, sub(get(o), get(ROW))),
      set(pd, add(get(D), get(o))), set(pdx, add(get(DX), get(o))),
      forRange(jf, i32(0), get(ROW), 8,
        set(jd, add(get(CARRY), add(get(jf), get(jf)))),
        set(gb, f64x2.add(f64x2.promote(load64(add(get(pd), get(jf)))), load(get(jd)))),
        store64(add(get(pdx), get(jf)), f32x4.demote(get(gb))),
        store(get(jd), f64x2.mul(get(decay), get(gb))))),
  ];
  return { params, locals: L, body: code.flat() };
}

/** cpu.ts's decay sweep: writes dx (T·N) and dg0 (N) from dG; false where the WebAssembly kernel does not apply. */
export function decaySweepWasm(dG: Float32Array, dx: Float32Array, dg0: Float32Array, T: number, N: number, decay: number): boolean {
  if (!wasmEnabled()) return false;
  const run = wasmKernel('decaySweep', decayModule);
  if (!run) return false;
  const blocks = columnBlocks(N, 4 * 2 * T + 8);
  if (!blocks) return false;
  for (const b of blocks) {
    const row = b.stride, D = 0, DX = T * row, CARRY = T * row; // CARRY: float64 index, after D and DX
    const f = heap.f32(), d = heap.f64();
    copyIn(f, D, dG, T, N, b);
    d.fill(0, CARRY, CARRY + row);
    run(4 * D, 4 * DX, 8 * CARRY, T, 4 * row, decay);
    copyOut(f, DX, dx, T, N, b);
    copyOut(d, CARRY, dg0, 1, N, b);
  }
  return true;
}
