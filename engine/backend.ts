import type { DType, TypedArray } from './dtype.js';
import type { NumericsFailure } from './numerics.js';
import type { Recording } from './jitRecord.js';
import type { OpAttrs, OpName, OutMeta } from './ops.js';

/** A backend's handle to the storage of a tensor. Several tensors may share one (reshape is free). */
export type DataId = object;

/** What a kernel sees of an input: storage handle, shape and dtype. */
export interface TensorInfo {
  readonly dataId: DataId;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
}

/** The backends: the typed-array CPU backend and WebGPU (Dawn in Node, `navigator.gpu` in browsers). */
export type BackendName = 'cpu' | 'webgpu';

/** What `getBackend().memory()` reports: bytes and buffers held by live tensors and the peak. */
export interface MemoryInfo {
  /** Bytes held by live tensors (what `tidy`/`dispose` return to baseline). */
  bytesInUse: number;
  /** Live storage objects (buffers on WebGPU, typed arrays on the CPU). */
  liveBuffers: number;
  /** Bytes owned by the backend, pooled ones included. */
  bytesAllocated: number;
  /** The high-water mark of bytesInUse since the last `resetPeak`. */
  peakBytesInUse: number;
}

/** Running totals of a backend (`getBackend().counters()`), e.g. dispatches per training step. */
export interface BackendCounters {
  /** Ops run through the op table. */
  ops: number;
  /** GPU compute dispatches (0 on the CPU backend). */
  dispatches: number;
  /** Command-buffer submissions (0 on the CPU backend). */
  submits: number;
  /** Host↔device readbacks. */
  readbacks: number;
}

/** Kernels that update tensors in place, outside the tape (optimizers). */
export interface UpdateAttrs {
  adam: { lr: number; beta1: number; beta2: number; eps: number; step: number; weightDecay: number; decoupled: boolean };
  sgd: { lr: number; momentum: number; nesterov: boolean; weightDecay: number };
}
export type UpdateName = keyof UpdateAttrs;

/** A compute backend, as `setBackend` and `getBackend` return it: its name and description, memory and counters, `sync()` and the size limits; the kernel-level methods are for spikegrad itself. */
export interface Backend {
  readonly name: BackendName;
  /** One line for humans: adapter or CPU description. */
  readonly description: string;
  readonly supportsFloat64: boolean;
  upload(values: TypedArray, dtype: DType): DataId;
  read(dataId: DataId, dtype: DType, size: number): Promise<TypedArray>;
  /** Synchronous read; only backends whose memory is host memory implement it. */
  readSync?(dataId: DataId, dtype: DType, size: number): TypedArray;
  incRef(dataId: DataId): void;
  /** Optional: whether `dataId` still holds live storage (a transform.jit replay checks captured tensors). */
  isLive?(dataId: DataId): boolean;
  /**
   * Drops one reference. `collected`: the garbage collector found the tensor undisposed (tensor.ts), at a
   * time no program chose; the WebGPU backend then destroys the buffer instead of pooling it, since handing
   * it out again would change which buffers a repeated step gets (and so its cached bind groups).
   */
  release(dataId: DataId, collected?: boolean): void;
  run<K extends OpName>(op: K, inputs: readonly TensorInfo[], attrs: OpAttrs[K], outs: readonly OutMeta[]): DataId[];
  /** In-place update: `targets` are overwritten (parameter, then optimizer slots); `inputs` are read. */
  update<K extends UpdateName>(kernel: K, targets: readonly TensorInfo[], inputs: readonly TensorInfo[], attrs: UpdateAttrs[K]): void;
  /**
   * Optional: runs one call of a `transform.jit` function. `key` is the same object on every call of one
   * jitted function, so the backend may keep what the previous call built (pipelines, bind groups,
   * uniform and scratch buffers, a recorded dispatch plan) and reuse it while the calls do the same work.
   */
  jitScope?<T>(key: object, fn: () => T): T;
  /**
   * Optional: replays a transform.jit recording (engine/jitRecord.ts) in the backend's own way (WebGPU:
   * recorded command lists), instead of the engine running each recorded kernel through `run`/`update`.
   * `key` is the jitted function's; `ext` the current tensors of the recording's external sources; `hosts`
   * this call's host values. Returns the storage of every slot that escapes (one reference per escape's
   * first use), as `replayKernels` does.
   */
  replayRecording?(key: object, rec: Recording, ext: readonly TensorInfo[], hosts: readonly unknown[]): DataId[];
  /** Optional: frees what the backend built to replay `rec` (jit dropped it: new shapes, a freed constant). */
  forgetRecording?(key: object, rec: Recording): void;
  /**
   * Throws a SpikegradError if tensors of these shapes and dtypes cannot be allocated (a limit of the backend
   * or the device), naming `what`, the shape, the bytes and the limit. Called before any allocation: by
   * every op (engine/dispatch.ts), `tensor()` and the random draws.
   */
  checkAlloc(what: string, outs: readonly { readonly shape: readonly number[]; readonly dtype: DType }[]): void;
  /**
   * checkNumerics (engine/numerics.ts): calls `fail` with the first NaN or ±Infinity of `t`, which throws:
   * at once where the backend can read `t` synchronously (CPU), else at its next readback or sync (WebGPU).
   */
  watchFinite?(t: TensorInfo, fail: NumericsFailure): void;
  memory(): MemoryInfo;
  resetPeak(): void;
  readonly counters: BackendCounters;
  /** Waits until every submitted piece of work has finished. */
  sync(): Promise<void>;
  /** Drains the queue and frees the device; the backend is unusable afterwards. */
  shutdown(): Promise<void>;
}
