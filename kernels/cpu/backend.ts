/**
 * The CPU reference backend: typed arrays in host memory, synchronous kernels. It is the fallback when no
 * GPU is present and the reference every WebGPU kernel is tested against (in float64 for gradient checks).
 */
import type { Backend, BackendCounters, DataId, MemoryInfo, TensorInfo, UpdateAttrs, UpdateName } from '../../engine/backend.js';
import { allocOutput, dtypeOfArray, setArraySource, type DType, type TypedArray } from '../../engine/dtype.js';
import { SpikegradError } from '../../engine/errors.js';
import type { OpAttrs, OpName, OutMeta } from '../../engine/ops.js';
import { forgetSparseView } from '../matmul/cpuSparse.js';
import { ArrayPool } from './arrayPool.js';
import { CPU_KERNELS, CPU_UPDATES } from './registry.js';
import type { CpuInput, CpuKernel, CpuUpdateKernel } from './types.js';
import { arenaReset } from './wasmArena.js';

interface CpuStorage {
  data: TypedArray;
  refs: number;
}

export class CpuBackend implements Backend {
  readonly name = 'cpu' as const;
  readonly description = `CPU (JavaScript typed arrays, ${typeof navigator !== 'undefined' && navigator.hardwareConcurrency ? `${navigator.hardwareConcurrency} logical cores available, 1 used` : 'single-threaded'})`;
  readonly supportsFloat64 = true;
  readonly counters: BackendCounters = { ops: 0, dispatches: 0, submits: 0, readbacks: 0 };
  #bytesInUse = 0;
  #peak = 0;
  #live = 0;
  /** Released large arrays, handed back out by `allocArray` (arrayPool.ts). */
  readonly #pool = new ArrayPool();

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
  }
}

