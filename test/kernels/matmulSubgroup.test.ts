/**
 * The lane-tiled matmul of software adapters (kernels/matmul/subgroupTile.ts): which plan each kind of product
 * gets, and WebGPU-against-CPU (float64) parity for cases chosen so that every operand layout, the Q copy,
 * ragged K, split K, the swapped orientation and broadcast batches all run (on a hardware adapter the same
 * cases exercise the tiled kernels instead). Tolerance: accumulations of K terms, as in parity.test.ts.
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import * as internal from '../../internal.js';
import { accuracy, planSubgroupMatmul, tilesPerWorkgroup, type SubgroupPlan } from '../../kernels/matmul/subgroupTile.js';
import type { InputSpec } from '../support/cases.js';
import { checkParity, type ParityTol } from '../support/parity.js';
import { describeWebGpu } from '../support/webgpu.js';

const accumTol = (L: number): ParityTol => ({ rtol: 1e-5, atol: Math.max(1e-6, 2 * 6e-8 * Math.sqrt(L)) });

interface Case {
  name: string;
  a: number[];
  b: number[];
  tA?: boolean;
  tB?: boolean;
}

const CASES: Case[] = [
  { name: 'wide, P quads along k, Q quads along columns', a: [64, 68], b: [68, 72] },
  { name: 'wide Aᵀ: P quads along rows', a: [68, 64], b: [68, 72], tA: true },
  { name: 'wide Bᵀ: Q quads along k', a: [64, 68], b: [72, 68], tB: true },
  { name: 'wide AᵀBᵀ', a: [68, 64], b: [72, 68], tA: true, tB: true },
  { name: '10 row tiles: a full group of 8 and a partial one', a: [150, 20], b: [20, 40] },
  { name: 'ragged K = 17, scalar P, Q copied (N = 35)', a: [33, 17], b: [17, 35] },
  { name: 'narrow N = 4: swapped, [257,20]@[20,4]', a: [257, 20], b: [20, 4] },
  { name: 'narrow M = 3, Q copied (N = 65)', a: [3, 40], b: [40, 65] },
  { name: 'split K: [8,2048]@[2048,12]', a: [8, 2048], b: [2048, 12] },
  { name: 'weight gradient, split and ragged K: [1030,20]ᵀ@[1030,4]', a: [1030, 20], b: [1030, 4], tA: true },
  { name: 'broadcast batches [2,1,33,20]@[3,20,36]', a: [2, 1, 33, 20], b: [3, 20, 36] },
  { name: 'batch broadcast, swapped, scalar P, Q copied: [2,50,7]@[1,7,3]', a: [2, 50, 7], b: [1, 7, 3] },
  { name: 'vector-matrix [1,64]@[64,40]', a: [1, 64], b: [64, 40] },
  { name: 'empty K: [3,0]@[0,5] is zeros', a: [3, 0], b: [0, 5] },
  { name: 'small K, 1000 tiles: 3 per workgroup, the last alone: [4000,10]@[10,100]', a: [4000, 10], b: [10, 100] },
  // Outputs with enough tiles not to split K (the split depends on the output alone).
  { name: 'unsplit, Q copied, scalar stores (K = 23, N = 130): [300,23]@[23,130]', a: [300, 23], b: [23, 130] },
  { name: 'unsplit narrow N = 4, swapped: [2100,20]@[20,4]', a: [2100, 20], b: [20, 4] },
];

function dims(c: Case) {
  const M = c.tA ? c.a.at(-1)! : c.a.at(-2)!, K = c.tA ? c.a.at(-2)! : c.a.at(-1)!, N = c.tB ? c.b.at(-2)! : c.b.at(-1)!;
  const batch = Math.max(c.a.slice(0, -2).reduce((p, x) => p * x, 1), c.b.slice(0, -2).reduce((p, x) => p * x, 1));
  return { M, N, K, batch };
}

const plan = (M: number, N: number, K: number, tA = false, tB = false, batch = 1): SubgroupPlan => planSubgroupMatmul(M, N, K, tA, tB, batch, 8);

describe('lane-tiled matmul plans', () => {
  it('wide products: 16-row tiles, quads on both sides, no split', () => {
    const p = plan(1024, 1024, 1024);
    expect(p).toMatchObject({ swap: false, copyQ: false, S: 1, shape: { tm: 16, tc: 4, p: 'k', q: 'c', ragged: false, quadStore: true } });
    // The dense SNN layer's backward: dX = dY·Wᵀ (Q quads along k) and dW = Xᵀ·dY (P quads along rows).
    expect(plan(12800, 256, 1024, false, true).shape).toMatchObject({ p: 'k', q: 'k' });
    expect(plan(256, 1024, 12800, true, false).shape).toMatchObject({ p: 'r', q: 'c' });
  });

  it('narrow products put the narrow side on P, and split a long K', () => {
    // The SNN input layer [51200,100]·[100,4] runs as Cᵀ = Bᵀ·Aᵀ with 4-row tiles: lanes along the 51200 rows.
    expect(plan(51200, 4, 100)).toMatchObject({ swap: true, R: 4, Cn: 51200, S: 1, shape: { tm: 4, p: 'r', q: 'k' } });
    // Its weight gradient [100,51200]·[51200,4]: one tile of output, so K is cut into slices.
    const g = plan(100, 4, 51200, true, false);
    expect(g).toMatchObject({ swap: true, shape: { tm: 4, p: 'r', q: 'c' } });
    expect(g.S).toBeGreaterThan(8);
    expect(g.kChunk % 4).toBe(0);
    expect(g.kChunk * g.S).toBeGreaterThanOrEqual(51200);
    expect(g.kChunk * (g.S - 1)).toBeLessThan(51200);
  });

  it('a K of 512 or more is split (one product and one reduction at any T), into slices of at most accuracy.maxSliceK; a short K never', () => {
    const S = plan(100, 4, 512, true, false).S;
    expect(S).toBeGreaterThan(1);
    for (const K of [513, 4000, 51200, 1 << 20]) {
      const p = plan(100, 4, K, true, false);
      expect(p.S).toBe(Math.max(S, Math.ceil(K / accuracy.maxSliceK)));
      expect(p.kChunk).toBeLessThanOrEqual(accuracy.maxSliceK);
    }
    for (const K of [0, 4, 256, 511]) expect(plan(100, 4, K, true, false).S).toBe(1);
    expect(plan(3, 5, 0)).toMatchObject({ S: 1, kChunk: 4 });
    expect(plan(512, 512, 4096).S).toBe(1);
  });

  it('unaligned operands: scalar P loads, a padded copy of Q, masked ragged K', () => {
    // The output layer's input gradient dH = dO·W2ᵀ, K = 10 classes.
    expect(plan(12800, 1024, 10, false, true)).toMatchObject({ copyQ: true, shape: { p: 's', q: 'c', ragged: true } });
  });

  it('small-K products run several tiles per workgroup, keeping at least 256 workgroups', () => {
    // dH = dO·W2ᵀ [12800,10]@[1024,10]ᵀ: 25 600 tiles of 3 k-steps each.
    expect(tilesPerWorkgroup(25600, 12)).toBe(86);
    expect(tilesPerWorkgroup(1000, 12)).toBe(3);
    expect(tilesPerWorkgroup(100, 12)).toBe(1);
    expect(tilesPerWorkgroup(25600, 1024)).toBe(1);
  });

  it('the parity cases below cover every layout and path', () => {
    const seen = new Set<string>();
    for (const c of CASES) {
      const { M, N, K, batch } = dims(c);
      const p = plan(M, N, K, c.tA, c.tB, batch);
      seen.add(`P${p.shape.p}`).add(`Q${p.shape.q}`);
      if (p.copyQ) seen.add('copy');
      if (p.shape.ragged) seen.add('ragged');
      if (p.S > 1) seen.add('split');
      if (p.swap) seen.add('swap');
      seen.add(p.shape.quadStore ? 'quadStore' : 'scalarStore');
      if (batch > 1) seen.add('batch');
      const tiles = p.tilesR * p.tilesC * batch * p.S;
      if (tilesPerWorkgroup(tiles, p.kChunk) > 1 && tiles % tilesPerWorkgroup(tiles, p.kChunk) !== 0) seen.add('tileGroups');
    }
    expect([...seen].sort()).toEqual(['Pk', 'Pr', 'Ps', 'Qc', 'Qk', 'batch', 'copy', 'quadStore', 'ragged', 'scalarStore', 'split', 'swap', 'tileGroups']);
  });
});

/** The plain 2-D cases again as `linear` (x·W + b): the bias is added in the epilogue, by O's column, by
 *  O's row when the product runs swapped, or after the product when K is split. */
const LINEAR_CASES = CASES.filter((c) => c.a.length === 2 && c.b.length === 2 && !c.tA && !c.tB && c.a[1]! > 0);

describe('linear on the lane-tiled plans', () => {
  it('covers a column bias (quad and scalar stores), a row bias (swapped) and a split K (bias added after)', () => {
    const seen = new Set<string>();
    for (const c of LINEAR_CASES) {
      const p = plan(c.a[0]!, c.b[1]!, c.a[1]!);
      seen.add(p.S > 1 ? 'split' : p.swap ? 'row' : p.shape.quadStore ? 'col quads' : 'col');
    }
    expect([...seen].sort()).toEqual(['col', 'col quads', 'row', 'split']);
  });
});

describeWebGpu('linear (x·W + b) on the lane-tiled kernel against the CPU (float64)', (gpu) => {
  for (const c of LINEAR_CASES) {
    it(c.name, async () => {
      const { K } = dims(c);
      await checkParity({
        name: `linear [${c.a}]@[${c.b}]+[${c.b[1]}]`,
        fn: (x, w, b) => internal.runOp('linear', [x, w, b], {})[0]!,
        inputs: [{ shape: c.a }, { shape: c.b }, { shape: [c.b[1]!] }], tol: accumTol(K), gradTol: accumTol(Math.max(c.a[0]!, K)),
      }, gpu);
    });
  }
});

describeWebGpu('lane-tiled matmul against the CPU (float64)', (gpu) => {
  for (const c of CASES) {
    it(c.name, async () => {
      const { M, N, K, batch } = dims(c);
      const inputs: InputSpec[] = [{ shape: c.a }, { shape: c.b }];
      await checkParity({
        name: `matmul [${c.a}]${c.tA ? 'ᵀ' : ''}@[${c.b}]${c.tB ? 'ᵀ' : ''}`,
        fn: (x, y) => sg.matmul(x, y, { transposeA: !!c.tA, transposeB: !!c.tB }),
        inputs, tol: accumTol(K), gradTol: accumTol(Math.max(M, N, K) * batch),
      }, gpu);
    });
  }
});
