/**
 * The WebAssembly event path of the CPU matmul (kernels/matmul/eventsWasm.ts, chosen in cpuSparse.ts):
 * - the scan's event lists against lists built by a plain loop: every row length modulo 4 (the vector part and
 *   the scalar tail), empty and full rows, densities 0 and 1, values other than 1 (−2, 0.5, NaN) and −0 (not
 *   an event), and the capacity at which it stops;
 * - the regrouping by columns (the weight gradient: rows ascending within a column) against the lists of Aᵀ;
 * - the product of event groups against the float64 reference: each output is the float64 sum from +0 of
 *   v·B[k, j] over ascending k, rounded once to float32, plus the float32 bias; compared bit for bit (the
 *   tolerance is zero: the kernel adds the same exact products in the same order), on output widths that are
 *   not multiples of its 16-column block, both transposes of B, spike trains and weighted events, 1–3 threads;
 * - through the public matmul and linear ops with the event path forced: the same bits as the dense kernel
 *   and as the JavaScript twins (WebAssembly off), forward (x·W) and weight gradient (xᵀ·dY).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { shutdownPool, threadPool } from '../../kernels/cpu/threadPool.js';
import { wasmKernels } from '../../kernels/flags.js';
import { eventView, forgetSparseView, sparseTuning } from '../../kernels/matmul/cpuSparse.js';
import { eventCounters, eventGroups, scanEvents, type EventLists } from '../../kernels/matmul/eventsWasm.js';
import { rng } from '../support/helpers.js';
import { place, releasePlaced } from '../support/wasmCompare.js';

const savedThreads = threadPool.threads;
afterEach(() => {
  sparseTuning.density = null;
  wasmKernels.enabled = true;
  threadPool.threads = savedThreads;
  releasePlaced();
});
afterAll(() => shutdownPool());

/** A copy of `a` in the arena (kernels read it in place), given back after each test. */
const inArena = (a: Float32Array): Float32Array => place(a, 'arena');

const bits = (a: Float32Array): number[] => [...new Uint32Array(a.buffer, a.byteOffset, a.length)];

/** [rows, cols] float32: 0/1 spikes with probability p, or (weighted) values from a small set when they spike. */
function spikes(rows: number, cols: number, p: number, seed: number, weighted = false): Float32Array {
  const r = rng(seed);
  const pick = [1, -2, 0.5, 3.25, Math.fround(0.1)];
  return Float32Array.from({ length: rows * cols }, () => (r() < p ? (weighted ? pick[Math.floor(r() * pick.length)]! : 1) : 0));
}
function uniform(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => Math.fround(2 * r() - 1));
}

/** The lists a plain loop builds: by rows, columns ascending, values null when every nonzero is 1. */
function referenceLists(a: Float32Array, rows: number, cols: number): EventLists {
  const ptr = [0], idx: number[] = [], vals: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = a[r * cols + c]!;
      if (v !== 0 || Number.isNaN(v)) { idx.push(c); vals.push(v); }
    }
    ptr.push(idx.length);
  }
  return { ptr: Int32Array.from(ptr), idx: Int32Array.from(idx), values: vals.every((v) => v === 1) ? null : Float32Array.from(vals) };
}

/** out[g, j] = fround(Σ_e v_e·op(B)[idx_e, j] in float64 from +0, list order) (+ bias[j] in float32). */
function referenceGroups(lists: EventLists, b: Float32Array, tB: boolean, K: number, N: number, bias: Float32Array | null): Float32Array {
  const groups = lists.ptr.length - 1, out = new Float32Array(groups * N);
  for (let g = 0; g < groups; g++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let e = lists.ptr[g]!; e < lists.ptr[g + 1]!; e++) {
        const k = lists.idx[e]!;
        s += (lists.values ? lists.values[e]! : 1) * (tB ? b[j * K + k]! : b[k * N + j]!);
      }
      out[g * N + j] = bias ? Math.fround(Math.fround(s) + bias[j]!) : s;
    }
  }
  return out;
}

describe('scanEvents: the event lists of a float32 matrix', () => {
  for (const cols of [32, 33, 34, 35, 67]) {
    it(`rows of ${cols} columns (vector part and tail): columns ascending, values, empty and full rows`, () => {
      const rows = 9;
      const a = spikes(rows, cols, 0.3, cols);
      a.fill(0, 0, cols); // row 0 empty
      a.fill(1, 2 * cols, 3 * cols); // row 2 full
      a[4 * cols + cols - 1] = 1; // an event in the last column (the tail when cols % 4 ≠ 0)
      const scan = scanEvents(inArena(a), rows, cols, rows * cols)!;
      expect(scan.lists).toEqual(referenceLists(a, rows, cols));
      expect(scan.lists!.values).toBeNull(); // a spike train
      expect(scan.count).toBe(scan.lists!.idx.length);
    });
  }

  it('densities 0 and 1', () => {
    for (const fill of [0, 1]) {
      const a = new Float32Array(7 * 41).fill(fill);
      const lists = scanEvents(inArena(a), 7, 41, a.length)!.lists!;
      expect(lists).toEqual(referenceLists(a, 7, 41));
      expect(lists.idx.length).toBe(fill * a.length);
    }
  });

  it('keeps values other than 1 (NaN included) and skips −0, in the vector part and the tail', () => {
    const rows = 3, cols = 39;
    const a = new Float32Array(rows * cols);
    a[1] = -2; a[5] = 0.5; a[6] = -0; a[cols + 2] = NaN; a[cols + 37] = 7; a[2 * cols + 38] = -0; a[2 * cols + 3] = 1;
    const lists = scanEvents(inArena(a), rows, cols, a.length)!.lists!;
    expect(lists.ptr).toEqual(Int32Array.from([0, 2, 4, 5]));
    expect([...lists.idx]).toEqual([1, 5, 2, 37, 3]);
    expect([...lists.values!]).toEqual([-2, 0.5, NaN, 7, 1]);
    // only NaN in an otherwise binary matrix: still weighted (NaN · B must stay NaN)
    const b = new Float32Array(64).fill(1);
    b[9] = NaN;
    expect(scanEvents(inArena(b), 2, 32, 64)!.lists!.values).not.toBeNull();
  });

  it('stops after the row that passes the capacity, reporting more events than it', () => {
    const a = new Float32Array(10 * 40).fill(1);
    const scan = scanEvents(inArena(a), 10, 40, 95)!;
    expect(scan.lists).toBeNull();
    expect(scan.count).toBe(120); // rows 0–2: the third row passes 95
    expect(scanEvents(inArena(a), 10, 40, 400)!.lists).not.toBeNull(); // exactly the capacity: kept
  });

  it('needs its operand in the arena (the kernel reads it in place)', () => {
    expect(scanEvents(new Float32Array(64), 2, 32, 64)).toBeNull();
  });
});

describe('eventGroups by columns: the weight gradient regroups the rows\' lists (a counting sort in the arena)', () => {
  it('sums over each column\'s rows in ascending order: the reference lists of Aᵀ, empty columns, spikes and weighted, 1–3 threads', () => {
    const rows = 23, cols = 37, N = 21;
    const b = uniform(rows * N, 8);
    for (const weighted of [false, true]) {
      const a = spikes(rows, cols, 0.25, 5, weighted);
      for (let r = 0; r < rows; r++) a[r * cols + 7] = 0; // column 7 empty
      for (let r = 0; r < rows; r++) a[r * cols + 36] = weighted ? 0.5 : 1; // the last column full
      const at = new Float32Array(cols * rows); // Aᵀ, whose rows are A's columns
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) at[c * rows + r] = a[r * cols + c]!;
      const want = bits(referenceGroups(referenceLists(at, cols, rows), b, false, rows, N, null));
      for (const threads of [1, 2, 3]) {
        const out = new Float32Array(cols * N).fill(NaN);
        expect(eventGroups(referenceLists(a, rows, cols), cols, b, 0, false, rows, N, out, 0, null, threads)).toBe(true);
        expect(bits(out)).toEqual(want);
      }
    }
  });
});

describe('eventGroups: out[g, :] = Σ v·B[idx, :] over the events of group g', () => {
  // [groups, K, N]: N not a multiple of the 16-column block (17, 37), one block (16 is the JavaScript kernels'
  // at the public op, but the kernel itself takes it), several (48, 129)
  const SHAPES: [number, number, number][] = [[1, 32, 17], [13, 40, 16], [29, 67, 37], [50, 33, 48], [7, 100, 129]];
  for (const [G, K, N] of SHAPES) {
    for (const tB of [false, true]) {
      it(`${G} groups, B [${K}, ${N}]${tB ? 'ᵀ' : ''}: the float64 reference's bits, spikes and weighted, bias, 1–3 threads`, () => {
        const b = uniform(K * N, G + K + N), bias = uniform(N, 3);
        for (const weighted of [false, true]) {
          const a = spikes(G, K, 0.2, G * K, weighted);
          if (G > 1) a.fill(0, (G - 1) * K, G * K); // an empty group: +0 (or the bias)
          if (G > 2) a.fill(weighted ? -2 : 1, K, 2 * K); // a full one
          a[0] = weighted ? 0.5 : 1; // at least one event, weighted or not
          const lists = referenceLists(a, G, K);
          expect(lists.values === null).toBe(!weighted);
          for (const withBias of [false, true]) {
            const want = bits(referenceGroups(lists, b, tB, K, N, withBias ? bias : null));
            for (const threads of [1, 2, 3]) {
              threadPool.threads = threads;
              for (const arena of [true, false]) {
                const out = arena ? inArena(new Float32Array(G * N).fill(NaN)) : new Float32Array(G * N).fill(NaN);
                expect(eventGroups(lists, 0, b, 0, tB, K, N, out, 0, withBias ? bias : null, threads)).toBe(true);
                expect(bits(out)).toEqual(want);
              }
            }
          }
        }
      });
    }
  }

  it('reads B and writes the output at offsets, leaving the rest untouched; NaN and ±Infinity events propagate', () => {
    const G = 4, K = 32, N = 20;
    const b = uniform(2 * K * N, 9);
    const a = new Float32Array(G * K);
    a[3] = NaN; a[K + 1] = Infinity; a[2 * K + 5] = 1; a[2 * K + 6] = -0;
    const lists = referenceLists(a, G, K);
    const out = new Float32Array(2 * G * N).fill(42);
    expect(eventGroups(lists, 0, b, K * N, false, K, N, out, G * N, null, 1)).toBe(true);
    expect([...out.subarray(0, G * N)]).toEqual(new Array(G * N).fill(42));
    expect(bits(out.subarray(G * N))).toEqual(bits(referenceGroups(lists, b.subarray(K * N), false, K, N, null)));
    expect(Number.isNaN(out[G * N])).toBe(true);
    expect(Object.is(out[G * N + 3 * N], 0)).toBe(true); // no events: +0
  });

  it('says false (nothing written) with WebAssembly off, and true with no groups', () => {
    const lists = referenceLists(new Float32Array(64).fill(1), 2, 32);
    const out = new Float32Array(2 * 17).fill(7);
    wasmKernels.enabled = false;
    expect(eventGroups(lists, 0, uniform(32 * 17, 1), 0, false, 32, 17, out, 0, null, 1)).toBe(false);
    expect([...out]).toEqual(new Array(34).fill(7));
    expect(eventGroups({ ptr: new Int32Array(1), idx: new Int32Array(0), values: null }, 0, uniform(32 * 17, 1), 0, false, 32, 17, out, 0, null, 1)).toBe(true);
  });
});

describe('the event path through matmul and linear: the same bits as the dense kernel and the JavaScript twins', () => {
  /** The op's output with the event path forced (limit 1), the dense kernel forced (−1: below every density, 0 included), and WebAssembly off. */
  function threeWays(run: () => sg.Tensor): Float32Array[] {
    const out: Float32Array[] = [];
    for (const [density, wasm] of [[1, true], [-1, true], [1, false]] as const) {
      sparseTuning.density = density;
      wasmKernels.enabled = wasm;
      const before = eventCounters.products;
      out.push(Float32Array.from(run().dataSync() as Float32Array));
      // the event kernel ran exactly when forced with WebAssembly on
      expect(eventCounters.products - before).toBe(density === 1 && wasm ? 1 : 0);
    }
    return out;
  }
  for (const [M, K, N, p] of [[301, 67, 37, 0.15], [64, 784, 128, 0.13], [40, 33, 17, 1], [40, 33, 17, 0]] as const) {
    for (const weighted of [false, true]) {
      it(`x [${M}, ${K}] at density ${p}${weighted ? ', weighted' : ''}: x·W + b and xᵀ·dY`, () => sg.tidy(() => {
        const xv = spikes(M, K, p, M + K, weighted);
        xv.fill(0, K, 2 * K); // an empty row
        const x = sg.tensor(xv, [M, K]), w = sg.tensor(uniform(K * N, 2), [K, N]), b = sg.tensor(uniform(N, 3), [N]);
        const dy = sg.tensor(uniform(M * N, 4), [M, N]);
        const fwd = threeWays(() => sg.linear(x, w, b));
        expect(bits(fwd[0]!)).toEqual(bits(fwd[1]!));
        expect(bits(fwd[0]!)).toEqual(bits(fwd[2]!));
        const grad = threeWays(() => sg.matmul(x, dy, { transposeA: true }));
        expect(bits(grad[0]!)).toEqual(bits(grad[1]!));
        expect(bits(grad[0]!)).toEqual(bits(grad[2]!));
        // and the float64 reference (the serial sum over ascending k rounded once, plus the bias)
        const want = referenceGroups(referenceLists(xv, M, K), w.dataSync() as Float32Array, false, K, N, b.dataSync() as Float32Array);
        expect(bits(fwd[0]!)).toEqual(bits(want));
      }));
    }
  }

  it('builds the lists of a rate-coded input below the limits, and caches them', () => {
    const data = inArena(spikes(3200, 784, 0.13, 11));
    const limits = { fresh: 0.3, cached: 0.35 };
    const rows = eventView(data, 3200, 784, limits);
    expect(rows).not.toBeNull();
    expect(rows!.ptr.length).toBe(3201);
    expect(eventView(data, 3200, 784, limits)).toBe(rows); // cached, for the backward pass
    expect(eventView(data, 3200, 784, { fresh: 0.3, cached: 0.1 })).toBeNull(); // denser than a lower cached limit
    expect(eventView(inArena(spikes(3200, 784, 0.5, 12)), 3200, 784, limits)).toBeNull(); // denser than the fresh limit
    forgetSparseView(data);
    expect(eventView(data, 3200, 784, { fresh: 0.01, cached: 1 })).toBeNull(); // forgotten: sampled again, too dense to build
  });
});
