import type { Backend, DataId, TensorInfo } from './backend.js';
import type { DType, TypedArray } from './dtype.js';
import { SpikegradError, fmtShape } from './errors.js';
import { setTensorCheck, trackTensor } from './scope.js';
import { sizeOf } from './shape.js';
import * as O from './api.js';

let nextTensorId = 1;

/**
 * Safety net: a tensor that is garbage-collected without `dispose()` still returns its storage (marked as
 * collected: it comes back at a moment no program chose, so a backend may free it rather than reuse it).
 */
const finalizer = new FinalizationRegistry<{ backend: Backend; dataId: DataId }>((h) => h.backend.release(h.dataId, true));

/** Why a tensor was freed, when the engine freed it on its own (a jit result): said when it is used after. */
const disposedBecause = new WeakMap<Tensor, string>();

/** Disposes `t` and remembers `why`, for the message if `t` is used afterwards. */
export function disposeBecause(t: Tensor, why: string): void {
  if (t.isDisposed) return;
  t.dispose();
  disposedBecause.set(t, why);
}

/** ` (why)` when the engine freed `t` on its own, else ''. */
export function disposedNote(t: Tensor): string {
  const why = disposedBecause.get(t);
  return why ? ` (${why})` : '';
}

/** Numbers nested in arrays, one level per axis (`[[1, 2], [3, 4]]`), as `tensor()` takes them. */
export type NestedArray = number | NestedArray[];

/** Something that stands for a plain number: a number, or a dimensionless quantity (`u.Hz(5).mul(u.ms(1))`). */
export interface ScalarLike {
  toNumber(): number;
}
/** An operand of the elementwise ops: a tensor, a number or a dimensionless quantity. */
export type TensorOrScalar = Tensor | number | ScalarLike;

/**
 * An n-dimensional array on one backend. Immutable: every op returns a new tensor. Arithmetic and reductions
 * are methods and functions (`x.add(1).mean(0)` ≡ `mean(add(x, 1), 0)`); reading values is async
 * (`await t.data()`, `await t.item()`) because a GPU readback is.
 */
export class Tensor implements TensorInfo {
  readonly id = nextTensorId++;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
  readonly backend: Backend;
  /** Set by `keep()` and by the State that owns this tensor: no `tidy` disposes it. */
  kept = false;
  #dataId: DataId | null;

  constructor(backend: Backend, dataId: DataId, shape: readonly number[], dtype: DType) {
    this.backend = backend;
    this.#dataId = dataId;
    this.shape = Object.freeze(shape.slice());
    this.dtype = dtype;
    this.size = sizeOf(shape);
    finalizer.register(this, { backend, dataId }, this);
    trackTensor(this);
  }

  get dataId(): DataId {
    if (this.#dataId === null) {
      throw new SpikegradError(`Tensor ${fmtShape(this.shape)} ${this.dtype} was used after dispose()${disposedNote(this)}`);
    }
    return this.#dataId;
  }

  get isDisposed(): boolean {
    return this.#dataId === null;
  }

  get rank(): number {
    return this.shape.length;
  }

  dispose(): void {
    if (this.#dataId === null) return;
    finalizer.unregister(this);
    this.backend.release(this.#dataId);
    this.#dataId = null;
  }

  /** A second handle on the same storage (no copy); disposing one leaves the other valid. */
  share(): Tensor {
    this.backend.incRef(this.dataId);
    return new Tensor(this.backend, this.dataId, this.shape, this.dtype);
  }

  // --- reading ---------------------------------------------------------------------------------------
  /** The values as a typed array (bool as Uint8Array). Flushes pending GPU work first. */
  async data(): Promise<TypedArray> {
    return this.backend.read(this.dataId, this.dtype, this.size);
  }

  /** Synchronous read; only on backends whose memory is host memory (the CPU backend). */
  dataSync(): TypedArray {
    if (!this.backend.readSync) {
      throw new SpikegradError(`dataSync: the ${this.backend.name} backend reads asynchronously; use 'await tensor.data()'`);
    }
    return this.backend.readSync(this.dataId, this.dtype, this.size);
  }

  /** The single value of a size-1 tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new SpikegradError(`item: expected a tensor with one element, got ${fmtShape(this.shape)}`);
    return (await this.data())[0]!;
  }

  /** Nested JS arrays in the tensor's shape. */
  async array(): Promise<NestedArray> {
    const d = await this.data();
    const build = (axis: number, offset: number): NestedArray => {
      if (axis === this.shape.length) return d[offset]!;
      const stride = sizeOf(this.shape.slice(axis + 1));
      return Array.from({ length: this.shape[axis]! }, (_, i) => build(axis + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  toString(): string {
    return `Tensor(${this.dtype} ${fmtShape(this.shape)}, ${this.backend.name}${this.isDisposed ? ', disposed' : ''})`;
  }

  // --- arithmetic (see api.ts for the documentation of each op) --------------------------------------
  add(b: TensorOrScalar): Tensor { return O.add(this, b); }
  sub(b: TensorOrScalar): Tensor { return O.sub(this, b); }
  mul(b: TensorOrScalar): Tensor { return O.mul(this, b); }
  div(b: TensorOrScalar): Tensor { return O.div(this, b); }
  pow(b: TensorOrScalar): Tensor { return O.pow(this, b); }
  maximum(b: TensorOrScalar): Tensor { return O.maximum(this, b); }
  minimum(b: TensorOrScalar): Tensor { return O.minimum(this, b); }
  neg(): Tensor { return O.neg(this); }
  abs(): Tensor { return O.abs(this); }
  sign(): Tensor { return O.sign(this); }
  exp(): Tensor { return O.exp(this); }
  expm1(): Tensor { return O.expm1(this); }
  log(): Tensor { return O.log(this); }
  log1p(): Tensor { return O.log1p(this); }
  sqrt(): Tensor { return O.sqrt(this); }
  square(): Tensor { return O.square(this); }
  sigmoid(): Tensor { return O.sigmoid(this); }
  tanh(): Tensor { return O.tanh(this); }
  relu(): Tensor { return O.relu(this); }
  floor(): Tensor { return O.floor(this); }

  // --- comparisons and logic (bool results, no gradient) -----------------------------------------------
  lt(b: TensorOrScalar): Tensor { return O.lt(this, b); }
  le(b: TensorOrScalar): Tensor { return O.le(this, b); }
  gt(b: TensorOrScalar): Tensor { return O.gt(this, b); }
  ge(b: TensorOrScalar): Tensor { return O.ge(this, b); }
  eq(b: TensorOrScalar): Tensor { return O.eq(this, b); }
  ne(b: TensorOrScalar): Tensor { return O.ne(this, b); }
  logicalAnd(b: Tensor): Tensor { return O.logicalAnd(this, b); }
  logicalOr(b: Tensor): Tensor { return O.logicalOr(this, b); }
  logicalNot(): Tensor { return O.logicalNot(this); }

  // --- reductions --------------------------------------------------------------------------------------
  sum(axes?: number | number[], keepDims = false): Tensor { return O.sum(this, axes, keepDims); }
  mean(axes?: number | number[], keepDims = false): Tensor { return O.mean(this, axes, keepDims); }
  max(axes?: number | number[], keepDims = false): Tensor { return O.max(this, axes, keepDims); }
  min(axes?: number | number[], keepDims = false): Tensor { return O.min(this, axes, keepDims); }
  argmax(axis = -1): Tensor { return O.argmax(this, axis); }
  logsumexp(axes?: number | number[], keepDims = false): Tensor { return O.logsumexp(this, axes, keepDims); }
  softmax(axis = -1): Tensor { return O.softmax(this, axis); }

  // --- shape -------------------------------------------------------------------------------------------
  reshape(shape: number[]): Tensor { return O.reshape(this, shape); }
  flatten(): Tensor { return O.reshape(this, [this.size]); }
  transpose(perm?: number[]): Tensor { return O.transpose(this, perm); }
  permute(perm: number[]): Tensor { return O.permute(this, perm); }
  broadcastTo(shape: number[]): Tensor { return O.broadcastTo(this, shape); }
  expandDims(axis: number): Tensor { return O.expandDims(this, axis); }
  squeeze(axes?: number | number[]): Tensor { return O.squeeze(this, axes); }
  slice(begin: number[], size: number[]): Tensor { return O.slice(this, begin, size); }
  index(i: number, axis = 0): Tensor { return O.index(this, i, axis); }
  gather(indices: Tensor, axis = 0): Tensor { return O.gather(this, indices, axis); }
  matmul(b: Tensor, opts?: { transposeA?: boolean; transposeB?: boolean }): Tensor { return O.matmul(this, b, opts); }
  astype(dtype: DType): Tensor { return O.cast(this, dtype); }
  /** Moves (copies) the tensor to another backend: 'cpu' or 'webgpu'. */
  to(backend: 'cpu' | 'webgpu'): Promise<Tensor> { return O.toBackend(this, backend); }
}

setTensorCheck((v: unknown): v is Tensor => v instanceof Tensor);
