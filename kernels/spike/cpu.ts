/**
 * The spike ops on the CPU. The surrogate's expression is compiled (surrogate/compileJs.ts) into the loop
 * itself, once per surrogate key and kernel, and cached: a training step pays no parsing, no interpretation
 * and no per-element call. kernels/spike/webgpu.ts splices the same expression into one WGSL template.
 */
import { allocArray } from '../../engine/dtype.js';
import type { SpikeOpSurrogate } from '../../engine/opsSpike.js';
import { compileLoop, compileScaledLoop, type ScaledLoop, type UnaryLoop } from '../../surrogate/compileJs.js';
import type { CpuKernel } from '../cpu/types.js';

type Attrs = { surrogate: SpikeOpSurrogate };

interface Loops { grad?: UnaryLoop; fun?: UnaryLoop; vjp?: ScaledLoop }
const cache = new Map<string, Loops>();
/** Distinct surrogates a long session may create (a parameter sweep); beyond this the oldest are recompiled. */
const CACHE_LIMIT = 256;

function loopsOf(s: SpikeOpSurrogate): Loops {
  let l = cache.get(s.key);
  if (!l) {
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    l = {};
    cache.set(s.key, l);
  }
  return l;
}

/** H(x) = 1 where x >= 0 (x = 0 spikes), 0 elsewhere, NaN included. */
export const spikeKernel: CpuKernel<Attrs> = ([x], _a, [out]) => {
  const res = allocArray(out!.dtype, x!.size);
  const d = x!.data;
  for (let i = 0; i < d.length; i++) res[i] = d[i]! >= 0 ? 1 : 0;
  return [res];
};

/** dy · σ'(x), the spike's backward, in one pass. */
export const spikeGradKernel: CpuKernel<Attrs> = ([x, dy], { surrogate }, [out]) => {
  const l = loopsOf(surrogate);
  l.vjp ??= compileScaledLoop(surrogate.gradExpr);
  const res = allocArray(out!.dtype, x!.size);
  l.vjp(x!.data, dy!.data, res);
  return [res];
};

export const surrogateGradKernel: CpuKernel<Attrs> = ([x], { surrogate }, [out]) => {
  const l = loopsOf(surrogate);
  l.grad ??= compileLoop(surrogate.gradExpr);
  const res = allocArray(out!.dtype, x!.size);
  l.grad(x!.data, res);
  return [res];
};

export const surrogateFunKernel: CpuKernel<Attrs> = ([x], { surrogate }, [out]) => {
  const l = loopsOf(surrogate);
  l.fun ??= compileLoop(surrogate.funExpr!, { saturate: true });
  const res = allocArray(out!.dtype, x!.size);
  l.fun(x!.data, res);
  return [res];
};
