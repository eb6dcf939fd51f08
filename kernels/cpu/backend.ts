/**
 * The CPU reference backend: typed arrays in host memory, synchronous kernels. It is the fallback when no
 * GPU is present and the reference every WebGPU kernel is tested against (in float64 for gradient checks).
 */
import type { Backend, BackendCounters, DataId, MemoryInfo, TensorInfo, UpdateAttrs, UpdateName } from '../../engine/backend.js';
import { allocOutput, bytesPerElement, dtypeOfArray, setArraySource, type DType, type TypedArray } from '../../engine/dtype.js';
import { SpikegradError, fmtShape } from '../../engine/errors.js';
import type { NumericsFailure } from '../../engine/numerics.js';
import type { OpAttrs, OpName, OutMeta } from '../../engine/ops.js';
import { forgetSparseView } from '../matmul/cpuSparse.js';
import { ArrayPool } from './arrayPool.js';
import { CPU_KERNELS, CPU_UPDATES } from './registry.js';
import type { CpuInput, CpuKernel, CpuUpdateKernel } from './types.js';
import { poolThreads, shutdownPool } from './threadPool.js';
import { arenaReset } from './wasmArena.js';

/** The largest typed array the JavaScript engine gives (Node 20: 2³² elements of a Uint8Array). */
const ENGINE_MAX_BYTES = 2 ** 32;

/**
 * Default bound on the bytes all tensors of the backend hold together: 3/4 of the machine's memory where
 * Node says how much there is, else (browsers) 3/4 of `navigator.deviceMemory` GB, else 4 GiB. Past it, an
 * allocation is refused with a message instead of swapping the machine or failing deep in a kernel.
 */
function defaultMaxBytesInUse(): number {
  const g = globalThis as { process?: { getBuiltinModule?: (m: string) => unknown }; navigator?: { deviceMemory?: number } };
  try {
    const os = g.process?.getBuiltinModule?.('node:os') as { totalmem(): number } | undefined;
    if (os) return Math.floor(0.75 * os.totalmem());
  } catch { /* not Node */ }
  const gb = g.navigator?.deviceMemory;
  return typeof gb === 'number' && gb > 0 ? Math.floor(0.75 * gb * 2 ** 30) : 4 * 2 ** 30;
}

const aDtype = (d: DType): string => `${d.startsWith('i') ? 'an' : 'a'} ${d}`;
const fmtBytes = (b: number): string => `${b.toLocaleString('en-US')} bytes${b >= 2 ** 30 ? ` (${(b / 2 ** 30).toFixed(1)} GiB)` : ''}`;

interface CpuStorage {
  data: TypedArray;
  refs: number;
}

export class CpuBackend implements Backend {
  readonly name = 'cpu' as const;
  /** Large products run on `threadPool.threads` threads (threadPool.ts); the rest on the calling thread. */
  get description(): string {
    const n = poolThreads();
    return `CPU (WebAssembly SIMD and JavaScript typed arrays, ${n > 1 ? `large products on ${n} threads` : 'single-threaded'})`;
  }
  readonly supportsFloat64 = true;
  readonly counters: BackendCounters = { ops: 0, dispatches: 0, submits: 0, readbacks: 0 };
  #bytesInUse = 0;
  #peak = 0;
  #live = 0;
  /** Released large arrays, handed back out by `allocArray` (arrayPool.ts). */
  readonly #pool = new ArrayPool();
  /** Largest tensor, in bytes (the engine's typed-array limit by default; lower it to fail earlier). */
  maxTensorBytes = ENGINE_MAX_BYTES;
  /** Bound on the bytes all live tensors hold together (3/4 of the machine's memory by default). */
  maxBytesInUse = defaultMaxBytesInUse();

  constructor() {
    setArraySource((dtype, n, zero) => this.#pool.take(dtype, n, zero));
  }

  #wrap(data: TypedArray): CpuStorage {
    this.#bytesInUse += data.byteLength;
    this.#live++;
    if (this.#bytesInUse > this.#peak) this.#peak = this.#bytesInUse;
    return { data, refs: 1 };
  }

  #storage(id: DataId): CpuStorage {
    return id as CpuStorage;
  }

  #input(t: TensorInfo): CpuInput {
    const s = this.#storage(t.dataId);
    if (s.refs <= 0) throw new SpikegradError('cpu backend: a tensor\'s storage was used after it was freed');
    return { data: s.data, shape: t.shape, dtype: t.dtype, size: t.size };
  }

  upload(values: TypedArray, _dtype: DType): DataId {
    // Through the pool, so float32 data lands in the WebAssembly arena (wasmArena.ts) where kernels read it.
    const data = allocOutput(dtypeOfArray(values), values.length);
    data.set(values);
    return this.#wrap(data);
  }

  async read(id: DataId, dtype: DType, size: number): Promise<TypedArray> {
    return this.readSync(id, dtype, size);
  }

  readSync(id: DataId, _dtype: DType, _size: number): TypedArray {
    this.counters.readbacks++;
    return this.#storage(id).data.slice();
  }

  incRef(id: DataId): void {
    this.#storage(id).refs++;
  }

  isLive(id: DataId): boolean {
    return this.#storage(id).refs > 0;
  }

  release(id: DataId): void {
    const s = this.#storage(id);
    if (s.refs <= 0) return;
    if (--s.refs === 0) {
      this.#bytesInUse -= s.data.byteLength;
      this.#live--;
      this.#pool.put(dtypeOfArray(s.data), s.data);
    }
  }

  run<K extends OpName>(op: K, inputs: readonly TensorInfo[], attrs: OpAttrs[K], outs: readonly OutMeta[]): DataId[] {
    const kernel = (CPU_KERNELS as unknown as Record<string, CpuKernel<OpAttrs[K]>>)[op];
    if (!kernel) throw new SpikegradError(`cpu backend: no kernel for op '${op}'`);
    const results = kernel(inputs.map((t) => this.#input(t)), attrs, outs);
    return results.map((d) => this.#wrap(d));
  }

  update<K extends UpdateName>(kernel: K, targets: readonly TensorInfo[], inputs: readonly TensorInfo[], attrs: UpdateAttrs[K]): void {
    const tgt = targets.map((t) => this.#input(t));
    (CPU_UPDATES[kernel] as CpuUpdateKernel<UpdateAttrs[K]>)(tgt, inputs.map((t) => this.#input(t)), attrs);
    // Kernels may cache derived views of an input's storage (the sparse view of a matmul operand), which is
    // valid only because tensors are immutable; an in-place update breaks that, so the views are dropped.
    for (const t of tgt) forgetSparseView(t.data);
  }

  checkAlloc(what: string, outs: readonly { readonly shape: readonly number[]; readonly dtype: DType }[]): void {
    let total = 0;
    for (const o of outs) {
      let n = 1;
      for (const d of o.shape) n *= d;
      const bytes = n * bytesPerElement(o.dtype);
      if (bytes > this.maxTensorBytes) {
        throw new SpikegradError(`${what}: ${aDtype(o.dtype)} tensor ${fmtShape(o.shape)} needs ${fmtBytes(bytes)}, more than the cpu backend allows for one tensor (${fmtBytes(this.maxTensorBytes)}, backend.maxTensorBytes)`);
      }
      total += bytes;
    }
    if (this.#bytesInUse + total > this.maxBytesInUse) {
      const o = outs[0]!;
      throw new SpikegradError(`${what}: ${aDtype(o.dtype)} tensor ${fmtShape(o.shape)}${outs.length > 1 ? ` and ${outs.length - 1} more` : ''} needs ${fmtBytes(total)}, but the cpu backend already holds ${fmtBytes(this.#bytesInUse)} and its limit is ${fmtBytes(this.maxBytesInUse)} (backend.maxBytesInUse: 3/4 of this machine's memory by default)`);
    }
  }

  /** checkNumerics: scans `t` now and fails on its first NaN or ±Infinity. */
  watchFinite(t: TensorInfo, fail: NumericsFailure): void {
    const a = this.#storage(t.dataId).data;
    for (let i = 0; i < t.size; i++) {
      const v = a[i]!;
      if (v - v !== 0) fail(v !== v ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity', i); // NaN and ±Inf only
    }
  }

  memory(): MemoryInfo {
    return { bytesInUse: this.#bytesInUse, liveBuffers: this.#live, bytesAllocated: this.#bytesInUse + this.#pool.bytes, peakBytesInUse: this.#peak };
  }

  resetPeak(): void {
    this.#peak = this.#bytesInUse;
  }

  async sync(): Promise<void> {}

  async shutdown(): Promise<void> {
    this.#pool.clear();
    arenaReset(); // every tensor of this backend is unusable from here on: the arena starts over
    shutdownPool(); // the worker threads end (the next large product starts them again)
  }
}

