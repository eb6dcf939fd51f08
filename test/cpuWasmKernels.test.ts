/**
 * The CPU backend's WebAssembly SIMD kernels against their JavaScript twins, bit for bit (NaN as NaN, −0 as
 * −0): the fused LIF forward and backward sweep, the Expon forward and the decay sweep, on odd shapes (rows
 * not a whole number of vectors, T = 1), several column blocks, every configuration the kernels are
 * generated for, inputs that spike and special values (±0, subnormals, ±Inf, NaN, ±3.4e38); σ' compiled to
 * WebAssembly against compileJs.ts for every surrogate the compiler takes; and each case where the
 * WebAssembly kernel must decline (the JavaScript twin then runs).
 */
import { describe, expect, it } from 'vitest';
import type { GradFlags, LifAttrs } from '../engine/opsNeuron.js';
import { decayRunGradKernel, exponRunKernel } from '../kernels/synapse/cpu.js';
import { decaySweepWasm, exponForwardWasm } from '../kernels/synapse/synapseWasm.js';
import { lifRunGradKernel, lifRunKernel } from '../kernels/neuron/cpu.js';
import { lifForwardWasm, lifSweepWasm } from '../kernels/neuron/lifWasm.js';
import { forRange, get, i32, load, Locals, set, store } from '../kernels/cpu/wasmEncode.js';
import { ARENA_BYTES, heap, wasmEnabled, wasmKernel, wasmKernels } from '../kernels/cpu/wasmKernels.js';
import type { CpuInput } from '../kernels/cpu/types.js';
import { expEulerConstants } from '../nn/expEuler.js';
import { surrogate } from '../index.js';
import { inlineWasm, wasmSupports } from '../surrogate/compileWasm.js';
import type { Surrogate } from '../surrogate/base.js';
import { rng } from './helpers.js';

const SPECIAL = [0, -0, 1e-40, -1e-40, 2 ** -126, Infinity, -Infinity, NaN, 3.4e38, -3.4e38, 1, 2];

/** n float32 values around `mean` (±spread), with the special values sprinkled in when `special`. */
function values(n: number, mean: number, spread: number, seed: number, special = true): Float32Array {
  const r = rng(seed);
  const a = Float32Array.from({ length: n }, () => mean + spread * (2 * r() - 1));
  if (special) for (let i = 0; i < SPECIAL.length && i * 7 < n; i++) a[(i * 7919) % n] = SPECIAL[i]!;
  return a;
}

const input = (data: Float32Array, shape: number[]): CpuInput => ({ data, shape, dtype: 'float32', size: data.length });
const seqOut = (T: number, N: number) => ({ shape: [T, N], dtype: 'float32' as const });
const rowOut = (N: number) => ({ shape: [N], dtype: 'float32' as const });

/** The first index where a and b differ as values (NaN equal to NaN, −0 not equal to +0), −1 if none. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/** Asserts that every array of `got` equals the one of `want` at its position. */
function expectSame(got: ArrayLike<number>[], want: ArrayLike<number>[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(firstDifference(g, want[i]!), `output ${i}`).toBe(-1));
}

/** `run` with the WebAssembly kernels on, then off (their JavaScript twins). */
function bothPaths(run: () => ArrayLike<number>[]): [ArrayLike<number>[], ArrayLike<number>[]] {
  const wasm = run();
  wasmKernels.enabled = false;
  try {
    return [wasm, run()];
  } finally {
    wasmKernels.enabled = true;
  }
}

function lifAttrs(o: { reset: 'soft' | 'hard'; VRest: number; R: number; VTh: number; VReset: number; detachReset?: boolean; spkFun?: Surrogate }): LifAttrs {
  const fr = Math.fround, { tau, coef } = expEulerConstants(7, 1, 'float32');
  return {
    tau, coef, R: fr(o.R), VTh: fr(o.VTh), VReset: fr(o.VReset), VRest: fr(o.VRest), k: fr(fr(o.VTh) - fr(o.VReset)),
    reset: o.reset, detachReset: o.detachReset ?? false, spkFun: o.spkFun ?? new surrogate.ReluGrad(),
  };
}

// [T, N]: rows of 1, 3, 5 and 13 neurons (a partial vector), whole vectors, T = 1, and T·N large enough for
// several column blocks (the last one partial).
const SHAPES: [number, number][] = [[1, 1], [2, 3], [17, 5], [9, 8], [13, 13], [2000, 1030]];

describe('WebAssembly SIMD kernels of the CPU backend', () => {
  it('run here (Node has WebAssembly SIMD), so the comparisons below compare two paths', () => {
    expect(wasmEnabled()).toBe(true);
  });

  const configs = [
    { reset: 'soft', VRest: 0, R: 1, VTh: 1, VReset: 0 },
    { reset: 'hard', VRest: 0.2, R: 1.7, VTh: 0.8, VReset: -0.3 },
    { reset: 'soft', VRest: -0.1, R: 1, VTh: 1.5, VReset: 0.25 },
  ] as const;

  describe.each(configs)('LIF forward, %o', (c) => {
    it.each(SHAPES)('T = %i, N = %i', (T, N) => {
      const a = lifAttrs(c);
      const xs = values(T * N, 0.3, 2, T * N), v0 = values(N, 0.5, 1, N + 1);
      const spk = new Float32Array(T * N), vs = new Float32Array(T * N);
      expect(lifForwardWasm(xs, v0, spk, vs, T, N, a)).toBe(true);
      const [wasm, js] = bothPaths(() => lifRunKernel([input(xs, [T, N]), input(v0, [N])], a, [seqOut(T, N), seqOut(T, N)]));
      expectSame(wasm, js);
      expectSame([spk, vs], js);
      if (T * N > 50) expect(spk.some((s) => s === 1)).toBe(true);
    });
  });

  const spikeFns: Surrogate[] = [new surrogate.ReluGrad(), new surrogate.Arctan(), new surrogate.PiecewiseQuadratic(), new surrogate.SoftSign(), new surrogate.InvSquareGrad()];
  const sweepConfigs = [
    ...configs.map((c) => ({ ...c, detachReset: false })),
    { ...configs[0], detachReset: true },
  ];
  for (const spkFun of spikeFns) {
    describe.each(sweepConfigs)(`LIF backward sweep, ${spkFun.key}, %o`, (c) => {
      for (const [hasDS, hasDV] of [[true, false], [false, true], [true, true]] as const) {
        it.each(spkFun instanceof surrogate.ReluGrad ? SHAPES : SHAPES.slice(-3, -1))(`dS ${hasDS}, dV ${hasDV}, T = %i, N = %i`, (T, N) => {
          const a: LifAttrs & GradFlags = { ...lifAttrs({ ...c, spkFun }), hasDS, hasDV };
          const v0 = values(N, 0.5, 1, N), vs = values(T * N, 0.8, 1.5, T * N + 3);
          const dS = values(T * N, 0, 1, 5, false), dV = values(T * N, 0, 1, 6, false);
          const ins = [input(v0, [N]), input(vs, [T, N]), ...(hasDS ? [input(dS, [T, N])] : []), ...(hasDV ? [input(dV, [T, N])] : [])];
          const dx = new Float32Array(T * N), dv0 = new Float32Array(N);
          const invK = 1 / a.k, decay = 1 - a.coef / a.tau, gain = (a.coef * a.R) / a.tau;
          expect(lifSweepWasm(v0, vs, hasDS ? dS : null, hasDV ? dV : null, dx, dv0, T, N, a, invK, decay, gain)).toBe(true);
          const [wasm, js] = bothPaths(() => lifRunGradKernel(ins, a, [seqOut(T, N), rowOut(N)]));
          expectSame(wasm, js);
          expectSame([dx, dv0], js);
        });
      }
    });
  }

  it.each(SHAPES)('Expon forward, T = %i, N = %i', (T, N) => {
    const { tau, coef } = expEulerConstants(5, 1, 'float32');
    const xs = values(T * N, 0, 2, T + N), g0 = values(N, 0, 1, 3);
    const gs = new Float32Array(T * N);
    expect(exponForwardWasm(xs, g0, gs, T, N, tau, coef)).toBe(true);
    const [wasm, js] = bothPaths(() => exponRunKernel([input(xs, [T, N]), input(g0, [N])], { tau, coef }, [seqOut(T, N)]));
    expectSame(wasm, js);
    expectSame([gs], js);
  });

  it.each(SHAPES)('decay sweep (the synapses\' backward), T = %i, N = %i', (T, N) => {
    const { tau, coef } = expEulerConstants(5, 1, 'float32');
    const decay = 1 - coef / tau;
    const dG = values(T * N, 0, 1, T * N + 9);
    const dx = new Float32Array(T * N), dg0 = new Float32Array(N);
    expect(decaySweepWasm(dG, dx, dg0, T, N, decay)).toBe(true);
    const [wasm, js] = bothPaths(() => decayRunGradKernel([input(dG, [T, N])], { decay }, [seqOut(T, N), rowOut(N)]));
    expectSame(wasm, js);
    expectSame([dx, dg0], js);
  });

  describe('decline where they do not apply (the JavaScript twin runs, with the same result as always)', () => {
    const T = 5, N = 6, spk = new Float32Array(T * N), vs = new Float32Array(T * N), v0 = values(N, 0.5, 1, 1), xs = values(T * N, 0.3, 2, 2);
    it('a constant that is not a float32 number', () => {
      expect(lifForwardWasm(xs, v0, spk, vs, T, N, { ...lifAttrs(configs[0]), VTh: 0.1 })).toBe(false);
      expect(exponForwardWasm(xs, v0, vs, T, N, 0.1, 0.9)).toBe(false);
    });
    it('k ≤ 0 (V_th ≤ V_reset)', () => {
      expect(lifForwardWasm(xs, v0, spk, vs, T, N, { ...lifAttrs(configs[0]), k: -1 })).toBe(false);
    });
    it('a surrogate with an operation WebAssembly lacks (exp), or none at all', () => {
      const noExpr = { key: 'plain-tanh', gradScalar: (x: number) => 1 - Math.tanh(x) ** 2, wgslGrad: () => '' };
      for (const spkFun of [new surrogate.Sigmoid(), noExpr]) {
        const a: LifAttrs & GradFlags = { ...lifAttrs(configs[0]), spkFun, hasDS: true, hasDV: false };
        expect(lifSweepWasm(v0, vs, vs, null, spk, new Float32Array(N), T, N, a, 1, 0.9, 0.1)).toBe(false);
      }
    });
    it('a sequence too long for 4 columns of the arena', () => {
      const longT = Math.ceil(ARENA_BYTES / 4 / 4 / 2) + 1, n = 1;
      const x = values(longT * n, 0, 2, 8), g0 = new Float32Array(n), gs = new Float32Array(longT * n);
      expect(exponForwardWasm(x, g0, gs, longT, n, Math.fround(5), Math.fround(0.9))).toBe(false);
      const [wasm, js] = bothPaths(() => exponRunKernel([input(x, [longT, n]), input(g0, [n])], { tau: Math.fround(5), coef: Math.fround(0.9) }, [seqOut(longT, n)]));
      expectSame(wasm, js);
    });
    it('code generation off (where eval, and with it WebAssembly compilation, is forbidden)', async () => {
      const { codegen } = await import('../surrogate/compileJs.js');
      codegen.enabled = false;
      try {
        expect(wasmEnabled()).toBe(false);
        expect(lifForwardWasm(xs, v0, spk, vs, T, N, lifAttrs(configs[0]))).toBe(false);
      } finally {
        codegen.enabled = true;
      }
    });
  });

  it('the arena never grows (growing would detach its buffer, which slows every typed-array access in V8)', () => {
    expect(heap.f32().length * 4).toBe(ARENA_BYTES);
  });
});

describe('σ\' compiled to WebAssembly (f64x2) against compileJs.ts, bit for bit', () => {
  const xs = [...SPECIAL, ...SPECIAL.map((v) => -v), 0.5, -0.5, 0.999, 1.0000001, -3.7, 12.5, 1e-300, 1e300, 5e-324];
  const supported = Object.entries(surrogate.CLASSES).map(([name, C]) => [name, new (C as new () => Surrogate)()] as const)
    .filter(([, s]) => wasmSupports(s.gradExpr));
  it('takes the algebraic surrogates (ReluGrad, the default, among them)', () => {
    expect(supported.map(([name]) => name)).toEqual(expect.arrayContaining(['ReluGrad', 'Arctan', 'PiecewiseQuadratic', 'SoftSign', 'InvSquareGrad']));
  });
  it.each(supported)('%s', (name, s) => {
    const run = wasmKernel(`test-sigma|${s.key}`, () => {
      const params = ['i32'] as const, L = new Locals(params);
      const j = L.local('i32'), x = L.local('v128');
      const sigma = inlineWasm(s.gradExpr, x, L);
      return { params, locals: L, body: forRange(j, i32(0), get(0), 16, set(x, load(get(j))), sigma.code, store(get(j), get(sigma.result))) };
    });
    expect(run).not.toBeNull();
    const n = xs.length + (xs.length % 2);
    heap.f64().set(xs, 0);
    run!(8 * n);
    expectSame([heap.f64().subarray(0, xs.length)], [xs.map(s.gradScalar)]);
  });
});
