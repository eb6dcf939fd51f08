/**
 * Matmul on software adapters (lavapipe): the lane-tiled kernel of subgroupTile.wgsl.ts, planned per shape.
 *
 * Plan, for C[M,N] = A·B (transposes and broadcast batch axes as strides):
 * - Orientation: O = C with P = A, Q = B ("normal"), or O = Cᵀ with P = Bᵀ, Q = Aᵀ ("swapped"). P, the side
 *   each workgroup holds TM rows of, should be the narrow side of a narrow product ([51200,100]·[100,4] runs
 *   as Cᵀ = Bᵀ·Aᵀ with TM = 4), so that the lanes run along the long side.
 * - Layouts: quads wherever the strides allow (see the .wgsl.ts header); P falls back to scalar loads; a Q
 *   that is quad-aligned in neither direction is first copied into a padded row-major scratch (its cost,
 *   K·N element copies, is small next to the product's M·N·K).
 * - Split K: a product with few output tiles and a long K (the weight gradient [100,51200]·[51200,4]) gets
 *   S slices written to scratch and summed by the reduction kernel (deterministic: no atomics).
 */
import type { TensorInfo } from '../../engine/backend.js';
import { sizeOf, stridesOf } from '../../engine/shape.js';
import { reduceStrided } from '../reduce/webgpu.js';
import { cachedProgram, type ParamType, type ParamValue } from '../webgpu/program.js';
import type { GpuContext } from '../webgpu/types.js';
import { subgroupTileMain, type PLayout, type QLayout, type TileShape } from './subgroupTile.wgsl.js';
import { batchOffsetsWgsl } from './batchOffsets.js';
import { subgroupTuning } from '../flags.js';

/**
 * Below this many workgroups K is split (64 keeps up to 64 CPU threads busy), unless K is short. How many
 * slices depends on the output's size alone, never on K (slices may be short or empty), so that a weight
 * gradient over T·B rows takes the same dispatches at any T (see reduce/webgpu.ts).
 */
const MIN_WORKGROUPS = 64;
/** K below this is never split: step mode's per-step products ([B,4]ᵀ·[B,2]) stay one dispatch. */
export const MIN_SPLIT_K = 512;
/**
 * A product that is split anyway is split further until no slice is longer than this: each slice sums its
 * share of K in one float32 FMA chain, whose rounding error grows with its length, while the slices are added
 * by the compensated reduction (reduce/webgpu.ts). The seed's weight gradient (K = T·B = 51,200) went from
 * 7.2e-7 to ~1e-7 relative error (docs/numerics.md §0). It changes the slice count, never the dispatch count
 * (still one product and one reduction), so the dispatches still do not grow with T. `accuracy.maxSliceK`
 * is a knob for the benchmark's A/B (bench/RESULTS.md).
 */
export const accuracy = { maxSliceK: 256 };
/**
 * Register tile: TM rows (the broadcast side) × TC columns per lane. 16 × 4 measured best on lavapipe for wide
 * products (larger tiles spill and lose what they save in loads; bench/RESULTS.md); narrow products take TM =
 * their narrow side rounded up to 4, and keep TC = 4 (TC = 16 ran 2× slower there: spills again).
 */
const WIDE_TM = 16;
const TC = 4;
/**
 * Workgroups walk the output in groups of this many row tiles, column by column (the .wgsl.ts tile order): a
 * Q panel (K × 32 floats, 512 KB at K = 4096) is then read by 8 consecutive workgroups while it is in L2, and
 * Q as a whole is streamed tilesR / 8 times instead of tilesR times, which matters once Q outgrows the L3
 * (ONM's 4096² weights: 64 MB). Measured: [2048,4096]·[4096,4096] 29–35 → 34–37 GFLOP per 2 CPU-s.
 */
const GROUP_ROWS = 8;
/** Both sides at least this long: a wide product (normal orientation unless only the swap avoids a copy). */
const WIDE = 16;

const PARAMS: Record<string, ParamType> = {
  R: 'u32', Cn: 'u32', K: 'u32', batch: 'u32', brank: 'u32', tilesR: 'u32', tilesC: 'u32', groupRows: 'u32', S: 'u32', kChunk: 'u32', perGroup: 'u32',
  sPr: 'u32', sPk: 'u32', sQk: 'u32', sQc: 'u32', qLastQuad: 'u32', sOr: 'u32', sOc: 'u32', sliceStride: 'u32',
  bshape: 'dims', pBatch: 'dims', qBatch: 'dims',
};

const BATCH_OFFSETS = batchOffsetsWgsl('pBatch', 'qBatch');

/** Element strides of each output batch axis in an operand with batch shape `own` (0 where broadcast). */
export function batchStrides(own: readonly number[], full: readonly number[], matSize: number): number[] {
  const st = stridesOf(own);
  const lead = full.length - own.length;
  return full.map((_, d) => (d < lead || own[d - lead] === 1 ? 0 : st[d - lead]! * matSize));
}

/** Strides of one side's (i, k) elements within a matrix: i is a row of P or a column of Q. */
interface Strides {
  si: number;
  sk: number;
}

/** How C = A·B runs on the lane-tiled kernel (pure: decided from shapes and transposes alone). */
export interface SubgroupPlan {
  /** O = Cᵀ with P = Bᵀ, Q = Aᵀ (else O = C, P = A, Q = B). */
  swap: boolean;
  shape: TileShape;
  /** Q has no quad layout (or a ragged K meets Q 'k'): it is copied into a padded row-major scratch first. */
  copyQ: boolean;
  R: number;
  Cn: number;
  tilesR: number;
  tilesC: number;
  /** K slices (split K when the output has few tiles), each kChunk long (a multiple of 4). */
  S: number;
  kChunk: number;
}

function pLayout(P: Strides, R: number, K: number): PLayout {
  if (P.sk === 1 && P.si % 4 === 0 && K % 4 === 0) return 'k';
  if (P.si === 1 && P.sk % 4 === 0 && R % 4 === 0) return 'r';
  return 's';
}

/** Q's quad layout, or null when it has none. */
function qLayout(Q: Strides, Cn: number, K: number): QLayout | null {
  if (Q.si === 1 && Q.sk % 4 === 0 && Cn % 4 === 0) return 'c';
  if (Q.sk === 1 && Q.si % 4 === 0 && K % 4 === 0) return 'k';
  return null;
}

/** Element strides of A[m, k] and B[k, n] within one matrix (A stored [M,K] or [K,M] when tA; B likewise). */
function operandStrides(M: number, N: number, K: number, tA: boolean, tB: boolean): { A: Strides; B: Strides } {
  return { A: { si: tA ? 1 : K, sk: tA ? M : 1 }, B: { si: tB ? K : 1, sk: tB ? 1 : N } };
}

export function planSubgroupMatmul(M: number, N: number, K: number, tA: boolean, tB: boolean, batch: number, sg: number): SubgroupPlan {
  const { A, B } = operandStrides(M, N, K, tA, tB);
  const normal = { swap: false, P: A, Q: B, R: M, Cn: N };
  const swapped = { swap: true, P: B, Q: A, R: N, Cn: M };
  // Narrow product: the narrow side is P. Wide: normal, unless only the swap finds Q quad-aligned.
  const wide = Math.min(M, N) >= WIDE;
  const candidates = wide ? [normal, swapped] : [N < M ? swapped : normal];
  const o = candidates.find((c) => qLayout(c.Q, c.Cn, K) !== null) ?? candidates[0]!;
  const ragged = K % 4 !== 0;
  const q0 = qLayout(o.Q, o.Cn, K);
  // Ragged K is only masked on the unvectorised k of P 'r'/'s' and Q 'c'; a Q 'k' then goes through the copy.
  const copyQ = q0 === null || (ragged && q0 === 'k');
  const tm = wide ? WIDE_TM : Math.min(WIDE_TM, Math.ceil(o.R / 4) * 4);
  const q = copyQ ? 'c' : q0!;
  // Quad stores need O's rows contiguous along c: C itself (not Cᵀ) with N % 4 = 0.
  const shape: TileShape = { sg, tm, tc: TC, p: pLayout(o.P, o.R, K), q, ragged, quadStore: q === 'c' && !o.swap && N % 4 === 0, bias: 'none' };
  const tilesR = Math.ceil(o.R / tm), tilesC = Math.ceil(o.Cn / (sg * TC));
  const tiles = batch * tilesR * tilesC;
  const split = tiles >= MIN_WORKGROUPS || K < MIN_SPLIT_K ? 1 : Math.ceil(MIN_WORKGROUPS / tiles);
  const S = split === 1 ? 1 : Math.max(split, Math.ceil(K / accuracy.maxSliceK));
  const kChunk = Math.max(4, Math.ceil(K / S / 4) * 4); // slices past K (all of them when K = 0) write zeros
  return { swap: o.swap, shape, copyQ, R: o.R, Cn: o.Cn, tilesR, tilesC, S, kChunk };
}


/**
 * Tiles per workgroup: enough that each workgroup runs about `tileWork` values of k (a K = 10 product's tile
 * is over in a few hundred nanoseconds, about what lavapipe spends starting a workgroup), while leaving at
 * least `minWorkgroups` workgroups to spread over the threads. dH = dO·W2ᵀ [12800,10]@[1024,10]ᵀ of the
 * `dense` step: 25 600 one-tile workgroups took 30.7 ms, 298 of 86 tiles 20.4 ms (bench/RESULTS.md).
 */
export function tilesPerWorkgroup(tiles: number, kChunk: number): number {
  return Math.max(1, Math.min(Math.ceil(subgroupTuning.tileWork / kChunk), Math.floor(tiles / subgroupTuning.minWorkgroups)));
}

/**
 * Copies a matrix of `rows` × `cols` (element (i, j) at i·sRow + j·sCol in each of the operand's matrices) into
 * row-major [...batch axes, rows, ld], ld = cols rounded up to 4, zero-padded: a quad-aligned layout.
 */
function relayout(gpu: GpuContext, t: TensorInfo, rows: number, cols: number, sRow: number, sCol: number): { t: TensorInfo; ld: number } {
  const ld = Math.ceil(cols / 4) * 4;
  // Same batch axes as the operand, so that broadcasting against the other side still lines up.
  const out = gpu.scratch('float32', [...t.shape.slice(0, -2), rows, ld]);
  const p = cachedProgram('matmulRelayout', () => ({
    params: { n: 'u32', rows: 'u32', cols: 'u32', ld: 'u32', sRow: 'u32', sCol: 'u32', mat: 'u32' },
    inputs: { x: 'f32' }, outputs: { y: 'f32' },
    element: [
      '  let j = i % params.ld;',
      '  let r = (i / params.ld) % params.rows;',
      '  let b = i / (params.ld * params.rows);',
      '  y[i] = select(0.0, x[b * params.mat + r * params.sRow + min(j, params.cols - 1u) * params.sCol], j < params.cols);',
    ].join('\n'),
  }));
  gpu.dispatch(p, { inputs: [t], outputs: [out], params: { n: out.size, rows, cols, ld, sRow, sCol, mat: rows * cols } });
  return { t: out, ld };
}

/**
 * Runs C = A·B (+ bias, length N, along C's last axis) into `y` with the lane-tiled kernel and returns true;
 * `gpu.subgroupSize` must be non-null. A is stored [..., M, K] (or [..., K, M] when tA), B [..., K, N] (or
 * [..., N, K] when tB); `bshape` is the broadcast batch shape. With a bias and a split K (partial sums, no
 * single epilogue) it encodes nothing and returns false.
 */
export function subgroupMatmul(
  gpu: GpuContext, a: TensorInfo, b: TensorInfo, tA: boolean, tB: boolean,
  dims: { M: number; N: number; K: number; bshape: readonly number[] }, y: TensorInfo, bias?: TensorInfo,
): boolean {
  const { M, N, K, bshape } = dims;
  const batch = sizeOf(bshape);
  const plan = planSubgroupMatmul(M, N, K, tA, tB, batch, gpu.subgroupSize!);
  if (bias && plan.S > 1) return false;
  // The bias runs along C's columns: O's columns (c), or O's rows (r) when O = Cᵀ.
  const shape: TileShape = { ...plan.shape, bias: !bias ? 'none' : plan.swap ? 'row' : 'col' };
  const { R, Cn, S } = plan;
  const st = operandStrides(M, N, K, tA, tB);
  const P = plan.swap ? { t: b, st: st.B } : { t: a, st: st.A };
  let Q = plan.swap ? { t: a, st: st.A } : { t: b, st: st.B };
  if (plan.copyQ) {
    const c = relayout(gpu, Q.t, K, Cn, Q.st.sk, Q.st.si); // Q[k, c] row-major: quads along c
    Q = { t: c.t, st: { si: 1, sk: c.ld } };
  }
  const { sg, tm, tc, p, q, ragged, quadStore } = shape;
  const key = `matmulSubgroup|sg${sg}|P${p}|Q${q}|${tm}x${tc}${ragged ? '|ragged' : ''}${quadStore ? '|quadStore' : ''}|bias:${shape.bias}`;
  const program = cachedProgram(key, () => ({
    params: PARAMS,
    // A column bias under quad stores is read in quads too (N % 4 = 0 there).
    inputs: { P: p === 's' ? 'f32' : 'vec4<f32>', Q: 'vec4<f32>', ...(bias ? { bias: shape.bias === 'col' && quadStore ? 'vec4<f32>' as const : 'f32' as const } : {}) },
    outputs: { O: quadStore ? 'vec4<f32>' : 'f32' },
    workgroupSize: sg,
    enable: ['subgroups'],
    helpers: `const SG: u32 = ${sg}u;\nconst TM: u32 = ${tm}u;\nconst TC: u32 = ${tc}u;\n${BATCH_OFFSETS}`,
    main: subgroupTileMain(shape),
  }));
  const target = S === 1 ? y : gpu.scratch('float32', [S, y.size]);
  const matSize = (t: TensorInfo) => t.shape.at(-1)! * t.shape.at(-2)!;
  const values: Record<string, ParamValue> = {
    R, Cn, K, batch, brank: bshape.length, tilesR: plan.tilesR, tilesC: plan.tilesC, groupRows: GROUP_ROWS, S, kChunk: plan.kChunk,
    sPr: P.st.si, sPk: P.st.sk, sQk: Q.st.sk, sQc: Q.st.si, qLastQuad: q === 'c' ? Q.st.sk - 4 : 0,
    // O is C (row r = m) or Cᵀ (row r = n, stored in C's column).
    sOr: plan.swap ? 1 : N, sOc: plan.swap ? N : 1, sliceStride: y.size,
    bshape, pBatch: batchStrides(P.t.shape.slice(0, -2), bshape, matSize(P.t)), qBatch: batchStrides(Q.t.shape.slice(0, -2), bshape, matSize(Q.t)),
  };
  const tiles = plan.tilesR * plan.tilesC * batch * S;
  const perGroup = tilesPerWorkgroup(tiles, plan.kChunk);
  values.perGroup = perGroup;
  gpu.dispatch(program, { inputs: [P.t, Q.t, ...(bias ? [bias] : [])], outputs: [target], params: values, workgroups: Math.ceil(tiles / perGroup) });
  if (S > 1) reduceStrided(gpu, 'sum', target, { shape: [y.size], strides: [1] }, { shape: [S], strides: [y.size] }, y);
  return true;
}
