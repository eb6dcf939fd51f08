/**
 * Gradient clipping as tensor ops (no readback: the norm stays on the device and scales the gradients there).
 */
import { SpikegradError, describeValue } from '../engine/errors.js';
import { add, div, maximum, minimum, mul, sqrt, sum } from '../engine/api.js';
import { Tensor } from '../engine/tensor.js';

function requireTensors(where: string, grads: readonly Tensor[]): void {
  if (!Array.isArray(grads) || grads.length === 0 || !grads.every((g) => g instanceof Tensor)) {
    throw new SpikegradError(`${where}: argument 'grads' expected a non-empty array of Tensors, got ${describeValue(grads)}`);
  }
}

/** √(Σ over every tensor and element of g²), as a 0-d tensor. @example optim.globalNorm(Object.values(grads)) */
export function globalNorm(grads: readonly Tensor[]): Tensor {
  requireTensors('globalNorm', grads);
  let acc: Tensor | null = null;
  for (const g of grads) {
    const s = sum(mul(g, g));
    acc = acc ? add(acc, s) : s;
  }
  return sqrt(acc!);
}

/**
 * Rescales `grads` by maxNorm / max(‖grads‖, maxNorm): unchanged when the global norm is at most `maxNorm`,
 * otherwise scaled down to exactly that norm (optax `clip_by_global_norm`).
 */
export function clipByGlobalNorm(grads: readonly Tensor[], maxNorm: number): Tensor[] {
  requireTensors('clipByGlobalNorm', grads);
  if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) throw new SpikegradError(`clipByGlobalNorm: argument 'maxNorm' expected a positive finite number, got ${describeValue(maxNorm)}`);
  const norm = globalNorm(grads);
  const scale = div(maxNorm, maximum(norm, maxNorm));
  return grads.map((g) => mul(g, scale));
}

/** Clips every element to [−v, v] (optax `clip`). */
export function clipByValue(g: Tensor, v: number): Tensor {
  if (!(v > 0) || !Number.isFinite(v)) throw new SpikegradError(`clipByValue: argument 'v' expected a positive finite number, got ${describeValue(v)}`);
  return minimum(maximum(g, -v), v);
}
