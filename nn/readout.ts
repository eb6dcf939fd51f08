/**
 * nn.LeakyRateReadout (brainpy.state LeakyRateReadout): a trainable rate readout r_t = decay·r_{t−1} + x_t W
 * with decay = e^(−dt/τ) (default τ 5 ms) and W [in, out] a ParamState `weight` (no bias).
 *
 * The integrator is declared as data (dynamics/models/leakyReadout.ts) and runs as every declared spike-free
 * model does (nn/synapse.ts): sequence mode is one matmul over all T·B rows, then the fused `synapseRun`.
 * Afterwards r holds the final value (gradients flow).
 */
import { matmul, reshape } from '../engine/api.js';
import { declareSynapse, type SynapseModel } from '../dynamics/declaration.js';
import { LEAKY_READOUT } from '../dynamics/models/leakyReadout.js';
import { SpikegradError, describeValue, fmtShape } from '../engine/errors.js';
import { HiddenState, ParamState } from '../engine/state.js';
import { Tensor } from '../engine/tensor.js';
import { ms, type Quantity } from '../units/index.js';
import { getDtMs } from '../engine/environ.js';
import type { BoundSynapse } from '../dynamics/bind.js';
import { bindSynapse } from '../dynamics/bind.js';
import { decayFactor, type FloatDType } from './expEuler.js';
import { Constant, KaimingNormal, toInitializer, type InitLike } from './init.js';
import { checkSize, readParam } from './layer.js';
import type { InitStateOptions } from './module.js';
import { DeclaredSynapse } from './synapse.js';

const ZERO = new Constant(0);
const MODEL = declareSynapse(LEAKY_READOUT);

/** Options of `nn.LeakyRateReadout`: its time constant and weight initializer. */
export interface LeakyRateReadoutOptions {
  /** Time constant (default 5 ms). */
  tau?: number | Quantity;
  /** Weight initializer (default KaimingNormal()). */
  wInit?: InitLike;
  /** Parameter precision (default float32). */
  dtype?: FloatDType;
}

export class LeakyRateReadout extends DeclaredSynapse {
  get model(): SynapseModel {
    return MODEL;
  }
  readonly inFeatures: number;
  readonly tau: number;
  readonly weight: ParamState;
  readonly r = new HiddenState(undefined, 'r');

  /** `size` is the number of outputs. */
  constructor(inFeatures: number, outFeatures: number, opts: LeakyRateReadoutOptions = {}) {
    super(outFeatures);
    this.inFeatures = checkSize('LeakyRateReadout', 'inFeatures', inFeatures);
    this.tau = readParam('LeakyRateReadout', 'tau', opts.tau, ms, 5, true);
    const wInit = toInitializer('LeakyRateReadout', 'wInit', opts.wInit ?? new KaimingNormal());
    this.weight = new ParamState(wInit.create([inFeatures, outFeatures], { dtype: opts.dtype ?? 'float32', where: 'LeakyRateReadout', name: 'wInit' }), 'weight');
    this.configure({ decay: decayFactor(this.tau, getDtMs(), 'float64') }, { r: ZERO });
  }

  override initState(opts: InitStateOptions): void {
    this.initHidden(this.r, ZERO, opts, 'r');
  }

  private project(x: Tensor, method: string): Tensor {
    const W = this.weight.value;
    if (!(x instanceof Tensor) || x.dtype !== W.dtype || x.rank < 1) {
      throw new SpikegradError(`${this.label}.${method}: argument 'x' expected a ${W.dtype} tensor [..., ${this.inFeatures}], got ${describeValue(x)}`);
    }
    if (x.shape.at(-1) !== this.inFeatures) {
      throw new SpikegradError(`${this.label}.${method}: argument 'x' expected last dimension ${this.inFeatures} (in features), got ${fmtShape(x.shape)}`);
    }
    const rows = reshape(x, [-1, this.inFeatures]);
    return reshape(matmul(rows, W), [...x.shape.slice(0, -1), this.size]);
  }

  /** The integrator bound with decay = e^(−dt/τ) at the current dt, rounded as decayFactor rounds it in `dtype`. */
  override bound(dtype: FloatDType): BoundSynapse {
    return bindSynapse(this.model, { decay: decayFactor(this.tau, getDtMs(), dtype) }, getDtMs(), dtype);
  }

  override update(x: Tensor): Tensor {
    const h = this.project(x, 'update');
    return this.stepWith(this.checkStep(h));
  }

  override run(xs: Tensor): Tensor {
    return this.runWith(this.checkSeq(this.project(xs, 'run')));
  }

  override toString(): string {
    return `LeakyRateReadout(${this.inFeatures}→${this.size}, tau=${this.tau} ms)`;
  }
}
