/**
 * Spike-free declared dynamics as layers: a model declared as data (dynamics/declaration.ts `declareSynapse`,
 * docs/dynamics.md) runs in both modes: `update(x)` composes primitive ops (dynamics/step.ts `synapseStep`,
 * differentiated by the tape) and `run(xs)` is one fused op per direction (`synapseRun` / `synapseRunGrad`,
 * kernels generated for the CPU and WebGPU from the same trees). CPU forward results of the two modes are
 * bit-identical. nn.Expon, nn.DualExpon and nn.LeakyRateReadout's integrator are such layers;
 * `nn.defineSynapse(declaration)` makes one from a user's declaration.
 * @example
 *   const Alpha = nn.defineSynapse({ name: 'AlphaSyn', states: { h: {}, g: {} }, params: { tau: { unit: 'ms', default: 5, positive: true } },
 *     update: { h: { expEuler: '-h / tau', add: 'I' }, g: { expEuler: '(h - g) / tau' } }, output: 'g' });
 *   const syn = new Alpha(128, { tau: 3 });
 */
import { index, stack, zerosLike } from '../engine/api.js';
import { runOp } from '../engine/dispatch.js';
import { getDtMs } from '../engine/environ.js';
import { HiddenState } from '../engine/state.js';
import type { Tensor } from '../engine/tensor.js';
import { bindSynapse, type BoundSynapse } from '../dynamics/bind.js';
import { declareSynapse, type SynapseDeclaration, type SynapseModel } from '../dynamics/declaration.js';
import { synapseStep } from '../dynamics/step.js';
import { parseUnit } from '../dynamics/units.js';
import type { Quantity } from '../units/index.js';
import type { FloatDType } from './expEuler.js';
import type { InitLike, Initializer } from './init.js';
import { Layer } from './layer.js';
import { checkDeclaredModel, checkDeclaredOptions, declareStates, readDeclaredParams } from './declared.js';
import type { InitStateOptions } from './module.js';
import { recordSequence, recording } from './record.js';

/** Options of a defined synapse layer: each parameter by name and `<state>Initializer`. */
export interface SynapseOptions {
  [option: string]: number | Quantity | InitLike | undefined;
}

/** The layer every declared spike-free model extends (nn.Expon, nn.DualExpon, nn.LeakyRateReadout, defineSynapse's classes). */
export abstract class DeclaredSynapse extends Layer {
  /**
   * The checked model (its `declaration` is the normalised, JSON-compatible declaration). A getter, not an own
   * property: nn/module.ts walks a module's own properties for its states (initAllStates, states(), every
   * training step), and walking the model's expression trees took ~0.25 ms per initAllStates of two Expon layers
   * (profiled; nn.DeclaredNeuron's `model` is an own property and pays the same).
   */
  abstract get model(): SynapseModel;
  /** Parameter values by declared name, in the declared units. */
  readonly params: Readonly<Record<string, number>> = {};
  protected readonly initializers: Readonly<Record<string, Initializer>> = {};

  /** Sets the parameter values and state initializers (subclass constructors, once their options are read). */
  protected configure(params: Record<string, number>, initializers: Record<string, Initializer>): void {
    bindSynapse(this.model, params, getDtMs(), 'float32'); // every constant finite with these parameters (cached for run)
    Object.assign(this, { params: Object.freeze(params), initializers });
  }

  /** The property holding each declared state's HiddenState, in declaration order (by default the state's name). */
  protected stateKeys(): readonly string[] {
    return this.model.states.map((s) => s.name);
  }

  private hiddenStates(): HiddenState[] {
    return this.stateKeys().map((k) => (this as unknown as Record<string, HiddenState>)[k]!);
  }

  /** The trees of this layer's kernels, in `dtype` (cached per model, parameters and dt). */
  bound(dtype: FloatDType): BoundSynapse {
    return bindSynapse(this.model, this.params, getDtMs(), dtype);
  }

  override initState(opts: InitStateOptions): void {
    const hs = this.hiddenStates();
    this.model.states.forEach((s, k) => {
      this.initHidden(hs[k]!, this.initializers[s.name]!, opts, `${s.name}Initializer`, s.unit ? parseUnit(s.unit, s.name) : undefined);
    });
  }

  /** One step of checked input [B, n] (omitted: no input, a pure decay step): the states advance; returns the output. */
  protected stepWith(input: Tensor | undefined): Tensor {
    const hs = this.hiddenStates();
    const vals = hs.map((h) => this.hidden(h, input));
    const { states, output } = synapseStep(this.bound(Layer.floatOf(vals[0]!)), vals, input ?? zerosLike(vals[0]!));
    hs.forEach((h, k) => (h.value = states[k]!));
    return output;
  }

  /** The fused sequence op on a checked sequence [T, B, n]: returns the output [T, B, n]; the states hold the last step. */
  protected runWith(seq: Tensor): Tensor {
    const hs = this.hiddenStates();
    // One state: no K axis on the op's states (engine/opsSynapse.ts), so no stack and no reshape.
    const s0 = hs.length === 1 ? this.hidden(hs[0]!, seq, true) : stack(hs.map((h) => this.hidden(h, seq, true)), 0);
    const b = this.bound(Layer.floatOf(s0));
    const [states, out] = runOp('synapseRun', [seq, s0], { synapse: b });
    const K = hs.length;
    const stateSeq = (k: number) => (K === 1 ? states! : index(states!, k, 1));
    const output = b.outputState === null ? out! : stateSeq(b.outputState);
    if (recording.active > 0) this.stateKeys().forEach((key, k) => recordSequence(this, key, stateSeq(k)));
    if (K === 1) hs[0]!.value = index(stateSeq(0), -1);
    else {
      const last = index(states!, -1);
      hs.forEach((h, k) => (h.value = index(last, k)));
    }
    return output;
  }

  /** One step: input x [B, n] → output [B, n]; the states advance. */
  update(x?: Tensor): Tensor {
    return this.stepWith(x === undefined ? undefined : this.checkStep(x));
  }

  /** xs [T, B, n] → output [T, B, n] in one fused op (forward and backward). */
  override run(xs: Tensor): Tensor {
    return this.runWith(this.checkSeq(xs));
  }

  override toString(): string {
    const ps = Object.entries(this.params).map(([k, v]) => `${k}=${v}`).join(', ');
    return `${this.model.name}(${this.size}${ps ? `, ${ps}` : ''})`;
  }
}

/** The layer class `nn.defineSynapse(declaration)` returns: construct it with a size and options; `model` is the checked declaration. */
export type DeclaredSynapseClass = (new (size: number, opts?: SynapseOptions) => DeclaredSynapse) & { readonly model: SynapseModel };

/**
 * A layer class from a spike-free declaration (a synapse, a readout's integrator, any state-only dynamics):
 * validated now (a bad declaration throws here, naming the field), kernels generated on first use per precision
 * and parameter values.
 */
export function defineSynapse(declaration: SynapseDeclaration): DeclaredSynapseClass {
  const model = declareSynapse(declaration);
  checkDeclaredModel('defineSynapse', model, (dtype) => bindSynapse(model, {}, 1, dtype), DeclaredSynapse.prototype, ['size', 'params', 'initializers', 'model']);
  const optionNames = [...model.params.map((p) => p.name), ...model.states.map((s) => `${s.name}Initializer`)];

  const cls = class extends DeclaredSynapse {
    static readonly model = model;
    get model(): SynapseModel {
      return model;
    }
    constructor(size: number, opts: SynapseOptions = {}) {
      super(size);
      const where = model.name;
      checkDeclaredOptions(where, opts, optionNames);
      const initializers = declareStates(this, model, where, opts);
      this.configure(readDeclaredParams(model, where, opts), initializers);
    }
  };
  Object.defineProperty(cls, 'name', { value: model.name });
  return cls;
}
