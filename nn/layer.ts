/**
 * The base of every layer with a population of `size` units and HiddenStates (synapses, neurons, readouts):
 * parameter reading with units, and the checks that turn a wrong input or a forgotten `initAllStates` into
 * a message that says what to do, before any op runs.
 */
import { isFloat } from '../engine/dtype.js';
import { SpikegradError, describeValue, fmtShape } from '../engine/errors.js';
import { broadcastShapes, sameShape } from '../engine/shape.js';
import type { HiddenState } from '../engine/state.js';
import { Tensor } from '../engine/tensor.js';
import { Quantity, readQuantity, type Unit } from '../units/index.js';
import type { FloatDType } from './expEuler.js';
import type { Initializer } from './init.js';
import { Module, type InitStateOptions } from './module.js';

export function checkSize(where: string, name: string, v: unknown): number {
  if (!(typeof v === 'number' && Number.isInteger(v) && v > 0)) {
    throw new SpikegradError(`${where}: argument '${name}' expected a positive integer, got ${describeValue(v)}`);
  }
  return v;
}

/**
 * A physical parameter in `unit`: a plain number is read in `unit`; a quantity must have its dimension and
 * is converted; a dimensionless quantity counts as the plain number it stands for.
 */
export function readParam(where: string, name: string, value: unknown, unit: Unit, fallback: number, positive = false): number {
  const plain = value instanceof Quantity && value.isDimensionless ? value.toNumber() : value;
  const v = plain === undefined ? fallback : readQuantity(where, name, plain, unit);
  if (!Number.isFinite(v)) throw new SpikegradError(`${where}: argument '${name}' expected a finite value in ${unit.symbol}, got ${v}`);
  if (positive && !(v > 0)) throw new SpikegradError(`${where}: argument '${name}' expected a positive value in ${unit.symbol}, got ${v}`);
  return v;
}

export abstract class Layer extends Module {
  readonly size: number;

  constructor(size: number) {
    super();
    this.size = checkSize(this.constructor.name, 'size', size);
  }

  /** `LIF(4)`: how messages name the layer. */
  protected get label(): string {
    return `${this.constructor.name}(${this.size})`;
  }

  protected stateShape(opts: InitStateOptions): number[] {
    return opts.batchSize === undefined ? [this.size] : [opts.batchSize, this.size];
  }

  /** Fills `state` from `init` for a batch; `unit` is the unit the layer computes the state in, if fixed. */
  protected initHidden(state: HiddenState, init: Initializer, opts: InitStateOptions, name: string, unit?: Unit): void {
    state.value = init.create(this.stateShape(opts), {
      dtype: opts.dtype ?? 'float32', where: this.label, name, ...(unit ? { unit } : {}), ...(opts.backend ? { backend: opts.backend } : {}),
    });
  }

  /** Step-mode input: a float tensor whose shape broadcasts to [batch, size] (usually equals it). */
  protected checkStep(x: unknown, method = 'update'): Tensor {
    if (!(x instanceof Tensor) || !isFloat(x.dtype)) {
      throw new SpikegradError(`${this.label}.${method}: argument 'x' expected a float tensor [batch, ${this.size}], got ${describeValue(x)}`);
    }
    const last = x.shape.at(-1);
    if (last !== undefined && last !== this.size && last !== 1) {
      throw new SpikegradError(`${this.label}.${method}: argument 'x' expected last dimension ${this.size} (the layer's size), got ${x.dtype} ${fmtShape(x.shape)}`);
    }
    return x;
  }

  /** Sequence-mode input: a float tensor [T, batch, size] (or [T, size] for unbatched states). */
  protected checkSeq(xs: unknown): Tensor {
    if (!(xs instanceof Tensor) || !isFloat(xs.dtype) || xs.rank < 2) {
      throw new SpikegradError(`${this.label}.run: argument 'xs' expected a float tensor [T, batch, ${this.size}], got ${describeValue(xs)}`);
    }
    if (xs.shape.at(-1) !== this.size) {
      throw new SpikegradError(`${this.label}.run: argument 'xs' expected last dimension ${this.size} (the layer's size), got ${fmtShape(xs.shape)}`);
    }
    return xs;
  }

  /**
   * The value of `state`, checked against the input: initialised, and (when `input` is given) of its batch
   * shape and dtype. `input` is the step input (broadcastable to the state) or the sequence (`seq`: its shape
   * without the time axis must equal the state's).
   */
  protected hidden(state: HiddenState, input?: Tensor, seq = false): Tensor {
    const name = state.name ?? '?';
    if (!state.initialized) {
      throw new SpikegradError(`${this.label}: hidden state '${name}' is not initialized; call nn.initAllStates(net, { batchSize }) before update() or run() (at the start of every training step)`);
    }
    const v = state.value;
    if (!input) return v;
    const inShape = seq ? input.shape.slice(1) : input.shape;
    if (!(seq ? sameShape(inShape, v.shape) : fitsInto(inShape, v.shape))) {
      const batch = inShape.length >= 2 ? inShape.at(-2) : undefined;
      throw new SpikegradError(`${this.label}: input ${fmtShape(inShape)}${seq ? ' (per time step)' : ''} does not match hidden state '${name}' ${fmtShape(v.shape)}; call nn.initAllStates(net, { batchSize${batch !== undefined ? `: ${batch}` : ''} }) for this input`);
    }
    if (v.dtype !== input.dtype) {
      throw new SpikegradError(`${this.label}: hidden state '${name}' is ${v.dtype} but the input is ${input.dtype}; pass { dtype: '${input.dtype}' } to nn.initAllStates`);
    }
    return v;
  }

  /** Both modes: the dtype the constants are rounded to. */
  protected static floatOf(t: Tensor): FloatDType {
    return t.dtype === 'float64' ? 'float64' : 'float32';
  }
}

function fitsInto(inShape: readonly number[], stateShape: readonly number[]): boolean {
  try {
    return sameShape(broadcastShapes('input', inShape, stateShape), stateShape);
  } catch {
    return false;
  }
}
