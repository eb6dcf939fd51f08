/**
 * Data movement on WebGPU (twins: movement/cpu.ts). permute, broadcastTo and slice are strided reads, i.e.
 * the elementwise template with the identity expression; pad, concat, gather and oneHot have small programs.
 */
import type { TensorInfo } from '../../engine/backend.js';
import { broadcastStrides, sizeOf, stridesOf } from '../../engine/shape.js';
import { mapElements } from '../elementwise/template.js';
import { MAX_RANK, cachedProgram, dimAt } from '../webgpu/program.js';
import { storageType, type GpuContext, type GpuKernel } from '../webgpu/types.js';
import { SpikegradError } from '../../engine/errors.js';

function copyStrided(gpu: GpuContext, x: TensorInfo, out: TensorInfo, strides: readonly number[], offset = 0): void {
  const type = storageType(x.dtype);
  mapElements(gpu, { name: 'copy', expr: 'a', operands: [{ tensor: x, type, strides, offset }], out, outType: type });
}

export const permuteKernel: GpuKernel<{ perm: number[] }> = (gpu, [x], { perm }, [meta]) => {
  const y = gpu.output(meta!);
  const st = stridesOf(x!.shape);
  copyStrided(gpu, x!, y, perm.map((p) => st[p]!));
  return [y];
};

export const broadcastToKernel: GpuKernel<{ shape: number[] }> = (gpu, [x], { shape }, [meta]) => {
  const y = gpu.output(meta!);
  copyStrided(gpu, x!, y, broadcastStrides(x!.shape, shape));
  return [y];
};

export const sliceKernel: GpuKernel<{ begin: number[]; size: number[] }> = (gpu, [x], { begin }, [meta]) => {
  const y = gpu.output(meta!);
  const st = stridesOf(x!.shape);
  copyStrided(gpu, x!, y, st, begin.reduce((p, b, i) => p + b * st[i]!, 0));
  return [y];
};

/** Zero padding: each output coordinate minus `before` is tested against the input extent (u32 wrap-around
 *  turns coordinates left of the block into huge values, so one comparison per axis suffices). */
export const padKernel: GpuKernel<{ before: number[]; after: number[] }> = (gpu, [x], { before }, [meta]) => {
  const y = gpu.output(meta!);
  const T = storageType(x!.dtype);
  const r = meta!.shape.length;
  if (r > MAX_RANK) throw new SpikegradError(`pad: rank ${r} exceeds the WebGPU limit of ${MAX_RANK}`);
  const p = cachedProgram(`pad|${T}|r${r}`, () => {
    const body = ['  var rem = i;', '  var src = 0u;', '  var inside = true;'];
    for (let d = r - 1; d >= 0; d--) {
      body.push(`  { let q = ${d === 0 ? 'rem' : `rem % ${dimAt('params.outShape', d)}`};`,
        `    let c = q - ${dimAt('params.before', d)};`,
        `    inside = inside && c < ${dimAt('params.inShape', d)};`,
        `    src += c * ${dimAt('params.inStride', d)};`,
        d === 0 ? '  }' : `    rem = rem / ${dimAt('params.outShape', d)}; }`);
    }
    body.push(`  if (inside) { y[i] = x[src]; } else { y[i] = ${T}(0); }`);
    return {
      params: { n: 'u32', outShape: 'dims', inShape: 'dims', inStride: 'dims', before: 'dims' },
      inputs: { x: T }, outputs: { y: T }, element: body.join('\n'),
    };
  });
  gpu.dispatch(p, {
    inputs: [x!], outputs: [y],
    params: { n: y.size, outShape: meta!.shape, inShape: x!.shape, inStride: stridesOf(x!.shape), before },
  });
  return [y];
};

/** One copy per input into its column block of the output rows. */
export const concatKernel: GpuKernel<{ axis: number }> = (gpu, ins, { axis }, [meta]) => {
  const y = gpu.output(meta!);
  const r = meta!.shape.length;
  const ax = axis < 0 ? axis + r : axis;
  const T = storageType(meta!.dtype);
  const tail = sizeOf(meta!.shape.slice(ax + 1));
  const rowOut = meta!.shape[ax]! * tail;
  const p = cachedProgram(`concatBlock|${T}`, () => ({
    params: { n: 'u32', rowIn: 'u32', rowOut: 'u32', col: 'u32' }, inputs: { x: T }, outputs: { y: T },
    element: '  y[(i / params.rowIn) * params.rowOut + params.col + i % params.rowIn] = x[i];',
  }));
  let col = 0;
  for (const t of ins) {
    const rowIn = t.shape[ax]! * tail;
    gpu.dispatch(p, { inputs: [t], outputs: [y], params: { n: t.size, rowIn, rowOut, col } });
    col += rowIn;
  }
  return [y];
};

/** Out-of-range indices give zeros, as on the CPU. */
export const gatherKernel: GpuKernel<{ axis: number }> = (gpu, [x, idx], { axis }, [meta]) => {
  const y = gpu.output(meta!);
  const xs = x!.shape;
  const ax = axis < 0 ? axis + xs.length : axis;
  const T = storageType(x!.dtype);
  const p = cachedProgram(`gather|${T}`, () => ({
    params: { n: 'u32', post: 'u32', m: 'u32', len: 'u32' }, inputs: { x: T, idx: 'i32' }, outputs: { y: T },
    element: [
      '  let q = i % params.post;',
      '  let t = i / params.post;',
      '  let j = idx[t % params.m];',
      `  if (j >= 0 && u32(j) < params.len) { y[i] = x[((t / params.m) * params.len + u32(j)) * params.post + q]; } else { y[i] = ${T}(0); }`,
    ].join('\n'),
  }));
  gpu.dispatch(p, { inputs: [x!, idx!], outputs: [y], params: { n: y.size, post: sizeOf(xs.slice(ax + 1)), m: idx!.size, len: xs[ax]! } });
  return [y];
};

export const oneHotKernel: GpuKernel<{ depth: number }> = (gpu, [idx], { depth }, [meta]) => {
  const y = gpu.output(meta!);
  const p = cachedProgram('oneHot', () => ({
    params: { n: 'u32', depth: 'u32' }, inputs: { idx: 'i32' }, outputs: { y: 'f32' },
    element: '  y[i] = select(0.0, 1.0, idx[i / params.depth] == i32(i % params.depth));',
  }));
  gpu.dispatch(p, { inputs: [idx!], outputs: [y], params: { n: y.size, depth } });
  return [y];
};
