/**
 * The dense float32 product as WebAssembly SIMD on several threads (kernels/matmul/gemmWasm.ts,
 * kernels/cpu/threadPool.ts), bit for bit:
 * - against an independent float64 reference (the serial sum in ascending k, rounded once, plus the bias in
 *   float32) on shapes that are not multiples of the 4×4 tile, K = 0 and 1, both transposes, with a bias;
 * - across thread counts 1, 2 and 3 (rows are split between threads, never the reduction), and against the
 *   JavaScript twin (WebAssembly off) through the public matmul and linear ops;
 * - with operands outside the arena (copied in), and a K longer than the JavaScript kernel's panels (the
 *   JavaScript twin must keep one serial sum across panels);
 * - special values: NaN and ±Infinity propagate, −0 sums to +0 (the sum starts at +0).
 * A product large enough to wake the workers is included, and `shutdownPool()` ends them (the process exits).
 * And the choice between the event path and the dense kernel by an operand's measured density.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import * as internal from '../../internal.js';
import { gemmWasm, PARALLEL_MIN_FLOPS } from '../../kernels/matmul/gemmWasm.js';
import { poolCounters, poolThreads, shutdownPool, threadPool } from '../../kernels/cpu/threadPool.js';
import { defaultThreads } from '../../kernels/cpu/threadCount.js';
import { wasmEnabled } from '../../kernels/cpu/wasmKernels.js';
import { wasmKernels } from '../../kernels/flags.js';
import { arenaShared } from '../../kernels/cpu/wasmArena.js';
import { ALWAYS_EVENTS_DENSITY, eventDensityLimits, SPARSE_DENSITY_THRESHOLD, sparseView } from '../../kernels/matmul/cpuSparse.js';
import { place, releasePlaced } from '../support/wasmCompare.js';
import { rng } from '../support/helpers.js';

const savedThreads = threadPool.threads;
afterAll(() => {
  threadPool.threads = savedThreads;
  wasmKernels.enabled = true;
  shutdownPool();
});

function values(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => Math.fround(2 * r() - 1) * (r() < 0.1 ? 1e3 : 1));
}

/** out[i, j] = fround(Σ_k op(A)[i, k]·op(B)[k, j] in float64, ascending k from +0) (+ bias[j] in float32). */
function reference(a: Float32Array, tA: boolean, b: Float32Array, tB: boolean, M: number, K: number, N: number, bias: Float32Array | null): Float32Array {
  const out = new Float32Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (tA ? a[k * M + i]! : a[i * K + k]!) * (tB ? b[j * K + k]! : b[k * N + j]!);
      out[i * N + j] = bias ? Math.fround(Math.fround(s) + bias[j]!) : s;
    }
  }
  return out;
}

/** A copy of `a` in the arena (kernels read it in place), released after the test. */
const inArena = (a: Float32Array): Float32Array => place(a, 'arena');

const bits = (a: Float32Array): number[] => [...new Uint32Array(a.buffer, a.byteOffset, a.length)];

const SHAPES: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [4, 4, 4], [5, 0, 6], [9, 1, 3], [17, 33, 10], [33, 65, 129], [130, 257, 9], [37, 300, 33]];

describe('gemmWasm', () => {
  it('is available where WebAssembly SIMD is, and the arena is shared where worker threads exist', () => {
    expect(wasmEnabled()).toBe(true);
    // Node: the workers run the kernels on the arena itself (plain memory only when one thread is configured)
    expect(arenaShared()).toBe(defaultThreads() > 1);
    expect(poolThreads()).toBe(arenaShared() ? Math.max(1, threadPool.threads) : 1);
  });

  for (const [M, K, N] of SHAPES) {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      it(`[${M}, ${K}]·[${K}, ${N}]${tA ? ' Aᵀ' : ''}${tB ? ' Bᵀ' : ''}: the float64 reference's bits, with and without bias, 1–3 threads`, () => {
        const a = values(M * K, M * 31 + K), b = values(K * N, N * 17 + K + 1), bias = values(N, 5);
        for (const withBias of [false, true]) {
          const want = bits(reference(a, tA, b, tB, M, K, N, withBias ? bias : null));
          for (const threads of [1, 2, 3]) {
            for (const arena of [true, false]) {
              const aa = arena ? inArena(a) : a, out = arena ? inArena(new Float32Array(M * N)) : new Float32Array(M * N);
              // Run through the pool even at this size: threads are passed explicitly below the public threshold.
              threadPool.threads = threads;
              expect(gemmWasm(aa, 0, tA, b, 0, tB, out, 0, M, K, N, withBias ? bias : null, threads)).toBe(true);
              expect(bits(out)).toEqual(want);
            }
          }
        }
        releasePlaced();
      });
    }
  }

  it('reads A and writes the output at offsets (a batch of products), leaving the rest untouched', () => {
    const M = 6, K = 7, N = 5;
    const a = values(2 * M * K, 3), b = values(K * N, 4);
    const out = new Float32Array(2 * M * N).fill(42);
    expect(gemmWasm(a, M * K, false, b, 0, false, out, M * N, M, K, N, null, 2)).toBe(true);
    expect([...out.subarray(0, M * N)]).toEqual(new Array(M * N).fill(42));
    expect(bits(out.subarray(M * N))).toEqual(bits(reference(a.subarray(M * K), false, b, false, M, K, N, null)));
  });

  it('propagates NaN and ±Infinity, and sums −0 products to +0', () => {
    const M = 5, K = 3, N = 5;
    const a = new Float32Array([NaN, 1, 1, Infinity, 1, 1, -0, -0, -0, 1, -Infinity, 1, 2, 3, 4]);
    const b = new Float32Array(K * N).fill(1);
    const out = new Float32Array(M * N);
    expect(gemmWasm(a, 0, false, b, 0, false, out, 0, M, K, N, null, 2)).toBe(true);
    expect(Object.is(out[0], NaN)).toBe(true);
    expect(out[N]).toBe(Infinity);
    expect(Object.is(out[2 * N], 0)).toBe(true); // +0, not −0
    expect(out[3 * N]).toBe(-Infinity);
    expect(out[4 * N]).toBe(9);
  });
});

describe('matmul and linear on the CPU backend, wasm on every thread count vs the JavaScript twin', () => {
  // Above PARALLEL_MIN_FLOPS, so the pool really runs; K = 300 > the JavaScript kernel's 256-long panels.
  const M = 403, K = 300, N = 230;
  it(`[${M}, ${K}]·[${K}, ${N}] (${(2 * M * K * N / 1e6).toFixed(0)} MFLOP) and its transposes: identical bits`, async () => {
    expect(2 * M * K * N).toBeGreaterThan(PARALLEL_MIN_FLOPS);
    await sg.setBackend('cpu');
    try {
      const x = sg.tensor(values(M * K, 11), [M, K]), w = sg.tensor(values(K * N, 12), [K, N]), bias = sg.tensor(values(N, 13), [N]);
      const g = sg.tensor(values(M * N, 14), [M, N]);
      const run = () => [
        sg.matmul(x, w).dataSync(),
        internal.runOp('linear', [x, w, bias], {})[0]!.dataSync(),
        sg.matmul(x, g, { transposeA: true }).dataSync(),
        sg.matmul(g, w, { transposeB: true }).dataSync(),
      ].map((d) => bits(d as Float32Array));
      wasmKernels.enabled = false;
      const js = run();
      wasmKernels.enabled = true;
      expect(js[0]).toEqual(bits(reference(values(M * K, 11), false, values(K * N, 12), false, M, K, N, null)));
      expect(js[1]).toEqual(bits(reference(values(M * K, 11), false, values(K * N, 12), false, M, K, N, values(N, 13))));
      const start = { ...poolCounters };
      for (const threads of [1, 2, 3]) {
        threadPool.threads = threads;
        const before = { ...poolCounters };
        expect(run()).toEqual(js);
        // One thread: no job on the pool. More: each of the four products was a job (the transposed one two:
        // its transposing copy too).
        if (threads > 1 && arenaShared()) expect(poolCounters.jobs - before.jobs).toBeGreaterThanOrEqual(4);
        else expect(poolCounters.jobs).toBe(before.jobs);
      }
      expect(poolCounters.jobs).toBeGreaterThan(start.jobs);
    } finally {
      threadPool.threads = savedThreads;
    }
  }, 120_000); // 4 × 4 products of 16 MFLOP, the JavaScript twin's included, on a busy machine
});

describe('the workers', () => {
  it('take chunks of large products once started (not only the calling thread), with the same bits', async () => {
    if (!arenaShared()) return; // one configured thread: no workers exist (the file's first test checks why)
    threadPool.threads = 2;
    try {
      const M = 403, K = 300, N = 230;
      const a = values(M * K, 21), b = values(K * N, 22), want = bits(reference(a, false, b, false, M, K, N, null));
      const aa = inArena(a), out = inArena(new Float32Array(M * N));
      const start = poolCounters.workerChunks, deadline = Date.now() + 20_000;
      // A worker starts in tens of milliseconds (more on a busy machine); until then the caller runs every chunk.
      while (poolCounters.workerChunks === start && Date.now() < deadline) {
        expect(gemmWasm(aa, 0, false, b, 0, false, out, 0, M, K, N, null)).toBe(true);
        expect(bits(out)).toEqual(want);
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(poolCounters.workerChunks).toBeGreaterThan(start);
    } finally {
      threadPool.threads = savedThreads;
      releasePlaced();
    }
  }, 60_000);
});

describe('event path or dense kernel, by measured density (cpuSparse.ts eventDensityLimits)', () => {
  const spikes = (n: number, p: number, seed: number) => {
    const r = rng(seed);
    return Float32Array.from({ length: n }, () => (r() < p ? 1 : 0));
  };
  it('limits follow the cost model: wider outputs and cached views favour events, more threads the dense kernel', () => {
    const one = eventDensityLimits(128, 1), two = eventDensityLimits(128, 2);
    // (128·0.07 − 0.6) / (128·0.19) and 128·0.07 / (128·0.19); on two threads both products halve, the scan does not
    expect(one.fresh).toBeCloseTo((128 * 0.07 - 0.6) / (128 * 0.19), 12);
    expect(one.cached).toBeCloseTo(0.07 / 0.19, 12);
    expect(two.fresh).toBeCloseTo((64 * 0.07 - 0.6) / (64 * 0.19), 12);
    expect(two.fresh).toBeLessThan(one.fresh);
    expect(two.cached).toBeCloseTo(one.cached, 12);
    expect(eventDensityLimits(512, 1).fresh).toBeGreaterThan(one.fresh);
    // Narrow outputs: the fixed limit (the view serves the weight gradient too); spike trains of a few Hz
    // always get a view, even where the scan alone would cost more than the dense product (N = 17, 8 threads).
    expect(eventDensityLimits(16, 1)).toEqual({ fresh: SPARSE_DENSITY_THRESHOLD, cached: SPARSE_DENSITY_THRESHOLD });
    expect(eventDensityLimits(17, 8).fresh).toBe(ALWAYS_EVENTS_DENSITY);
  });
  it('a fresh operand gets a view below the fresh limit only; the view, once built, serves up to the cached limit', () => {
    const limits = { fresh: 0.04, cached: 0.05 };
    expect(sparseView(spikes(3200 * 784, 0.2, 1), 3200, 784, limits)).toBeNull(); // denser than the limits: dense
    expect(sparseView(spikes(3200 * 784, 0.005, 2), 3200, 784, limits)).not.toBeNull(); // 5 Hz spikes: events
    const mid = spikes(3200 * 784, 0.045, 3);
    expect(sparseView(mid, 3200, 784, limits)).toBeNull(); // above the fresh limit: no view built
    expect(sparseView(mid, 3200, 784, { fresh: 1, cached: 1 })).not.toBeNull(); // built (e.g. by another product)
    expect(sparseView(mid, 3200, 784, limits)).not.toBeNull(); // now below the cached limit: reused
    expect(sparseView(mid, 3200, 784, { fresh: 0.01, cached: 0.025 })).toBeNull(); // but not above a lower cached limit
  });
});

describe('the thread count, and process exit', () => {
  it('is exported as cpuThreads, read from SPIKEGRAD_CPU_THREADS, and a malformed value is an error naming it', () => {
    expect(sg.cpuThreads).toBe(threadPool);
    const saved = process.env.SPIKEGRAD_CPU_THREADS;
    try {
      process.env.SPIKEGRAD_CPU_THREADS = '3';
      expect(defaultThreads()).toBe(3);
      for (const bad of ['0', '2.5', 'two', '-1']) {
        process.env.SPIKEGRAD_CPU_THREADS = bad;
        expect(() => defaultThreads()).toThrow(`environment variable SPIKEGRAD_CPU_THREADS: expected a whole number of threads from 1 to 1024, got "${bad}"`);
      }
    } finally {
      if (saved === undefined) delete process.env.SPIKEGRAD_CPU_THREADS;
      else process.env.SPIKEGRAD_CPU_THREADS = saved;
    }
  });

  const root = fileURLToPath(new URL('../..', import.meta.url));
  /** Runs the child to its own exit (killed after 30 s: a hang fails the test, not the run). */
  async function runChild(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; exitedAt: number }> {
    const outfile = `${root}out/test/cpuThreadsChild.mjs`;
    mkdirSync(`${root}out/test`, { recursive: true });
    await build({
      entryPoints: [`${root}test/support/fixtures/cpuThreadsChild.ts`], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20',
      packages: 'external', loader: { '.wgsl': 'text' }, logLevel: 'warning',
    });
    const child = spawn(process.execPath, [outfile, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SPIKEGRAD_CPU_THREADS: '2' } });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('exit', (c) => { clearTimeout(killer); resolve(c); });
    });
    return { code, stdout, stderr, exitedAt: Date.now() };
  }
  for (const args of [[], ['--no-shutdown']]) {
    it(`lets a process whose product ran on worker threads exit on its own${args.length ? ' without shutdown()' : ' after shutdown()'}`, async () => {
      const { code, stdout, stderr, exitedAt } = await runChild(args);
      expect(code, `child stderr: ${stderr}`).toBe(0);
      const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as { y: number; description: string; lastWorkAt: number };
      expect(report.y).toBe(600 * 200 * 400);
      expect(report.description).toMatch(/large products on 2 threads/);
      expect(exitedAt - report.lastWorkAt).toBeLessThan(3000); // a busy machine; a worker keeping it alive would hang to the kill
    }, 60_000);
  }
});
