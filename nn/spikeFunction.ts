/**
 * What a neuron needs of its `spkFun`: every surrogate.Surrogate provides it (so does any object with these
 * members, e.g. a surrogate written by hand). `spike(x)` is the
 * differentiable Heaviside the step-mode layers call (forward H(x) = x >= 0, backward σ'(x)); the fused
 * sequence kernels use `gradScalar` (CPU) and `wgslGrad` (WebGPU) instead, keyed by `key`.
 */
import { SpikegradError, describeValue } from '../engine/errors.js';
import type { SpikeSurrogate } from '../engine/opsNeuron.js';
import type { Tensor } from '../engine/tensor.js';
import { ReluGrad } from '../surrogate/index.js';

/** What a neuron's `spkFun` must be: a surrogate (any of `surrogate.*`, or `surrogate.custom`) that spikes with its gradient and can be compiled into the fused kernels. */
export interface SpikeFunction extends SpikeSurrogate {
  spike(x: Tensor): Tensor;
  toString(): string;
}

export function checkSpikeFunction(where: string, v: unknown): SpikeFunction {
  const s = v as Partial<SpikeFunction> | null;
  const ok = s !== null && typeof s === 'object' && typeof s.spike === 'function' && typeof s.gradScalar === 'function'
    && typeof s.wgslGrad === 'function' && typeof s.key === 'string';
  if (!ok) {
    throw new SpikegradError(`${where}: argument 'spkFun' expected a surrogate (e.g. new surrogate.ReluGrad()), got ${describeValue(v)}`);
  }
  return s as SpikeFunction;
}

/** The spkFun of neurons given none: ReluGrad(), brainpy.state LIF's default (docs/numerics.md §1). */
export function defaultSpikeFunction(): SpikeFunction {
  return new ReluGrad();
}
