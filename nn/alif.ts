/**
 * nn.ALIF (brainpy.state ALIF, docs/numerics.md §9): LIF with an adaptive threshold V_th + β·a. One step:
 *   s' = spkFun(((V − V_th) − β·a)/k);  V' = reset(V, s') as in LIF;  a' = a + s';
 *   V = V' + coef·(((−V' + V_rest) + R·I)/τ);  a = a' + coefA·((−a')/τ_a);
 *   return spkFun(((V − V_th) − β·a)/k).
 * Defaults: τ 5 ms, τ_a 100 ms, β 0.1 mV; a is dimensionless. `detachReset` stops the gradient of the
 * previous spike into both the voltage reset and the adaptation increment.
 *
 * Both modes are generated from the declaration dynamics/models/alif.ts (docs/dynamics.md): step mode composes
 * primitive ops, sequence mode is the fused `neuronRun` op; afterwards V and a hold the final values
 * (gradients flow). The two give the same bits on the CPU, and the bits of the hand-written kernel they replace.
 */
import { getDtMs } from '../engine/environ.js';
import { bindNeuron, type BoundNeuron } from '../dynamics/bind.js';
import { declareNeuron } from '../dynamics/declaration.js';
import { ALIF_HARD, ALIF_SOFT } from '../dynamics/models/alif.js';
import { HiddenState } from '../engine/state.js';
import { UNITLESS, mV, ms, type Quantity } from '../units/index.js';
import type { FloatDType } from './expEuler.js';
import { Constant, toInitializer, type InitLike, type Initializer } from './init.js';
import { readParam } from './layer.js';
import { SpikingNeuron, type LIFOptions } from './lif.js';
import type { InitStateOptions } from './module.js';

/** Options of `nn.ALIF`: those of LIF plus the adaptation time constant and strength. */
export interface ALIFOptions extends LIFOptions {
  /** Adaptation time constant (default 100 ms). */
  tauA?: number | Quantity;
  /** Threshold increase per unit of adaptation (default 0.1 mV). */
  beta?: number | Quantity;
  /** Initial adaptation (default Constant(0), dimensionless). */
  aInitializer?: InitLike;
}

/** The two reset variants of the declaration, checked once. */
const MODELS = { soft: declareNeuron(ALIF_SOFT), hard: declareNeuron(ALIF_HARD) };

export class ALIF extends SpikingNeuron {
  readonly tauA: number;
  readonly beta: number;
  readonly aInitializer: Initializer;
  readonly a = new HiddenState(undefined, 'a');

  constructor(size: number, opts: ALIFOptions = {}) {
    super(size, opts, { tau: 5 });
    this.tauA = readParam('ALIF', 'tauA', opts.tauA, ms, 100, true);
    this.beta = readParam('ALIF', 'beta', opts.beta, mV, 0.1);
    this.aInitializer = toInitializer('ALIF', 'aInitializer', opts.aInitializer ?? new Constant(0));
  }

  override initState(opts: InitStateOptions): void {
    super.initState(opts);
    this.initHidden(this.a, this.aInitializer, opts, 'aInitializer', UNITLESS);
  }

  /** The layer's trees (dynamics/models/alif.ts with its parameters bound), cached per dtype and dt. */
  override bound(dtype: FloatDType): BoundNeuron {
    const params = { R: this.R, tau: this.tau, tau_a: this.tauA, V_th: this.VTh, V_reset: this.VReset, V_rest: this.VRest, beta: this.beta };
    return bindNeuron(this.spkReset === 'soft' ? MODELS.soft : MODELS.hard, params, getDtMs(), dtype);
  }

  /** V and a, the model's states in its order (update and run of SpikingNeuron step and run both). */
  protected override hiddenStates(): HiddenState[] {
    return [this.V, this.a];
  }

  override toString(): string {
    return `ALIF(${this.size}, tau=${this.tau} ms, tauA=${this.tauA} ms, beta=${this.beta} mV, spkFun=${this.spkFun}, spkReset='${this.spkReset}')`;
  }
}
