/**
 * Matrix product on WebGPU (twin: matmul/cpu.ts). Transposes and broadcast batch axes are strides passed as
 * uniforms. A sparse uploaded left operand (spike input) goes through its events (events.ts). On a software adapter with fixed-width subgroups (lavapipe) every product goes to the lane-tiled
 * kernel of subgroupTile.ts, which is built around what loads cost there. Elsewhere (GPUs), two kernels, each
 * one pipeline for every layout:
 * - matmulTiled.wgsl: an 8×4 register tile per invocation, for outputs that are not narrow; when B is stored
 *   row-major with N a multiple of 4, B and C are bound as vec4 arrays (one load per quad);
 * - matmulNarrow.wgsl: outputs with a side of at most 8 (SNN layers: [51200,100]·[100,4]) or too few tiles for
 *   tiles; it splits K into slices when the output alone gives too few invocations (the weight gradient
 *   [100,51200]·[51200,4]), and sums the slices with the reduction kernel (deterministic: no atomics).
 */
import { broadcastShapes, sizeOf, stridesOf } from '../../engine/shape.js';
import { SpikegradError } from '../../engine/errors.js';
import { reduceStrided } from '../reduce/webgpu.js';
import { MAX_RANK, cachedProgram, type ParamType, type ParamValue } from '../webgpu/program.js';
import type { GpuContext, GpuKernel } from '../webgpu/types.js';
import type { TensorInfo } from '../../engine/backend.js';
import { mapElements } from '../elementwise/template.js';
import { broadcastOperand } from '../elementwise/webgpu.js';
import narrowWgsl from './matmulNarrow.wgsl';
import tiledWgsl from './matmulTiled.wgsl';
import { eventMatmul } from './events.js';
import { MIN_SPLIT_K, subgroupMatmul } from './subgroupTile.js';
import { batchOffsetsWgsl } from './batchOffsets.js';
import { matmulTuning } from '../flags.js';

/** A narrow side up to this many outputs goes to the narrow kernel (each invocation keeps them in registers). */
const NARROW_MAX = 8;
/**
 * The narrow kernel splits a K of at least MIN_SPLIT_K until about this many invocations run. How many slices
 * depends on the output's size alone, never on K (slices may be short or empty), so that a weight gradient
 * over T·B rows takes the same dispatches at any T (see reduce/webgpu.ts).
 */
const NARROW_TARGET_INVOCATIONS = 16384;
/** The tiled kernel needs at least this many workgroups to keep a device busy; fewer go to the narrow kernel. */
const MIN_TILES = 4;
/** Rows of the tiled kernel's register tile (8 vec4 accumulators: what a 16-register SIMD file holds). */
const TILE_ROWS = 8;


const PARAMS: Record<string, ParamType> = {
  M: 'u32', N: 'u32', K: 'u32', batch: 'u32', brank: 'u32', sAm: 'u32', sAk: 'u32', sBk: 'u32', sBn: 'u32',
  bshape: 'dims', aBatch: 'dims', bBatch: 'dims',
};

const BATCH_OFFSETS = batchOffsetsWgsl('aBatch', 'bBatch');

/** B row-major with N % 4 = 0: B and C as vec4 arrays (batch offsets are multiples of 4 elements). */
const TILED_VEC4 = `
fn loadB4(base: u32, k: u32, quad: u32) -> vec4<f32> {
  return B[base / 4u + k * (params.N / 4u) + quad];
}
fn storeC4(b: u32, row: u32, quad: u32, v: vec4<f32>) {
  C[(b * params.M * params.N + row * params.N) / 4u + quad] = v;
}`;

/** Any layout: four strided loads (columns past N repeat the last one) and bounds-checked stores. */
const TILED_STRIDED = `
fn loadB4(base: u32, k: u32, quad: u32) -> vec4<f32> {
  let row = base + k * params.sBk;
  let last = params.N - 1u;
  return vec4<f32>(B[row + min(4u * quad, last) * params.sBn], B[row + min(4u * quad + 1u, last) * params.sBn],
                   B[row + min(4u * quad + 2u, last) * params.sBn], B[row + min(4u * quad + 3u, last) * params.sBn]);
}
fn storeC4(b: u32, row: u32, quad: u32, v: vec4<f32>) {
  let at = b * params.M * params.N + row * params.N + 4u * quad;
  for (var j = 0u; j < 4u; j = j + 1u) {
    if (4u * quad + j < params.N) { C[at + j] = v[j]; }
  }
}`;

/** Element strides of each output batch axis in an operand with batch shape `own` (0 where broadcast). */
function batchStrides(own: readonly number[], full: readonly number[], matSize: number): number[] {
  const st = stridesOf(own);
  const lead = full.length - own.length;
  return full.map((_, d) => (d < lead || own[d - lead] === 1 ? 0 : st[d - lead]! * matSize));
}

function narrowBlock(n: number): number {
  return n <= 1 ? 1 : n <= 2 ? 2 : n <= 4 ? 4 : 8;
}

export const matmulKernel: GpuKernel<{ transposeA: boolean; transposeB: boolean }> = (gpu, [a, b], { transposeA: tA, transposeB: tB }, [meta]) => {
  const y = gpu.output(meta!);
  matmulInto(gpu, a!, b!, tA, tB, y);
  return [y];
};

/** y = bias added along the last axis of t (the unfused half of a biased product). */
function addBias(gpu: GpuContext, t: TensorInfo, bias: TensorInfo, y: TensorInfo): void {
  mapElements(gpu, { name: 'add', expr: 'a + b', out: y, outType: 'f32', operands: [broadcastOperand(t, y.shape), broadcastOperand(bias, y.shape)] });
}

/**
 * C = op(A)·op(B) into `y`, plus `bias` (length N) along C's last axis when given: fused into the epilogue of
 * the event and lane-tiled kernels where they can (the `linear` op: linearWebgpu.ts), else one add after.
 */
export function matmulInto(gpu: GpuContext, a: TensorInfo, b: TensorInfo, tA: boolean, tB: boolean, y: TensorInfo, bias?: TensorInfo): void {
  const as = a.shape, bs = b.shape;
  const [M, K] = tA ? [as.at(-1)!, as.at(-2)!] : [as.at(-2)!, as.at(-1)!];
  const N = tB ? bs.at(-2)! : bs.at(-1)!;
  const bshape = broadcastShapes('matmul', as.slice(0, -2), bs.slice(0, -2));
  if (bshape.length > MAX_RANK) throw new SpikegradError(`matmul: more than ${MAX_RANK} batch axes`);
  const batch = sizeOf(bshape);
  if (y.size === 0) return;
  // Software adapters, a sparse upload on the left (spike input): its events only (events.ts). Measured on
  // lavapipe only; GPUs keep the dense kernels below.
  if (gpu.software && matmulTuning.events && eventMatmul(gpu, a, b, tA, tB, { M, N, K }, y, bias)) return;
  // Software adapters: the lane-tiled kernel (subgroupTile.ts; several times the tiled kernel on lavapipe).
  // It declines only a bias it cannot fuse (split K).
  if (gpu.software && gpu.subgroupSize !== null && matmulTuning.laneTiled && subgroupMatmul(gpu, a, b, tA, tB, { M, N, K, bshape }, y, bias)) return;
  if (bias) {
    const t = gpu.scratch('float32', y.shape);
    matmulInto(gpu, a, b, tA, tB, t);
    addBias(gpu, t, bias, y);
    return;
  }
  const common: Record<string, ParamValue> = {
    M, N, K, batch, brank: bshape.length,
    // A stored [M,K] (or [K,M] when transposed), B stored [K,N] (or [N,K]).
    sAm: tA ? 1 : K, sAk: tA ? M : 1, sBk: tB ? 1 : N, sBn: tB ? K : 1,
    bshape, aBatch: batchStrides(as.slice(0, -2), bshape, M * K), bBatch: batchStrides(bs.slice(0, -2), bshape, K * N),
  };
  const quads = Math.ceil(N / 4);
  // Workgroups run along N: 64 quads (256 columns) each, or 16 when N is small.
  const wg = quads >= 48 ? 64 : 16;
  const tiles = batch * Math.ceil(M / TILE_ROWS) * Math.ceil(quads / wg);
  const narrow = Math.min(M, N) <= NARROW_MAX || tiles < MIN_TILES;
  if (!narrow) {
    const vec4 = N % 4 === 0 && !tB;
    const p = cachedProgram(`matmulTiled|${vec4 ? 'vec4' : 'strided'}|${wg}`, () => ({
      params: PARAMS, inputs: { A: 'f32', B: vec4 ? 'vec4<f32>' : 'f32' }, outputs: { C: vec4 ? 'vec4<f32>' : 'f32' },
      workgroupSize: wg, helpers: `const R: u32 = ${TILE_ROWS}u;\n${BATCH_OFFSETS}\n${vec4 ? TILED_VEC4 : TILED_STRIDED}`, main: tiledWgsl,
    }));
    gpu.dispatch(p, { inputs: [a, b], outputs: [y], params: common, workgroups: tiles });
    return;
  }
  const narrowN = N <= M;
  const [W, narrowLen] = narrowN ? [M, N] : [N, M];
  const TB = narrowBlock(Math.min(narrowLen, NARROW_MAX));
  const NB = Math.ceil(narrowLen / TB);
  const base = batch * W * NB;
  const S = K < MIN_SPLIT_K ? 1 : Math.max(1, Math.ceil(NARROW_TARGET_INVOCATIONS / base));
  const chunk = Math.max(1, Math.ceil(K / S)); // slices past K are empty: they write zeros
  const p = cachedProgram(`matmulNarrow|${narrowN ? 'N' : 'M'}|${TB}`, () => ({
    params: { n: 'u32', W: 'u32', NB: 'u32', S: 'u32', chunk: 'u32', ...PARAMS }, inputs: { A: 'f32', B: 'f32' }, outputs: { C: 'f32' },
    helpers: `const TB: u32 = ${TB}u;\nconst NARROW_N: bool = ${narrowN};\n${BATCH_OFFSETS}\n${narrowWgsl}`, element: '  matmulNarrow(i);',
  }));
  const target = S === 1 ? y : gpu.scratch('float32', [S, y.size]);
  gpu.dispatch(p, { inputs: [a, b], outputs: [target], params: { n: base * S, W, NB, S, chunk, ...common } });
  if (S > 1) reduceStrided(gpu, 'sum', target, { shape: [y.size], strides: [1] }, { shape: [S], strides: [y.size] }, y);
}
