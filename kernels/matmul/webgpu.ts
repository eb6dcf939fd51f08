/**
 * Matrix product on WebGPU (twin: matmul/cpu.ts). Transposes and broadcast batch axes are strides passed as
 * uniforms, so each of the two kernels is one pipeline for every layout:
 * - matmulTiled.wgsl: 64×64 tiles with 4×4 register tiles, for outputs that fill several tiles;
 * - matmulNarrow.wgsl: outputs with a side of at most 8 (SNN layers: [51200,100]·[100,4]) or too few tiles for
 *   their K; it splits K into slices when the output alone gives too few invocations (the weight gradient
 *   [100,51200]·[51200,4]), and sums the slices with the reduction kernel (deterministic: no atomics).
 */
import { broadcastShapes, sizeOf, stridesOf } from '../../engine/shape.js';
import { SpikegradError } from '../../engine/errors.js';
import { reduceStrided } from '../reduce/webgpu.js';
import { MAX_RANK, cachedProgram, type ParamType, type ParamValue } from '../webgpu/program.js';
import type { GpuKernel } from '../webgpu/types.js';
import narrowWgsl from './matmulNarrow.wgsl';
import { subgroupMatmul } from './subgroupTile.js';
import tiledWgsl from './matmulTiled.wgsl';

/** A narrow side up to this many outputs goes to the narrow kernel (each invocation keeps them in registers). */
const NARROW_MAX = 8;
/** The narrow kernel splits K until about this many invocations run, … */
const NARROW_TARGET_INVOCATIONS = 16384;
/** … but never into slices shorter than this. */
const MIN_K_SLICE = 256;
/** The tiled kernel needs at least this many tiles to keep a device busy when K is long. */
const MIN_TILES_LONG_K = 4;

const PARAMS: Record<string, ParamType> = {
  M: 'u32', N: 'u32', K: 'u32', batch: 'u32', brank: 'u32', sAm: 'u32', sAk: 'u32', sBk: 'u32', sBn: 'u32',
  bshape: 'dims', aBatch: 'dims', bBatch: 'dims',
};

const BATCH_OFFSETS = `
fn batchOffsets(b: u32) -> vec2<u32> {
  var rem = b;
  var off = vec2<u32>(0u, 0u);
  for (var d = i32(params.brank) - 1; d >= 0; d = d - 1) {
    let q = rem % dim(params.bshape, u32(d));
    rem = rem / dim(params.bshape, u32(d));
    off = off + q * vec2<u32>(dim(params.aBatch, u32(d)), dim(params.bBatch, u32(d)));
  }
  return off;
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
  const as = a!.shape, bs = b!.shape;
  const [M, K] = tA ? [as.at(-1)!, as.at(-2)!] : [as.at(-2)!, as.at(-1)!];
  const N = tB ? bs.at(-2)! : bs.at(-1)!;
  const bshape = broadcastShapes('matmul', as.slice(0, -2), bs.slice(0, -2));
  if (bshape.length > MAX_RANK) throw new SpikegradError(`matmul: more than ${MAX_RANK} batch axes`);
  const batch = sizeOf(bshape);
  if (y.size === 0) return [y];
  const common: Record<string, ParamValue> = {
    M, N, K, batch, brank: bshape.length,
    // A stored [M,K] (or [K,M] when transposed), B stored [K,N] (or [N,K]).
    sAm: tA ? 1 : K, sAk: tA ? M : 1, sBk: tB ? 1 : N, sBn: tB ? K : 1,
    bshape, aBatch: batchStrides(as.slice(0, -2), bshape, M * K), bBatch: batchStrides(bs.slice(0, -2), bshape, K * N),
  };
  // Software adapters: the lane-tiled kernel (3–10× the tiled kernel on lavapipe; bench/RESULTS.md).
  if (gpu.software && gpu.subgroupSize !== null) {
    subgroupMatmul(gpu, a!, b!, tA, tB, { M, N, K, bshape }, y);
    return [y];
  }
  const tiles = batch * Math.ceil(M / 64) * Math.ceil(N / 64);
  const narrow = Math.min(M, N) <= NARROW_MAX || (tiles < MIN_TILES_LONG_K && K >= 4 * MIN_K_SLICE);
  if (!narrow) {
    const p = cachedProgram('matmulTiled', () => ({
      params: { n: 'u32', ...PARAMS }, inputs: { A: 'f32', B: 'f32' }, outputs: { C: 'f32' },
      workgroupSize: 256, helpers: BATCH_OFFSETS, main: tiledWgsl,
    }));
    gpu.dispatch(p, { inputs: [a!, b!], outputs: [y], params: { n: tiles, ...common }, workgroups: tiles });
    return [y];
  }
  const narrowN = N <= M;
  const [W, narrowLen] = narrowN ? [M, N] : [N, M];
  const TB = narrowBlock(Math.min(narrowLen, NARROW_MAX));
  const NB = Math.ceil(narrowLen / TB);
  const base = batch * W * NB;
  let S = Math.max(1, Math.min(Math.ceil(NARROW_TARGET_INVOCATIONS / base), Math.floor(K / MIN_K_SLICE)));
  const chunk = Math.max(1, Math.ceil(K / S));
  S = Math.max(1, Math.ceil(K / chunk));
  const p = cachedProgram(`matmulNarrow|${narrowN ? 'N' : 'M'}|${TB}`, () => ({
    params: { n: 'u32', W: 'u32', NB: 'u32', S: 'u32', chunk: 'u32', ...PARAMS }, inputs: { A: 'f32', B: 'f32' }, outputs: { C: 'f32' },
    helpers: `const TB: u32 = ${TB}u;\nconst NARROW_N: bool = ${narrowN};\n${BATCH_OFFSETS}\n${narrowWgsl}`, element: '  matmulNarrow(i);',
  }));
  const target = S === 1 ? y : gpu.scratch('float32', [S, y.size]);
  gpu.dispatch(p, { inputs: [a!, b!], outputs: [target], params: { n: base * S, W, NB, S, chunk, ...common } });
  if (S > 1) reduceStrided(gpu, 'sum', target, { shape: [y.size], strides: [1] }, { shape: [S], strides: [y.size] }, y);
  return [y];
};
