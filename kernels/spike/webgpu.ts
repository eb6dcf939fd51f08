/**
 * The spike ops on WebGPU (twin: kernels/spike/cpu.ts). One template serves the three surrogate kernels:
 * the surrogate's WGSL function (generated from its one expression, surrogate/compileWgsl.ts) is spliced in
 * as `surrogate(x)`, and the surrogate's key is part of the program key, so each surrogate and parameter set
 * compiles once and any batch size reuses it.
 */
import type { TensorInfo } from '../../engine/backend.js';
import type { OutMeta } from '../../engine/ops.js';
import type { SpikeOpSurrogate } from '../../engine/opsSpike.js';
import { cachedProgram, type StorageType } from '../webgpu/program.js';
import type { GpuContext, GpuKernel } from '../webgpu/types.js';

type Attrs = { surrogate: SpikeOpSurrogate };

/** y = H(x): the forward is the same for every surrogate (x = 0 spikes; NaN does not). */
export const spikeKernel: GpuKernel<Attrs> = (gpu, [x], _a, [meta]) => {
  const y = gpu.output(meta!);
  const p = cachedProgram('spike', () => ({
    params: { n: 'u32' }, inputs: { x: 'f32' }, outputs: { y: 'f32' },
    element: '  y[i] = select(0.0, 1.0, x[i] >= 0.0);',
  }));
  gpu.dispatch(p, { inputs: [x!], outputs: [y], params: { n: x!.size } });
  return [y];
};

type Kind = 'spikeGrad' | 'surrogateGrad' | 'surrogateFun';

/** The template: what each kernel computes from `surrogate(x)` (σ' for the first two, σ for the third). */
const BODY: Record<Kind, string> = {
  spikeGrad: '  y[i] = dy[i] * surrogate(x[i]);',
  surrogateGrad: '  y[i] = surrogate(x[i]);',
  surrogateFun: '  y[i] = surrogate(x[i]);',
};

function surrogateMap(kind: Kind, gpu: GpuContext, ins: readonly TensorInfo[], s: SpikeOpSurrogate, meta: OutMeta): TensorInfo[] {
  const y = gpu.output(meta);
  const inputs: Record<string, StorageType> = kind === 'spikeGrad' ? { x: 'f32', dy: 'f32' } : { x: 'f32' };
  const p = cachedProgram(`${kind}:${s.key}`, () => ({
    params: { n: 'u32' },
    inputs,
    outputs: { y: 'f32' },
    helpers: kind === 'surrogateFun' ? s.wgslFun('surrogate') : s.wgslGrad('surrogate'),
    element: BODY[kind],
  }));
  gpu.dispatch(p, { inputs: ins, outputs: [y], params: { n: ins[0]!.size } });
  return [y];
}

/** dy · σ'(x): the spike's whole backward in one dispatch. */
export const spikeGradKernel: GpuKernel<Attrs> = (gpu, ins, { surrogate }, [meta]) => surrogateMap('spikeGrad', gpu, ins, surrogate, meta!);
export const surrogateGradKernel: GpuKernel<Attrs> = (gpu, ins, { surrogate }, [meta]) => surrogateMap('surrogateGrad', gpu, ins, surrogate, meta!);
export const surrogateFunKernel: GpuKernel<Attrs> = (gpu, ins, { surrogate }, [meta]) => surrogateMap('surrogateFun', gpu, ins, surrogate, meta!);
