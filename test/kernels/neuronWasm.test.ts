/**
 * The generated WebAssembly SIMD neuron kernels (kernels/neuron/sequenceWasm.ts over kernels/cpu/wasmProgram.ts)
 * against the generated JavaScript of the same bound model (sequenceCpu.ts with WebAssembly off), bit for bit
 * (NaN as NaN, −0 as −0): forward (spikes and every state) and backward (dx, ds0) for declared models with one
 * to three states, every reset mode (to, add, subtract, none), refractory `when` selects, min/max/abs/sqrt,
 * non-default parameters, states exactly at threshold, several surrogates and every gradient configuration; on
 * shapes that are no whole number of vectors, with arrays in the arena, outside it (copied through scratch)
 * and in several column blocks, and on 1 and 3 threads. Also: the WebAssembly path really runs for these
 * models (its entry says so), and declines (the JavaScript runs, same result) where an operation has no
 * WebAssembly form (Izhikevich's state-dependent exprel needs expm1), for float64 tensors, and for a
 * forward constant that is not a float32 number.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { bindNeuron, type BoundNeuron } from '../../dynamics/bind.js';
import { declareNeuron, type NeuronDeclaration } from '../../dynamics/declaration.js';
import { ALIF_HARD, ALIF_SOFT, ALPHA, IZHIKEVICH, LIF_REF, SYNAPTIC } from '../../dynamics/models/index.js';
import { programWasmSupport } from '../../kernels/cpu/wasmProgram.js';
import { toProgram } from '../../dynamics/program.js';
import { neuronRunGradKernel, neuronRunKernel } from '../../kernels/neuron/sequenceCpu.js';
import { neuronBackwardWasm, neuronForwardWasm } from '../../kernels/neuron/sequenceWasm.js';
import { SCRATCH_BYTES } from '../../kernels/cpu/wasmArena.js';
import { sequenceParallel, wasmEnabled } from '../../kernels/cpu/wasmKernels.js';
import { shutdownPool, threadPool } from '../../kernels/cpu/threadPool.js';
import { wasmKernels } from '../../kernels/flags.js';
import type { CpuInput } from '../../kernels/cpu/types.js';
import type { NeuronSeqAttrs, NeuronSeqGradAttrs } from '../../engine/opsNeuron.js';
import { surrogate } from '../../index.js';
import type { Surrogate } from '../../surrogate/base.js';
import { rng } from '../support/helpers.js';
import { expectSame, jsOnly, place, releasePlaced, type Placement } from '../support/wasmCompare.js';

const savedThreads = threadPool.threads, savedMin = sequenceParallel.minElements;
afterAll(() => {
  threadPool.threads = savedThreads;
  sequenceParallel.minElements = savedMin;
  wasmKernels.enabled = true;
  wasmKernels.scratchBytes = SCRATCH_BYTES;
  shutdownPool();
});

/** A model using the operations the generator maps one to one (min, max with a constant and not, abs, sqrt, a condition), with a spike condition that is not linear. */
const OPS_MODEL: NeuronDeclaration = {
  name: 'OpsNeuron',
  states: { V: { init: 0 }, g: { init: 0.5 }, c: { init: 0 } },
  params: { th: { default: 0.9 }, lo: { default: -1.5 }, w: { default: 0.7 } },
  update: {
    g: 'max(0.6 * g + abs(I) * w, lo) - min(g, 0)',
    V: { value: '0.8 * V + sqrt(1 + g * g) * I - max(V, 0) * 0.125', when: 'c < 2 || V > lo' },
    c: 'c + 1',
  },
  // ∂u/∂g = 0.25·g is no constant: the backward caches it between steps (sequenceWasm.ts workRows).
  spike: '(V - th) / th + 0.125 * g * g',
  reset: { V: { to: 'lo' }, c: { to: '0' } },
};

/**
 * `at`: the spiking state, `th`: the parameter where it spikes (with the other states 0), `near`: its initial
 * mean and spread, `x`: the input's (some neurons spike, some do not).
 */
interface Model { name: string; decl: NeuronDeclaration; params: Record<string, number>; at: string; th: string; near: [number, number]; x: [number, number] }
const MODELS: Model[] = [
  { name: 'ALIF soft', decl: ALIF_SOFT, params: { R: 1.7, tau: 6, tau_a: 30, V_th: 1.2, V_reset: -0.3, V_rest: 0.2, beta: 0.25 }, at: 'V', th: 'V_th', near: [1, 1], x: [0.8, 1.5] },
  { name: 'ALIF hard', decl: ALIF_HARD, params: { R: 0.8, tau: 9, tau_a: 40, V_th: 0.9, V_reset: -0.45, V_rest: -0.1, beta: 0.3 }, at: 'V', th: 'V_th', near: [0.9, 1], x: [1.6, 1.5] },
  { name: 'LIFRef', decl: LIF_REF, params: { R: 1.3, tau: 7, tau_ref: 2, V_th: 1.1, V_reset: -0.4, V_rest: 0.3 }, at: 'V', th: 'V_th', near: [1, 1], x: [1, 1.5] },
  { name: 'Synaptic', decl: SYNAPTIC, params: { alpha: 0.85, beta: 0.7, threshold: 1.3 }, at: 'mem', th: 'threshold', near: [1.2, 1], x: [0.2, 0.6] },
  { name: 'Alpha', decl: ALPHA, params: { alpha: 0.92, beta: 0.75, threshold: 0.9 }, at: 'mem', th: 'threshold', near: [0.8, 1], x: [0.3, 0.5] },
  { name: 'OpsNeuron', decl: OPS_MODEL, params: { th: 0.75, lo: -1.25, w: 0.6 }, at: 'V', th: 'th', near: [0.7, 1], x: [0.4, 1] },
];

const input = (data: Float32Array, shape: number[]): CpuInput => ({ data, shape, dtype: 'float32', size: data.length });

function values(n: number, mean: number, spread: number, seed: number, zeros = false): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, (_, i) => (zeros && i % 5 === 2 ? 0 : mean + spread * (2 * r() - 1)));
}

function placed<R>(p: Placement, threads: number, f: () => R): R {
  if (p === 'blocks') wasmKernels.scratchBytes = 8192;
  threadPool.threads = threads;
  sequenceParallel.minElements = threads > 1 ? 0 : savedMin;
  try {
    return f();
  } finally {
    wasmKernels.scratchBytes = SCRATCH_BYTES;
    threadPool.threads = savedThreads;
    sequenceParallel.minElements = savedMin;
    releasePlaced();
  }
}



/**
 * Initial states [K, N] around `near`; in column 0 and every 7th the spiking state is exactly at threshold and
 * the others 0, where u = 0 exactly (H(0) = 1: the first step resets).
 */
function initialStates(b: BoundNeuron, m: Model, N: number, seed: number): Float32Array {
  const K = b.states.length, s0 = new Float32Array(K * N);
  b.states.forEach((s, k) => s0.set(values(N, s === m.at ? m.near[0] : 0.2, s === m.at ? m.near[1] : 0.5, seed + k), k * N));
  const k = b.states.indexOf(m.at);
  for (let j = 0; j < N; j += 7) for (let i = 0; i < K; i++) s0[i * N + j] = i === k ? Math.fround(m.params[m.th]!) : 0;
  return s0;
}

const SHAPES: [number, number][] = [[1, 1], [2, 3], [17, 5], [9, 8], [13, 13], [40, 67]];
const SPIKES: Surrogate[] = [new surrogate.ReluGrad(), new surrogate.Arctan(), new surrogate.PiecewiseQuadratic(), new surrogate.SoftSign()];

describe('generated WebAssembly neuron kernels = the generated JavaScript, bit for bit', () => {
  it('run here (Node has WebAssembly SIMD), so the comparisons compare two paths', () => {
    expect(wasmEnabled()).toBe(true);
  });

  describe.each(MODELS)('$name', (m) => {
    const b = bindNeuron(declareNeuron(m.decl), m.params, 1, 'float32');
    const K = b.states.length;
    const runAttrs = (spkFun: Surrogate, detachReset: boolean): NeuronSeqAttrs => ({ neuron: b, spkFun, detachReset });

    for (const p of ['arena', 'heap', 'blocks'] as const) {
      for (const threads of p === 'heap' ? [1] : [1, 3]) {
        it.each(SHAPES)(`forward, arrays ${p}, ${threads} thread(s), T = %i, N = %i`, (T, N) => placed(p, threads, () => {
          const xs = values(T * N, m.x[0], m.x[1], T * N), s0 = initialStates(b, m, N, N);
          const spk = place(new Float32Array(T * N), p), st = place(new Float32Array(T * K * N), p);
          expect(neuronForwardWasm(b, place(xs, p), place(s0, p), spk, st, T, N)).toBe(true);
          const outs = [{ shape: [T, N], dtype: 'float32' as const }, { shape: [T, K, N], dtype: 'float32' as const }];
          expectSame([spk, st], jsOnly(() => neuronRunKernel([input(xs, [T, N]), input(s0, [K, N])], runAttrs(SPIKES[0]!, false), outs)));
          if (T * N > 100) expect(spk.some((s) => s === 1) && spk.some((s) => s === 0)).toBe(true);
        }));
      }
    }

    for (const spkFun of SPIKES) {
      for (const [hasDS, hasDStates, detachReset] of [[true, false, false], [false, true, false], [true, true, false], [true, true, true]] as const) {
        const shapes = spkFun === SPIKES[0] ? SHAPES : SHAPES.slice(2, 4);
        it.each(shapes)(`backward, ${spkFun.key}, dS ${hasDS}, dStates ${hasDStates}, detach ${detachReset}, T = %i, N = %i`, (T, N) => {
          for (const p of ['arena', 'blocks'] as const) {
            for (const threads of [1, 3]) {
              placed(p, threads, () => {
                const xs = values(T * N, m.x[0], m.x[1], T + N), s0 = initialStates(b, m, N, 2 * N);
                const outs = [{ shape: [T, N], dtype: 'float32' as const }, { shape: [T, K, N], dtype: 'float32' as const }];
                const [, st] = jsOnly(() => neuronRunKernel([input(xs, [T, N]), input(s0, [K, N])], runAttrs(spkFun, detachReset), outs));
                const dS = values(T * N, 0, 1, 5, true), dSt = values(T * K * N, 0, 1, 6, true);
                const a: NeuronSeqGradAttrs = { ...runAttrs(spkFun, detachReset), hasDS, hasDStates };
                const dx = place(new Float32Array(T * N), p), ds0 = place(new Float32Array(K * N), p);
                expect(neuronBackwardWasm(b, a, place(xs, p), place(s0, p), place(st!, p), hasDS ? place(dS, p) : null, hasDStates ? place(dSt, p) : null, dx, ds0, T, N)).toBe(true);
                const ins = [input(xs, [T, N]), input(s0, [K, N]), input(st!, [T, K, N]), ...(hasDS ? [input(dS, [T, N])] : []), ...(hasDStates ? [input(dSt, [T, K, N])] : [])];
                const want = jsOnly(() => neuronRunGradKernel(ins, a, [{ shape: [T, N], dtype: 'float32' }, { shape: [K, N], dtype: 'float32' }]));
                expectSame([dx, ds0], want);
                if (T * N > 20) expect(dx.some((v) => v !== 0)).toBe(true);
              });
            }
          }
        });
      }
    }
  });

  describe('decline where they do not apply (the JavaScript runs, with the same result)', () => {
    it("an operation without a WebAssembly form (Izhikevich's expm1)", () => {
      const b = bindNeuron(declareNeuron(IZHIKEVICH), {}, 1, 'float32');
      expect(toProgram(b.update).instrs.some((i) => i.op === 'expm1')).toBe(true);
      expect(programWasmSupport(toProgram(b.update), 'float32')).not.toBeNull();
      const T = 5, N = 6, xs = values(T * N, 8, 6, 1), s0 = values(2 * N, -60, 5, 2);
      expect(neuronForwardWasm(b, xs, s0, new Float32Array(T * N), new Float32Array(2 * T * N), T, N)).toBe(false);
      const outs = [{ shape: [T, N], dtype: 'float32' as const }, { shape: [T, 2, N], dtype: 'float32' as const }];
      const attrs = { neuron: b, spkFun: new surrogate.ReluGrad(), detachReset: false };
      expectSame(neuronRunKernel([input(xs, [T, N]), input(s0, [2, N])], attrs, outs), jsOnly(() => neuronRunKernel([input(xs, [T, N]), input(s0, [2, N])], attrs, outs)));
    });
    it('a surrogate whose derivative has exp (the backward declines, the forward runs)', () => {
      const b = bindNeuron(declareNeuron(ALIF_SOFT), {}, 1, 'float32');
      const T = 4, N = 5, xs = values(T * N, 0.5, 1, 3), s0 = values(2 * N, 0.5, 0.5, 4);
      const st = new Float32Array(2 * T * N);
      expect(neuronForwardWasm(b, xs, s0, new Float32Array(T * N), st, T, N)).toBe(true);
      const a: NeuronSeqGradAttrs = { neuron: b, spkFun: new surrogate.Sigmoid(), detachReset: false, hasDS: true, hasDStates: false };
      expect(neuronBackwardWasm(b, a, xs, s0, st, values(T * N, 0, 1, 5), null, new Float32Array(T * N), new Float32Array(2 * N), T, N)).toBe(false);
    });
    it('a spike function with no expression for σ\' (the backward declines)', () => {
      const b = bindNeuron(declareNeuron(ALIF_SOFT), {}, 1, 'float32');
      const plain = { key: 'plain-tanh', gradScalar: (x: number) => 1 - Math.tanh(x) ** 2, wgslGrad: () => '' };
      const a: NeuronSeqGradAttrs = { neuron: b, spkFun: plain, detachReset: false, hasDS: true, hasDStates: false };
      expect(neuronBackwardWasm(b, a, values(4, 0, 1, 1), values(4, 0, 1, 2), values(8, 0, 1, 3), values(4, 0, 1, 4), null, new Float32Array(4), new Float32Array(4), 1, 2)).toBe(false);
    });
    it('code generation off (where eval, and with it WebAssembly compilation, is forbidden)', async () => {
      const { codegen } = await import('../../surrogate/compileJs.js');
      const b = bindNeuron(declareNeuron(ALIF_SOFT), {}, 1, 'float32');
      codegen.enabled = false;
      try {
        expect(neuronForwardWasm(b, new Float32Array(4), new Float32Array(8), new Float32Array(4), new Float32Array(8), 1, 4)).toBe(false);
      } finally {
        codegen.enabled = true;
      }
    });
    it('arrays outside the arena too long for even one column of scratch', () => {
      const b = bindNeuron(declareNeuron(ALIF_SOFT), {}, 1, 'float32');
      const T = SCRATCH_BYTES / 8 + 1, N = 1;
      const xs = values(T, 0.5, 1, 9), s0 = values(2, 0.5, 0.5, 10);
      const st = new Float32Array(2 * T);
      expect(neuronForwardWasm(b, xs, s0, new Float32Array(T), st, T, N)).toBe(false);
      expect(st.every((v) => v === 0)).toBe(true); // nothing written
    });
    it('float64 tensors, and a forward constant that is not a float32 number', () => {
      const b64 = bindNeuron(declareNeuron(ALIF_SOFT), {}, 1, 'float64');
      expect(neuronForwardWasm(b64, new Float32Array(4), new Float32Array(8), new Float32Array(4), new Float32Array(8), 1, 4)).toBe(false);
      // In float32 every folded constant is a float32 number; a model bound in float64 has 0.1-like constants.
      expect(programWasmSupport(toProgram(b64.update), 'float32')).toMatch(/not a float32 number/);
    });
  });
});
