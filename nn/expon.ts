/**
 * nn.Expon (brainpy.state Expon, docs/numerics.md §2): a current/conductance g that decays with τ and receives its input
 * as an impulse: g ← g + coef·((−g)/τ) (exp-Euler, = g·e^(−dt/τ)), then g ← g + x, unscaled. Returns g.
 * Units: τ in ms (a plain number is ms); g carries the unit of its input (mA in the tutorial).
 *
 * The model is declared as data (dynamics/models/expon.ts); both modes and every kernel come from it
 * (nn/synapse.ts). Afterwards `g` holds the final state, a slice of the fused op's output, so gradients flow
 * through it into the sequence (chunked BPTT is exact).
 */
import { declareSynapse, type SynapseModel } from '../dynamics/declaration.js';
import { EXPON } from '../dynamics/models/expon.js';
import { HiddenState } from '../engine/state.js';
import type { Tensor } from '../engine/tensor.js';
import type { Quantity } from '../units/index.js';
import { Constant, toInitializer, type InitLike, type Initializer } from './init.js';
import { readDeclaredParams } from './declared.js';
import { DeclaredSynapse } from './synapse.js';

/** Options of `nn.Expon`, the exponential synapse: its time constant and the state initializer. */
export interface ExponOptions {
  /** Decay time constant (default 8 ms; numbers are ms). */
  tau?: number | Quantity;
  /** Initial g (default Constant(0)). */
  gInitializer?: InitLike;
}

const MODEL = declareSynapse(EXPON);

export class Expon extends DeclaredSynapse {
  get model(): SynapseModel {
    return MODEL;
  }
  readonly tau: number;
  readonly gInitializer: Initializer;
  readonly g = new HiddenState(undefined, 'g');

  constructor(size: number, opts: ExponOptions = {}) {
    super(size);
    const params = readDeclaredParams(MODEL, 'Expon', { tau: opts.tau });
    this.tau = params.tau!;
    this.gInitializer = toInitializer('Expon', 'gInitializer', opts.gInitializer ?? new Constant(0));
    this.configure(params, { g: this.gInitializer });
  }

  /** One step: decay, then add `x` (omit x for a pure decay step). */
  override update(x?: Tensor): Tensor {
    return super.update(x);
  }

  override toString(): string {
    return `Expon(${this.size}, tau=${this.tau} ms)`;
  }
}
