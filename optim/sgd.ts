/**
 * Stochastic gradient descent with optional momentum and Nesterov momentum, optax `sgd` semantics:
 *   g' = g + wd·p                       (coupled weight decay, default 0)
 *   t  ← g' + momentum·t                (optax `trace`; t starts at 0)
 *   p  ← p − lr·t                       (heavy ball)
 *   p  ← p − lr·(g' + momentum·t)       (Nesterov)
 * Without momentum it is p ← p − lr·g'. Each parameter's step is one in-place backend kernel (`sgd`).
 */
import { SpikegradError } from '../engine/errors.js';
import { Optimizer, requireNonNegative, requireUnitInterval, type OptimizerOptions } from './optimizer.js';

export interface SGDOptions extends OptimizerOptions {
  /** Momentum coefficient in [0, 1). Default 0 (plain SGD). */
  momentum?: number;
  /** Nesterov momentum (needs momentum > 0). Default false. */
  nesterov?: boolean;
  /** Coupled L2 weight decay. Default 0. */
  weightDecay?: number;
}

/** @example new optim.SGD({ lr: 0.1, momentum: 0.9, nesterov: true }) */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  protected readonly slotCount: number;

  constructor(opts: SGDOptions = {}) {
    super('SGD', opts, 1e-2);
    this.momentum = requireUnitInterval('SGD', 'momentum', opts.momentum, 0);
    this.nesterov = opts.nesterov ?? false;
    if (typeof this.nesterov !== 'boolean') throw new SpikegradError(`SGD: argument 'nesterov' expected a boolean, got ${String(opts.nesterov)}`);
    if (this.nesterov && this.momentum === 0) throw new SpikegradError("SGD: argument 'nesterov' needs a momentum > 0, got momentum 0");
    this.weightDecay = requireNonNegative('SGD', 'weightDecay', opts.weightDecay, 0);
    // Plain SGD keeps no trace; the kernel then reads no slot.
    this.slotCount = this.momentum > 0 ? 1 : 0;
  }

  protected override slotName(): string {
    return 'trace';
  }

  protected kernel(lr: number) {
    return ['sgd', { lr, momentum: this.momentum, nesterov: this.nesterov, weightDecay: this.weightDecay }] as
      ['sgd', { lr: number; momentum: number; nesterov: boolean; weightDecay: number }];
  }
}
