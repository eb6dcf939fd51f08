/**
 * nn.DualExpon (brainpy.state DualExpon, docs/numerics.md §2): g_rise and g_decay decay separately (exp-Euler), both
 * receive the input, and the output is a·(g_decay − g_rise) with a = (τd − τr)/(τr·τd)·A. By default A
 * normalises the peak of the response to a unit impulse to 1: A = τd/(τd − τr)·(τr/τd)^(τr/(τr − τd)).
 *
 * The model is declared as data (dynamics/models/dualExpon.ts, with `a` computed here in float64); both modes
 * and every kernel come from it (nn/synapse.ts). Afterwards the states hold the final values (gradients flow).
 */
import { declareSynapse, type SynapseModel } from '../dynamics/declaration.js';
import { DUAL_EXPON } from '../dynamics/models/dualExpon.js';
import { SpikegradError } from '../engine/errors.js';
import { HiddenState } from '../engine/state.js';
import { UNITLESS, ms, type Quantity } from '../units/index.js';
import { Constant, toInitializer, type InitLike, type Initializer } from './init.js';
import { readParam } from './layer.js';
import { DeclaredSynapse } from './synapse.js';

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

const MODEL = declareSynapse(DUAL_EXPON);

export class DualExpon extends DeclaredSynapse {
  get model(): SynapseModel {
    return MODEL;
  }
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
    this.configure({ tau_rise: tr, tau_decay: td, a: this.amp }, { g_rise: this.gInitializer, g_decay: this.gInitializer });
  }

  protected override stateKeys(): readonly string[] {
    return ['gRise', 'gDecay'];
  }

  override initState(opts: Parameters<DeclaredSynapse['initState']>[0]): void {
    this.initHidden(this.gRise, this.gInitializer, opts, 'gInitializer');
    this.initHidden(this.gDecay, this.gInitializer, opts, 'gInitializer');
  }

  override toString(): string {
    return `DualExpon(${this.size}, tauRise=${this.tauRise} ms, tauDecay=${this.tauDecay} ms)`;
  }
}
