/**
 * States: the mutable slots a network is made of (brainstate's model). A State owns its current tensor: the
 * tensor survives every `tidy`, and when the State is given a new value, the old one goes back to the
 * innermost open `tidy` (or to the garbage collector's safety net outside any), so memory stays flat across
 * training steps without manual disposal.
 */
import { SpikegradError, describeValue } from './errors.js';
import { adoptIntoScope } from './scope.js';
import { Tensor } from './tensor.js';

/**
 * A transform.jit recording watches which States a step reads and writes (engine/jitRecord.ts); null the
 * rest of the time, so the check costs one load per access.
 */
export const stateHooks: { observe: ((kind: 'get' | 'set', s: State, t: Tensor) => void) | null } = { observe: null };

/** A named, mutable slot holding a tensor that a module carries between calls; `ParamState` (trainable weights), `HiddenState` (neuron and synapse variables) and `ShortTermState` specialise it, and `module.states(ParamState)` collects them by class. */
export class State {
  #value: Tensor | null = null;
  /** Optional human name (modules set the dotted path when asked for `states()`). */
  name?: string;

  constructor(value?: Tensor, name?: string) {
    if (value !== undefined) this.value = value;
    if (name !== undefined) this.name = name;
  }

  get initialized(): boolean {
    return this.#value !== null && !this.#value.isDisposed;
  }

  get value(): Tensor {
    if (this.#value === null) {
      throw new SpikegradError(`${this.constructor.name}${this.name ? ` '${this.name}'` : ''} has no value yet (for hidden states, call nn.initAllStates(net, { batchSize }) first)`);
    }
    if (stateHooks.observe) stateHooks.observe('get', this, this.#value);
    return this.#value;
  }

  set value(t: Tensor) {
    if (!(t instanceof Tensor)) throw new SpikegradError(`${this.constructor.name}.value: expected a Tensor, got ${describeValue(t)}`);
    if (stateHooks.observe) stateHooks.observe('set', this, t);
    if (t === this.#value) return;
    const prev = this.#value;
    t.kept = true;
    this.#value = t;
    if (prev && !prev.isDisposed) {
      prev.kept = false;
      adoptIntoScope(prev);
    }
  }

  /** Frees the current value now. */
  dispose(): void {
    this.#value?.dispose();
    this.#value = null;
  }

  toString(): string {
    return `${this.constructor.name}(${this.#value ? `${this.#value.dtype} [${this.#value.shape.join(', ')}]` : 'empty'})`;
  }
}

/** A trainable parameter (weights, biases): what optimizers update and `grad` differentiates by default. */
export class ParamState extends State {}

/** A dynamical variable of the network (membrane potential, synaptic conductance): reset per batch. */
export class HiddenState extends State {}

/** Anything else a module carries between calls (counters, running statistics). */
export class ShortTermState extends State {}

/**
 * A statistic a layer keeps across batches (nn.BatchNorm2d's running mean and variance): not trained by the
 * optimizers (not a ParamState) and not reset by nn.initAllStates (not a HiddenState), but part of what the
 * layer has learnt, so saved and loaded with the parameters (PyTorch's buffers in its state_dict).
 */
export class RunningState extends State {}

/**
 * The states a module's state dict, weights file and checkpoint hold unless told otherwise: its parameters
 * and its running statistics (PyTorch's state_dict: parameters and buffers). A model saved while training
 * and loaded for evaluation then normalises with the statistics it was trained with.
 */
export const savedStates = (s: State): boolean => s instanceof ParamState || s instanceof RunningState;

/** A State subclass, as passed to `module.states(ParamState)` to select states of that kind. */
export type StateClass = abstract new (...args: never[]) => State;
