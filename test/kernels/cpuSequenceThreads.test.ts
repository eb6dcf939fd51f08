/**
 * The CPU backend's WebAssembly sequence kernels (nn.LIF's generated forward and backward sweep, the Expon
 * forward and its backward decay sweep generated from dynamics/models/expon.ts, column sums over leading rows) on several threads (kernels/cpu/wasmKernels.ts's runColumns over
 * kernels/cpu/threadPool.ts): each thread sweeps all T for its own range of columns, so the result must be
 * bit for bit the one-thread result, for thread counts 1, 2 and 3, on column counts that are not multiples
 * of 4 (the last range ends in single columns), with arrays in the arena (read in place) and outside it
 * (copied through scratch, in several column blocks), against:
 * - the one-thread result of the same kernel,
 * - the JavaScript twin (WebAssembly off; cpuWasmKernels.test.ts checks the twins' configurations further),
 * - float64 references written here from the equations (Expon: each float32 operation rounded once; the
 *   decay sweep: float64 carry, rounded on store; column sums over leading rows, the bias gradient's: float64
 *   running sums in row order).
 * Also: the workers really take chunks of a large sweep, and below `sequenceParallel.minElements` no job
 * reaches the pool.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NeuronSeqAttrs, NeuronSeqGradAttrs } from '../../engine/opsNeuron.js';
import { bindNeuron, bindSynapse } from '../../dynamics/bind.js';
import { declareNeuron, declareSynapse } from '../../dynamics/declaration.js';
import { EXPON, LIF_HARD, LIF_SOFT } from '../../dynamics/models/index.js';
import { synapseRunGradKernel, synapseRunKernel } from '../../kernels/synapse/sequenceCpu.js';
import { synapseBackwardWasm, synapseForwardWasm } from '../../kernels/synapse/sequenceWasm.js';
import { neuronRunGradKernel, neuronRunKernel } from '../../kernels/neuron/sequenceCpu.js';
import { neuronBackwardWasm, neuronForwardWasm } from '../../kernels/neuron/sequenceWasm.js';
import { sumRowsWasm } from '../../kernels/reduce/sumWasm.js';
import { arenaShared, SCRATCH_BYTES } from '../../kernels/cpu/wasmArena.js';
import { sequenceParallel, wasmEnabled } from '../../kernels/cpu/wasmKernels.js';
import { poolCounters, poolThreads, threadPool } from '../../kernels/cpu/threadPool.js';
import { wasmKernels } from '../../kernels/flags.js';
import type { CpuInput } from '../../kernels/cpu/types.js';
import { expEulerConstants } from '../../nn/expEuler.js';
import { surrogate } from '../../index.js';
import { rng } from '../support/helpers.js';
import { expectSame, firstDifference, jsOnly, place, releasePlaced, restoreKernels, savedMin, savedThreads, type Placement } from '../support/wasmCompare.js';

/** nn.Expon's generated model at τ = 5 ms, dt = 1 ms, float32. */
const EXPON_5 = bindSynapse(declareSynapse(EXPON), { tau: 5 }, 1, 'float32');

afterAll(restoreKernels);

function values(n: number, mean: number, spread: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => mean + spread * (2 * r() - 1));
}


/** `f` on `threads` threads with every sweep on the pool (threshold 0), arrays placed by `p`; plain copies of its outputs. */
function onThreads(threads: number, p: Placement, f: (place: (a: Float32Array) => Float32Array) => Float32Array[]): Float32Array[] {
  threadPool.threads = threads;
  sequenceParallel.minElements = 0;
  // 'blocks': a scratch of 64 KiB, so heap arrays go through several column blocks (each split over threads).
  if (p === 'blocks') wasmKernels.scratchBytes = 65536;
  try {
    return f((a) => place(a, p)).map((o) => Float32Array.from(o));
  } finally {
    wasmKernels.scratchBytes = SCRATCH_BYTES;
    sequenceParallel.minElements = savedMin;
    releasePlaced();
  }
}



const input = (data: Float32Array, shape: number[]): CpuInput => ({ data, shape, dtype: 'float32', size: data.length });
const seqOut = (T: number, N: number) => ({ shape: [T, N], dtype: 'float32' as const });
const rowOut = (N: number) => ({ shape: [N], dtype: 'float32' as const });

/** nn.LIF's generated kernels (dynamics/models/lif.ts): soft with its defaults, or hard with V_rest, R ≠ 1 and V_th − V_reset ≠ 1. */
function lifAttrs(reset: 'soft' | 'hard'): NeuronSeqAttrs {
  const neuron = reset === 'soft' ? bindNeuron(declareNeuron(LIF_SOFT), {}, 1, 'float32')
    : bindNeuron(declareNeuron(LIF_HARD), { tau: 7, R: 1.7, V_rest: 0.2, V_reset: -0.25 }, 1, 'float32');
  return { neuron, spkFun: new surrogate.Arctan(), detachReset: false };
}

/** Expon forward from the equations: g ← fl(fl(g + fl(fl(−g/τ)·coef)) + x), each float32 operation rounded once. */
function exponReference(xs: Float32Array, g0: Float32Array, T: number, N: number, tau: number, coef: number): Float32Array {
  const fr = Math.fround, gs = new Float32Array(T * N);
  for (let j = 0; j < N; j++) {
    let g = g0[j]!;
    for (let t = 0; t < T; t++) {
      g = fr(fr(g + fr(fr(-g / tau) * coef)) + xs[t * N + j]!);
      gs[t * N + j] = g;
    }
  }
  return gs;
}

/** The decay recurrence's backward from the equations: ḡ = dG_t + carry (float64), dx_t = fl32(ḡ), carry = decay·ḡ. */
function decayReference(dG: Float32Array, T: number, N: number, decay: number): Float32Array[] {
  const dx = new Float32Array(T * N), dg0 = new Float32Array(N);
  for (let j = 0; j < N; j++) {
    let carry = 0;
    for (let t = T - 1; t >= 0; t--) {
      const gb = dG[t * N + j]! + carry;
      dx[t * N + j] = gb;
      carry = decay * gb;
    }
    dg0[j] = carry;
  }
  return [dx, dg0];
}

// [T, N]: columns not a multiple of 4 (fewer groups than threads·4 chunks, and many), T = 1.
const SHAPES: [number, number][] = [[1, 7], [3, 5], [17, 45], [9, 203], [40, 1001], [6, 4099]];
const PLACEMENTS: Placement[] = ['arena', 'heap', 'blocks'];
const THREADS = [1, 2, 3];

/** Large LIF forward sweeps on `threads` threads until a worker has taken a chunk (or 20 s passed); whether one did. */
async function untilWorkersTakeChunks(threads: number): Promise<boolean> {
  const T = 200, N = 4099, b = lifAttrs('soft').neuron;
  const xs = values(T * N, 0.3, 2, 11), v0 = values(N, 0.5, 1, 12);
  const start = poolCounters.workerChunks, deadline = Date.now() + 20_000;
  // A worker starts in tens of milliseconds (more on a busy machine); until then the caller runs every chunk.
  while (poolCounters.workerChunks === start && Date.now() < deadline) {
    onThreads(threads, 'arena', (pl) => {
      const spk = pl(new Float32Array(T * N)), vs = pl(new Float32Array(T * N));
      expect(neuronForwardWasm(b, pl(xs), pl(v0), spk, vs, T, N)).toBe(true);
      return [];
    });
    await new Promise((r) => setTimeout(r, 5));
  }
  threadPool.threads = savedThreads;
  return poolCounters.workerChunks > start;
}

// Start the pool's workers first, so that the comparisons below run on live workers, not the caller alone.
beforeAll(() => untilWorkersTakeChunks(3), 30_000);

describe('sequence kernels on several threads, bit for bit', () => {
  it('run here on a pool (Node, a shared arena), so the comparisons compare thread counts', () => {
    expect(wasmEnabled()).toBe(true);
    expect(arenaShared()).toBe(true);
    threadPool.threads = 3;
    expect(poolThreads()).toBe(3);
    threadPool.threads = savedThreads;
  });

  describe.each(PLACEMENTS)('arrays: %s', (p) => {
    it.each(SHAPES)('LIF forward (generated), T = %i, N = %i', (T, N) => {
      for (const a of [lifAttrs('soft'), lifAttrs('hard')]) {
        const xs = values(T * N, 0.3, 2, T * N), v0 = values(N, 0.5, 1, N + 1);
        const run = (threads: number) => onThreads(threads, p, (pl) => {
          const spk = pl(new Float32Array(T * N)), vs = pl(new Float32Array(T * N));
          expect(neuronForwardWasm(a.neuron, pl(xs), pl(v0), spk, vs, T, N)).toBe(true);
          return [spk, vs];
        });
        const one = run(1);
        if (T * N > 50) expect(one[0]!.some((s) => s === 1)).toBe(true);
        const outs = [seqOut(T, N), { shape: [T, 1, N], dtype: 'float32' as const }];
        expectSame(one, jsOnly(() => neuronRunKernel([input(xs, [T, N]), input(v0, [1, N])], a, outs)), 'one thread vs JavaScript');
        for (const threads of THREADS.slice(1)) expectSame(run(threads), one, `${threads} threads, ${a.neuron.reset[0]!.mode}`);
      }
    });

    it.each(SHAPES)('LIF backward sweep (generated), T = %i, N = %i', (T, N) => {
      for (const [hasDS, hasDStates] of [[true, false], [true, true]] as const) {
        const a: NeuronSeqGradAttrs = { ...lifAttrs('hard'), hasDS, hasDStates };
        const xs = values(T * N, 0.3, 2, T * N + 1), v0 = values(N, 0.5, 1, N), vs = values(T * N, 0.8, 1.5, T * N + 3);
        const dS = values(T * N, 0, 1, 5), dV = values(T * N, 0, 1, 6);
        const run = (threads: number) => onThreads(threads, p, (pl) => {
          const dx = pl(new Float32Array(T * N)), dv0 = pl(new Float32Array(N));
          expect(neuronBackwardWasm(a.neuron, a, pl(xs), pl(v0), pl(vs), pl(dS), hasDStates ? pl(dV) : null, dx, dv0, T, N)).toBe(true);
          return [dx, dv0];
        });
        const one = run(1);
        const ins = [input(xs, [T, N]), input(v0, [1, N]), input(vs, [T, 1, N]), input(dS, [T, N]), ...(hasDStates ? [input(dV, [T, 1, N])] : [])];
        expectSame(one, jsOnly(() => neuronRunGradKernel(ins, a, [seqOut(T, N), { shape: [1, N], dtype: 'float32' }])), 'one thread vs JavaScript');
        for (const threads of THREADS.slice(1)) expectSame(run(threads), one, `${threads} threads, dStates ${hasDStates}`);
      }
    });

    it.each(SHAPES)('Expon forward, T = %i, N = %i', (T, N) => {
      const { tau, coef } = expEulerConstants(5, 1, 'float32');
      const xs = values(T * N, 0, 2, T + N), g0 = values(N, 0, 1, 3);
      const want = exponReference(xs, g0, T, N, tau, coef);
      const attrs = { synapse: EXPON_5 };
      expectSame(jsOnly(() => synapseRunKernel([input(xs, [T, N]), input(g0, [1, N])], attrs, [{ shape: [T, 1, N], dtype: 'float32' }])), [want], 'JavaScript vs reference');
      for (const threads of THREADS) {
        expectSame(onThreads(threads, p, (pl) => {
          const gs = pl(new Float32Array(T * N));
          expect(synapseForwardWasm(EXPON_5, pl(xs), pl(g0), gs, null, T, N)).toBe(true);
          return [gs];
        }), [want], `${threads} threads`);
      }
    });

    it.each(SHAPES)('column sums over leading rows (a bias gradient), rows = %i, W = %i', (rows, W) => {
      const x = values(rows * W, 0, 3, rows + W);
      // float64 running sums in row order, from a nonzero start (the kernel adds to acc)
      const start = Float64Array.from({ length: W }, (_, j) => j / 3);
      const want = Float64Array.from(start);
      for (let r = 0; r < rows; r++) for (let j = 0; j < W; j++) want[j]! += x[r * W + j]!;
      for (const threads of THREADS) {
        const acc = Float64Array.from(start);
        onThreads(threads, p === 'blocks' ? 'heap' : p, (pl) => {
          expect(sumRowsWasm(pl(x), rows, W, acc)).toBe(true);
          return [];
        });
        expect(firstDifference(acc, want), `${threads} threads`).toBe(-1);
      }
    });

    it.each(SHAPES)('decay sweep, T = %i, N = %i', (T, N) => {
      const { tau, coef } = expEulerConstants(5, 1, 'float32');
      const decay = 1 - coef / tau;
      expect(EXPON_5.linear!.a[0]![0]).toBe(decay); // the coefficient derived from the declaration is the decay
      const dG = values(T * N, 0, 1, T * N + 9);
      const want = decayReference(dG, T, N, decay);
      const a = { synapse: EXPON_5, hasDStates: true, hasDOut: false };
      const ins = [input(dG, [T, N])]; // the linear backward's one input: the states' cotangents
      expectSame(jsOnly(() => synapseRunGradKernel(ins, a, [seqOut(T, N), rowOut(N)])), want, 'JavaScript vs reference');
      for (const threads of THREADS) {
        expectSame(onThreads(threads, p, (pl) => {
          const dx = pl(new Float32Array(T * N)), dg0 = pl(new Float32Array(N));
          expect(synapseBackwardWasm(EXPON_5, a, pl(dG), null, dx, dg0, T, N)).toBe(true);
          return [dx, dg0];
        }), want, `${threads} threads`);
      }
    });
  });

  it('a large sweep is shared with the workers; below the threshold no job reaches the pool', async () => {
    const b = lifAttrs('soft').neuron, xs = values(16 * 17, 0.3, 2, 11), v0 = values(17, 0.5, 1, 12);
    const before = poolCounters.jobs;
    onThreads(2, 'arena', (pl) => {
      sequenceParallel.minElements = 16 * 17 + 1; // restored by onThreads
      const spk = pl(new Float32Array(16 * 17)), vs = pl(new Float32Array(16 * 17));
      expect(neuronForwardWasm(b, pl(xs), pl(v0), spk, vs, 16, 17)).toBe(true);
      return [];
    });
    threadPool.threads = savedThreads;
    expect(poolCounters.jobs).toBe(before);
    expect(await untilWorkersTakeChunks(2)).toBe(true);
    expect(poolCounters.jobs).toBeGreaterThan(before);
  }, 30_000);
});
