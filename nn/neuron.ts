/**
 * nn.defineNeuron: a neuron model declared as data (dynamics/declaration.ts, docs/dynamics.md) becomes a layer
 * class with both modes: `update(x)` composes primitive ops (dynamics/step.ts, differentiated by the tape) and
 * `run(xs)` is one fused op per direction (`neuronRun` / `neuronRunGrad`, kernels generated for the CPU and for
 * WebGPU from the same trees). CPU forward results of the two modes are bit-identical.
 * @example
 *   const Izh = nn.defineNeuron({ name: 'Izh', states: { V: { unit: 'mV', init: -65 }, ... }, ... });
 *   const layer = new Izh(128, { a: 0.02 });
 */
import { index, reshape, stack } from '../engine/api.js';
import { runOp } from '../engine/dispatch.js';
import { getDtMs } from '../engine/environ.js';
import { SpikegradError, describeValue } from '../engine/errors.js';
import { HiddenState } from '../engine/state.js';
import type { Tensor } from '../engine/tensor.js';
import { bindNeuron, type BoundNeuron } from '../dynamics/bind.js';
import { declareNeuron, type NeuronDeclaration, type NeuronModel } from '../dynamics/declaration.js';
import { neuronStep } from '../dynamics/step.js';
import { parseUnit } from '../dynamics/units.js';
import type { Quantity } from '../units/index.js';
import type { FloatDType } from './expEuler.js';
import type { InitLike, Initializer } from './init.js';
import { Layer } from './layer.js';
import { checkDeclaredModel, checkDeclaredOptions, declareStates, readDeclaredParams } from './declared.js';
import type { InitStateOptions } from './module.js';
import { recordSequence, recording } from './record.js';
import { checkSpikeFunction, defaultSpikeFunction, type SpikeFunction } from './spikeFunction.js';

/** Options of a defined neuron layer: each parameter by name, `<state>Initializer`, spkFun, detachReset. */
export interface NeuronOptions {
  spkFun?: SpikeFunction;
  detachReset?: boolean;
  [option: string]: number | Quantity | InitLike | SpikeFunction | boolean | undefined;
}

/**
 * A neuron layer whose both modes come from a bound declaration (dynamics/, docs/dynamics.md): `update` composes
 * primitive ops (dynamics/step.ts, differentiated by the tape), `run` is one fused op per direction
 * (`neuronRun` / `neuronRunGrad`, kernels generated for the CPU and WebGPU). The base of defineNeuron's classes
 * and of nn.LIF, nn.IF and nn.ALIF: a subclass gives its bound model and its hidden states.
 */
export abstract class NeuronLayer extends Layer {
  /** The surrogate spike function. */
  abstract readonly spkFun: SpikeFunction;
  /** No gradient through the previous spike (the reset and every use of `spike` in the update). */
  abstract readonly detachReset: boolean;
  /** The layer's model with its parameters and dt bound, in `dtype` (cached per values): every kernel's trees. */
  abstract bound(dtype: FloatDType): BoundNeuron;
  /** The HiddenState of each of the model's states, in its order (the packing of the fused ops' states). */
  abstract hiddenStates(): HiddenState[];

  /** One step: input x [B, n] → spikes [B, n]; the states advance. */
  update(x: Tensor): Tensor {
    const input = this.checkStep(x);
    const hs = this.hiddenStates();
    const vals = hs.map((h) => this.hidden(h, input));
    const { states, spikes } = neuronStep(this.bound(Layer.floatOf(vals[0]!)), vals, input, (u) => this.spkFun.spike(u), this.detachReset);
    hs.forEach((h, k) => (h.value = states[k]!));
    return spikes;
  }

  /**
   * xs [T, B, n] → spikes [T, B, n] in one fused op (forward and backward). Afterwards each state holds its
   * final value, a slice of the op's output (gradients flow: chunked BPTT is exact), and nn.record gets each
   * state's [T, …] sequence by name.
   */
  override run(xs: Tensor): Tensor {
    const seq = this.checkSeq(xs);
    const hs = this.hiddenStates();
    const s0 = hs.map((h) => this.hidden(h, seq, true));
    const b = this.bound(Layer.floatOf(s0[0]!));
    // One state needs no stack (a copy): a reshape gives the op its [1, …] layout.
    const packed = s0.length === 1 ? reshape(s0[0]!, [1, ...s0[0]!.shape]) : stack(s0, 0);
    const [spikes, states] = runOp('neuronRun', [seq, packed], { neuron: b, spkFun: this.spkFun, detachReset: this.detachReset });
    if (recording.active > 0) b.states.forEach((name, k) => recordSequence(this, name, index(states!, k, 1)));
    const last = index(states!, -1);
    // One state: a reshape of the last row (a view), not a second slice.
    if (hs.length === 1) hs[0]!.value = reshape(last, s0[0]!.shape);
    else hs.forEach((h, k) => (h.value = index(last, k)));
    return spikes!;
  }
}

/** The layer every declared neuron class extends. */
export abstract class DeclaredNeuron extends NeuronLayer {
  /** The checked model (its `declaration` is the normalised, JSON-compatible declaration). */
  abstract readonly model: NeuronModel;
  /** Parameter values by name, in the declared units. */
  readonly params: Readonly<Record<string, number>> = {};
  readonly spkFun: SpikeFunction = defaultSpikeFunction();
  readonly detachReset: boolean = false;
  protected readonly initializers: Readonly<Record<string, Initializer>> = {};

  /** The HiddenState of each declared state, in declaration order (the packing of the fused ops' states). */
  hiddenStates(): HiddenState[] {
    return this.model.states.map((s) => (this as unknown as Record<string, HiddenState>)[s.name]!);
  }

  /** The trees of this layer's kernels, in `dtype` (cached per model, parameters and dt). */
  bound(dtype: FloatDType): BoundNeuron {
    return bindNeuron(this.model, this.params, getDtMs(), dtype);
  }

  override initState(opts: InitStateOptions): void {
    const hs = this.hiddenStates();
    this.model.states.forEach((s, k) => {
      this.initHidden(hs[k]!, this.initializers[s.name]!, opts, `${s.name}Initializer`, s.unit ? parseUnit(s.unit, s.name) : undefined);
    });
  }

  override toString(): string {
    const ps = Object.entries(this.params).map(([k, v]) => `${k}=${v}`).join(', ');
    return `${this.model.name}(${this.size}${ps ? `, ${ps}` : ''}, spkFun=${this.spkFun}${this.detachReset ? ', detachReset' : ''})`;
  }
}

/** The layer class `nn.defineNeuron(declaration)` returns: construct it with a size and options; `model` is the checked declaration. */
export type DeclaredNeuronClass = (new (size: number, opts?: NeuronOptions) => DeclaredNeuron) & { readonly model: NeuronModel };

/**
 * A layer class from a neuron declaration: validated now (a bad declaration throws here, naming the field),
 * kernels generated on first use per precision and parameter values.
 */
export function defineNeuron(declaration: NeuronDeclaration): DeclaredNeuronClass {
  const model = declareNeuron(declaration);
  checkDeclaredModel('defineNeuron', model, (dtype) => bindNeuron(model, {}, 1, dtype), DeclaredNeuron.prototype, ['size', 'params', 'spkFun', 'detachReset', 'initializers', 'model']);
  const optionNames = [...model.params.map((p) => p.name), ...model.states.map((s) => `${s.name}Initializer`), 'spkFun', 'detachReset'];

  const cls = class extends DeclaredNeuron {
    static readonly model = model;
    // A getter, not an own field: nn.Module's walks (states, initAllStates) visit own fields, and a model's
    // expression trees are not modules.
    get model(): NeuronModel {
      return model;
    }
    constructor(size: number, opts: NeuronOptions = {}) {
      super(size);
      const where = model.name;
      checkDeclaredOptions(where, opts, optionNames);
      const params = readDeclaredParams(model, where, opts);
      bindNeuron(model, params, getDtMs(), 'float32'); // every constant finite with these parameters (cached for run)
      const initializers = declareStates(this, model, where, opts);
      if (opts.detachReset !== undefined && typeof opts.detachReset !== 'boolean') {
        throw new SpikegradError(`${where}: argument 'detachReset' expected a boolean, got ${describeValue(opts.detachReset)}`);
      }
      Object.assign(this, {
        params: Object.freeze(params), initializers,
        spkFun: checkSpikeFunction(where, opts.spkFun ?? defaultSpikeFunction()),
        detachReset: opts.detachReset ?? model.detachReset,
      });
    }
  };
  Object.defineProperty(cls, 'name', { value: model.name });
  return cls;
}
