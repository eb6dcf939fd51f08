/**
 * Event-driven matmul on WebGPU (kernels/webgpu/events.ts, kernels/matmul/events.ts): a sparse float32
 * upload on the left of a matmul is read through its nonzeros on software adapters. Checked against the CPU
 * in float64: the forward product (events grouped by row) and the gradient of the right operand (Aᵀ·dC,
 * events grouped by column), for binary and real-valued sparse inputs, narrow and wide products, a
 * transposed right operand, empty rows and an all-zero input; then the fallbacks (dense uploads, tensors made
 * on the device, an input rewritten in place) and the lists' lifetime.
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import * as internal from '../../internal.js';
import { groupEvents, scanUpload } from '../../kernels/webgpu/events.js';
import type { WebGpuBackend } from '../../kernels/webgpu/index.js';
import { compare, type ParityTol } from '../support/parity.js';
import { cpu, rng, uniformArray } from '../support/helpers.js';
import { describeWebGpu } from '../support/webgpu.js';

const accumTol = (L: number): ParityTol => ({ rtol: 1e-5, atol: Math.max(1e-6, 2 * 6e-8 * Math.sqrt(L)) });

/** [rows, cols] with a fraction `density` of nonzeros: ones, or uniform in [-2, 2) when `real`. */
function sparse(rows: number, cols: number, density: number, seed: number, real = false): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: rows * cols }, () => (r() < density ? (real ? r() * 4 - 2 : 1) : 0));
}

describe('event lists (host side)', () => {
  it('keeps the nonzeros of a large upload at most 10 % dense, in row-major order', () => {
    const a = new Float32Array(8000);
    a[5] = 1; a[4000] = -2.5; a[7999] = 1;
    const ev = scanUpload(a)!;
    expect([...ev.index]).toEqual([5, 4000, 7999]);
    expect([...ev.value]).toEqual([1, -2.5, 1]);
    expect(scanUpload(new Float32Array(100).fill(0))).toBeNull(); // small: never scanned
    expect(scanUpload(Float32Array.from({ length: 8000 }, (_, i) => (i % 5 === 0 ? 1 : 0)))).toBeNull(); // 20 %
  });

  it('groups by row and by column, each group in ascending order', () => {
    // [3, 4]: rows 0 and 2 have events, row 1 none.
    const a = new Float32Array(4096);
    for (const [f, v] of [[1, 1], [3, 2], [8, 3], [10, 4]] as const) a[f] = v;
    const ev = scanUpload(a)!;
    const byRow = groupEvents(ev, 4, 'row');
    expect([...byRow.ptr.slice(0, 4)]).toEqual([0, 2, 2, 4]);
    expect([...byRow.idx]).toEqual([1, 3, 0, 2]);
    expect([...byRow.val]).toEqual([1, 2, 3, 4]);
    const byCol = groupEvents(ev, 4, 'col');
    expect([...byCol.ptr]).toEqual([0, 1, 2, 3, 4]);
    expect([...byCol.idx]).toEqual([2, 0, 2, 0]); // column 0: row 2; column 1: row 0; column 2: row 2; column 3: row 0
    expect([...byCol.val]).toEqual([3, 1, 4, 2]);
  });
});

interface Case {
  name: string;
  a: [number, number];
  b: number[];
  density: number;
  real?: boolean;
  tB?: boolean;
}

const CASES: Case[] = [
  { name: 'seed layer: binary 0.5 % [6000,100]@[100,4]', a: [6000, 100], b: [100, 4], density: 0.005 },
  { name: 'real values 8 %, N = 3: [2000,37]@[37,3]', a: [2000, 37], b: [37, 3], density: 0.08, real: true },
  { name: 'wide N = 40, 2 %: [1500,64]@[64,40]', a: [1500, 64], b: [64, 40], density: 0.02 },
  { name: 'transposed right operand: [3000,50]@[5,50]ᵀ', a: [3000, 50], b: [5, 50], density: 0.03, tB: true },
  { name: 'dense columns (long groups): 9 % of [9000,5]@[5,2]', a: [9000, 5], b: [5, 2], density: 0.09 },
  { name: 'all zeros: [5000,10]@[10,4]', a: [5000, 10], b: [10, 4], density: 0 },
];

describeWebGpu('event-driven matmul on WebGPU against the CPU (float64)', (gpu) => {
  const be = () => gpu as WebGpuBackend;

  for (const c of CASES) {
    it(c.name, async () => {
      const cpuBe = await cpu();
      const a = sparse(c.a[0], c.a[1], c.density, c.a[0] + c.a[1]);
      const bData = Float32Array.from(uniformArray(c.b[0]! * c.b[1]!, -1, 1, rng(3)));
      const K = c.a[1];
      const before = be().memory().liveBuffers;
      const run = (backend: sg.Backend, dtype: 'float32' | 'float64') => {
        const A = sg.tensor(dtype === 'float64' ? Float64Array.from(a) : a, c.a, dtype, backend);
        const B = sg.tensor(dtype === 'float64' ? Float64Array.from(bData) : bData, c.b, dtype, backend);
        const f = (w: sg.Tensor) => sg.matmul(A, w, { transposeB: !!c.tB });
        const y = f(B);
        const u = sg.tensor(Float32Array.from(uniformArray(y.size, -1, 1, rng(5))), [...y.shape], dtype, backend);
        const [dB] = sg.grad((w: sg.Tensor) => sg.sum(sg.mul(f(w), u)), [B])(B);
        return { A, B, y, u, dB: dB! };
      };
      const ref = run(cpuBe, 'float64'), got = run(gpu, 'float32');
      compare(await got.y.data(), ref.y.dataSync(), accumTol(K), `${c.name}: forward`);
      compare(await got.dB.data(), ref.dB.dataSync(), accumTol(c.a[0]), `${c.name}: gradient of B`);
      // Besides A, B, y, u and dB, the forward built A's event list by rows (ptr, idx, val) and the gradient
      // Aᵀ·dC its list by columns; with B transposed the gradient is dCᵀ·A, A on the right: dense, no list …
      expect(be().memory().liveBuffers - before).toBe(5 + 3 + (c.tB ? 0 : 3));
      sg.dispose([ref.A, ref.B, ref.y, ref.u, ref.dB, got.A, got.B, got.y, got.u, got.dB]);
      // … which go with it.
      expect(be().memory().liveBuffers).toBe(before);
    });
  }

  it('linear (x·W + b) adds the bias in the event kernel, quads (N = 8) and scalars (N = 3)', async () => {
    const cpuBe = await cpu();
    for (const n of [8, 3]) {
      const a = sparse(3000, 50, 0.01, 17 + n);
      const w = Float32Array.from(uniformArray(50 * n, -1, 1, rng(19)));
      const bias = Float32Array.from(uniformArray(n, -1, 1, rng(21)));
      const on = (backend: sg.Backend, dtype: 'float32' | 'float64') => {
        const cast = (v: Float32Array) => (dtype === 'float64' ? Float64Array.from(v) : v);
        return [sg.tensor(cast(a), [3000, 50], dtype, backend), sg.tensor(cast(w), [50, n], dtype, backend), sg.tensor(cast(bias), [n], dtype, backend)];
      };
      const [g, c] = [on(gpu, 'float32'), on(cpuBe, 'float64')];
      const before = be().memory().liveBuffers;
      const y = internal.runOp('linear', g, {})[0]!;
      expect(be().memory().liveBuffers - before, 'the event list and the output').toBe(3 + 1);
      compare(await y.data(), internal.runOp('linear', c, {})[0]!.dataSync(), accumTol(50), `linear N = ${n}`);
      sg.dispose([...g, ...c, y]);
    }
  });

  /** GPU result, CPU float64 result, and how many buffers the GPU product left beyond its operands and output. */
  async function product(A: sg.Tensor, a: Float32Array, shape: [number, number], w: Float32Array, n: number) {
    const cpuBe = await cpu();
    const B = sg.tensor(w, [shape[1], n], 'float32', gpu);
    const before = be().memory().liveBuffers;
    const y = sg.matmul(A, B);
    const extra = be().memory().liveBuffers - before - 1;
    const ref = sg.matmul(sg.tensor(Float64Array.from(a), shape, 'float64', cpuBe), sg.tensor(Float64Array.from(w), [shape[1], n], 'float64', cpuBe));
    const out = { got: await y.data(), want: ref.dataSync(), extra };
    sg.dispose([B, y, ref]);
    return out;
  }

  it('falls back to the dense kernels: dense uploads, wide products above 3 %, tensors made on the device', async () => {
    const w = Float32Array.from(uniformArray(40 * 64, -1, 1, rng(9)));
    for (const [what, density, n] of [['dense upload', 0.5, 4], ['5 % with N = 64', 0.05, 64]] as const) {
      const a = sparse(500, 40, density, 11);
      const A = sg.tensor(a, [500, 40], 'float32', gpu);
      const r = await product(A, a, [500, 40], w.slice(0, 40 * n), n);
      compare(r.got, r.want, accumTol(40), what);
      expect(r.extra, `${what}: no event list`).toBe(0);
      A.dispose();
    }
    // Spikes made on the device (the tutorial's rand(...).lt(p)): no host values, no list.
    sg.random.seed(1);
    // tidy: the intermediates are freed now, not by the collector in the middle of a later test's buffer count.
    const A = sg.withBackend(gpu, () => sg.tidy(() => sg.random.rand([500, 40]).lt(0.01).astype('float32')));
    const a = Float32Array.from(await A.data());
    const r = await product(A, a, [500, 40], w.slice(0, 160), 4);
    compare(r.got, r.want, accumTol(40), 'device-made spikes');
    expect(r.extra).toBe(0);
    A.dispose();
  });

  it('drops the list of a tensor rewritten in place (an optimizer update) and uses its new values', async () => {
    const a = sparse(800, 20, 0.02, 13);
    const A = sg.tensor(a, [800, 20], 'float32', gpu);
    const w = Float32Array.from(uniformArray(20 * 4, -1, 1, rng(15)));
    const first = await product(A, a, [800, 20], w, 4);
    expect(first.extra).toBe(3); // the list by rows
    compare(first.got, first.want, accumTol(20), 'before the update');
    // SGD with lr 1 and gradient −1 everywhere: A ← A + 1, now dense.
    const g = sg.tensor(new Float32Array(a.length).fill(-1), [800, 20], 'float32', gpu);
    const live = be().memory().liveBuffers;
    gpu.update('sgd', [A], [g], { lr: 1, momentum: 0, nesterov: false, weightDecay: 0 });
    expect(be().memory().liveBuffers).toBe(live - 3);
    const updated = a.map((v) => v + 1);
    const second = await product(A, updated, [800, 20], w, 4);
    expect(second.extra).toBe(0);
    compare(second.got, second.want, accumTol(20), 'after the update');
    sg.dispose([A, g]);
  });
});
