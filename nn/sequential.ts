/**
 * nn.Sequential: layers applied in order; their paths are '0', '1', … (`i2r.0.weight`). `update` chains the
 * layers' steps; `run` chains their sequence modes, so a feed-forward stack of Linear / synapse / neuron
 * layers runs a whole [T, B, n] sequence with a constant number of ops (one matmul or fused op per layer).
 */
import { SpikegradError, describeValue } from '../engine/errors.js';
import type { Tensor } from '../engine/tensor.js';
import { Module } from './module.js';

export class Sequential extends Module {
  readonly #layers: Module[];

  constructor(...layers: Module[]) {
    super();
    layers.forEach((m, i) => {
      if (!(m instanceof Module)) throw new SpikegradError(`Sequential: layer ${i} expected an nn.Module, got ${describeValue(m)}`);
      // Numeric keys enumerate first and in ascending order: the paths '0', '1', … keep the layer order.
      Object.defineProperty(this, String(i), { value: m, enumerable: true });
    });
    this.#layers = layers;
  }

  get length(): number {
    return this.#layers.length;
  }

  /** The i-th layer (negative i counts from the end). */
  at(i: number): Module {
    const m = this.#layers.at(i);
    if (!m) throw new SpikegradError(`Sequential.at: argument 'i' expected an index in [${-this.length}, ${this.length - 1}], got ${i}`);
    return m;
  }

  update(x: Tensor): Tensor {
    return this.#layers.reduce((h, m) => m.update(h), x);
  }

  override run(xs: Tensor): Tensor {
    return this.#layers.reduce((h, m) => m.run(h), xs);
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.#layers[Symbol.iterator]();
  }
}
