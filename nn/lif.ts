/**
 * nn.LIF and nn.IF, exactly as brainpy.state's LIF.update (docs/numerics.md §1). One step, with k = V_th − V_reset:
 *   1. s' = spkFun((V − V_th)/k): the spike of the PREVIOUS membrane (not detached by default: the
 *      surrogate gradient flows through the reset, as in BrainPy; `detachReset: true` is snnTorch's choice);
 *   2. reset: soft V' = V − k·s' (default), hard V' = V − (stop_gradient(V) − V_reset)·s' (→ V_reset);
 *   3. integrate τ dV/dt = −(V − V_rest) + R·I by exponential Euler: V = V' + coef·(((−V' + V_rest) + R·I)/τ);
 *   4. return spkFun((V − V_th)/k), the spike of the NEW membrane.
 * Units: τ in ms, voltages in mV, R in ohm, the input current in mA (1 ohm · 1 mA = 1 mV).
 *
 * Step mode composes primitive ops in exactly this float order; sequence mode is the fused `lifRun` op
 * (engine/opsNeuron.ts), bit-identical forward on the CPU. After `run`, V holds the final membrane, a slice
 * of the op's output: gradients flow through it (chunked BPTT is exact).
 */
import { add, div, index, mul, neg, stopGradient, sub } from '../engine/api.js';
import { runOp } from '../engine/dispatch.js';
import { getDtMs } from '../engine/environ.js';
import { SpikegradError, describeValue } from '../engine/errors.js';
import type { LifAttrs, ResetMode } from '../engine/opsNeuron.js';
import { HiddenState } from '../engine/state.js';
import type { Tensor } from '../engine/tensor.js';
import { mV, ms, ohm, type Quantity } from '../units/index.js';
import { rounderFor } from '../engine/dtype.js';
import { expEulerConstants, type FloatDType } from './expEuler.js';
import { Constant, toInitializer, type InitLike, type Initializer } from './init.js';
import { Layer, readParam } from './layer.js';
import type { InitStateOptions } from './module.js';
import { checkSpikeFunction, defaultSpikeFunction, type SpikeFunction } from './spikeFunction.js';
import { recordSequence } from './record.js';

/** Options of `nn.LIF` (and, without VReset/VRest, `nn.IF`): membrane constants, the surrogate spike function, the reset and the state initializer, as brainpy.state names them. */
export interface LIFOptions {
  /** Membrane resistance (default 1 ohm). */
  R?: number | Quantity;
  /** Membrane time constant (default 5 ms; the tutorial uses 20 ms). */
  tau?: number | Quantity;
  /** Threshold (default 1 mV). */
  VTh?: number | Quantity;
  /** Reset potential (default 0 mV); must be below VTh. */
  VReset?: number | Quantity;
  /** Resting potential (default 0 mV). */
  VRest?: number | Quantity;
  /** Initial membrane (default Constant(0 mV)). */
  VInitializer?: InitLike;
  /** Surrogate of the spike (default ReluGrad()). */
  spkFun?: SpikeFunction;
  /** 'soft' (subtract k, default) or 'hard' (set to VReset). */
  spkReset?: ResetMode;
  /** Stop the gradient through the previous spike's reset (default false: BrainPy's behaviour). */
  detachReset?: boolean;
}

/** The membrane dynamics shared by LIF, IF and ALIF. */
export abstract class SpikingNeuron extends Layer {
  readonly R: number;
  readonly tau: number;
  readonly VTh: number;
  readonly VReset: number;
  readonly VRest: number;
  readonly spkFun: SpikeFunction;
  readonly spkReset: ResetMode;
  readonly detachReset: boolean;
  readonly VInitializer: Initializer;
  readonly V = new HiddenState(undefined, 'V');

  constructor(size: number, opts: LIFOptions, defaults: { tau: number }) {
    super(size);
    const where = this.constructor.name;
    this.R = readParam(where, 'R', opts.R, ohm, 1);
    this.tau = readParam(where, 'tau', opts.tau, ms, defaults.tau, true);
    this.VTh = readParam(where, 'VTh', opts.VTh, mV, 1);
    this.VReset = readParam(where, 'VReset', opts.VReset, mV, 0);
    this.VRest = readParam(where, 'VRest', opts.VRest, mV, 0);
    if (!(this.VTh > this.VReset)) {
      throw new SpikegradError(`${where}: argument 'VTh' expected a threshold above VReset (${this.VReset} mV), got ${this.VTh} mV`);
    }
    this.spkFun = checkSpikeFunction(where, opts.spkFun ?? defaultSpikeFunction());
    const reset = opts.spkReset ?? 'soft';
    if (reset !== 'soft' && reset !== 'hard') throw new SpikegradError(`${where}: argument 'spkReset' expected 'soft' or 'hard', got ${describeValue(reset)}`);
    this.spkReset = reset;
    if (opts.detachReset !== undefined && typeof opts.detachReset !== 'boolean') {
      throw new SpikegradError(`${where}: argument 'detachReset' expected a boolean, got ${describeValue(opts.detachReset)}`);
    }
    this.detachReset = opts.detachReset ?? false;
    this.VInitializer = toInitializer(where, 'VInitializer', opts.VInitializer ?? new Constant(0, { unit: mV }));
  }

  override initState(opts: InitStateOptions): void {
    this.initHidden(this.V, this.VInitializer, opts, 'VInitializer', mV);
  }

  /** Every constant of the kernel, rounded to the tensors' precision the way the step ops round them. */
  protected lifAttrs(dtype: FloatDType): LifAttrs {
    const fr = rounderFor(dtype);
    const { tau, coef } = expEulerConstants(this.tau, getDtMs(), dtype);
    const [VTh, VReset] = [fr(this.VTh), fr(this.VReset)];
    return {
      tau, coef, R: fr(this.R), VTh, VReset, VRest: fr(this.VRest), k: fr(VTh - VReset),
      reset: this.spkReset, detachReset: this.detachReset, spkFun: this.spkFun,
    };
  }

  /** The previous spike as the reset sees it: detached only when asked. */
  protected resetSpike(s: Tensor): Tensor {
    return this.detachReset ? stopGradient(s) : s;
  }

  /** Steps 2–3: reset by the previous spike `s`, then one exp-Euler step with input current `x`. */
  protected resetAndIntegrate(v: Tensor, s: Tensor, x: Tensor, a: LifAttrs): Tensor {
    const vr = this.spkReset === 'soft' ? sub(v, mul(s, a.k)) : sub(v, mul(sub(stopGradient(v), a.VReset), s));
    let num = neg(vr);
    if (a.VRest !== 0) num = add(num, a.VRest); // skipping exact no-ops keeps the fused kernel's rounding
    num = add(num, a.R === 1 ? x : mul(x, a.R));
    return add(vr, mul(div(num, a.tau), a.coef));
  }
}

export class LIF extends SpikingNeuron {
  constructor(size: number, opts: LIFOptions = {}) {
    super(size, opts, { tau: 5 });
  }

  /** One step: input current x [B, n] (mA) → spikes [B, n] (0/1). */
  update(x: Tensor): Tensor {
    const input = this.checkStep(x);
    const v = this.hidden(this.V, input);
    const a = this.lifAttrs(Layer.floatOf(v));
    const spikeOf = (vv: Tensor) => this.spkFun.spike(div(sub(vv, a.VTh), a.k));
    const vNew = this.resetAndIntegrate(v, this.resetSpike(spikeOf(v)), input, a);
    this.V.value = vNew;
    return spikeOf(vNew);
  }

  /** xs [T, B, n] → spikes [T, B, n] in one fused op (forward and backward). */
  override run(xs: Tensor): Tensor {
    const seq = this.checkSeq(xs);
    const v0 = this.hidden(this.V, seq, true);
    const [spikes, vs] = runOp('lifRun', [seq, v0], this.lifAttrs(Layer.floatOf(v0)));
    recordSequence(this, 'V', vs!);
    this.V.value = index(vs!, -1);
    return spikes!;
  }

  override toString(): string {
    return `${this.constructor.name}(${this.size}, tau=${this.tau} ms, VTh=${this.VTh} mV, VReset=${this.VReset} mV, spkFun=${this.spkFun}, spkReset='${this.spkReset}'${this.detachReset ? ', detachReset' : ''})`;
  }
}

/** Options of `nn.IF`: those of LIF without a rest or reset potential. */
export type IFOptions = Omit<LIFOptions, 'VReset' | 'VRest'>;

/**
 * nn.IF (brainpy.state IF): τ dV/dt = −V + R·I, spike argument (V − V_th)/V_th, soft reset V − V_th·s. That is
 * LIF with V_rest = V_reset = 0, which is how it is computed. (BrainPy's docstring calls it a perfect
 * integrator, but its code keeps the −V leak; spikegrad follows the code.)
 */
export class IF extends LIF {
  constructor(size: number, opts: IFOptions = {}) {
    const o = opts as LIFOptions;
    if (o.VReset !== undefined || o.VRest !== undefined) throw new SpikegradError("IF: 'VReset' and 'VRest' are fixed at 0 mV (use nn.LIF for other values)");
    super(size, { ...opts, VReset: 0, VRest: 0 });
  }
}
