/**
 * Labelled datasets held on the host: dense samples (images, feature vectors) as typed arrays, one row per
 * sample, and their int32 labels. Batches become tensors only in the DataLoader, so a dataset costs no
 * device memory and works the same on every backend.
 */
import { SpikegradError, describeValue, fmtShape } from '../engine/errors.js';

/** What every dataset has: a length, labels in [0, classes), and a name for messages. */
export interface LabelledData {
  readonly name: string;
  readonly length: number;
  readonly classes: number;
  readonly labels: Int32Array;
}

/** Checks labels: integers in [0, classes), at least one sample, and (unless allowed) at least two classes. */
export function checkLabels(fn: string, labels: ArrayLike<number>, classes: number | undefined, opts: { minClasses?: number } = {}): { labels: Int32Array; classes: number } {
  const n = labels.length;
  if (n === 0) throw new SpikegradError(`${fn}: argument 'y' expected at least one sample, got an empty dataset`);
  let max = -1;
  for (let i = 0; i < n; i++) {
    const v = labels[i]!;
    if (!Number.isInteger(v) || v < 0) throw new SpikegradError(`${fn}: argument 'y' expected integer class labels >= 0, got ${v} at index ${i}`);
    if (v > max) max = v;
  }
  const C = classes ?? max + 1;
  if (!Number.isInteger(C) || C < 1) throw new SpikegradError(`${fn}: argument 'classes' expected a positive integer, got ${C}`);
  if (max >= C) {
    const at = Array.prototype.findIndex.call(labels, (v: number) => v >= C);
    throw new SpikegradError(`${fn}: argument 'y' expected labels in [0, ${C - 1}] for ${C} classes, got ${max} (first at index ${at})`);
  }
  const minClasses = opts.minClasses ?? 2;
  const seen = new Set<number>();
  for (let i = 0; i < n && seen.size < minClasses; i++) seen.add(labels[i]!);
  if (seen.size < minClasses) {
    throw new SpikegradError(`${fn}: argument 'y' expected samples of at least ${minClasses} classes, got only class ${[...seen].join(', ')} in all ${n} samples`);
  }
  return { labels: labels instanceof Int32Array ? labels : Int32Array.from(labels), classes: C };
}

/** Samples per class. */
export function classCounts(labels: ArrayLike<number>, classes: number): number[] {
  const c = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) c[labels[i]!]!++;
  return c;
}

function checkIndices(where: string, indices: ArrayLike<number>, length: number): void {
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i]!;
    if (!Number.isInteger(k) || k < 0 || k >= length) throw new SpikegradError(`${where}: argument 'indices' expected integers in [0, ${length - 1}], got ${k} at position ${i}`);
  }
}

/**
 * Dense samples: `featureShape` values per sample (e.g. [28, 28]), stored either as float32 or as uint8 with a
 * scale (images: pixel / 255), so that 10,000 digits take 7.8 MB instead of 31 MB.
 */
export class ArrayDataset implements LabelledData {
  readonly name: string;
  readonly length: number;
  readonly classes: number;
  readonly labels: Int32Array;
  readonly featureShape: readonly number[];
  readonly featureSize: number;
  /** Row-major samples, featureSize values each. */
  readonly values: Float32Array | Uint8Array;
  /** Multiplies stored values on the way out (1/255 for uint8 pixels, 1 for float32). */
  readonly scale: number;
  /** Names of the classes, when the source has them. */
  readonly classNames: readonly string[] | undefined;

  constructor(values: Float32Array | Uint8Array, labels: Int32Array, featureShape: readonly number[], classes: number,
    opts: { name?: string; scale?: number; classNames?: readonly string[] } = {}) {
    this.featureShape = [...featureShape];
    this.featureSize = featureShape.reduce((p, d) => p * d, 1);
    if (values.length !== labels.length * this.featureSize) {
      throw new SpikegradError(`ArrayDataset: ${labels.length} labels need ${labels.length * this.featureSize} values of shape ${fmtShape(featureShape)}, got ${values.length}`);
    }
    this.values = values;
    this.labels = labels;
    this.length = labels.length;
    this.classes = classes;
    this.scale = opts.scale ?? 1;
    this.name = opts.name ?? 'arrays';
    this.classNames = opts.classNames;
  }

  /** The samples at `indices` as float32 rows ([indices.length, featureSize], row-major), scaled. */
  features(indices: ArrayLike<number>, out?: Float32Array): Float32Array {
    const F = this.featureSize, n = indices.length;
    const o = out ?? new Float32Array(n * F);
    const v = this.values, s = this.scale;
    for (let r = 0; r < n; r++) {
      const src = indices[r]! * F, dst = r * F;
      if (s === 1) for (let j = 0; j < F; j++) o[dst + j] = v[src + j]!;
      else for (let j = 0; j < F; j++) o[dst + j] = v[src + j]! * s;
    }
    return o;
  }

  /** A dataset of the samples at `indices`, in that order (values copied). */
  subset(indices: ArrayLike<number>, name?: string): ArrayDataset {
    checkIndices(`${this.name}.subset`, indices, this.length);
    const F = this.featureSize, n = indices.length;
    const values = this.values instanceof Uint8Array ? new Uint8Array(n * F) : new Float32Array(n * F);
    const labels = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      const k = indices[r]!;
      values.set(this.values.subarray(k * F, (k + 1) * F), r * F);
      labels[r] = this.labels[k]!;
    }
    return new ArrayDataset(values, labels, this.featureShape, this.classes, {
      name: name ?? this.name, scale: this.scale, ...(this.classNames ? { classNames: this.classNames } : {}),
    });
  }

  /** The first `n` samples of each class, in order (a small balanced subset for quick runs and tests). */
  perClass(n: number): ArrayDataset {
    if (!Number.isInteger(n) || n < 1) throw new SpikegradError(`${this.name}.perClass: argument 'n' expected a positive integer, got ${n}`);
    const taken = new Array<number>(this.classes).fill(0);
    const idx: number[] = [];
    for (let i = 0; i < this.length; i++) {
      const c = this.labels[i]!;
      if (taken[c]! < n) { taken[c]!++; idx.push(i); }
    }
    return this.subset(idx);
  }

  classCounts(): number[] {
    return classCounts(this.labels, this.classes);
  }

  toString(): string {
    return `${this.name}: ${this.length} samples of ${fmtShape(this.featureShape)}, ${this.classes} classes`;
  }
}

type Numeric = ArrayLike<number>;
type Nested = number | readonly Nested[];

function flattenRows(x: unknown): { values: Float32Array; shape: number[] } {
  if (ArrayBuffer.isView(x)) throw new SpikegradError("data.fromArrays: argument 'x' is a flat typed array: pass { shape } with the shape of one sample");
  const shape: number[] = [];
  let v: unknown = x;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  const out = new Float32Array(shape.reduce((p, d) => p * d, 1));
  let k = 0;
  const walk = (a: Nested, depth: number, path: number[]): void => {
    if (depth === shape.length) {
      if (typeof a !== 'number') throw new SpikegradError(`data.fromArrays: argument 'x' expected numbers, got ${describeValue(a)} at [${path.join('][')}]`);
      out[k++] = a;
      return;
    }
    if (!Array.isArray(a) || a.length !== shape[depth]) {
      throw new SpikegradError(`data.fromArrays: argument 'x' is ragged: [${path.join('][')}] has ${Array.isArray(a) ? a.length : describeValue(a)} entries, expected ${shape[depth]}`);
    }
    (a as readonly Nested[]).forEach((e, i) => walk(e, depth + 1, [...path, i]));
  };
  walk(x as Nested, 0, []);
  return { values: out, shape };
}

export interface FromArraysOptions {
  /** The shape of one sample, when `x` is a flat typed array (e.g. [28, 28]). */
  shape?: readonly number[];
  /** Number of classes (default: the largest label + 1). */
  classes?: number;
  /** For messages and plots. */
  name?: string;
  classNames?: readonly string[];
}

/**
 * A dataset from your own arrays: `x` as nested arrays [N, ...sampleShape] or a flat typed array with
 * `{ shape: sampleShape }`, `y` as integer labels in [0, classes). Values are checked (finite numbers,
 * integer labels, at least one sample and two classes) and copied to float32 (uint8 stays uint8, scale 1).
 * @example const ds = data.fromArrays(xs, ys, { shape: [28, 28] });   // xs: Float32Array of N·784 values
 */
export function fromArrays(x: Numeric | readonly unknown[], y: Numeric, opts: FromArraysOptions = {}): ArrayDataset {
  const fn = 'data.fromArrays';
  if (!(ArrayBuffer.isView(y) || Array.isArray(y))) throw new SpikegradError(`${fn}: argument 'y' expected an array of integer labels, got ${describeValue(y)}`);
  const { labels, classes } = checkLabels(fn, y as Numeric, opts.classes);
  const N = labels.length;
  let values: Float32Array | Uint8Array;
  let sampleShape: number[];
  if (ArrayBuffer.isView(x)) {
    if (!opts.shape) throw new SpikegradError(`${fn}: argument 'x' is a flat typed array: pass { shape } with the shape of one sample`);
    sampleShape = [...opts.shape];
    if (sampleShape.some((d) => !Number.isInteger(d) || d < 1)) throw new SpikegradError(`${fn}: argument 'shape' expected positive integers, got ${fmtShape(sampleShape)}`);
    const F = sampleShape.reduce((p, d) => p * d, 1);
    const xa = x as unknown as ArrayLike<number>;
    if (xa.length !== N * F) {
      throw new SpikegradError(`${fn}: argument 'x' expected ${N} samples of shape ${fmtShape(sampleShape)} (${N * F} values), got ${xa.length} values${xa.length % F === 0 ? ` (${xa.length / F} samples)` : ''}`);
    }
    values = x instanceof Uint8Array ? Uint8Array.from(x) : Float32Array.from(xa);
  } else if (Array.isArray(x)) {
    const flat = flattenRows(x);
    if (flat.shape[0] !== N) throw new SpikegradError(`${fn}: arguments 'x' and 'y' expected the same number of samples, got ${flat.shape[0]} and ${N}`);
    sampleShape = flat.shape.slice(1);
    if (sampleShape.length === 0) sampleShape = [1];
    if (opts.shape && fmtShape(opts.shape) !== fmtShape(sampleShape)) {
      throw new SpikegradError(`${fn}: argument 'x' expected samples of shape ${fmtShape(opts.shape)}, got ${fmtShape(sampleShape)}`);
    }
    values = flat.values;
  } else {
    throw new SpikegradError(`${fn}: argument 'x' expected nested arrays or a typed array, got ${describeValue(x)}`);
  }
  if (values instanceof Float32Array) {
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]!)) {
        const F = values.length / N;
        throw new SpikegradError(`${fn}: argument 'x' expected finite numbers, got ${values[i]} in sample ${Math.floor(i / F)} (value ${i % F})`);
      }
    }
  }
  return new ArrayDataset(values, labels, sampleShape, classes, {
    name: opts.name ?? 'arrays', ...(opts.classNames ? { classNames: opts.classNames } : {}),
  });
}
