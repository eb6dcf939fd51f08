/**
 * Spike encoders, after snntorch.spikegen: rate (Bernoulli per step), latency (time to first spike, linear or
 * logarithmic) and delta (threshold crossings of a signal). Inputs are tensors on any backend; outputs are
 * float32 0/1 tensors (delta with off-spikes: −1/0/1) of shape [T, ...input shape], e.g. [T, B, 784].
 *
 * Identical on every backend, by construction: the random numbers are drawn on the host by the library's
 * generator (engine/random.ts) and uploaded; everything computed on the device is an exactly rounded IEEE
 * operation (multiply, add, compare, clamp) — no transcendental function runs on the device. The latency
 * code's logarithm is evaluated on the host in float64 once per time step, as the input value at which a
 * spike moves from one step to the next (see `latencyBoundaries`), and the device only compares the input
 * against those T boundaries.
 */
import { add, cast, concat, expandDims, ge, le, lt, maximum, minimum, mul, onesLike, slice, sub, tensor, zerosLike } from '../engine/api.js';
import { isFloat } from '../engine/dtype.js';
import { SpikegradError, describeValue, fmtShape } from '../engine/errors.js';
import { defaultGenerator, type Generator } from '../engine/random.js';
import { hostValue } from '../engine/jitRecord.js';
import { Tensor } from '../engine/tensor.js';
import { noGrad } from '../engine/tape.js';
import { rateSpikesWasm } from './rateWasm.js';

function requireFloat(fn: string, x: unknown): Tensor {
  if (!(x instanceof Tensor) || !isFloat(x.dtype)) throw new SpikegradError(`${fn}: argument 'data' expected a float tensor, got ${describeValue(x)}`);
  return x;
}

function requireSteps(fn: string, n: unknown): number {
  if (!Number.isInteger(n) || (n as number) < 1) throw new SpikegradError(`${fn}: argument 'numSteps' expected a positive integer, got ${describeValue(n)}`);
  return n as number;
}

function finite(fn: string, name: string, v: unknown, ok: (x: number) => boolean, expected: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new SpikegradError(`${fn}: argument '${name}' expected ${expected}, got ${describeValue(v)}`);
  return v;
}

/** Options of `spikegen.rate` (Poisson/Bernoulli rate coding). */
export interface RateOptions {
  /** Time steps T: the input is repeated T times (required unless timeVarInput). */
  numSteps?: number;
  /** p = clamp(gain·x + offset, 0, 1) (default gain 1, offset 0). */
  gain?: number;
  offset?: number;
  /** Steps before this one stay silent (default 0). */
  firstSpikeTime?: number;
  /** The input already has a time axis first: one Bernoulli draw per element, no repetition. */
  timeVarInput?: boolean;
  /** Random numbers from this generator (default: the global one, `random.seed`). */
  generator?: Generator;
}

/**
 * Rate coding: at each of T steps an element spikes with probability p = clamp(gain·x + offset, 0, 1),
 * independently (spike where u < p for a host-drawn uniform u in [0, 1) of 24 bits: p = 1 always spikes,
 * p = 0 never). Output [T, ...x.shape], float32.
 * @example const spikes = spikegen.rate(images, { numSteps: 25 });   // images [B, 784] in [0, 1] → [25, B, 784]
 */
export function rate(data: Tensor, opts: RateOptions = {}): Tensor {
  const fn = 'spikegen.rate';
  const x = requireFloat(fn, data);
  const gain = finite(fn, 'gain', opts.gain ?? 1, () => true, 'a finite number');
  const offset = finite(fn, 'offset', opts.offset ?? 0, () => true, 'a finite number');
  const g = opts.generator ?? defaultGenerator;
  const timeVar = opts.timeVarInput ?? false;
  const T = timeVar ? (x.rank >= 1 ? x.shape[0]! : 0) : requireSteps(fn, opts.numSteps);
  if (timeVar && (x.rank < 1 || T < 1)) throw new SpikegradError(`${fn}: with timeVarInput, argument 'data' expected [T, ...] with T >= 1, got ${fmtShape(x.shape)}`);
  const first = finite(fn, 'firstSpikeTime', opts.firstSpikeTime ?? 0, (v) => Number.isInteger(v) && v >= 0 && v <= T - 1, `an integer in [0, ${T - 1}] (numSteps − 1)`);
  return noGrad(() => {
    const p = minimum(maximum(gain === 1 && offset === 0 ? x : add(mul(x, gain), offset), 0), 1);
    const shape = timeVar ? [...x.shape] : [T, ...x.shape];
    const n = shape.reduce((a, d) => a * d, 1);
    const u = hostValue(() => { // a transform.jit replay draws again
      const u = new Float32Array(n);
      const silent = first * (n / T);
      u.fill(2, 0, silent); // never below p ≤ 1
      g.fillFloat32(u, silent, n);
      return u;
    });
    return cast(lt(tensor(u, shape, 'float32', x.backend), p), 'float32');
  });
}

/**
 * rate() on host data, for data that is still on the host (the DataLoader's `encodeHost`): the same
 * spikes bit for bit as rate() on a tensor of `values` with the same generator state (p is computed in float32
 * as the device does), in one pass and one upload instead of three device operations.
 * @returns the spikes [T, ...shape] as a Float32Array, and their shape.
 */
export function rateArray(values: Float32Array, shape: readonly number[], opts: RateOptions = {}): { values: Float32Array; shape: number[] } {
  const fn = 'spikegen.rateArray';
  if (!(values instanceof Float32Array)) throw new SpikegradError(`${fn}: argument 'values' expected a Float32Array, got ${describeValue(values)}`);
  const n0 = shape.reduce((a, d) => a * d, 1);
  if (n0 !== values.length) throw new SpikegradError(`${fn}: argument 'shape' ${fmtShape(shape)} needs ${n0} values, got ${values.length}`);
  if (opts.timeVarInput) throw new SpikegradError(`${fn}: timeVarInput is not supported here; use rate() on a tensor`);
  const T = requireSteps(fn, opts.numSteps);
  const gain = finite(fn, 'gain', opts.gain ?? 1, () => true, 'a finite number');
  const offset = finite(fn, 'offset', opts.offset ?? 0, () => true, 'a finite number');
  const first = finite(fn, 'firstSpikeTime', opts.firstSpikeTime ?? 0, (v) => Number.isInteger(v) && v >= 0 && v <= T - 1, `an integer in [0, ${T - 1}] (numSteps − 1)`);
  const g = opts.generator ?? defaultGenerator;
  const p = new Float32Array(n0);
  const fr = Math.fround;
  for (let i = 0; i < n0; i++) {
    const v = gain === 1 && offset === 0 ? values[i]! : fr(fr(values[i]! * fr(gain)) + fr(offset));
    p[i] = v > 0 ? (v < 1 ? v : 1) : 0; // clamp to [0, 1]; NaN gives 0 here and no spike on the device (u < NaN is false)
  }
  const out = new Float32Array(T * n0);
  if (rateSpikesWasm(g, p, out, first * n0, T - first)) return { values: out, shape: [T, ...shape] };
  // The JavaScript twin (the same bits): where WebAssembly cannot run.
  g.fillFloat32(out, first * n0, T * n0);
  for (let t = first; t < T; t++) {
    const o = t * n0;
    // +(u < p), not a ternary: V8 compiles the ternary to a branch, which mispredicts on grey pixels (measured:
    // 4.8 → 2.7 ms CPU for a [25, 128, 784] batch of digits, bench/RESULTS.md, digits-events)
    for (let i = 0; i < n0; i++) out[o + i] = +(out[o + i]! < p[i]!);
  }
  return { values: out, shape: [T, ...shape] };
}

/** Options of `spikegen.latency` (one spike per input, earlier for larger values). */
export interface LatencyOptions {
  /** Time steps T. */
  numSteps: number;
  /** Inputs below it never reach threshold: with clip they stay silent, else they fire last (default 0.01). */
  threshold?: number;
  /** Keeps the logarithm finite for inputs at or below the threshold (default 1e-7). */
  epsilon?: number;
  /** RC time constant of the charging neuron, in steps (default 1). */
  tau?: number;
  /** Every spike time is delayed by this many steps (default 0). */
  firstSpikeTime?: number;
  /** Silence inputs below the threshold (default false). */
  clip?: boolean;
  /** Stretch the spike times so that the latest possible one falls on the last step (default false). */
  normalize?: boolean;
  /** Linear code t = τ·(1 − x) instead of the logarithmic t = τ·ln(x / (x − threshold)) (default false). */
  linear?: boolean;
}

/** The largest float32 at or below v (strict: below v), so that for any float32 x, x ≤ result ⇔ x ≤ v (x < v). */
function f32Below(v: number, strict: boolean): number {
  if (v === Infinity || v === -Infinity) return v;
  const buf = new Float32Array(1), bits = new Int32Array(buf.buffer);
  buf[0] = v;
  let r = buf[0]!;
  while (r > v || (strict && r === v)) {
    if (r === 0) buf[0] = -1.401298464324817e-45;
    else bits[0] = r > 0 ? bits[0]! - 1 : bits[0]! + 1;
    r = buf[0]!;
  }
  return r;
}

/**
 * The latency code as T float32 boundaries: an input x, clamped below at `floor`, spikes after step k exactly
 * when x ≤ boundaries[k]. The spike time is
 *   logarithmic: s(x) = A·τ·ln(x / (x − θ)) + f, x ≥ floor = θ + ε;   linear: s(x) = A·τ·(1 − x) + f, x ≥ floor = θ
 * with A = 1, or with normalize chosen so that the latest time, s(floor), lands on step T − 1 (linear: τ = T − 1 − f),
 * and spikes happen at round(s), half to even as torch.round: after step k when s > k + ½ for even k, s ≥ k + ½
 * for odd k. Each boundary solves s(x) = k + ½ in float64 and is rounded to the float32 on the right side of it.
 */
export function latencyBoundaries(o: LatencyOptions): { boundaries: Float32Array; floor: number } {
  const fn = 'spikegen.latency';
  const T = requireSteps(fn, o.numSteps);
  const theta = finite(fn, 'threshold', o.threshold ?? 0.01, (v) => v > 0 && v < 1, 'a number in (0, 1)');
  const eps = finite(fn, 'epsilon', o.epsilon ?? 1e-7, (v) => v > 0, 'a positive number');
  const tau = finite(fn, 'tau', o.tau ?? 1, (v) => v > 0, 'a positive number');
  const f = finite(fn, 'firstSpikeTime', o.firstSpikeTime ?? 0, (v) => Number.isInteger(v) && v >= 0 && v <= T - 1, `an integer in [0, ${T - 1}] (numSteps − 1)`);
  const linear = o.linear ?? false;
  const normalize = o.normalize ?? false;
  const tauLin = linear && normalize ? T - 1 - f : tau;
  // The largest unshifted, unscaled time: that of an input at the floor.
  const sMax = linear ? tauLin * (1 - theta) : tau * Math.log((theta + eps) / eps);
  const A = !linear && normalize ? (T - 1 - f) / sMax : 1;
  const boundaries = new Float32Array(T);
  for (let k = 0; k < T; k++) {
    const strict = k % 2 === 0;
    const q = (k + 0.5 - f) / A; // the unshifted, unscaled time that step k + ½ corresponds to
    let b: number;
    if (q <= 0) b = Infinity; // every input is later than this
    else if (q > sMax || (strict && q === sMax) || (linear && tauLin === 0)) b = -Infinity; // none is
    else if (linear) b = 1 - q / tauLin;
    else {
      const E = Math.exp(q / tau); // x / (x − θ) ≥ E  ⇔  x ≤ θE / (E − 1)
      b = (theta * E) / (E - 1);
    }
    boundaries[k] = f32Below(b, strict);
  }
  return { boundaries, floor: linear ? Math.fround(theta) : Math.fround(theta + eps) };
}

/**
 * Latency (time-to-first-spike) coding: each element spikes once, at step round(s(x)) (see
 * latencyBoundaries), brighter inputs earlier; spike times after the last step are dropped. Output
 * [T, ...x.shape], float32. Where snnTorch depends on the batch, this does not: `normalize` scales by the
 * latest possible time (an input at or below the threshold) rather than the batch's latest, which is the same
 * whenever some input is at or below the threshold (as in MNIST's background); `firstSpikeTime` delays every
 * spike by that many steps. Inputs above 1 in the linear code spike at step 0 (snnTorch raises).
 * @example spikegen.latency(images, { numSteps: 25, tau: 5, threshold: 0.01, normalize: true, linear: true })
 */
export function latency(data: Tensor, opts: LatencyOptions): Tensor {
  const fn = 'spikegen.latency';
  const x = requireFloat(fn, data);
  if (!opts || typeof opts !== 'object') throw new SpikegradError(`${fn}: argument 'opts' expected { numSteps, … }, got ${describeValue(opts)}`);
  const { boundaries, floor } = latencyBoundaries(opts);
  const T = boundaries.length;
  const theta = Math.fround(opts.threshold ?? 0.01);
  return noGrad(() => {
    const x32 = x.dtype === 'float32' ? x : cast(x, 'float32');
    const ones = x.shape.map(() => 1), zeros = x.shape.map(() => 0);
    const b = tensor(boundaries, [T, ...ones], 'float32', x.backend);
    // later[k] = 1 where the spike comes after step k; spike[k] = later[k−1] − later[k], with later[−1] = 1.
    const later = cast(le(expandDims(maximum(x32, floor), 0), b), 'float32');
    const first = onesLike(slice(later, [0, ...zeros], [1, ...x.shape]));
    const before = T > 1 ? concat([first, slice(later, [0, ...zeros], [T - 1, ...x.shape])], 0) : first;
    const spikes = sub(before, later);
    return opts.clip ? mul(spikes, cast(ge(x32, theta), 'float32')) : spikes;
  });
}

/** Options of `spikegen.delta` (spikes where the input changes). */
export interface DeltaOptions {
  /** A change of at least this much from one step to the next spikes (default 0.1). */
  threshold?: number;
  /** true: the first step is compared with itself (no spike); false: with zero (default). */
  padding?: boolean;
  /** Also emit −1 for drops of at least the threshold (default false). */
  offSpike?: boolean;
}

/**
 * Delta modulation of a time series [T, ...]: 1 where x[t] − x[t−1] ≥ threshold, with off spikes also −1
 * where it is ≤ −threshold. Output has the input's shape, float32.
 * @example spikegen.delta(signal, { threshold: 0.1, offSpike: true })
 */
export function delta(data: Tensor, opts: DeltaOptions = {}): Tensor {
  const fn = 'spikegen.delta';
  const x0 = requireFloat(fn, data);
  if (x0.rank < 1) throw new SpikegradError(`${fn}: argument 'data' expected a time series [T, ...], got ${fmtShape(x0.shape)}`);
  const threshold = finite(fn, 'threshold', opts.threshold ?? 0.1, (v) => v > 0, 'a positive number');
  return noGrad(() => {
    const x = x0.dtype === 'float32' ? x0 : cast(x0, 'float32');
    const T = x.shape[0]!;
    const rest = x.shape.slice(1);
    const zero = rest.map(() => 0);
    const first = slice(x, [0, ...zero], [1, ...rest]);
    const head = opts.padding ? first : zerosLike(first);
    const prev = T > 1 ? concat([head, slice(x, [0, ...zero], [T - 1, ...rest])], 0) : head;
    const d = sub(x, prev);
    const on = cast(ge(d, threshold), 'float32');
    return opts.offSpike ? sub(on, cast(le(d, -threshold), 'float32')) : on;
  });
}

