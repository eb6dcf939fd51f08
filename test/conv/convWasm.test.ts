/**
 * The float32 convolution on the WebAssembly SIMD gemm and the CPU backend's threads (kernels/conv/cpu.ts on
 * kernels/matmul/gemmWasm.ts):
 * - gemmWasm64 (float64 outputs, unrounded; `accumulate` continues each sum): the float64 reference's exact
 *   sums on shapes that are not multiples of the 4×4 tile, both transposes, 1–3 threads, and a K split over
 *   calls giving the bits of one call;
 * - conv2d forward, input gradient and weight gradient on odd shapes (kernel 1 and 7, strides above 1 and
 *   unequal, padding that does not divide, one channel, dilation, groups), with chunks of a few images and
 *   two threads: the bits of the JavaScript kernels (each output the same serial float64 sum rounded once)
 *   and within rounding of a naive float64 convolution (./reference.ts).
 * Bugs these catch: a wrong transpose or offset of a group or chunk, an edge tile written past its rows or
 * columns, a float64 sum rounded early or restarted per chunk, the path silently not taken.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { convStats, convTuning } from '../../kernels/conv/cpu.js';
import { gemmWasm64 } from '../../kernels/matmul/gemmWasm.js';
import { arenaRelease, arenaTake } from '../../kernels/cpu/wasmArena.js';
import { shutdownPool, threadPool } from '../../kernels/cpu/threadPool.js';
import { cpu, expectClose, rng, uniformArray } from '../support/helpers.js';
import { conv2dRef, type ConvGeom } from './reference.js';

const saved = { ...convTuning };
const savedThreads = threadPool.threads;
afterAll(() => {
  Object.assign(convTuning, saved);
  threadPool.threads = savedThreads;
  shutdownPool();
});

function values(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => Math.fround(2 * r() - 1) * (r() < 0.1 ? 1e3 : 1));
}

/** A float64 array in the arena (gemmWasm64 writes there), zeroed or holding `init`. */
function arena64(n: number, init?: Float64Array): { view: Float64Array; block: Float32Array } {
  const block = arenaTake(2 * Math.max(1, n), true);
  if (!block) throw new Error('arena full');
  const view = new Float64Array(block.buffer, block.byteOffset, n);
  if (init) view.set(init);
  return { view, block };
}

describe('gemmWasm64: float64 outputs, and sums continued across calls', () => {
  const SHAPES: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [4, 8, 4], [9, 2, 3], [17, 33, 10], [37, 300, 33]];
  for (const [M, K, N] of SHAPES) {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      it(`[${M}, ${K}]·[${K}, ${N}]${tA ? ' Aᵀ' : ''}${tB ? ' Bᵀ' : ''}: the reference's exact sums; K split in two calls gives the same bits`, () => {
        const a = values(M * K, M * 7 + K), b = values(K * N, N * 13 + K), start = Float64Array.from(values(M * N, 3), (v) => v * 1e-3);
        const A = (i: number, k: number) => (tA ? a[k * M + i]! : a[i * K + k]!);
        const B = (k: number, j: number) => (tB ? b[j * K + k]! : b[k * N + j]!);
        const want = new Float64Array(M * N), wantAcc = new Float64Array(M * N);
        for (let i = 0; i < M; i++) {
          for (let j = 0; j < N; j++) {
            let s = 0, t = start[i * N + j]!;
            for (let k = 0; k < K; k++) { s += A(i, k) * B(k, j); t += A(i, k) * B(k, j); }
            want[i * N + j] = s;
            wantAcc[i * N + j] = t;
          }
        }
        for (const threads of [1, 2, 3]) {
          threadPool.threads = threads;
          const out = arena64(M * N, new Float64Array(M * N).fill(7)); // overwritten without `accumulate`
          expect(gemmWasm64(a, 0, tA, b, 0, tB, out.view, M, K, N, false, threads)).toBe(true);
          expect(Array.from(out.view)).toEqual(Array.from(want));
          const acc = arena64(M * N, start);
          expect(gemmWasm64(a, 0, tA, b, 0, tB, acc.view, M, K, N, true, threads)).toBe(true);
          expect(Array.from(acc.view)).toEqual(Array.from(wantAcc));
          // K split at k1: the second call continues the first's sums (A and B restricted to their k ranges).
          if (!tA && !tB && K > 1) {
            const k1 = Math.floor(K / 2);
            const a1 = new Float32Array(M * k1), a2 = new Float32Array(M * (K - k1));
            for (let i = 0; i < M; i++) { a1.set(a.subarray(i * K, i * K + k1), i * k1); a2.set(a.subarray(i * K + k1, (i + 1) * K), i * (K - k1)); }
            const split = arena64(M * N);
            expect(gemmWasm64(a1, 0, false, b, 0, false, split.view, M, k1, N, true, threads)).toBe(true);
            expect(gemmWasm64(a2, 0, false, b, k1 * N, false, split.view, M, K - k1, N, true, threads)).toBe(true);
            expect(Array.from(split.view)).toEqual(Array.from(want));
            arenaRelease(split.block);
          }
          arenaRelease(out.block);
          arenaRelease(acc.block);
        }
      });
    }
  }

  it('refuses an output outside the arena (returns false, writes nothing)', () => {
    const out = new Float64Array(4).fill(5);
    expect(gemmWasm64(values(4, 1), 0, false, values(4, 2), 0, false, out, 2, 2, 2, false, 1)).toBe(false);
    expect(Array.from(out)).toEqual([5, 5, 5, 5]);
  });
});

interface Case { name: string; x: number[]; w: number[]; bias: boolean; geom: ConvGeom }
const geom = (stride: [number, number] = [1, 1], padding: [number, number] = [0, 0], dilation: [number, number] = [1, 1], groups = 1): ConvGeom =>
  ({ stride, padding, dilation, groups });
const CASES: Case[] = [
  { name: '3×3 pad 1, bias, 6 images', x: [6, 3, 7, 6], w: [5, 3, 3, 3], bias: true, geom: geom([1, 1], [1, 1]) },
  { name: 'kernel 1', x: [5, 2, 5, 5], w: [3, 2, 1, 1], bias: false, geom: geom() },
  { name: 'kernel 7, stride 2, padding 2 that does not divide, one channel', x: [3, 1, 9, 8], w: [2, 1, 7, 7], bias: true, geom: geom([2, 2], [2, 2]) },
  { name: 'unequal strides [2, 3], padding [1, 0], kernel 3×2', x: [4, 2, 8, 9], w: [7, 2, 3, 2], bias: true, geom: geom([2, 3], [1, 0]) },
  { name: 'dilation 2', x: [3, 2, 10, 10], w: [6, 2, 3, 3], bias: false, geom: geom([1, 1], [1, 1], [2, 2]) },
  { name: 'groups 2', x: [5, 4, 6, 5], w: [6, 2, 3, 3], bias: true, geom: geom([1, 1], [1, 1], [1, 1], 2) },
  { name: 'digits conv2 shape 12→9 5×5', x: [7, 12, 12, 12], w: [9, 12, 5, 5], bias: true, geom: geom() },
];

/** y and the gradients of ⟨u, y⟩ in float32 on the CPU backend, through the op table. */
async function run(c: Case) {
  const be = await cpu();
  const x = sg.tensor(values(c.x.reduce((p, d) => p * d, 1), 1), c.x, 'float32', be);
  const w = sg.tensor(values(c.w.reduce((p, d) => p * d, 1), 2), c.w, 'float32', be);
  const b = c.bias ? sg.tensor(values(c.w[0]!, 3), [c.w[0]!], 'float32', be) : null;
  const f = (xx: sg.Tensor, ww: sg.Tensor, bb?: sg.Tensor) => sg.conv2d(xx, ww, bb ?? null, c.geom);
  const y = f(x, w, b ?? undefined);
  const u = Float32Array.from(uniformArray(y.size, -1, 1, rng(5)));
  const ut = sg.tensor(u, [...y.shape], 'float32', be);
  const ins = [x, w, ...(b ? [b] : [])];
  const grads = sg.grad((...v: sg.Tensor[]) => sg.sum(sg.mul(f(v[0]!, v[1]!, v[2]), ut)), ins)(...ins);
  const out = { y: y.dataSync() as Float32Array, dx: grads[0]!.dataSync() as Float32Array, dw: grads[1]!.dataSync() as Float32Array, x: x.dataSync(), w: w.dataSync(), b: b?.dataSync() ?? null, u };
  sg.dispose([y, ut, ...grads, ...ins]);
  return out;
}

const bits = (a: Float32Array): number[] => [...new Uint32Array(a.buffer, a.byteOffset, a.length)];

describe('conv2d in float32 on the WebAssembly gemm, two threads, chunks of a few images', () => {
  for (const c of CASES) {
    it(`${c.name}: the JavaScript kernels' bits, and the float64 convolution rounded`, async () => {
      convTuning.eventDensity = 0; // dense inputs anyway; the event path is tested in convOps
      convTuning.wasm = false;
      const js = await run(c);
      convTuning.wasm = true;
      threadPool.threads = 2;
      convTuning.threads = 2;
      // Chunks of 2–3 images (the weight gradient's sums continue across them).
      convTuning.wasmChunk = 2 * c.x[1]! * c.w[2]! * c.w[3]! * 40;
      const before = convStats.wasmCalls;
      const wasm = await run(c);
      expect(convStats.wasmCalls - before).toBe(4); // forward (y, and again inside grad), input gradient, weight gradient
      convTuning.threads = null;
      convTuning.wasmChunk = saved.wasmChunk;
      convTuning.eventDensity = saved.eventDensity;
      expect(bits(wasm.y)).toEqual(bits(js.y));
      expect(bits(wasm.dx)).toEqual(bits(js.dx));
      expect(bits(wasm.dw)).toEqual(bits(js.dw));
      const ref = conv2dRef(wasm.x, c.x, wasm.w, c.w, wasm.b, c.geom, wasm.u);
      // One rounding of the float64 sum (and the bias added in float32): a few ulps of the largest term.
      const tol = { atol: 2e-3, rtol: 3e-7 };
      expectClose(wasm.y, ref.y, tol, 'y');
      expectClose(wasm.dx, ref.dx, tol, 'dx');
      expectClose(wasm.dw, ref.dw, tol, 'dw');
    });
  }
});
