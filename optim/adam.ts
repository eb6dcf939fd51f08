/**
 * Adam and AdamW with optax semantics (docs/numerics.md §6): per parameter and step k = 1, 2, …
 *   mu ← b1·mu + (1−b1)·g          nu ← b2·nu + (1−b2)·g²
 *   u  = (mu / (1−b1ᵏ)) / (√(nu / (1−b2ᵏ)) + eps)          (eps outside the square root)
 *   p  ← p − lr·u                                           (Adam)
 *   p  ← p − lr·(u + wd·p)                                  (AdamW: decay decoupled from the moments)
 * Adam's optional `weightDecay` is the coupled (L2) kind: wd·p is added to g before the moments, as in
 * PyTorch's Adam. Each parameter's step is one in-place backend kernel (`adam`).
 */
import type { Tensor } from '../engine/tensor.js';
import { Optimizer, requireNonNegative, requireUnitInterval, type OptimizerOptions } from './optimizer.js';

export interface AdamOptions extends OptimizerOptions {
  /** Exponential decay rates of the first and second moments. Default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** Added to the denominator, outside the square root. Default 1e-8. */
  eps?: number;
  /** Coupled L2 weight decay (added to the gradient). Default 0. */
  weightDecay?: number;
}

abstract class AdamBase extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  protected readonly slotCount = 2;
  readonly #decoupled: boolean;

  protected constructor(name: string, opts: AdamOptions, decoupled: boolean, defaultWd: number) {
    super(name, opts, 1e-3);
    const betas = opts.betas ?? [0.9, 0.999];
    this.beta1 = requireUnitInterval(name, 'betas[0]', betas[0], 0.9);
    this.beta2 = requireUnitInterval(name, 'betas[1]', betas[1], 0.999);
    this.eps = requireNonNegative(name, 'eps', opts.eps, 1e-8);
    this.weightDecay = requireNonNegative(name, 'weightDecay', opts.weightDecay, defaultWd);
    this.#decoupled = decoupled;
  }

  protected kernel(lr: number, step: number) {
    return ['adam', {
      lr, step, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay, decoupled: this.#decoupled,
    }] as ['adam', { lr: number; step: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean }];
  }

  protected override slotName(i: number): string {
    return i === 0 ? 'mu' : 'nu';
  }

  /** The slots of `path`: [mu, nu]. */
  moments(path: string): { mu: Tensor; nu: Tensor } {
    const [mu, nu] = this.slots(path);
    return { mu: mu!, nu: nu! };
  }
}

/**
 * Adam (Kingma & Ba, 2015) as optax's `scale_by_adam` + learning rate: bias-corrected, eps outside the sqrt,
 * no weight decay by default. Defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-8.
 * @example const opt = new optim.Adam({ lr: 3e-3 });
 *          opt.registerTrainableWeights(net.states(ParamState)); opt.update(grads);
 */
export class Adam extends AdamBase {
  constructor(opts: AdamOptions = {}) {
    super('Adam', opts, false, 0);
  }
}

/**
 * AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay, optax `adamw`. The default
 * `weightDecay` is 0.01, as in braintools and PyTorch (optax's own default is 1e-4).
 * @example new optim.AdamW({ lr: 1e-3, weightDecay: 1e-2 })
 */
export class AdamW extends AdamBase {
  constructor(opts: AdamOptions = {}) {
    super('AdamW', opts, true, 0.01);
  }
}
