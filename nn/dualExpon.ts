/**
 * nn.DualExpon (brainpy.state DualExpon, docs/numerics.md §2): g_rise and g_decay decay separately (exp-Euler), both
 * receive the input, and the output is a·(g_decay − g_rise) with a = (τd − τr)/(τr·τd)·A. By default A
 * normalises the peak of the response to a unit impulse to 1: A = τd/(τd − τr)·(τr/τd)^(τr/(τr − τd)).
 *
 * Sequence mode is the fused `dualExponRun` op; afterwards the states hold the final values (gradients flow).
 */
import { add, div, mul, neg, sub } from '../engine/api.js';
import { runOp } from '../engine/dispatch.js';
import { getDtMs } from '../engine/environ.js';
import { SpikegradError } from '../engine/errors.js';
import { HiddenState } from '../engine/state.js';
import type { Tensor } from '../engine/tensor.js';
import { UNITLESS, ms, type Quantity } from '../units/index.js';
import { rounderFor } from '../engine/dtype.js';
import { expEulerConstants, type FloatDType } from './expEuler.js';
import { Constant, toInitializer, type InitLike, type Initializer } from './init.js';
import { Layer, readParam } from './layer.js';
import type { InitStateOptions } from './module.js';
import type { DualExponAttrs } from '../engine/opsSynapse.js';

/** Options of `nn.DualExpon`, the dual-exponential synapse: rise and decay time constants, amplitude and state initializers. */
export interface DualExponOptions {
  /** Decay time constant (default 10 ms). */
  tauDecay?: number | Quantity;
  /** Rise time constant (default 1 ms). */
  tauRise?: number | Quantity;
  /** Amplitude; default: peak-normalised (see the class comment). */
  A?: number | Quantity;
  /** Initial g_rise and g_decay (default Constant(0)). */
  gInitializer?: InitLike;
}

export class DualExpon extends Layer {
  readonly tauDecay: number;
  readonly tauRise: number;
  /** a = (τd − τr)/τr/τd·A, in float64. */
  readonly amp: number;
  readonly gInitializer: Initializer;
  readonly gRise = new HiddenState(undefined, 'gRise');
  readonly gDecay = new HiddenState(undefined, 'gDecay');

  constructor(size: number, opts: DualExponOptions = {}) {
    super(size);
    this.tauDecay = readParam('DualExpon', 'tauDecay', opts.tauDecay, ms, 10, true);
    this.tauRise = readParam('DualExpon', 'tauRise', opts.tauRise, ms, 1, true);
    const [td, tr] = [this.tauDecay, this.tauRise];
    if (opts.A === undefined && td === tr) {
      throw new SpikegradError(`DualExpon: arguments 'tauRise' and 'tauDecay' are both ${td} ms; the peak normalisation needs them to differ (or pass 'A')`);
    }
    const A = opts.A === undefined ? (td / (td - tr)) * (tr / td) ** (tr / (tr - td)) : readParam('DualExpon', 'A', opts.A, UNITLESS, 1);
    this.amp = ((td - tr) / tr / td) * A;
    this.gInitializer = toInitializer('DualExpon', 'gInitializer', opts.gInitializer ?? new Constant(0));
  }

  override initState(opts: InitStateOptions): void {
    this.initHidden(this.gRise, this.gInitializer, opts, 'gInitializer');
    this.initHidden(this.gDecay, this.gInitializer, opts, 'gInitializer');
  }

  private attrs(dtype: FloatDType): DualExponAttrs {
    const dt = getDtMs();
    const r = expEulerConstants(this.tauRise, dt, dtype), d = expEulerConstants(this.tauDecay, dt, dtype);
    return { tauRise: r.tau, coefRise: r.coef, tauDecay: d.tau, coefDecay: d.coef, amp: rounderFor(dtype)(this.amp) };
  }

  update(x?: Tensor): Tensor {
    const input = x === undefined ? undefined : this.checkStep(x);
    const r0 = this.hidden(this.gRise, input), d0 = this.hidden(this.gDecay, input);
    const a = this.attrs(Layer.floatOf(r0));
    let gr = add(r0, mul(div(neg(r0), a.tauRise), a.coefRise));
    let gd = add(d0, mul(div(neg(d0), a.tauDecay), a.coefDecay));
    if (input) {
      gr = add(gr, input);
      gd = add(gd, input);
    }
    this.gRise.value = gr;
    this.gDecay.value = gd;
    return mul(sub(gd, gr), a.amp);
  }

  override run(xs: Tensor): Tensor {
    const seq = this.checkSeq(xs);
    const r0 = this.hidden(this.gRise, seq, true), d0 = this.hidden(this.gDecay, seq, true);
    const [out, rT, dT] = runOp('dualExponRun', [seq, r0, d0], this.attrs(Layer.floatOf(r0)));
    this.gRise.value = rT!;
    this.gDecay.value = dT!;
    return out!;
  }

  override toString(): string {
    return `DualExpon(${this.size}, tauRise=${this.tauRise} ms, tauDecay=${this.tauDecay} ms)`;
  }
}
