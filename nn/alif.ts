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
import { index, stack } from '../engine/api.js';
import { runOp } from '../engine/dispatch.js';
import { getDtMs } from '../engine/environ.js';
import { bindNeuron, type BoundNeuron } from '../dynamics/bind.js';
import { declareNeuron } from '../dynamics/declaration.js';
import { ALIF_HARD, ALIF_SOFT } from '../dynamics/models/alif.js';
import { neuronStep } from '../dynamics/step.js';
import { HiddenState } from '../engine/state.js';
import type { Tensor } from '../engine/tensor.js';
import { UNITLESS, mV, ms, type Quantity } from '../units/index.js';
import type { FloatDType } from './expEuler.js';
import { Constant, toInitializer, type InitLike, type Initializer } from './init.js';
import { Layer, readParam } from './layer.js';
import { SpikingNeuron, type LIFOptions } from './lif.js';
import type { InitStateOptions } from './module.js';
import { recordSequence, recording } from './record.js';

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
  bound(dtype: FloatDType): BoundNeuron {
    const params = { R: this.R, tau: this.tau, tau_a: this.tauA, V_th: this.VTh, V_reset: this.VReset, V_rest: this.VRest, beta: this.beta };
    return bindNeuron(this.spkReset === 'soft' ? MODELS.soft : MODELS.hard, params, getDtMs(), dtype);
  }

  /** V and a, in the declaration's order (the packing of the fused ops' states). */
  hiddenStates(): HiddenState[] {
    return [this.V, this.a];
  }

  /** One step: input current x [B, n] (mA) → spikes [B, n]; primitive ops (dynamics/step.ts). */
  update(x: Tensor): Tensor {
    const input = this.checkStep(x);
    const v = this.hidden(this.V, input), a0 = this.hidden(this.a, input);
    const { states, spikes } = neuronStep(this.bound(Layer.floatOf(v)), [v, a0], input, (u) => this.spkFun.spike(u), this.detachReset);
    this.V.value = states[0]!;
    this.a.value = states[1]!;
    return spikes;
  }

  /** xs [T, B, n] → spikes [T, B, n] in one fused op (the generated `neuronRun`). */
  override run(xs: Tensor): Tensor {
    const seq = this.checkSeq(xs);
    const v0 = this.hidden(this.V, seq, true), a0 = this.hidden(this.a, seq, true);
    const s0 = stack([v0, a0], 0);
    const [spikes, states] = runOp('neuronRun', [seq, s0], { neuron: this.bound(Layer.floatOf(v0)), spkFun: this.spkFun, detachReset: this.detachReset });
    if (recording.active > 0) { // nn.record asked for the sequences: each state's [T, …] slice
      recordSequence(this, 'V', index(states!, 0, 1));
      recordSequence(this, 'a', index(states!, 1, 1));
    }
    const last = index(states!, -1);
    this.V.value = index(last, 0);
    this.a.value = index(last, 1);
    return spikes!;
  }

  override toString(): string {
    return `ALIF(${this.size}, tau=${this.tau} ms, tauA=${this.tauA} ms, beta=${this.beta} mV, spkFun=${this.spkFun}, spkReset='${this.spkReset}')`;
  }
}
