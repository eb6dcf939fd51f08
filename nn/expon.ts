/**
 * nn.Expon (brainpy.state Expon, docs/numerics.md §2): a current/conductance g that decays with τ and receives its input
 * as an impulse: g ← g + coef·((−g)/τ) (exp-Euler, = g·e^(−dt/τ)), then g ← g + x, unscaled. Returns g.
 * Units: τ in ms (a plain number is ms); g carries the unit of its input (mA in the tutorial).
 *
 * Sequence mode is the fused `exponRun` op. Afterwards `g` holds the final state, a slice of the op's
 * output, so gradients flow through it into the sequence (chunked BPTT is exact).
 */
import { add, div, index, mul, neg } from '../engine/api.js';
import { runOp } from '../engine/dispatch.js';
import { getDtMs } from '../engine/environ.js';
import { HiddenState } from '../engine/state.js';
import type { Tensor } from '../engine/tensor.js';
import { ms, type Quantity } from '../units/index.js';
import { expEulerConstants } from './expEuler.js';
import { Constant, toInitializer, type InitLike, type Initializer } from './init.js';
import { Layer, readParam } from './layer.js';
import type { InitStateOptions } from './module.js';
import { recordSequence } from './record.js';

/** Options of `nn.Expon`, the exponential synapse: its time constant and the state initializer. */
export interface ExponOptions {
  /** Decay time constant (default 8 ms; numbers are ms). */
  tau?: number | Quantity;
  /** Initial g (default Constant(0)). */
  gInitializer?: InitLike;
}

export class Expon extends Layer {
  readonly tau: number;
  readonly gInitializer: Initializer;
  readonly g = new HiddenState(undefined, 'g');

  constructor(size: number, opts: ExponOptions = {}) {
    super(size);
    this.tau = readParam('Expon', 'tau', opts.tau, ms, 8, true);
    this.gInitializer = toInitializer('Expon', 'gInitializer', opts.gInitializer ?? new Constant(0));
  }

  override initState(opts: InitStateOptions): void {
    this.initHidden(this.g, this.gInitializer, opts, 'gInitializer');
  }

  /** One step: decay, then add `x` (omit x for a pure decay step). */
  update(x?: Tensor): Tensor {
    const input = x === undefined ? undefined : this.checkStep(x);
    const g0 = this.hidden(this.g, input);
    const { tau, coef } = expEulerConstants(this.tau, getDtMs(), Layer.floatOf(g0));
    let g = add(g0, mul(div(neg(g0), tau), coef));
    if (input) g = add(g, input);
    this.g.value = g;
    return g;
  }

  /** xs [T, B, n] → g [T, B, n] in one fused op. */
  override run(xs: Tensor): Tensor {
    const seq = this.checkSeq(xs);
    const g0 = this.hidden(this.g, seq, true);
    const [gs] = runOp('exponRun', [seq, g0], expEulerConstants(this.tau, getDtMs(), Layer.floatOf(g0)));
    recordSequence(this, 'g', gs!);
    this.g.value = index(gs!, -1);
    return gs!;
  }

  override toString(): string {
    return `Expon(${this.size}, tau=${this.tau} ms)`;
  }
}
