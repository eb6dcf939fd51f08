/**
 * nn.LIF and nn.IF, exactly as brainpy.state's LIF.update (docs/numerics.md §1). One step, with k = V_th − V_reset:
 *   1. s' = spkFun((V − V_th)/k): the spike of the PREVIOUS membrane (not detached by default: the
 *      surrogate gradient flows through the reset, as in BrainPy; `detachReset: true` is snnTorch's choice);
 *   2. reset: soft V' = V − k·s' (default), hard V' = V − (stop_gradient(V) − V_reset)·s' (→ V_reset);
 *   3. integrate τ dV/dt = −V + V_rest + R·I by exponential Euler: V = V' + coef·(((−V' + V_rest) + R·I)/τ);
 *   4. return spkFun((V − V_th)/k), the spike of the NEW membrane.
 * Units: τ in ms, voltages in mV, R in ohm, the input current in mA (1 ohm · 1 mA = 1 mV).
 *
 * Both are declarations (dynamics/models/lif.ts, if.ts; docs/dynamics.md): step mode composes primitive ops,
 * sequence mode is the generated fused `neuronRun` op (WebAssembly SIMD, JavaScript, WGSL), bit-identical
 * forward on the CPU. After `run`, V holds the final membrane, a slice of the op's output: gradients flow
 * through it (chunked BPTT is exact).
 */
import { getDtMs } from '../engine/environ.js';
import { SpikegradError, describeValue } from '../engine/errors.js';
import { HiddenState } from '../engine/state.js';
import { bindNeuron, type BoundNeuron } from '../dynamics/bind.js';
import { declareNeuron } from '../dynamics/declaration.js';
import { IF_HARD, IF_SOFT, LIF_HARD, LIF_SOFT } from '../dynamics/models/index.js';
import { mV, ms, ohm, type Quantity } from '../units/index.js';
import type { FloatDType } from './expEuler.js';
import { Constant, toInitializer, type InitLike, type Initializer } from './init.js';
import { readParam } from './layer.js';
import type { InitStateOptions } from './module.js';
import { NeuronLayer } from './neuron.js';
import { checkSpikeFunction, defaultSpikeFunction, type SpikeFunction } from './spikeFunction.js';

/** The reset after a spike: 'soft' subtracts V_th − V_reset, 'hard' sets V_reset. */
export type ResetMode = 'soft' | 'hard';

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
export abstract class SpikingNeuron extends NeuronLayer {
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

  /** The HiddenStates of the model's states, in its order (V first). */
  protected hiddenStates(): HiddenState[] {
    return [this.V];
  }
}

/** The declarations' reset variants, checked once. */
const LIF_MODELS = { soft: declareNeuron(LIF_SOFT), hard: declareNeuron(LIF_HARD) };
const IF_MODELS = { soft: declareNeuron(IF_SOFT), hard: declareNeuron(IF_HARD) };

export class LIF extends SpikingNeuron {
  constructor(size: number, opts: LIFOptions = {}) {
    super(size, opts, { tau: 5 });
  }

  /** dynamics/models/lif.ts with this layer's parameters. */
  bound(dtype: FloatDType): BoundNeuron {
    const params = { R: this.R, tau: this.tau, V_th: this.VTh, V_reset: this.VReset, V_rest: this.VRest };
    return bindNeuron(LIF_MODELS[this.spkReset], params, getDtMs(), dtype);
  }

  override toString(): string {
    return `${this.constructor.name}(${this.size}, tau=${this.tau} ms, VTh=${this.VTh} mV, VReset=${this.VReset} mV, spkFun=${this.spkFun}, spkReset='${this.spkReset}'${this.detachReset ? ', detachReset' : ''})`;
  }
}

/** Options of `nn.IF`: those of LIF without a rest or reset potential. */
export type IFOptions = Omit<LIFOptions, 'VReset' | 'VRest'>;

/**
 * nn.IF (brainpy.state IF): τ dV/dt = −V + R·I, spike argument (V − V_th)/V_th, soft reset V − V_th·s. That is
 * LIF with V_rest = V_reset = 0 (dynamics/models/if.ts declares it so). (BrainPy's docstring calls it a perfect
 * integrator, but its code keeps the −V leak; spikegrad follows the code.)
 */
export class IF extends LIF {
  constructor(size: number, opts: IFOptions = {}) {
    const o = opts as LIFOptions;
    if (o.VReset !== undefined || o.VRest !== undefined) throw new SpikegradError("IF: 'VReset' and 'VRest' are fixed at 0 mV (use nn.LIF for other values)");
    super(size, { ...opts, VReset: 0, VRest: 0 });
  }

  /** dynamics/models/if.ts with this layer's parameters. */
  override bound(dtype: FloatDType): BoundNeuron {
    return bindNeuron(IF_MODELS[this.spkReset], { R: this.R, tau: this.tau, V_th: this.VTh }, getDtMs(), dtype);
  }
}
