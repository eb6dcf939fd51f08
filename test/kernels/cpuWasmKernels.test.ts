/**
 * The CPU backend's WebAssembly SIMD kernels against their JavaScript twins, bit for bit (NaN as NaN, −0 as
 * −0): the generated synapse kernels (forward of every lane operation, the linear backward of Expon, DualExpon and
 * the readout's integrator; the generated neuron kernels: neuronWasm.test.ts), the thin matrix
 * products (with the linear op's bias) and the sums over leading axes, on odd shapes (rows
 * not a whole number of vectors, T = 1), with arrays in the arena (read in place), outside it (copied
 * through scratch), both mixed, and in several column blocks; every configuration the kernels are generated
 * for, inputs that spike and special values (±0, subnormals, ±Inf, NaN, ±3.4e38); σ' compiled to
 * WebAssembly against compileJs.ts for every surrogate the compiler takes; and each case where the
 * WebAssembly kernel must decline (the JavaScript twin then runs).
 */
import { describe, expect, it } from 'vitest';
import { synapseRunGradKernel, synapseRunKernel } from '../../kernels/synapse/sequenceCpu.js';
import { synapseBackwardWasm, synapseForwardWasm } from '../../kernels/synapse/sequenceWasm.js';
import { bindSynapse, type BoundSynapse } from '../../dynamics/bind.js';
import { declareSynapse } from '../../dynamics/declaration.js';
import { DUAL_EXPON, EXPON, LEAKY_READOUT } from '../../dynamics/models/index.js';
import { thinRows, thinTransposed } from '../../kernels/matmul/cpuThin.js';
import { thinRowsWasm, thinTransposedWasm } from '../../kernels/matmul/thinWasm.js';
import { sumKernel } from '../../kernels/reduce/cpu.js';
import { sumQuadsWasm, sumRowsWasm } from '../../kernels/reduce/sumWasm.js';
import { add, get, Locals, set } from '../../kernels/cpu/wasmEncode.js';
import { columns, FLOAT64 } from '../../kernels/cpu/wasmLanes.js';
import { addressOf, arenaMemory, arenaRelease, arenaTake, heap, SCRATCH_BYTES } from '../../kernels/cpu/wasmArena.js';
import { wasmEnabled, wasmKernel } from '../../kernels/cpu/wasmKernels.js';
import { wasmKernels } from '../../kernels/flags.js';
import type { CpuInput } from '../../kernels/cpu/types.js';
import { surrogate } from '../../index.js';
import { inlineWasm, wasmSupports } from '../../surrogate/compileWasm.js';
import type { Surrogate } from '../../surrogate/base.js';
import { rng } from '../support/helpers.js';
import { expectSame, jsOnly } from '../support/wasmCompare.js';

const SPECIAL = [0, -0, 1e-40, -1e-40, 2 ** -126, Infinity, -Infinity, NaN, 3.4e38, -3.4e38, 1, 2];

/** n float32 values around `mean` (±spread), with the special values sprinkled in when `special`. */
function values(n: number, mean: number, spread: number, seed: number, special = true): Float32Array {
  const r = rng(seed);
  const a = Float32Array.from({ length: n }, () => mean + spread * (2 * r() - 1));
  if (special) for (let i = 0; i < SPECIAL.length && i * 7 < n; i++) a[(i * 7919) % n] = SPECIAL[i]!;
  return a;
}

/**
 * Where a case's arrays live: all in the arena (kernels read and write them in place), none (copied through
 * scratch), every other one, or none with a scratch of 8 KiB (several column blocks, the last one partial).
 */
type Placement = 'arena' | 'heap' | 'mixed' | 'blocks';
const PLACEMENTS: Placement[] = ['arena', 'heap', 'mixed', 'blocks'];
let placed = 0;
const taken: Float32Array[] = [];

/** A copy of `a` where `p` puts the case's next array. */
function place(a: Float32Array, p: Placement): Float32Array {
  const inArena = p === 'arena' || (p === 'mixed' && placed++ % 2 === 0);
  if (!inArena) return Float32Array.from(a);
  const b = arenaTake(a.length, false);
  if (!b) throw new Error('arena full');
  taken.push(b);
  b.set(a);
  return b;
}

/** Runs `f` under placement `p` (the scratch limit of 'blocks'), then gives the arena arrays back. */
function placed_(p: Placement, f: () => void): void {
  if (p === 'blocks') wasmKernels.scratchBytes = 8192;
  try {
    f();
  } finally {
    wasmKernels.scratchBytes = SCRATCH_BYTES;
    for (const a of taken.splice(0)) arenaRelease(a);
  }
}

const input = (data: Float32Array, shape: number[]): CpuInput => ({ data, shape, dtype: 'float32', size: data.length });
const seqOut = (T: number, N: number) => ({ shape: [T, N], dtype: 'float32' as const });





// [T, N]: rows of 1, 3, 5 and 13 neurons (vectors, then single columns), whole vectors only, T = 1.
const SHAPES: [number, number][] = [[1, 1], [2, 3], [17, 5], [9, 8], [13, 13], [40, 64], [40, 67]];

/**
 * Declared spike-free models, float32, non-default parameters: the three ported ones (linear: their backward is
 * generated too) and one whose forward uses every other lane operation (min, max, abs, sqrt, comparisons,
 * logic, select), so each has its WebAssembly form compared with the JavaScript.
 */
const SYNAPSES: BoundSynapse[] = [
  bindSynapse(declareSynapse(EXPON), { tau: 3.3 }, 0.7, 'float32'),
  bindSynapse(declareSynapse(LEAKY_READOUT), { decay: 0.83 }, 1, 'float32'),
  bindSynapse(declareSynapse(DUAL_EXPON), { tau_rise: 1.7, tau_decay: 6.1, a: 1.37 }, 1, 'float32'),
  bindSynapse(declareSynapse({
    name: 'Lanes', states: { g: {}, h: {} }, params: { c: { default: 0.3 } },
    update: { g: 'max(min(g * c + I, 4), -4) - abs(h) / 8', h: '(g > 0 && !(I < h)) || g == h ? sqrt(abs(g)) : (g != I ? -h : h + c)' },
    output: 'g * c - h',
  }), {}, 1, 'float32'),
];

describe('WebAssembly SIMD kernels of the CPU backend', () => {
  it('run here (Node has WebAssembly SIMD), so the comparisons below compare two paths', () => {
    expect(wasmEnabled()).toBe(true);
  });

  describe.each(PLACEMENTS)('arrays: %s', (p) => {
    for (const b of SYNAPSES) {
      const K = b.states.length, hasOut = b.outputState === null;
      it.each(SHAPES)(`${b.model.name} forward, T = %i, N = %i`, (T, N) => placed_(p, () => {
        const xs = values(T * N, 0, 2, T + N), s0 = values(K * N, 0, 1, 3);
        const st = place(new Float32Array(T * K * N), p), out = hasOut ? place(new Float32Array(T * N), p) : null;
        expect(synapseForwardWasm(b, place(xs, p), place(s0, p), st, out, T, N)).toBe(true);
        const outs = [{ shape: [T, K, N], dtype: 'float32' as const }, ...(hasOut ? [seqOut(T, N)] : [])];
        expectSame(out ? [st, out] : [st], jsOnly(() => synapseRunKernel([input(xs, [T, N]), input(s0, [K, N])], { synapse: b }, outs)));
      }));
      if (!b.linear) continue;
      for (const [hasDStates, hasDOut] of hasOut ? [[true, true], [false, true], [true, false]] : [[true, false]]) {
        it.each(SHAPES)(`${b.model.name} backward (dStates ${hasDStates}, dOut ${hasDOut}), T = %i, N = %i`, (T, N) => placed_(p, () => {
          const a = { synapse: b, hasDStates: hasDStates!, hasDOut: hasDOut! };
          const dSt = values(T * K * N, 0, 1, T * N + 9), dOut = values(T * N, 0, 1, T * N + 10);
          const dx = place(new Float32Array(T * N), p), ds0 = place(new Float32Array(K * N), p);
          expect(synapseBackwardWasm(b, a, hasDStates ? place(dSt, p) : null, hasDOut ? place(dOut, p) : null, dx, ds0, T, N)).toBe(true);
          const ins = [...(hasDStates ? [input(dSt, [T, K, N])] : []), ...(hasDOut ? [input(dOut, [T, N])] : [])]; // a linear backward's inputs
          expectSame([dx, ds0], jsOnly(() => synapseRunGradKernel(ins, a, [seqOut(T, N), { shape: [K, N], dtype: 'float32' }])));
        }));
      }
    }
  });

  describe.each(PLACEMENTS)('thin products and sums, arrays: %s', (p) => {
    // [K, N] of x·W (rows of K in, N out), with and without a bias (−0 among its values), B given as float32
    // or as float64 (a transposed copy); M rows from an offset into both arrays.
    const rowsCases: [number, number, boolean, boolean][] = [[4, 2, true, false], [4, 2, false, false], [2, 4, false, true], [3, 3, true, true], [1, 5, true, false], [5, 1, false, false]];
    it.each(rowsCases)('x·W, K = %i, N = %i, bias %s, B float64 %s', (K, N, withBias, b64) => placed_(p, () => {
      for (const M of [1, 7, 33]) {
        const aOff = 3 * K, outOff = 2 * N;
        const a = values(aOff + M * K, 0, 2, M + K), bF = values(2 + K * N, 0, 1, N, false);
        const bias = withBias ? values(N, 0, 1, 7, false) : null;
        if (bias) bias[0] = -0;
        a.fill(0, aOff, aOff + K); // a row of zeros: every product ±0, and the sum must start at +0
        bF[2] = -1;
        const b = b64 ? Float64Array.from(bF) : bF;
        const out = place(values(outOff + M * N, 9, 0, 1, false), p), ref = Float32Array.from(out);
        expect(thinRowsWasm(place(a, p), aOff, b, 2, out, outOff, M, K, N, bias && place(bias, p))).toBe(true);
        jsOnly(() => { thinRows(K, N, bias ? 'float32' : 'none')(a, aOff, b, 2, ref, outOff, M, bias); return []; });
        expectSame([out], [ref]);
      }
    }));
    it.each([[4, 2], [3, 3], [1, 1], [2, 5]])('xᵀ·g, M = %i, N = %i', (M, N) => placed_(p, () => {
      for (const K of [1, 9, 50]) {
        const a = values(1 + K * M, 0, 2, K + M), b = values(2 + K * N, 0, 1, K, true);
        const out = place(values(M * N + 1, 9, 0, 1, false), p), ref = Float32Array.from(out);
        expect(thinTransposedWasm(place(a, p), 1, place(b, p), 2, out, 1, M, K, N)).toBe(true);
        thinTransposed(M, N)(a, 1, b, 2, ref, 1, K);
        expectSame([out], [ref]);
      }
    }));
    // Sums over leading axes: rows of 1, 2 and 4 (four running sums), and column sums of wider rows.
    it.each([[[52, 2], [0]], [[13, 4], [0]], [[36, 1], [0]], [[9, 13], [0]], [[5, 3, 6], [0]], [[4, 5, 7], [0, 1]]] as [number[], number[]][])('sum of %j over %j', (shape, axes) => placed_(p, () => {
      const n = shape.reduce((q, d) => q * d, 1), x = values(n, 0, 2, n);
      const outShape = shape.filter((_, i) => !axes.includes(i));
      const run = () => sumKernel([input(place(x, p), shape)], { axes, keepDims: false }, [{ shape: outShape, dtype: 'float32' }]);
      expectSame(run(), jsOnly(run));
      // The WebAssembly path is the one taken above.
      const inner = n / shape.slice(0, axes.length).reduce((q, d) => q * d, 1);
      if (4 % inner === 0) expect(sumQuadsWasm(place(x, p), n)).not.toBeNull();
      else expect(sumRowsWasm(place(x, p), n / inner, inner, new Float64Array(inner))).toBe(true);
    }));
  });

  it('read and write arena arrays in place (nothing is copied through scratch)', () => placed_('arena', () => {
    const T = 9, N = 13;
    const xs = place(values(T * N, 0, 2, 1, false), 'arena'), g0 = place(values(N, 0, 1, 2, false), 'arena'), gs = place(new Float32Array(T * N), 'arena');
    expect(addressOf(gs)).toBeGreaterThanOrEqual(SCRATCH_BYTES);
    heap.f32().fill(NaN, 0, 4096); // poison the start of scratch: a kernel reading its inputs from there would spread NaN
    expect(synapseForwardWasm(SYNAPSES[0]!, xs, g0, gs, null, T, N)).toBe(true);
    expect(gs.some(Number.isNaN)).toBe(false);
  }));

  describe('decline where they do not apply (the JavaScript twin runs, with the same result as always)', () => {
    const T = 5, N = 6, vs = new Float32Array(T * N), v0 = values(N, 0.5, 1, 1), xs = values(T * N, 0.3, 2, 2);
    it('arrays outside the arena too long for even one column of scratch', () => {
      const longT = SCRATCH_BYTES / 8 + 1, n = 1, b = SYNAPSES[0]!;
      const x = values(longT * n, 0, 2, 8), g0 = new Float32Array(n), gs = new Float32Array(longT * n);
      expect(synapseForwardWasm(b, x, g0, gs, null, longT, n)).toBe(false);
      const run = () => synapseRunKernel([input(x, [longT, n]), input(g0, [1, n])], { synapse: b }, [{ shape: [longT, 1, n], dtype: 'float32' }]);
      expectSame(jsOnly(run), run());
    });
    it('a declared model with an operation WebAssembly lacks (tanh), a nonlinear backward, float64', () => {
      const tanh = bindSynapse(declareSynapse({ name: 'T', states: { g: {} }, update: { g: 'tanh(g) + I' }, output: 'g' }), {}, 1, 'float32');
      const x = values(3 * N, 0, 2, 8), s0 = new Float32Array(N), st = new Float32Array(3 * N);
      expect(synapseForwardWasm(tanh, x, s0, st, null, 3, N)).toBe(false);
      expect(tanh.linear).toBe(null);
      expect(synapseBackwardWasm(tanh, { synapse: tanh, hasDStates: true, hasDOut: false }, st, null, new Float32Array(3 * N), new Float32Array(N), 3, N)).toBe(false);
      const f64 = bindSynapse(declareSynapse(EXPON), {}, 1, 'float64');
      expect(synapseForwardWasm(f64, x, s0, st, null, 3, N)).toBe(false);
    });
    it('code generation off (where eval, and with it WebAssembly compilation, is forbidden)', async () => {
      const { codegen } = await import('../../surrogate/compileJs.js');
      codegen.enabled = false;
      try {
        expect(wasmEnabled()).toBe(false);
        expect(synapseForwardWasm(SYNAPSES[0]!, xs, v0, vs, null, T, N)).toBe(false);
      } finally {
        codegen.enabled = true;
      }
    });
  });

  it('the arena never grows (growing would detach its buffer, which slows every typed-array access in V8)', () => {
    const memory = arenaMemory()!;
    expect(() => memory.grow(1)).toThrow(); // its maximum is its size
    expect(heap.f32().buffer).toBe(memory.buffer);
  });
});

describe('σ\' compiled to WebAssembly (f64x2) against compileJs.ts, bit for bit', () => {
  const xs = [...SPECIAL, ...SPECIAL.map((v) => -v), 0.5, -0.5, 0.999, 1.0000001, -3.7, 12.5, 1e-300, 1e300, 5e-324];
  const supported = Object.entries(surrogate.CLASSES).map(([name, C]) => [name, new (C as new () => Surrogate)()] as const)
    .filter(([, s]) => wasmSupports(s.gradExpr));
  it('takes the algebraic surrogates (ReluGrad, the default, among them)', () => {
    expect(supported.map(([name]) => name)).toEqual(expect.arrayContaining(['ReluGrad', 'Arctan', 'PiecewiseQuadratic', 'SoftSign', 'InvSquareGrad']));
  });
  it.each(supported)('%s', (_name, s) => {
    // σ' of the float64 row at address 0, in place: pairs, then the odd last value with scalar lanes.
    const run = wasmKernel(`test-sigma|${s.key}`, () => {
      const params = ['i32'] as const, L = new Locals(params);
      const j4 = L.local('i32');
      const at = add(get(j4), get(j4));
      const body = columns(j4, get(0), FLOAT64, (Lx) => {
        const x = L.local(Lx.value), sigma = inlineWasm(s.gradExpr, x, Lx, L);
        return [...set(x, Lx.loadWork(at)), ...sigma.code, ...Lx.storeWork(at, get(sigma.result))];
      });
      return { params, locals: L, body };
    });
    expect(run).not.toBeNull();
    expect(xs.length % 2).toBe(1);
    heap.f64().set(xs, 0);
    run!(xs.length);
    expectSame([heap.f64().subarray(0, xs.length)], [xs.map(s.gradScalar)]);
  });
});
