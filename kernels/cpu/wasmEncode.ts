/**
 * A minimal WebAssembly encoder for the CPU backend's SIMD kernels (kernels/cpu/wasmKernels.ts runs them).
 * Code is written as expression trees: every helper returns the bytes of one instruction after the bytes of
 * its operands (WebAssembly is a stack machine, so post-order is the encoding), e.g.
 * `f32x4.add(get(a), load(get(p)))`. Only what the kernels use is here: i32 scalars for addresses and loop
 * counters, v128 values as four float32 or two float64 lanes, structured loops. Binary format:
 * https://webassembly.github.io/spec/core/binary/ (SIMD opcodes: the fixed-width SIMD proposal, now core).
 */

/** Instruction bytes. */
export type Code = number[];

export type ValType = 'i32' | 'f32' | 'f64' | 'v128';
const VALTYPE: Record<ValType, number> = { i32: 0x7f, f32: 0x7d, f64: 0x7c, v128: 0x7b };

function uleb(n: number): Code {
  const out: Code = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function sleb(n: number): Code {
  const out: Code = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
}

const bytesOf = (a: Float32Array | Float64Array): Code => [...new Uint8Array(a.buffer)];
const seq = (parts: Code[]): Code => parts.flat();
const vec = (items: Code[]): Code => [...uleb(items.length), ...seq(items)];
const name = (s: string): Code => vec([...new TextEncoder().encode(s)].map((b) => [b]));
const section = (id: number, body: Code): Code => [id, ...uleb(body.length), ...body];

/** Operands first, then the instruction. */
const instr = (...opcode: Code) => (...operands: Code[]): Code => [...seq(operands), ...opcode];
const simd = (op: number, ...imm: Code) => instr(0xfd, ...uleb(op), ...imm);

// --- locals, constants, control -----------------------------------------------------------------------------

/** A function's locals (parameters first): `local(type)` returns the index of a new one. */
export class Locals {
  readonly #declared: ValType[] = [];
  constructor(readonly params: readonly ValType[]) {}
  local(type: ValType): number {
    this.#declared.push(type);
    return this.params.length + this.#declared.length - 1;
  }
  /** The locals declaration of the code section (runs of equal types). */
  encode(): Code {
    const runs: Code[] = [];
    for (let i = 0; i < this.#declared.length;) {
      let j = i;
      while (j < this.#declared.length && this.#declared[j] === this.#declared[i]) j++;
      runs.push([...uleb(j - i), VALTYPE[this.#declared[i]!]]);
      i = j;
    }
    return vec(runs);
  }
}

export const get = (i: number): Code => [0x20, ...uleb(i)];
export const set = (i: number, value: Code): Code => [...value, 0x21, ...uleb(i)];
export const i32 = (v: number): Code => [0x41, ...sleb(v | 0)];
export const add = instr(0x6a), sub = instr(0x6b), mul = instr(0x6c), shl = instr(0x74), ltU = instr(0x49), gtU = instr(0x4b);
/** Bitwise and of i32 values (also of scalar comparison results, which are 0 or 1). */
export const and = instr(0x71), or = instr(0x72), eqz = instr(0x45);
/** `cond ? a : b` for two scalar values (i32, f32 or f64) and an i32 condition. */
export const select = (cond: Code, a: Code, b: Code): Code => [...a, ...b, ...cond, 0x1b];
export const f32 = (v: number): Code => [0x43, ...bytesOf(new Float32Array([v]))];
export const f64 = (v: number): Code => [0x44, ...bytesOf(new Float64Array([v]))];

/** `while (cond) body`; the body may not branch out of it. */
export function whileLoop(cond: Code, ...body: Code[]): Code {
  return [
    0x02, 0x40, 0x03, 0x40, // block, loop
    ...cond, 0x45, 0x0d, 1, // br_if 1 (leave the block) when cond is 0
    ...seq(body),
    0x0c, 0, // br 0: next iteration
    0x0b, 0x0b, // end loop, end block
  ];
}

/** `if (cond) then else otherwise` (no result value). */
export function ifElse(cond: Code, then: Code[], otherwise: Code[] = []): Code {
  return [...cond, 0x04, 0x40, ...seq(then), ...(otherwise.length ? [0x05, ...seq(otherwise)] : []), 0x0b];
}

/** `for (i = from; i < to; i += step) body` over i32 values, compared unsigned (byte addresses). */
export function forRange(i: number, from: Code, to: Code, step: number | Code, ...body: Code[]): Code {
  return [...set(i, from), ...whileLoop(ltU(get(i), to), ...body, set(i, add(get(i), typeof step === 'number' ? i32(step) : step)))];
}

// --- scalar floats -------------------------------------------------------------------------------------------

const memarg = (align: number, offset: number): Code => [align, ...uleb(offset)];

/** i32 memory access and bit operations (the event lists of kernels/matmul/eventsWasm.ts). */
export const i32s = {
  load: (addr: Code, offset = 0): Code => [...addr, 0x28, ...memarg(2, offset)],
  store: (addr: Code, value: Code, offset = 0): Code => [...addr, ...value, 0x36, ...memarg(2, offset)],
  /** Count of trailing zero bits (32 for 0). */
  ctz: instr(0x68),
  /** Count of one bits. */
  popcnt: instr(0x69),
  shrU: instr(0x76),
  ne: instr(0x47),
  xor: instr(0x73),
  /** Rotate left by the second operand's low 5 bits. */
  rotl: instr(0x77),
};

export const f32s = {
  load: (addr: Code, offset = 0): Code => [...addr, 0x2a, ...memarg(2, offset)],
  store: (addr: Code, value: Code, offset = 0): Code => [...addr, ...value, 0x38, ...memarg(2, offset)],
  abs: instr(0x8b), neg: instr(0x8c), floor: instr(0x8e), sqrt: instr(0x91),
  add: instr(0x92), sub: instr(0x93), mul: instr(0x94), div: instr(0x95), min: instr(0x96), max: instr(0x97),
  eq: instr(0x5b), ne: instr(0x5c), lt: instr(0x5d), gt: instr(0x5e), le: instr(0x5f), ge: instr(0x60),
  /** An i32 0 or 1 (a comparison) → 0.0 or 1.0. */
  fromBool: instr(0xb3),
  /** float64 → float32, rounded to nearest (= Math.fround). */
  demote: instr(0xb6),
};

export const f64s = {
  load: (addr: Code, offset = 0): Code => [...addr, 0x2b, ...memarg(3, offset)],
  store: (addr: Code, value: Code, offset = 0): Code => [...addr, ...value, 0x39, ...memarg(3, offset)],
  abs: instr(0x99), neg: instr(0x9a), floor: instr(0x9c), sqrt: instr(0x9f),
  add: instr(0xa0), sub: instr(0xa1), mul: instr(0xa2), div: instr(0xa3), min: instr(0xa4), max: instr(0xa5),
  eq: instr(0x61), ne: instr(0x62), lt: instr(0x63), gt: instr(0x64), le: instr(0x65), ge: instr(0x66),
  fromBool: instr(0xb8),
  /** float32 → float64 (exact). */
  promote: instr(0xbb),
};

// --- v128 --------------------------------------------------------------------------------------------------

/** Memory access at an i32 byte address plus a constant offset (alignment hints only). */
export const load = (addr: Code, offset = 0): Code => [...addr, 0xfd, ...uleb(0x00), 4, ...uleb(offset)];
export const store = (addr: Code, value: Code, offset = 0): Code => [...addr, ...value, 0xfd, ...uleb(0x0b), 4, ...uleb(offset)];
/** Two float32 lanes into the low half (the rest zero): the input of a float64 pair. */
export const load64 = (addr: Code, offset = 0): Code => [...addr, 0xfd, ...uleb(0x5d), 3, ...uleb(offset)];
/** One float64 at a byte address in both lanes. */
export const load64Splat = (addr: Code, offset = 0): Code => [...addr, 0xfd, ...uleb(0x0a), 3, ...uleb(offset)];
/** The low two float32 lanes. */
export const store64 = (addr: Code, value: Code, offset = 0): Code => [...addr, ...value, 0xfd, ...uleb(0x5b), 3, ...uleb(offset), 0];

export const v128 = {
  and: simd(0x4e), or: simd(0x50), not: simd(0x4d),
  /** (a & mask) | (b & ~mask): lanewise `mask ? a : b` for comparison masks. */
  select: (mask: Code, a: Code, b: Code): Code => simd(0x52)(a, b, mask),
};

export const f32x4 = {
  /** Four lanes of one float32 value (an f32 operand). */
  splat: simd(0x13),
  /** A constant vector of four equal lanes. */
  const: (v: number): Code => [0xfd, ...uleb(0x0c), ...bytesOf(new Float32Array([v, v, v, v]))],
  eq: simd(0x41), ne: simd(0x42), lt: simd(0x43), gt: simd(0x44), le: simd(0x45), ge: simd(0x46),
  abs: simd(0xe0), neg: simd(0xe1), sqrt: simd(0xe3), add: simd(0xe4), sub: simd(0xe5), mul: simd(0xe6), div: simd(0xe7),
  min: simd(0xe8), max: simd(0xe9), floor: simd(0x68),
  /** float64 pair → the low two float32 lanes, rounded to nearest (= Math.fround). */
  demote: simd(0x5e),
};

export const i32x4 = {
  /** The top bit of each of the four lanes as bits 0–3 of an i32 (which lanes of a comparison hold). */
  bitmask: simd(0xa4),
  /** Four lanes of one i32 value. */
  splat: simd(0x11),
  add: simd(0xae),
  /** A constant vector of the four given i32 lanes. */
  const: (lanes: readonly [number, number, number, number]): Code => [0xfd, ...uleb(0x0c), ...new Uint8Array(Int32Array.from(lanes).buffer)],
};

export const i8x16 = {
  /** Byte i of the result is byte s[i] of a (0 where s[i] ≥ 16): a lane shuffle chosen at run time. */
  swizzle: simd(0x0e),
  /** Byte i of the result is byte lanes[i] of a ‖ b (0–15 from a, 16–31 from b): a shuffle fixed at compile time. */
  shuffle: (lanes: readonly number[]) => simd(0x0d, ...lanes),
};

export const f64x2 = {
  /** Two lanes of one float64 value (an f64 operand). */
  splat: simd(0x14),
  /** A constant vector of two equal lanes. */
  const: (v: number): Code => [0xfd, ...uleb(0x0c), ...bytesOf(new Float64Array([v, v]))],
  eq: simd(0x47), ne: simd(0x48), lt: simd(0x49), gt: simd(0x4a), le: simd(0x4b), ge: simd(0x4c),
  abs: simd(0xec), neg: simd(0xed), sqrt: simd(0xef), add: simd(0xf0), sub: simd(0xf1), mul: simd(0xf2),
  div: simd(0xf3), min: simd(0xf4), max: simd(0xf5), floor: simd(0x75),
  /** Pseudo-min/max, one instruction each: pmin(a, b) = b < a ? b : a, pmax(a, b) = a < b ? b : a. */
  pmin: simd(0xf6), pmax: simd(0xf7),
  /** The low two float32 lanes → float64 (exact). */
  promote: simd(0x5f),
};

// --- module ------------------------------------------------------------------------------------------------

/**
 * A module of one exported function `run(params) → ()` over the imported memory `env.memory` (declared shared
 * when `sharedMemory`: the import must match the memory's kind); `body` is the function's code, `locals` its
 * declared locals.
 */
export function moduleBytes(params: readonly ValType[], locals: Locals, body: Code, sharedMemory = false): Uint8Array<ArrayBuffer> {
  const code = [...locals.encode(), ...body, 0x0b];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec(params.map((p) => [VALTYPE[p]])), 0]])), // type: params → ()
    // import memory: min 1 page; a shared one (worker threads, kernels/cpu/threadPool.ts) must say so, with a maximum
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, ...(sharedMemory ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)])]])),
    ...section(3, vec([uleb(0)])), // function 0 has type 0
    ...section(7, vec([[...name('run'), 0x00, ...uleb(0)]])), // export it as `run`
    ...section(10, vec([[...uleb(code.length), ...code]])),
  ]);
}

/** Twenty slots, more than any kernel takes: destructuring a prefix names each parameter (`const [X, N] = slots(params)`). */
type Slots = readonly [number, number, number, number, number, number, number, number, number, number,
  number, number, number, number, number, number, number, number, number, number];

/** The parameters' local indices, for destructuring; slots past the last parameter are −1, which no encoder accepts. */
export function slots(params: readonly ValType[]): Slots {
  if (params.length > 20) throw new Error(`slots: at most 20 parameters, got ${params.length}`);
  return Array.from({ length: 20 }, (_, i) => (i < params.length ? i : -1)) as unknown as Slots;
}
