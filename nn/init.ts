/**
 * Parameter and state initializers (braintools.init), exported as the `init` namespace. Each one draws from
 * spikegrad's seeded generator (engine/random.ts), so a seed fixes the weights on every backend.
 *
 * Units: an initializer's values are mantissas in its `unit` (`new init.KaimingNormal({ unit: u.mA })`,
 * `new init.Constant(u.mV(-65))`). A layer that stores a state in a fixed unit (LIF's V in mV) checks the
 * dimension and converts (`Constant(u.V(0.01))` becomes 10 mV); an initializer without a unit gives plain
 * numbers in the layer's documented unit. Weights have no fixed unit: their mantissas are kept.
 */
import type { Backend } from '../engine/backend.js';
import { SpikegradError, describeValue } from '../engine/errors.js';
import { full, mul } from '../engine/api.js';
import { Generator, defaultGenerator, normal, uniform } from '../engine/random.js';
import { checkShape } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { Quantity, dimName, isUnit, type Unit } from '../units/index.js';
import type { FloatDType } from './expEuler.js';

/** Options every initializer takes. */
export interface InitializerOptions {
  /** The unit of the values this initializer produces (documentation and conversion; default: plain numbers). */
  unit?: Unit;
}

/** What a layer passes to an initializer's `create`: dtype, backend, random generator, the unit it stores values in, and names for error messages. */
export interface CreateOptions {
  dtype?: FloatDType;
  backend?: Backend;
  generator?: Generator;
  /** The unit the caller stores values in: the initializer's unit must have its dimension. */
  unit?: Unit;
  /** For error messages: the layer and the argument being initialized. */
  where?: string;
  name?: string;
}

/** fan_in and fan_out of a weight shape: [in, out] for matrices; leading axes count as a receptive field. */
export function computeFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  const receptive = shape.slice(0, -2).reduce((p, d) => p * d, 1);
  return { fanIn: shape.at(-2)! * receptive, fanOut: shape.at(-1)! * receptive };
}

function checkUnit(where: string, u: unknown): Unit | undefined {
  if (u === undefined) return undefined;
  if (!isUnit(u)) throw new SpikegradError(`${where}: argument 'unit' expected a unit such as u.mA, got ${describeValue(u)}`);
  return u;
}

function finiteNumber(where: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new SpikegradError(`${where}: argument '${name}' expected a finite number, got ${describeValue(v)}`);
  return v;
}

/** Makes a layer's initial weights or states: `KaimingNormal`, `XavierUniform`, `Normal`, `Uniform`, `Constant`, `ZeroInit`, … Subclasses implement the sampling; `create(shape, opts)` returns the tensor. */
export abstract class Initializer {
  readonly unit: Unit | undefined;

  constructor(opts: InitializerOptions = {}) {
    this.unit = checkUnit(this.constructor.name, opts.unit);
  }

  /** Samples in this initializer's own unit. */
  protected abstract sample(shape: number[], dtype: FloatDType, backend: Backend | undefined, generator: Generator): Tensor;

  /** A tensor of `shape`, converted to `opts.unit` when given. */
  create(shape: readonly number[], opts: CreateOptions = {}): Tensor {
    const where = opts.where ?? this.constructor.name;
    const sh = checkShape(where, opts.name ?? 'shape', [...shape]);
    const t = this.sample(sh, opts.dtype ?? 'float32', opts.backend, opts.generator ?? defaultGenerator);
    const factor = this.factorTo(where, opts.name ?? 'initializer', opts.unit);
    if (factor === 1) return t;
    const scaled = mul(t, factor);
    t.dispose();
    return scaled;
  }

  /** Multiplier from this initializer's unit to `target` (1 when either is absent). */
  factorTo(where: string, name: string, target: Unit | undefined): number {
    if (!this.unit || !target) return 1;
    if (this.unit.dim.some((e, i) => e !== target.dim[i])) {
      throw new SpikegradError(`${where}: argument '${name}' expected values in a ${dimName(target.dim)} (in ${target.symbol}), got ${this} in ${this.unit.symbol} (a ${dimName(this.unit.dim)})`);
    }
    return new Quantity(1, this.unit).to(target);
  }

  protected describe(params: Record<string, unknown>): string {
    const all = { ...params, ...(this.unit ? { unit: this.unit.symbol } : {}) };
    return `${this.constructor.name}(${Object.entries(all).map(([k, v]) => `${k}=${v}`).join(', ')})`;
  }

  abstract toString(): string;
}

type FanMode = 'fan_in' | 'fan_out' | 'fan_avg';

/** Zero-mean normal or uniform samples with variance scale / fan (braintools VarianceScaling). */
abstract class VarianceScaling extends Initializer {
  readonly scale: number;
  readonly mode: FanMode;
  protected abstract readonly distribution: 'normal' | 'uniform';

  constructor(defaultScale: number, defaultMode: FanMode, opts: InitializerOptions & { scale?: number; mode?: FanMode }) {
    super(opts);
    this.scale = opts.scale === undefined ? defaultScale : finiteNumber(this.constructor.name, 'scale', opts.scale);
    if (!(this.scale > 0)) throw new SpikegradError(`${this.constructor.name}: argument 'scale' expected a positive number, got ${this.scale}`);
    const mode = opts.mode ?? defaultMode;
    if (mode !== 'fan_in' && mode !== 'fan_out' && mode !== 'fan_avg') {
      throw new SpikegradError(`${this.constructor.name}: argument 'mode' expected 'fan_in', 'fan_out' or 'fan_avg', got ${describeValue(mode)}`);
    }
    this.mode = mode;
  }

  /** The standard deviation for a weight of `shape`. */
  std(shape: readonly number[]): number {
    const { fanIn, fanOut } = computeFans(shape);
    const fan = this.mode === 'fan_in' ? fanIn : this.mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
    return Math.sqrt(this.scale / Math.max(1, fan));
  }

  protected sample(shape: number[], dtype: FloatDType, backend: Backend | undefined, generator: Generator): Tensor {
    const std = this.std(shape);
    if (this.distribution === 'normal') return normal(shape, 0, std, { dtype, backend, generator });
    const bound = Math.sqrt(3) * std; // a uniform on [−b, b] has variance b²/3
    return uniform(shape, -bound, bound, { dtype, backend, generator });
  }

  toString(): string {
    return this.describe({ scale: this.scale, mode: this.mode });
  }
}

/**
 * He/Kaiming normal: std = sqrt(scale / fan_in), scale = 2 (braintools >= 0.2, docs/numerics.md decision 5), so 0.1414 for
 * fan_in 100. `legacy: true` reproduces braintools <= 0.1.10, whose scale was sqrt(2): std = (sqrt(2)/fan_in)^0.5
 * (0.1189 for fan_in 100), for matching results of that era.
 */
export class KaimingNormal extends VarianceScaling {
  protected readonly distribution = 'normal' as const;
  constructor(opts: InitializerOptions & { scale?: number; mode?: FanMode; legacy?: boolean } = {}) {
    if (opts.legacy && opts.scale !== undefined) throw new SpikegradError("KaimingNormal: give either 'legacy' or 'scale', not both");
    super(opts.legacy ? Math.SQRT2 : 2, 'fan_in', opts);
  }
}

/** He/Kaiming uniform: bound = sqrt(3·scale / fan_in), scale = 2. */
export class KaimingUniform extends VarianceScaling {
  protected readonly distribution = 'uniform' as const;
  constructor(opts: InitializerOptions & { scale?: number; mode?: FanMode } = {}) {
    super(2, 'fan_in', opts);
  }
}

/** Glorot/Xavier normal: std = sqrt(2 / (fan_in + fan_out)). */
export class XavierNormal extends VarianceScaling {
  protected readonly distribution = 'normal' as const;
  constructor(opts: InitializerOptions & { scale?: number } = {}) {
    super(1, 'fan_avg', opts);
  }
}

/** Glorot/Xavier uniform: bound = sqrt(6 / (fan_in + fan_out)). */
export class XavierUniform extends VarianceScaling {
  protected readonly distribution = 'uniform' as const;
  constructor(opts: InitializerOptions & { scale?: number } = {}) {
    super(1, 'fan_avg', opts);
  }
}

/** Reads a number or a quantity; a quantity's unit becomes the initializer's unit when none was given. */
function mantissas(where: string, values: Record<string, number | Quantity | undefined>, unit: Unit | undefined): { unit: Unit | undefined; v: Record<string, number> } {
  let u = unit;
  const v: Record<string, number> = {};
  for (const [name, x] of Object.entries(values)) {
    if (x === undefined) continue;
    if (x instanceof Quantity) {
      u ??= x.unit;
      if (x.unit.dim.some((e, i) => e !== u!.dim[i])) {
        throw new SpikegradError(`${where}: argument '${name}' expected a ${dimName(u.dim)} (in ${u.symbol}), got ${x} (a ${dimName(x.unit.dim)})`);
      }
      v[name] = x.to(u);
    } else v[name] = finiteNumber(where, name, x);
  }
  return { unit: u, v };
}

/** Normal samples with the given mean and standard deviation. */
export class Normal extends Initializer {
  readonly mean: number;
  readonly std: number;
  constructor(opts: InitializerOptions & { mean?: number | Quantity; std?: number | Quantity } = {}) {
    const { unit, v } = mantissas('Normal', { mean: opts.mean ?? 0, std: opts.std ?? 1 }, checkUnit('Normal', opts.unit));
    super({ ...(unit ? { unit } : {}) });
    if (!(v.std! >= 0)) throw new SpikegradError(`Normal: argument 'std' expected a non-negative number, got ${v.std}`);
    this.mean = v.mean!;
    this.std = v.std!;
  }
  protected sample(shape: number[], dtype: FloatDType, backend: Backend | undefined, generator: Generator): Tensor {
    return normal(shape, this.mean, this.std, { dtype, backend, generator });
  }
  toString(): string {
    return this.describe({ mean: this.mean, std: this.std });
  }
}

/** Uniform samples in [low, high). */
export class Uniform extends Initializer {
  readonly low: number;
  readonly high: number;
  constructor(opts: InitializerOptions & { low?: number | Quantity; high?: number | Quantity } = {}) {
    const { unit, v } = mantissas('Uniform', { low: opts.low ?? 0, high: opts.high ?? 1 }, checkUnit('Uniform', opts.unit));
    super({ ...(unit ? { unit } : {}) });
    if (!(v.high! >= v.low!)) throw new SpikegradError(`Uniform: argument 'high' expected >= low (${v.low}), got ${v.high}`);
    this.low = v.low!;
    this.high = v.high!;
  }
  protected sample(shape: number[], dtype: FloatDType, backend: Backend | undefined, generator: Generator): Tensor {
    return uniform(shape, this.low, this.high, { dtype, backend, generator });
  }
  toString(): string {
    return this.describe({ low: this.low, high: this.high });
  }
}

/** Every element equal to `value` (a number, or a quantity whose unit becomes the initializer's unit). */
export class Constant extends Initializer {
  readonly value: number;
  constructor(value: number | Quantity, opts: InitializerOptions = {}) {
    const { unit, v } = mantissas('Constant', { value }, checkUnit('Constant', opts.unit));
    super({ ...(unit ? { unit } : {}) });
    this.value = v.value!;
  }
  protected sample(shape: number[], dtype: FloatDType, backend: Backend | undefined): Tensor {
    return full(shape, this.value, dtype, backend);
  }
  toString(): string {
    return this.describe({ value: this.value });
  }
}

/** Zeros (braintools ZeroInit); the unit only documents what the zeros measure. */
export class ZeroInit extends Constant {
  constructor(opts: InitializerOptions = {}) {
    super(0, opts);
  }
  override toString(): string {
    return this.describe({});
  }
}

/** What an initializer argument accepts: an Initializer, or a number or quantity (a constant). */
export type InitLike = Initializer | number | Quantity;

/** Accepts an initializer, or a number / quantity meaning `Constant(value)`. */
export function toInitializer(where: string, name: string, v: unknown): Initializer {
  if (v instanceof Initializer) return v;
  if (typeof v === 'number' || v instanceof Quantity) return new Constant(v);
  throw new SpikegradError(`${where}: argument '${name}' expected an initializer (e.g. new init.Constant(0)), a number or a quantity, got ${describeValue(v)}`);
}
