/**
 * spikegrad's seeded random numbers. Every draw happens on the host with one documented algorithm and is then
 * uploaded, so the same seed gives bit-identical data and weights on every backend (docs/numerics.md decision 8).
 *
 * Algorithm: xoshiro128** (Blackman & Vigna, 2018) with its 128-bit state filled from the seed by SplitMix32.
 * - uniform float32 in [0, 1): the top 24 bits of one output × 2⁻²⁴ (exactly representable, never 1);
 * - uniform float64 in [0, 1): 53 bits from two outputs;
 * - normal: Box–Muller on two float64 uniforms (the cosine branch), rounded to the tensor's dtype.
 * The default generator starts from seed 0, so a program that never calls `seed` is still reproducible.
 */
import type { Backend } from './backend.js';
import { allocScratch, type DType } from './dtype.js';
import { SpikegradError, argError } from './errors.js';
import { checkShape, sizeOf } from './shape.js';
import { tensor } from './api.js';
import { getBackend } from './backends.js';
import type { Tensor } from './tensor.js';
import { hostValue } from './jitRecord.js';

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A seeded random stream (xoshiro128**): the same seed gives the same numbers on every backend. `random.seed(n)` seeds the default one; pass your own as `generator` to keep a stream apart (e.g. a data loader's). */
export class Generator {
  #s = new Uint32Array(4);

  constructor(seed = 0) {
    this.seed(seed);
  }

  /** Restarts the stream from `seed` (any integer; non-integers are rejected). */
  seed(seed: number): void {
    if (!Number.isInteger(seed)) throw argError('random.seed', 'seed', 'an integer', String(seed));
    const st = { s: seed | 0 };
    // Mix in the high bits of seeds beyond 32 bits.
    st.s ^= Math.floor(seed / 4294967296) | 0;
    for (let i = 0; i < 4; i++) this.#s[i] = splitmix32(st);
    if (this.#s.every((v) => v === 0)) this.#s[0] = 1; // the all-zero state is a fixed point
  }

  /** The generator's state, to save and restore a stream: 4 uint32 words (xoshiro128**'s 128 bits). */
  getState(): number[] {
    return [...this.#s];
  }

  /** Continues the stream from a state `getState()` returned; the next draws are the ones that followed it. */
  setState(state: ArrayLike<number>): void {
    checkGeneratorState('Generator.setState', state);
    this.#s.set(Array.from(state));
  }

  nextUint32(): number {
    const s = this.#s;
    const r = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    stepState(s);
    return r;
  }

  /**
   * Advances the stream by `n` draws (what n nextUint32() calls would do) in O(log n): the state update is
   * linear over GF(2), so n steps are a 128 × 128 bit matrix, the product of the precomputed T^(2^k) for the
   * bits of n. Lets several threads draw consecutive stretches of one stream (the rate encoder's WebAssembly
   * pass, spikegen/rateWasm.ts), with the draws of one thread.
   */
  jump(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw argError('Generator.jump', 'n', 'a whole number of draws from 0 to 2^53 − 1', String(n));
    const s = this.#s, next = new Uint32Array(4);
    for (let k = 0; n > 0; k++, n = Math.floor(n / 2)) {
      if (n % 2 === 0) continue;
      applyBits(jumpPower(k), s, next);
      s.set(next);
    }
  }

  /** Uniform in [0, 1) with 24 random bits: exactly a float32. */
  nextFloat32(): number {
    return (this.nextUint32() >>> 8) * 5.9604644775390625e-8; // 2⁻²⁴
  }

  /**
   * Fills `out[start, end)` with what that many nextFloat32() calls return (the same stream, bit for bit),
   * without a call per element: the spike encoders draw millions per batch.
   */
  fillFloat32(out: Float32Array, start = 0, end = out.length): void {
    const s = this.#s;
    let s0 = s[0]!, s1 = s[1]!, s2 = s[2]!, s3 = s[3]!;
    for (let i = start; i < end; i++) {
      const m = Math.imul(s1, 5);
      const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      out[i] = (r >>> 8) * 5.9604644775390625e-8;
    }
    s[0] = s0; s[1] = s1; s[2] = s2; s[3] = s3;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  nextFloat64(): number {
    const hi = this.nextUint32() >>> 5, lo = this.nextUint32() >>> 6; // 27 + 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal (Box–Muller, cosine branch). */
  nextNormal(): number {
    let u = 0;
    while (u === 0) u = this.nextFloat64();
    const v = this.nextFloat64();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** A valid xoshiro128** state: 4 integers in [0, 2³²), not all zero (the one state the generator never leaves). */
export function checkGeneratorState(where: string, state: unknown): void {
  const words = state !== null && typeof state === 'object' && typeof (state as ArrayLike<number>).length === 'number' ? Array.from(state as ArrayLike<unknown>) : null;
  if (!words || words.length !== 4) throw argError(where, 'state', '4 uint32 words', words ? `${words.length} values` : String(state));
  if (words.some((w) => typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w > 0xffffffff)) throw argError(where, 'state', '4 integers in [0, 2^32)', `[${words.join(', ')}]`);
  if (words.every((w) => w === 0)) throw argError(where, 'state', 'a state that is not all zeros', '[0, 0, 0, 0]');
}

/** The state update of nextUint32 on a state (without the output): linear over GF(2) (xors, shifts, a rotation). */
function stepState(s: Uint32Array): void {
  const t = s[1]! << 9;
  s[2]! ^= s[0]!;
  s[3]! ^= s[1]!;
  s[1]! ^= s[2]!;
  s[0]! ^= s[3]!;
  s[2]! ^= t;
  s[3] = rotl(s[3]!, 11);
}

/** m · s over GF(2): m's 128 columns of 4 words (column i: the image of state bit i), xored where s has a bit set. */
function applyBits(m: Uint32Array, s: Uint32Array, out: Uint32Array): void {
  let o0 = 0, o1 = 0, o2 = 0, o3 = 0;
  for (let i = 0; i < 128; i++) {
    if (((s[i >>> 5]! >>> (i & 31)) & 1) === 0) continue;
    o0 ^= m[4 * i]!; o1 ^= m[4 * i + 1]!; o2 ^= m[4 * i + 2]!; o3 ^= m[4 * i + 3]!;
  }
  out[0] = o0; out[1] = o1; out[2] = o2; out[3] = o3;
}

/** T^(2^k) for the k asked so far (T: one step), each as 128 columns of 4 words; built on demand by squaring. */
const jumpPowers: Uint32Array[] = [];
function jumpPower(k: number): Uint32Array {
  if (jumpPowers.length === 0) {
    const t = new Uint32Array(512), e = new Uint32Array(4);
    for (let i = 0; i < 128; i++) {
      e.fill(0);
      e[i >>> 5] = 2 ** (i & 31); // state bit i alone (as an unsigned word)
      stepState(e);
      t.set(e, 4 * i);
    }
    jumpPowers.push(t);
  }
  while (jumpPowers.length <= k) {
    const m = jumpPowers[jumpPowers.length - 1]!, sq = new Uint32Array(512);
    for (let i = 0; i < 128; i++) applyBits(m, m.subarray(4 * i, 4 * i + 4), sq.subarray(4 * i, 4 * i + 4));
    jumpPowers.push(sq);
  }
  return jumpPowers[k]!;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The generator behind the module-level functions below. */
export const defaultGenerator = new Generator(0);

/** Options of the random functions: dtype, backend, and the generator to draw from (the default one unless given). */
export interface RandomOptions {
  dtype?: DType;
  backend?: Backend;
  generator?: Generator;
}

function floatDtype(fn: string, d: DType | undefined): DType {
  const dt = d ?? 'float32';
  if (dt !== 'float32' && dt !== 'float64') throw argError(fn, 'dtype', "'float32' or 'float64'", `'${dt}'`);
  return dt;
}

/** Checks `shape` and that the backend can hold the draws, before the host array is allocated. */
function drawShape(fn: string, shape: number[], dtype: DType, backend: Backend | undefined): number {
  const n = sizeOf(checkShape(fn, 'shape', shape));
  (backend ?? getBackend()).checkAlloc(fn, [{ shape, dtype }]);
  return n;
}

/** Seeds the default generator. */
export function seed(n: number): void {
  defaultGenerator.seed(n);
}

/** The default generator's state (4 uint32 words), to resume its stream later with `setState`. */
export function getState(): number[] {
  return defaultGenerator.getState();
}

/** Continues the default generator's stream from a state `getState()` returned. */
export function setState(state: ArrayLike<number>): void {
  defaultGenerator.setState(state);
}

/** Uniform samples in [0, 1). @example random.rand([200, 256, 100]) */
export function rand(shape: number[], opts: RandomOptions = {}): Tensor {
  return uniform(shape, 0, 1, opts);
}

/** Uniform samples in [low, high). */
export function uniform(shape: number[], low = 0, high = 1, opts: RandomOptions = {}): Tensor {
  const dt = floatDtype('random.uniform', opts.dtype);
  if (!(high >= low)) throw new SpikegradError(`random.uniform: argument 'high' expected >= low (${low}), got ${high}`);
  const g = opts.generator ?? defaultGenerator;
  const n = drawShape('random.uniform', shape, dt, opts.backend);
  // Drawn in hostValue: a transform.jit replay draws again (fresh numbers each call, the same stream).
  const a = hostValue(() => {
    const a = allocScratch(dt, n); // tensor() copies it into the backend
    const draw = dt === 'float32' ? () => g.nextFloat32() : () => g.nextFloat64();
    if (low === 0 && high === 1) for (let i = 0; i < n; i++) a[i] = draw();
    else for (let i = 0; i < n; i++) a[i] = low + (high - low) * draw();
    return a;
  });
  return tensor(a, shape, dt, opts.backend);
}

/** Standard normal samples. */
export function randn(shape: number[], opts: RandomOptions = {}): Tensor {
  return normal(shape, 0, 1, opts);
}

/** Normal samples with mean `mean` and standard deviation `std`. */
export function normal(shape: number[], mean = 0, std = 1, opts: RandomOptions = {}): Tensor {
  const dt = floatDtype('random.normal', opts.dtype);
  if (!(std >= 0)) throw argError('random.normal', 'std', 'a non-negative number', String(std));
  const g = opts.generator ?? defaultGenerator;
  const n = drawShape('random.normal', shape, dt, opts.backend);
  const a = hostValue(() => {
    const a = allocScratch(dt, n); // tensor() copies it into the backend
    for (let i = 0; i < n; i++) a[i] = mean + std * g.nextNormal();
    return a;
  });
  return tensor(a, shape, dt, opts.backend);
}

/** Bool samples that are true with probability `p`. */
export function bernoulli(p: number, shape: number[], opts: Omit<RandomOptions, 'dtype'> = {}): Tensor {
  if (!(p >= 0 && p <= 1)) throw argError('random.bernoulli', 'p', 'a probability in [0, 1]', String(p));
  const g = opts.generator ?? defaultGenerator;
  const n = drawShape('random.bernoulli', shape, 'bool', opts.backend);
  const a = hostValue(() => {
    const a = new Uint8Array(n);
    for (let i = 0; i < n; i++) a[i] = g.nextFloat32() < p ? 1 : 0;
    return a;
  });
  return tensor(a, shape, 'bool', opts.backend);
}

/** Integers uniform in [low, high). */
export function randint(low: number, high: number, shape: number[], opts: Omit<RandomOptions, 'dtype'> = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new SpikegradError(`random.randint: arguments 'low' and 'high' expected integers with low < high, got ${low} and ${high}`);
  }
  const g = opts.generator ?? defaultGenerator;
  const n = drawShape('random.randint', shape, 'int32', opts.backend);
  const a = hostValue(() => {
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = low + Math.floor(g.nextFloat64() * (high - low));
    return a;
  });
  return tensor(a, shape, 'int32', opts.backend);
}

/**
 * Poisson spike trains: 1 where a uniform draw is below `probability` = rate·dt (as in the tutorial,
 * `rand < 5 Hz · 1 ms`), as float32 0/1. `shape` is usually [T, batch, neurons].
 */
export function poissonSpikes(probability: number, shape: number[], opts: RandomOptions = {}): Tensor {
  if (!(probability >= 0 && probability <= 1)) {
    throw argError('random.poissonSpikes', 'probability', 'rate·dt in [0, 1] (a dimensionless number)', String(probability));
  }
  const dt = floatDtype('random.poissonSpikes', opts.dtype);
  const g = opts.generator ?? defaultGenerator;
  const n = drawShape('random.poissonSpikes', shape, dt, opts.backend);
  const a = hostValue(() => {
    const a = allocScratch(dt, n); // tensor() copies it into the backend
    for (let i = 0; i < n; i++) a[i] = g.nextFloat32() < probability ? 1 : 0;
    return a;
  });
  return tensor(a, shape, dt, opts.backend);
}
