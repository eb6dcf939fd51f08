/**
 * The public ops. Primitives are thin wrappers over the op table (ops.ts); composites (mean, logsumexp,
 * softmax, stack, relu…) are built from primitives here and so need no gradient rule of their own.
 */
import type { Backend } from './backend.js';
import { getBackend, getBackendInstance } from './backends.js';
import { allocScratch, checkDType, isFloat, toTypedArray, type DType, type TypedArray } from './dtype.js';
import { SpikegradError, describeValue, fmtShape } from './errors.js';
import { inheritIntRange, noteIntRange, noteIntValues } from './intRange.js';
import { checkShape, normalizeAxes, normalizeAxis, sizeOf } from './shape.js';
import { run1, runOp } from './dispatch.js';
import { pool2dShape } from './opsConv.js';
import { noGrad } from './tape.js';
import { Tensor, type NestedArray, type ScalarLike, type TensorOrScalar } from './tensor.js';

// --- creation --------------------------------------------------------------------------------------------

/** `[i, j, …]`: where element `flat` sits in a tensor of `shape`. */
function positionOf(flat: number, shape: readonly number[]): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(flat % shape[d]!);
    flat = Math.floor(flat / shape[d]!);
  }
  return `[${idx.join(', ')}]`;
}

function flattenNested(v: unknown, out: number[], shape: number[], depth: number, at: number[]): void {
  if (Array.isArray(v)) {
    if (shape.length === depth) shape.push(v.length);
    else if (shape[depth] !== v.length) throw new SpikegradError(`tensor: ragged nested array (axis ${depth} has lengths ${shape[depth]} and ${v.length})`);
    for (let i = 0; i < v.length; i++) {
      at.push(i);
      flattenNested(v[i], out, shape, depth + 1, at);
      at.pop();
    }
  } else {
    if (depth !== shape.length) throw new SpikegradError(`tensor: ragged nested array (a number at depth ${depth}, expected depth ${shape.length})`);
    // Number(null) is 0 and Number('abc') NaN: a value that is not a number or boolean is a mistake, not data.
    if (typeof v === 'number') out.push(v);
    else if (typeof v === 'boolean') out.push(Number(v));
    else throw new SpikegradError(`tensor: argument 'values' expected numbers or booleans, got ${describeValue(v)}${at.length ? ` at [${at.join(', ')}]` : ''}`);
  }
}

const INT32_MIN = -(2 ** 31), INT32_MAX = 2 ** 31 - 1;

/** int32 storage would wrap values outside its range and truncate fractions: refuse them, naming the first. */
function checkInt32Values(values: ArrayLike<number>, shape: readonly number[]): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX)) {
      throw new SpikegradError(`tensor: int32 values must be integers in [${INT32_MIN}, ${INT32_MAX}], got ${v} at ${positionOf(i, shape)}${Number.isInteger(v) ? '' : ' (round or truncate it first, or use float32)'}`);
    }
  }
}

/**
 * A tensor from values: a number, a (nested) array, or a typed array with an explicit shape.
 * Every value must be a number or a boolean; int32 values must be integers in the int32 range.
 * @example tensor([[1, 2], [3, 4]])            // float32 [2, 2]
 *          tensor(new Int32Array([0, 1]), [2], 'int32')
 */
export function tensor(values: number | boolean | NestedArray | TypedArray | readonly boolean[], shape?: number[], dtype?: DType, backend?: Backend): Tensor {
  let flat: ArrayLike<number>;
  let inferred: number[];
  if (ArrayBuffer.isView(values)) {
    flat = values as TypedArray;
    inferred = [values.length];
  } else {
    const out: number[] = [];
    inferred = [];
    flattenNested(values, out, inferred, 0, []);
    flat = out;
  }
  const sh = shape ? checkShape('tensor', 'shape', shape) : inferred;
  if (sizeOf(sh) !== flat.length) {
    throw new SpikegradError(`tensor: argument 'shape' ${fmtShape(sh)} needs ${sizeOf(sh)} values, got ${flat.length}`);
  }
  const dt: DType = dtype !== undefined ? checkDType('tensor', dtype)
    : values instanceof Float64Array ? 'float64' : values instanceof Int32Array ? 'int32' : values instanceof Uint8Array ? 'bool' : 'float32';
  const be = backend ?? getBackend();
  if (dt === 'float64' && !be.supportsFloat64) throw new SpikegradError(`tensor: the ${be.name} backend has no float64`);
  be.checkAlloc('tensor', [{ shape: sh, dtype: dt }]);
  if (dt === 'int32' && !(values instanceof Int32Array)) checkInt32Values(flat, sh);
  // Every backend's upload copies, so an array already in the storage type goes to it as it is.
  const same = (dt === 'float32' && values instanceof Float32Array) || (dt === 'float64' && values instanceof Float64Array)
    || (dt === 'int32' && values instanceof Int32Array);
  const data = same ? (values as TypedArray) : toTypedArray(flat, dt);
  const t = new Tensor(be, be.upload(data, dt), sh, dt);
  noteIntValues(t, data); // int32 bounds for checks that would otherwise need a readback (labels)
  return t;
}

/** A rank-0 tensor holding `value`. */
export function scalar(value: number, dtype: DType = 'float32', backend?: Backend): Tensor {
  return tensor(value, [], dtype, backend);
}

/** A tensor of `shape` with every element `value`. */
export function full(shape: number[], value: number, dtype: DType = 'float32', backend?: Backend): Tensor {
  return run1('fill', [], { shape: checkShape('full', 'shape', shape), dtype: checkDType('full', dtype), value }, backend);
}
/** A tensor of `shape` filled with 0. */
export function zeros(shape: number[], dtype: DType = 'float32', backend?: Backend): Tensor {
  return full(shape, 0, dtype, backend);
}
/** A tensor of `shape` filled with 1. */
export function ones(shape: number[], dtype: DType = 'float32', backend?: Backend): Tensor {
  return full(shape, 1, dtype, backend);
}
/** Zeros with the shape, dtype and backend of `x`. */
export function zerosLike(x: Tensor): Tensor {
  return full([...x.shape], 0, x.dtype, x.backend);
}
/** Ones with the shape, dtype and backend of `x`. */
export function onesLike(x: Tensor): Tensor {
  return full([...x.shape], 1, x.dtype, x.backend);
}
/** `value` everywhere, with the shape, dtype and backend of `x`. */
export function fullLike(x: Tensor, value: number): Tensor {
  return full([...x.shape], value, x.dtype, x.backend);
}

/** [0, 1, …, n−1]. */
export function arange(n: number, dtype: DType = 'int32', backend?: Backend): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new SpikegradError(`arange: argument 'n' expected a non-negative integer, got ${describeValue(n)}`);
  (backend ?? getBackend()).checkAlloc('arange', [{ shape: [n], dtype: checkDType('arange', dtype) }]);
  const a = allocScratch(dtype, n); // tensor() uploads a copy
  for (let i = 0; i < n; i++) a[i] = i;
  return tensor(a, [n], dtype, backend);
}

/** Copies `x` to another backend (a readback, then an upload). */
export async function toBackend(x: Tensor, name: 'cpu' | 'webgpu'): Promise<Tensor> {
  const be = await getBackendInstance(name);
  if (be === x.backend) return x.share();
  const data = await x.data();
  return new Tensor(be, be.upload(data, x.dtype), x.shape, x.dtype);
}

// --- scalars in binary ops ---------------------------------------------------------------------------------

function scalarValue(op: string, v: number | ScalarLike): number {
  if (typeof v === 'number') return v;
  if (v && typeof (v as ScalarLike).toNumber === 'function') return (v as ScalarLike).toNumber();
  throw new SpikegradError(`${op}: expected a Tensor, a number or a dimensionless quantity, got ${describeValue(v)}`);
}

/** Pairs two operands, turning numbers into 0-d tensors of the tensor operand's dtype and backend. */
function pair(op: string, a: TensorOrScalar, b: TensorOrScalar): [Tensor, Tensor] {
  const aT = a instanceof Tensor, bT = b instanceof Tensor;
  if (aT && bT) return [a, b];
  if (aT) return [a, scalar(scalarValue(op, b as number | ScalarLike), a.dtype, a.backend)];
  if (bT) return [scalar(scalarValue(op, a as number | ScalarLike), b.dtype, b.backend), b];
  throw new SpikegradError(`${op}: at least one operand must be a Tensor, got ${describeValue(a)} and ${describeValue(b)}`);
}

function asTensor(op: string, x: unknown, arg = 'x'): Tensor {
  if (x instanceof Tensor) return x;
  throw new SpikegradError(`${op}: argument '${arg}' expected a Tensor, got ${describeValue(x)}`);
}

// --- elementwise -------------------------------------------------------------------------------------------

const un = (op: 'neg' | 'abs' | 'sign' | 'exp' | 'expm1' | 'log' | 'log1p' | 'sqrt' | 'sigmoid' | 'tanh' | 'sin' | 'cos' | 'floor' | 'logicalNot') =>
  (x: Tensor): Tensor => run1(op, [asTensor(op, x)], {});
const bin = (op: 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum' | 'pow' | 'lt' | 'le' | 'gt' | 'ge' | 'eq' | 'ne') =>
  (a: TensorOrScalar, b: TensorOrScalar): Tensor => run1(op, pair(op, a, b), {});

/** −x */
export const neg = un('neg');
/** |x|; its gradient at 0 is 0. */
export const abs = un('abs');
/** −1, 0 or 1; no gradient. */
export const sign = un('sign');
/** eˣ elementwise. */
export const exp = un('exp');
/** eˣ − 1, accurate for small x (the LIF integrator's exprel needs it). */
export const expm1 = un('expm1');
/** Natural logarithm elementwise (−∞ at 0, NaN below). */
export const log = un('log');
/** ln(1 + x), accurate for small x. */
export const log1p = un('log1p');
/** Square root elementwise. */
export const sqrt = un('sqrt');
/** 1 / (1 + e⁻ˣ), evaluated without overflow for any x. */
export const sigmoid = un('sigmoid');
/** Hyperbolic tangent elementwise. */
export const tanh = un('tanh');
/** Sine elementwise (radians). */
export const sin = un('sin');
/** Cosine elementwise (radians). */
export const cos = un('cos');
/** Rounds toward −∞; no gradient. */
export const floor = un('floor');
/** Logical not of a bool tensor. */
export const logicalNot = un('logicalNot');

/** a + b elementwise, with broadcasting; a number operand is a scalar of the tensor's dtype. */
export const add = bin('add');
/** a − b elementwise, with broadcasting. */
export const sub = bin('sub');
/** a · b elementwise, with broadcasting. */
export const mul = bin('mul');
/** a / b elementwise, with broadcasting. */
export const div = bin('div');
/** Elementwise maximum; at ties the gradient goes to the first operand. */
export const maximum = bin('maximum');
/** Elementwise minimum; at ties the gradient goes to the first operand. */
export const minimum = bin('minimum');
/** aᵇ elementwise (float). For a fixed exponent prefer powScalar. */
export const pow = (a: TensorOrScalar, b: TensorOrScalar): Tensor => {
  if (a instanceof Tensor && !(b instanceof Tensor)) return powScalar(a, scalarValue('pow', b));
  return run1('pow', pair('pow', a, b), {});
};
/** a < b elementwise, as a bool tensor (no gradient); `le`, `gt`, `ge`, `eq`, `ne` likewise. */
export const lt = bin('lt');
/** a ≤ b elementwise, as a bool tensor. */
export const le = bin('le');
/** a > b elementwise, as a bool tensor. */
export const gt = bin('gt');
/** a ≥ b elementwise, as a bool tensor. */
export const ge = bin('ge');
/** a = b elementwise, as a bool tensor. */
export const eq = bin('eq');
/** a ≠ b elementwise, as a bool tensor. */
export const ne = bin('ne');
/** Logical and of two bool tensors, with broadcasting. */
export const logicalAnd = (a: Tensor, b: Tensor): Tensor => run1('logicalAnd', [a, b], {});
/** Logical or of two bool tensors, with broadcasting. */
export const logicalOr = (a: Tensor, b: Tensor): Tensor => run1('logicalOr', [a, b], {});

/** xᵖ for a fixed number p. */
export function powScalar(x: Tensor, exponent: number): Tensor {
  if (!Number.isFinite(exponent)) throw new SpikegradError(`powScalar: argument 'exponent' expected a finite number, got ${exponent}`);
  return run1('powScalar', [asTensor('powScalar', x)], { exponent });
}
/** x² (as x · x, so its gradient is exact). */
export const square = (x: Tensor): Tensor => mul(x, x);
/** max(x, 0); the gradient at 0 goes to x. */
export const relu = (x: Tensor): Tensor => maximum(x, 0);

/** Casts to `dtype`; float → float casts carry the gradient, others do not. */
export function cast(x: Tensor, dtype: DType): Tensor {
  checkDType('cast', dtype);
  if (x.dtype === dtype) return reshape(x, x.shape); // recorded (so gradients flow), no copy
  const y = run1('cast', [asTensor('cast', x)], { dtype });
  if (x.dtype === 'bool') noteIntRange(y, { min: 0, max: 1 });
  return y;
}

/** `condition ? a : b` elementwise, broadcasting all three. */
export function where(condition: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const [x, y] = pair('where', a, b);
  return run1('where', [asTensor('where', condition, 'condition'), x, y], {});
}

/** The same values with no gradient flowing back through them. */
export function stopGradient(x: Tensor): Tensor {
  return noGrad(() => x.share());
}

// --- reductions ----------------------------------------------------------------------------------------------

/** Sum over `axes` (all by default); `keepDims` keeps them as size 1. */
export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  x = asTensor('sum', x);
  return run1('sum', [x], { axes: normalizeAxes('sum', axes, x.rank), keepDims });
}
/** Maximum over `axes` (all by default); the gradient is shared equally among tied maxima. */
export function max(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  x = asTensor('max', x);
  return run1('max', [x], { axes: normalizeAxes('max', axes, x.rank), keepDims });
}
/** Minimum over `axes` (all by default); the gradient is shared equally among tied minima. */
export function min(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  x = asTensor('min', x);
  return run1('min', [x], { axes: normalizeAxes('min', axes, x.rank), keepDims });
}
/** Mean over `axes` (all by default). */
export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  x = asTensor('mean', x);
  if (!isFloat(x.dtype)) throw new SpikegradError(`mean: argument 'x' expected a float tensor, got ${x.dtype} ${fmtShape(x.shape)}`);
  const ax = normalizeAxes('mean', axes, x.rank);
  const n = ax.reduce((p, a) => p * x.shape[a]!, 1);
  return mul(sum(x, ax, keepDims), 1 / n);
}
/** Index of the largest element along `axis` (first one at ties); int32, no gradient. */
export function argmax(x: Tensor, axis = -1): Tensor {
  x = asTensor('argmax', x);
  return run1('argmax', [x], { axis: normalizeAxis('argmax', axis, x.rank) });
}
/** log Σ exp(x), shifted by the (gradient-stopped) maximum so that it never overflows. */
export function logsumexp(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = normalizeAxes('logsumexp', axes, x.rank);
  const m = stopGradient(max(x, ax, true));
  const lse = add(log(sum(exp(sub(x, m)), ax, true)), m);
  return keepDims ? lse : squeeze(lse, ax);
}
/** Numerically stable softmax along `axis`. */
export function softmax(x: Tensor, axis = -1): Tensor {
  const ax = normalizeAxis('softmax', axis, x.rank);
  const e = exp(sub(x, stopGradient(max(x, ax, true))));
  return div(e, sum(e, ax, true));
}
/** log softmax(x) along `axis`, computed as x − logsumexp(x) (stable). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const ax = normalizeAxis('logSoftmax', axis, x.rank);
  return sub(x, logsumexp(x, ax, true));
}

// --- shape and movement ----------------------------------------------------------------------------------------

/** A new shape for the same elements; one entry may be −1 (inferred). Free: no copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  x = asTensor('reshape', x);
  const sh = [...shape];
  const neg1 = sh.indexOf(-1);
  if (neg1 >= 0) {
    const rest = sh.reduce((p, d, i) => (i === neg1 ? p : p * d), 1);
    if (rest === 0 || x.size % rest !== 0) throw new SpikegradError(`reshape: cannot infer the -1 in ${fmtShape(sh)} for ${x.size} elements`);
    sh[neg1] = x.size / rest;
  }
  checkShape('reshape', 'shape', sh);
  const y = run1('reshape', [x], { shape: sh });
  inheritIntRange(x, y);
  return y;
}
/** Reorders the axes: axis i of the result is axis `perm[i]` of `x`. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  x = asTensor('permute', x);
  return run1('permute', [x], { perm: perm.map((p) => normalizeAxis('permute', p, x.rank)) });
}
/** Reverses the axes, or permutes them by `perm`. */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  return permute(x, perm ?? Array.from({ length: x.rank }, (_, i) => x.rank - 1 - i));
}
/** Repeats size-1 (or missing leading) axes to reach `shape`, as broadcasting does. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  x = asTensor('broadcastTo', x);
  return run1('broadcastTo', [x], { shape: checkShape('broadcastTo', 'shape', [...shape]) });
}
/** Inserts a size-1 axis at `axis`. */
export function expandDims(x: Tensor, axis: number): Tensor {
  const ax = normalizeAxis('expandDims', axis, x.rank + 1);
  const sh = [...x.shape];
  sh.splice(ax, 0, 1);
  return reshape(x, sh);
}
/** Drops the given size-1 axes (all size-1 axes by default). */
export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  const ax = axes === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes('squeeze', axes, x.rank);
  for (const a of ax) if (x.shape[a] !== 1) throw new SpikegradError(`squeeze: axis ${a} of ${fmtShape(x.shape)} has size ${x.shape[a]}, not 1`);
  return reshape(x, x.shape.filter((_, i) => !ax.includes(i)));
}
/** The block starting at `begin` with extent `size` (−1 means "to the end"). */
export function slice(x: Tensor, begin: readonly number[], size: readonly number[]): Tensor {
  x = asTensor('slice', x);
  const sz = size.map((s, i) => (s === -1 ? x.shape[i]! - (begin[i] ?? 0) : s));
  const y = run1('slice', [x], { begin: [...begin], size: sz });
  inheritIntRange(x, y);
  return y;
}
/** Zero padding: `before[i]` and `after[i]` elements around axis i. */
export function pad(x: Tensor, before: readonly number[], after: readonly number[]): Tensor {
  return run1('pad', [asTensor('pad', x)], { before: [...before], after: [...after] });
}
/** Element `i` along `axis`, with that axis removed. */
export function index(x: Tensor, i: number, axis = 0): Tensor {
  x = asTensor('index', x);
  const ax = normalizeAxis('index', axis, x.rank);
  const n = x.shape[ax]!;
  if (!Number.isInteger(i) || i < -n || i >= n) throw new SpikegradError(`index: argument 'i' expected an integer in [${-n}, ${n - 1}] for axis ${ax} of ${fmtShape(x.shape)}, got ${i}`);
  const ii = i < 0 ? i + n : i;
  const begin = x.shape.map((_, k) => (k === ax ? ii : 0));
  const size = x.shape.map((d, k) => (k === ax ? 1 : d));
  return reshape(slice(x, begin, size), x.shape.filter((_, k) => k !== ax));
}
/** Joins tensors of equal shape except along `axis`. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new SpikegradError(`concat: argument 'xs' expected a non-empty array of tensors, got ${describeValue(xs)}`);
  if (xs.length === 1) return reshape(xs[0]!, xs[0]!.shape);
  return run1('concat', xs, { axis });
}
/** Stacks equal-shaped tensors along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new SpikegradError(`stack: argument 'xs' expected a non-empty array of tensors, got ${describeValue(xs)}`);
  const ax = normalizeAxis('stack', axis, xs[0]!.rank + 1);
  return concat(xs.map((x) => expandDims(x, ax)), ax);
}
/** Picks entries along `axis` by int32 `indices`; the result's axis is replaced by indices' shape. */
export function gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
  return run1('gather', [asTensor('gather', x), asTensor('gather', indices, 'indices')], { axis });
}
/** One-hot rows of length `depth` for int32 indices (out-of-range indices give all-zero rows). */
export function oneHot(indices: Tensor, depth: number, dtype: DType = 'float32'): Tensor {
  checkDType('oneHot', dtype);
  const oh = run1('oneHot', [asTensor('oneHot', indices, 'indices')], { depth });
  return dtype === 'float32' ? oh : cast(oh, dtype);
}

// --- linear algebra --------------------------------------------------------------------------------------------

/**
 * Matrix product over the last two axes, with broadcast batch axes; either operand may be transposed.
 * @example matmul(x, w)                        // [B, in] @ [in, out]
 *          matmul(x, g, { transposeA: true }) // xᵀ g
 */
export function matmul(a: Tensor, b: Tensor, opts: { transposeA?: boolean; transposeB?: boolean } = {}): Tensor {
  return run1('matmul', [asTensor('matmul', a, 'a'), asTensor('matmul', b, 'b')], {
    transposeA: opts.transposeA ?? false,
    transposeB: opts.transposeB ?? false,
  });
}

/**
 * x @ W + b for rows x [M, K], weights W [K, N] (brainstate's layout) and bias b [N]: matmul then add, as one op
 * (nn.Linear's forward).
 * @example const y = linear(x, w, b); // [M, N]
 */
export function linear(x: Tensor, w: Tensor, b: Tensor): Tensor {
  return run1('linear', [asTensor('linear', x, 'x'), asTensor('linear', w, 'W'), asTensor('linear', b, 'b')], {});
}


// --- convolution and pooling (engine/opsConv.ts) ------------------------------------------------------------------

/** A size given as one number or as [h, w] (PyTorch's int-or-tuple arguments). */
export type Size2 = number | readonly [number, number];

function pairOf(fn: string, name: string, v: unknown): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2) return [v[0] as number, v[1] as number];
  throw new SpikegradError(`${fn}: argument '${name}' expected a number or [h, w], got ${describeValue(v)}`);
}

/** Options of `conv2d`: stride, padding, dilation and channel groups. */
export interface Conv2dOptions {
  /** Step between windows (default 1). */
  stride?: Size2;
  /** Zeros added on each side (default 0). */
  padding?: Size2;
  /** Spacing between kernel taps (default 1). */
  dilation?: Size2;
  /** Channel groups: each output channel sees C/groups input channels (default 1; C for depthwise). */
  groups?: number;
}

/**
 * 2-D cross-correlation over NCHW images, PyTorch's `conv2d`: x [N, C, H, W], w [O, C/groups, KH, KW], optional
 * bias [O] → [N, O, OH, OW], OH = ⌊(H + 2·padding − dilation·(KH − 1) − 1) / stride⌋ + 1.
 * @example conv2d(x, w, b, { stride: 2, padding: 1 })
 */
export function conv2d(x: Tensor, w: Tensor, b?: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  const attrs = {
    stride: pairOf('conv2d', 'stride', opts.stride ?? 1), padding: pairOf('conv2d', 'padding', opts.padding ?? 0),
    dilation: pairOf('conv2d', 'dilation', opts.dilation ?? 1), groups: opts.groups ?? 1,
  };
  const ins = [asTensor('conv2d', x, 'x'), asTensor('conv2d', w, 'w')];
  if (b !== undefined && b !== null) ins.push(asTensor('conv2d', b, 'b'));
  return run1('conv2d', ins, attrs);
}

/** Options of `maxPool2d` and `avgPool2d`: stride, padding and dilation. */
export interface Pool2dOptions {
  /** Step between windows (default: the kernel size). */
  stride?: Size2;
  /** Implicit padding on each side, at most half the kernel (default 0): −∞ for max, 0 for average pooling. */
  padding?: Size2;
  /** Spacing between window taps (max pooling only; default 1). */
  dilation?: Size2;
}

function poolAttrs(fn: string, kernelSize: Size2, opts: Pool2dOptions) {
  const kernel = pairOf(fn, 'kernelSize', kernelSize);
  return {
    kernel, stride: opts.stride === undefined ? kernel : pairOf(fn, 'stride', opts.stride),
    padding: pairOf(fn, 'padding', opts.padding ?? 0), dilation: pairOf(fn, 'dilation', opts.dilation ?? 1),
  };
}

/**
 * Max over each window of NCHW images (PyTorch's max_pool2d, floor mode). The gradient goes to the first
 * maximum of each window in row-major order, as in PyTorch.
 */
export function maxPool2d(x: Tensor, kernelSize: Size2, opts: Pool2dOptions = {}): Tensor {
  return runOp('maxPool2d', [asTensor('maxPool2d', x, 'x')], poolAttrs('maxPool2d', kernelSize, opts))[0]!;
}

/**
 * Mean over each window of NCHW images (PyTorch's avg_pool2d with count_include_pad = true, floor mode): a
 * convolution of every channel, as its own image, with a constant 1/(KH·KW) kernel, so it runs the conv2d
 * kernels of each backend and has their gradient.
 */
export function avgPool2d(x: Tensor, kernelSize: Size2, opts: Pool2dOptions = {}): Tensor {
  const xt = asTensor('avgPool2d', x, 'x');
  const a = poolAttrs('avgPool2d', kernelSize, opts);
  if (a.dilation[0] !== 1 || a.dilation[1] !== 1) throw new SpikegradError(`avgPool2d: argument 'dilation' expected [1, 1] (PyTorch's avg_pool2d has none), got [${a.dilation.join(', ')}]`);
  // The op's own checks (shape, padding at most half the kernel) first, with avgPool2d's name.
  const [N, C, OH, OW] = pool2dShape('avgPool2d', xt, a) as [number, number, number, number];
  const [H, W] = [xt.shape[2]!, xt.shape[3]!];
  const w = full([1, 1, a.kernel[0], a.kernel[1]], 1 / (a.kernel[0] * a.kernel[1]), xt.dtype, xt.backend);
  const y = run1('conv2d', [reshape(xt, [N * C, 1, H, W]), w], { stride: a.stride, padding: a.padding, dilation: a.dilation, groups: 1 });
  return reshape(y, [N, C, OH, OW]);
}

// --- losses ------------------------------------------------------------------------------------------------------

/** Per-sample cross-entropy of softmax(logits) against int32 labels: one fused, max-shifted kernel (docs/numerics.md §7). */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor): Tensor {
  return run1('softmaxCrossEntropy', [asTensor('softmaxCrossEntropy', logits, 'logits'), asTensor('softmaxCrossEntropy', labels, 'labels')], {});
}
