/**
 * nn.ALIF (brainpy.state ALIF, SPEC §9): LIF with an adaptive threshold V_th + β·a. One step:
 *   s' = spkFun(((V − V_th) − β·a)/k);  V' = reset(V, s') as in LIF;  a' = a + s';
 *   V = V' + coef·(((−V' + V_rest) + R·I)/τ);  a = a' + coefA·((−a')/τ_a);
 *   return spkFun(((V − V_th) − β·a)/k).
 * Defaults: τ 5 ms, τ_a 100 ms, β 0.1 mV; a is dimensionless. `detachReset` stops the gradient of the
 * previous spike into both the voltage reset and the adaptation increment.
 *
 * Sequence mode is the fused `alifRun` op; afterwards V and a hold the final values (gradients flow).
 */
import { add, div, index, mul, neg, sub } from '../engine/api.js';
import { runOp } from '../engine/dispatch.js';
import { getDtMs } from '../engine/environ.js';
import type { AlifAttrs } from '../engine/opsNeuron.js';
import { HiddenState } from '../engine/state.js';
import type { Tensor } from '../engine/tensor.js';
import { UNITLESS, mV, ms, type Quantity } from '../units/index.js';
import { rounderFor } from '../engine/dtype.js';
import { expEulerConstants, type FloatDType } from './expEuler.js';
import { Constant, toInitializer, type InitLike, type Initializer } from './init.js';
import { Layer, readParam } from './layer.js';
import { SpikingNeuron, type LIFOptions } from './lif.js';
import type { InitStateOptions } from './module.js';
import { recordSequence } from './record.js';

/** Options of `nn.ALIF`: those of LIF plus the adaptation time constant and strength. */
export interface ALIFOptions extends LIFOptions {
  /** Adaptation time constant (default 100 ms). */
  tauA?: number | Quantity;
  /** Threshold increase per unit of adaptation (default 0.1 mV). */
  beta?: number | Quantity;
  /** Initial adaptation (default Constant(0), dimensionless). */
  aInitializer?: InitLike;
}

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

  private attrs(dtype: FloatDType): AlifAttrs {
    const { tau, coef } = expEulerConstants(this.tauA, getDtMs(), dtype);
    return { ...this.lifAttrs(dtype), tauA: tau, coefA: coef, beta: rounderFor(dtype)(this.beta) };
  }

  /** One step: input current x [B, n] (mA) → spikes [B, n]. */
  update(x: Tensor): Tensor {
    const input = this.checkStep(x);
    const v = this.hidden(this.V, input), a0 = this.hidden(this.a, input);
    const p = this.attrs(Layer.floatOf(v));
    const spikeOf = (vv: Tensor, aa: Tensor) => this.spkFun.spike(div(sub(sub(vv, p.VTh), mul(aa, p.beta)), p.k));
    const s = this.resetSpike(spikeOf(v, a0));
    const vNew = this.resetAndIntegrate(v, s, input, p);
    const ar = add(a0, s);
    const aNew = add(ar, mul(div(neg(ar), p.tauA), p.coefA));
    this.V.value = vNew;
    this.a.value = aNew;
    return spikeOf(vNew, aNew);
  }

  /** xs [T, B, n] → spikes [T, B, n] in one fused op. */
  override run(xs: Tensor): Tensor {
    const seq = this.checkSeq(xs);
    const v0 = this.hidden(this.V, seq, true), a0 = this.hidden(this.a, seq, true);
    const [spikes, vs, as] = runOp('alifRun', [seq, v0, a0], this.attrs(Layer.floatOf(v0)));
    recordSequence(this, 'V', vs!);
    recordSequence(this, 'a', as!);
    this.V.value = index(vs!, -1);
    this.a.value = index(as!, -1);
    return spikes!;
  }

  override toString(): string {
    return `ALIF(${this.size}, tau=${this.tau} ms, tauA=${this.tauA} ms, beta=${this.beta} mV, spkFun=${this.spkFun}, spkReset='${this.spkReset}')`;
  }
}
