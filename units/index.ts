/**
 * Physical units, brainunit-style. A unit is a value and a function: `u.ms(5)` is the quantity 5 ms, and
 * `{ unit: u.mA }` names the unit of an initializer. Quantities multiply and divide with dimension tracking;
 * `u.Hz(5).mul(u.ms(1))` is the dimensionless 0.005 and is accepted wherever a number is.
 *
 * A quantity stores a mantissa and its unit (a power of ten and an SI dimension), like brainunit, so that
 * converting 20 mV to mV returns exactly 20: no round trip through SI, no 19.999999999999996.
 */
import { SpikegradError, describeValue } from '../engine/errors.js';

/** Exponents of the SI base dimensions: length, mass, time, current, temperature, amount, luminosity. */
export type Dim = readonly [number, number, number, number, number, number, number];

const DIMLESS: Dim = [0, 0, 0, 0, 0, 0, 0];
const BASE_SYMBOLS = ['m', 'kg', 's', 'A', 'K', 'mol', 'cd'];

const DIM_NAMES: [Dim, string][] = [
  [DIMLESS, 'dimensionless'],
  [[0, 0, 1, 0, 0, 0, 0], 'time'],
  [[0, 0, -1, 0, 0, 0, 0], 'frequency'],
  [[2, 1, -3, -1, 0, 0, 0], 'voltage'],
  [[0, 0, 0, 1, 0, 0, 0], 'current'],
  [[2, 1, -3, -2, 0, 0, 0], 'resistance'],
  [[-2, -1, 3, 2, 0, 0, 0], 'conductance'],
  [[-2, -1, 4, 2, 0, 0, 0], 'capacitance'],
  [[-3, 0, 0, 0, 0, 1, 0], 'concentration'],
  [[0, 0, 1, 1, 0, 0, 0], 'charge'],
  [[1, 0, 0, 0, 0, 0, 0], 'length'],
];

function dimEq(a: Dim, b: Dim): boolean {
  for (let i = 0; i < 7; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** 'voltage', 'time', … or the SI base expression for uncommon dimensions. */
export function dimName(d: Dim): string {
  const hit = DIM_NAMES.find(([k]) => dimEq(k, d));
  if (hit) return hit[1];
  return d.map((e, i) => (e === 0 ? '' : e === 1 ? BASE_SYMBOLS[i] : `${BASE_SYMBOLS[i]}^${e}`)).filter(Boolean).join('·');
}

/** x·10ᵏ, dividing for negative k so that e.g. 5·10⁻³ rounds exactly like the literal 0.005. */
function scale10(x: number, k: number): number {
  return k >= 0 ? x * 10 ** k : x / 10 ** -k;
}

/**
 * A unit: call it with a number to make a quantity (`u.ms(5)`), combine units with `mul`, `div` and `pow`
 * (`u.mV.div(u.ms)`); `dim` holds the exponents of the seven SI base dimensions.
 */
export interface Unit {
  /** `u.ms(5)`: the quantity 5 ms. */
  (mantissa: number): Quantity;
  readonly symbol: string;
  readonly dim: Dim;
  /** The unit is 10^exp10 · factor times the coherent SI unit of its dimension. */
  readonly exp10: number;
  readonly factor: number;
  mul(other: Unit): Unit;
  div(other: Unit): Unit;
  pow(n: number): Unit;
  toString(): string;
}

function makeUnit(symbol: string, dim: Dim, exp10: number, factor = 1): Unit {
  const u = ((mantissa: number) => {
    if (typeof mantissa !== 'number') throw new SpikegradError(`${symbol}(): expected a number, got ${describeValue(mantissa)}`);
    return new Quantity(mantissa, u);
  }) as Unit;
  const props = {
    symbol, dim, exp10, factor,
    mul: (o: Unit) => makeUnit(`${symbol}·${o.symbol}`, dim.map((e, i) => e + o.dim[i]!) as unknown as Dim, exp10 + o.exp10, factor * o.factor),
    div: (o: Unit) => makeUnit(`${symbol}/${o.symbol}`, dim.map((e, i) => e - o.dim[i]!) as unknown as Dim, exp10 - o.exp10, factor / o.factor),
    pow: (n: number) => makeUnit(`${symbol}^${n}`, dim.map((e) => e * n) as unknown as Dim, exp10 * n, factor ** n),
    toString: () => symbol,
  };
  for (const [k, v] of Object.entries(props)) Object.defineProperty(u, k, { value: v, enumerable: k !== 'toString' });
  return u;
}

/** True for a unit (`u.ms`, or one made by `mul`, `div`, `pow`). */
export function isUnit(x: unknown): x is Unit {
  return typeof x === 'function' && typeof (x as Unit).symbol === 'string' && Array.isArray((x as Unit).dim);
}

/** A number with a unit. Immutable. */
export class Quantity {
  constructor(readonly mantissa: number, readonly unit: Unit) {}

  get dim(): Dim {
    return this.unit.dim;
  }

  /** The value expressed in `unit` (which must have the same dimension). */
  to(unit: Unit): number {
    if (!dimEq(this.unit.dim, unit.dim)) {
      throw new SpikegradError(`Quantity.to: cannot express ${this} (a ${dimName(this.unit.dim)}) in ${unit.symbol} (a ${dimName(unit.dim)})`);
    }
    if (this.unit.exp10 === unit.exp10 && this.unit.factor === unit.factor) return this.mantissa;
    return scale10(this.mantissa * (this.unit.factor / unit.factor), this.unit.exp10 - unit.exp10);
  }

  /** The plain number of a dimensionless quantity (throws for any other dimension). */
  toNumber(): number {
    if (!dimEq(this.unit.dim, DIMLESS)) {
      throw new SpikegradError(`expected a dimensionless quantity, got ${this} (a ${dimName(this.unit.dim)})`);
    }
    return scale10(this.mantissa * this.unit.factor, this.unit.exp10);
  }

  get isDimensionless(): boolean {
    return dimEq(this.unit.dim, DIMLESS);
  }

  mul(other: Quantity | Unit | number): Quantity {
    if (typeof other === 'number') return new Quantity(this.mantissa * other, this.unit);
    if (isUnit(other)) return new Quantity(this.mantissa, this.unit.mul(other));
    return new Quantity(this.mantissa * other.mantissa, this.unit.mul(other.unit));
  }

  div(other: Quantity | Unit | number): Quantity {
    if (typeof other === 'number') return new Quantity(this.mantissa / other, this.unit);
    if (isUnit(other)) return new Quantity(this.mantissa, this.unit.div(other));
    return new Quantity(this.mantissa / other.mantissa, this.unit.div(other.unit));
  }

  add(other: Quantity): Quantity {
    return new Quantity(this.mantissa + other.to(this.unit), this.unit);
  }

  sub(other: Quantity): Quantity {
    return new Quantity(this.mantissa - other.to(this.unit), this.unit);
  }

  neg(): Quantity {
    return new Quantity(-this.mantissa, this.unit);
  }

  toString(): string {
    return this.unit.symbol === '1' ? `${this.mantissa}` : `${this.mantissa} ${this.unit.symbol}`;
  }
}

/** True for a quantity (`u.ms(5)`): a number with a unit. */
export function isQuantity(x: unknown): x is Quantity {
  return x instanceof Quantity;
}

/**
 * Reads a parameter in `unit`: a plain number is taken to be in `unit` already; a quantity must have the
 * same dimension. `where` and `name` make the error: "LIF: argument 'tau' expected a time (e.g. 20 ms), got 20 mV (a voltage)".
 */
export function readQuantity(where: string, name: string, value: unknown, unit: Unit): number {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) throw new SpikegradError(`${where}: argument '${name}' expected a number in ${unit.symbol}, got NaN`);
    return value;
  }
  if (value instanceof Quantity) {
    if (!dimEq(value.unit.dim, unit.dim)) {
      throw new SpikegradError(
        `${where}: argument '${name}' expected a ${dimName(unit.dim)} (in ${unit.symbol}), got ${value} (a ${dimName(value.unit.dim)})`,
      );
    }
    return value.to(unit);
  }
  if (isUnit(value)) {
    throw new SpikegradError(`${where}: argument '${name}' expected a quantity such as ${unit.symbol}(1), got the unit ${value.symbol} itself`);
  }
  throw new SpikegradError(`${where}: argument '${name}' expected a number (in ${unit.symbol}) or a quantity, got ${describeValue(value)}`);
}

// --- the units ------------------------------------------------------------------------------------------------
const T: Dim = [0, 0, 1, 0, 0, 0, 0];
const F: Dim = [0, 0, -1, 0, 0, 0, 0];
const VOLT: Dim = [2, 1, -3, -1, 0, 0, 0];
const AMP: Dim = [0, 0, 0, 1, 0, 0, 0];
const OHM: Dim = [2, 1, -3, -2, 0, 0, 0];
const SIEMENS: Dim = [-2, -1, 3, 2, 0, 0, 0];
const FARAD: Dim = [-2, -1, 4, 2, 0, 0, 0];
const MOLAR: Dim = [-3, 0, 0, 0, 0, 1, 0];
const METER: Dim = [1, 0, 0, 0, 0, 0, 0];

/** The unit of plain numbers. */
export const UNITLESS = makeUnit('1', DIMLESS, 0);
/** Seconds: `s(0.02)` is 20 ms. */
export const s = makeUnit('s', T, 0);
/** Milliseconds, the unit of `dt` and of every time constant in spikegrad: `ms(20)`. */
export const ms = makeUnit('ms', T, -3);
/** Microseconds (µs). */
export const us = makeUnit('µs', T, -6);
/** Minutes (60 s). */
export const minute = makeUnit('min', T, 0, 60);
/** Hertz (1/s), for firing rates: `Hz(5)`. */
export const Hz = makeUnit('Hz', F, 0);
/** Kilohertz. */
export const kHz = makeUnit('kHz', F, 3);
/** Volts. */
export const V = makeUnit('V', VOLT, 0);
/** Millivolts, the unit of membrane potentials: `mV(-65)`. */
export const mV = makeUnit('mV', VOLT, -3);
/** Microvolts (µV). */
export const uV = makeUnit('µV', VOLT, -6);
/** Amperes. */
export const A = makeUnit('A', AMP, 0);
/** Milliamperes, the unit of the tutorial network's currents. */
export const mA = makeUnit('mA', AMP, -3);
/** Microamperes (µA). */
export const uA = makeUnit('µA', AMP, -6);
/** Nanoamperes. */
export const nA = makeUnit('nA', AMP, -9);
/** Picoamperes. */
export const pA = makeUnit('pA', AMP, -12);
/** Ohms (Ω). */
export const ohm = makeUnit('Ω', OHM, 0);
/** Kiloohms (kΩ). */
export const kohm = makeUnit('kΩ', OHM, 3);
/** Megaohms (MΩ), e.g. a membrane resistance. */
export const Mohm = makeUnit('MΩ', OHM, 6);
/** Siemens (1/Ω). */
export const S = makeUnit('S', SIEMENS, 0);
/** Millisiemens. */
export const mS = makeUnit('mS', SIEMENS, -3);
/** Microsiemens (µS). */
export const uS = makeUnit('µS', SIEMENS, -6);
/** Nanosiemens, e.g. a synaptic conductance. */
export const nS = makeUnit('nS', SIEMENS, -9);
/** Farads (F). */
export const farad = makeUnit('F', FARAD, 0);
/** Microfarads (µF). */
export const uF = makeUnit('µF', FARAD, -6);
/** Nanofarads. */
export const nF = makeUnit('nF', FARAD, -9);
/** Picofarads, e.g. a membrane capacitance. */
export const pF = makeUnit('pF', FARAD, -12);
/** Molar (mol/L = 10³ mol/m³). */
export const M = makeUnit('M', MOLAR, 3); // mol/L = 10³ mol/m³
/** Millimolar (mol/m³), e.g. an ion concentration. */
export const mM = makeUnit('mM', MOLAR, 0);
/** Metres. */
export const meter = makeUnit('m', METER, 0);
/** Millimetres. */
export const mm = makeUnit('mm', METER, -3);
/** Micrometres (µm). */
export const um = makeUnit('µm', METER, -6);
/** Dimensionless alias for readability: `u.mul(5, u.dimensionless)`. */
export const dimensionless = UNITLESS;
