/**
 * One kernel body, two instruction sets: a SIMD kernel walks a row's columns as vectors (four float32 or
 * two float64 lanes), then the last few columns one at a time. `Lanes` names the operations both forms
 * share, so a kernel writes its arithmetic once, as `body(L)`, and `columns` emits it for the vector and the
 * scalar form. Scalar and vector instructions are the same IEEE operations, so both give the same bits.
 *
 * Data arrays are float32. `F32x4`/`F32` compute in float32; `F64x2`/`F64` compute in float64, promoting
 * what they load (exact) and demoting what they store (rounded once to nearest, as Math.fround), and keep
 * float64 work rows (`loadWork`/`storeWork`, 8 bytes per column).
 */
import {
  and, eqz, f32, f32s, f32x4, f64, f64s, f64x2, forRange, get, i32, load, load64, or, select, shl, store, store64, v128,
  type Code, type ValType,
} from './wasmEncode.js';

type Bin = (a: Code, b: Code) => Code;
type Un = (a: Code) => Code;

export interface Lanes {
  /** Columns per value. */
  readonly width: number;
  /** Local types of a value and of a comparison result (a mask). */
  readonly value: ValType;
  readonly mask: ValType;
  /** The float32 columns at a byte address, as values of these lanes; and back. */
  load(addr: Code): Code;
  store(addr: Code, v: Code): Code;
  /** Float64 work rows (F64x2/F64 only): columns at 8 bytes each. */
  loadWork(addr: Code): Code;
  storeWork(addr: Code, v: Code): Code;
  /** Every lane one scalar of the lanes' float type (a parameter), or one constant. */
  splat(scalar: Code): Code;
  const(v: number): Code;
  add: Bin; sub: Bin; mul: Bin; div: Bin; min: Bin; max: Bin;
  neg: Un; abs: Un; sqrt: Un; floor: Un;
  eq: Bin; ne: Bin; lt: Bin; le: Bin; gt: Bin; ge: Bin;
  and: Bin; or: Bin; not: Un;
  /** `mask ? a : b` per lane. */
  select(mask: Code, a: Code, b: Code): Code;
  /** 1.0 where the mask holds, +0.0 elsewhere (a spike). */
  ones(mask: Code): Code;
  /** `x < lo ? lo : x > hi ? hi : x` (NaN stays NaN), for constants lo < hi. */
  clamp(x: Code, lo: number, hi: number): Code;
  /** Pseudo-min/max (one instruction on vectors): pmin(a, b) = b < a ? b : a, pmax(a, b) = a < b ? b : a. */
  pmin: Bin; pmax: Bin;
}

function pminBySelect(this: Lanes, a: Code, b: Code): Code {
  return this.select(this.lt(b, a), b, a);
}
function pmaxBySelect(this: Lanes, a: Code, b: Code): Code {
  return this.select(this.lt(a, b), b, a);
}

/** The clamp as two selects (scalar lanes, and the reference for the vector forms). */
function clampBySelect(this: Lanes, x: Code, lo: number, hi: number): Code {
  return this.select(this.lt(x, this.const(lo)), this.const(lo), this.select(this.gt(x, this.const(hi)), this.const(hi), x));
}

const noWork = (): Code => {
  throw new Error('float32 lanes have no float64 work rows');
};

export const F32x4: Lanes = {
  width: 4, value: 'v128', mask: 'v128',
  load: (a) => load(a), store: (a, v) => store(a, v), loadWork: noWork, storeWork: noWork,
  splat: (s) => f32x4.splat(s), const: (v) => f32x4.const(v),
  add: f32x4.add, sub: f32x4.sub, mul: f32x4.mul, div: f32x4.div, min: f32x4.min, max: f32x4.max,
  neg: f32x4.neg, abs: f32x4.abs, sqrt: f32x4.sqrt, floor: f32x4.floor,
  eq: f32x4.eq, ne: f32x4.ne, lt: f32x4.lt, le: f32x4.le, gt: f32x4.gt, ge: f32x4.ge,
  and: v128.and, or: v128.or, not: v128.not,
  select: v128.select, ones: (m) => v128.and(m, f32x4.const(1)), clamp: clampBySelect, pmin: pminBySelect, pmax: pmaxBySelect,
};

export const F32: Lanes = {
  width: 1, value: 'f32', mask: 'i32',
  load: (a) => f32s.load(a), store: (a, v) => f32s.store(a, v), loadWork: noWork, storeWork: noWork,
  splat: (s) => s, const: f32,
  add: f32s.add, sub: f32s.sub, mul: f32s.mul, div: f32s.div, min: f32s.min, max: f32s.max,
  neg: f32s.neg, abs: f32s.abs, sqrt: f32s.sqrt, floor: f32s.floor,
  eq: f32s.eq, ne: f32s.ne, lt: f32s.lt, le: f32s.le, gt: f32s.gt, ge: f32s.ge,
  and, or, not: eqz,
  select, ones: (m) => f32s.fromBool(m), clamp: clampBySelect, pmin: pminBySelect, pmax: pmaxBySelect,
};

export const F64x2: Lanes = {
  width: 2, value: 'v128', mask: 'v128',
  load: (a) => f64x2.promote(load64(a)), store: (a, v) => store64(a, f32x4.demote(v)),
  loadWork: (a) => load(a), storeWork: (a, v) => store(a, v),
  splat: (s) => f64x2.splat(s), const: (v) => f64x2.const(v),
  add: f64x2.add, sub: f64x2.sub, mul: f64x2.mul, div: f64x2.div, min: f64x2.min, max: f64x2.max,
  neg: f64x2.neg, abs: f64x2.abs, sqrt: f64x2.sqrt, floor: f64x2.floor,
  eq: f64x2.eq, ne: f64x2.ne, lt: f64x2.lt, le: f64x2.le, gt: f64x2.gt, ge: f64x2.ge,
  and: v128.and, or: v128.or, not: v128.not,
  select: v128.select, ones: (m) => v128.and(m, f64x2.const(1)),
  // pmax(x, lo) = x < lo ? lo : x, then pmin(·, hi) = hi < · ? hi : ·: the same selects, one instruction each.
  clamp: (x, lo, hi) => f64x2.pmin(f64x2.pmax(x, f64x2.const(lo)), f64x2.const(hi)),
  pmin: f64x2.pmin, pmax: f64x2.pmax,
};

export const F64: Lanes = {
  width: 1, value: 'f64', mask: 'i32',
  load: (a) => f64s.promote(f32s.load(a)), store: (a, v) => f32s.store(a, f32s.demote(v)),
  loadWork: (a) => f64s.load(a), storeWork: (a, v) => f64s.store(a, v),
  splat: (s) => s, const: f64,
  add: f64s.add, sub: f64s.sub, mul: f64s.mul, div: f64s.div, min: f64s.min, max: f64s.max,
  neg: f64s.neg, abs: f64s.abs, sqrt: f64s.sqrt, floor: f64s.floor,
  eq: f64s.eq, ne: f64s.ne, lt: f64s.lt, le: f64s.le, gt: f64s.gt, ge: f64s.ge,
  and, or, not: eqz,
  select, ones: (m) => f64s.fromBool(m), clamp: clampBySelect, pmin: pminBySelect, pmax: pmaxBySelect,
};

/** The vector lanes and their scalar twin. */
export const FLOAT32: readonly [Lanes, Lanes] = [F32x4, F32];
export const FLOAT64: readonly [Lanes, Lanes] = [F64x2, F64];

/**
 * Columns [0, W) of one row: `body(L)` on vectors of L.width columns while whole vectors remain, then on
 * the rest one column at a time. Inside the body, local `j4` holds the column's byte offset in a float32
 * row (twice that in a float64 work row); `W` is an i32 expression, the row's column count.
 */
export function columns(j4: number, W: Code, [vector, scalar]: readonly [Lanes, Lanes], body: (L: Lanes) => Code): Code {
  const bytes = shl(W, i32(2));
  const vectorEnd = and(bytes, i32(-4 * vector.width));
  return [
    ...forRange(j4, i32(0), vectorEnd, 4 * vector.width, body(vector)),
    ...forRange(j4, get(j4), bytes, 4, body(scalar)),
  ];
}
