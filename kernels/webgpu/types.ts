/** What a WebGPU kernel sees of the backend: allocate outputs, dispatch programs. */
import type { TensorInfo } from '../../engine/backend.js';
import type { DType } from '../../engine/dtype.js';
import { SpikegradError } from '../../engine/errors.js';
import type { OutMeta } from '../../engine/ops.js';
import type { ParamValue, Program, StorageType } from './program.js';

export interface DispatchArgs {
  /** Bound in the order of the program's `inputs`, then `outputs`. */
  inputs: readonly TensorInfo[];
  outputs: readonly TensorInfo[];
  params: Readonly<Record<string, ParamValue>>;
  /** For 'main' programs: the number of workgroups (split over x and y when above the per-dimension limit). */
  workgroups?: number;
}

export interface GpuContext {
  /** Fresh storage for one of the op's outputs; the kernel returns it to the engine. */
  output(meta: OutMeta): TensorInfo;
  /** Temporary storage (split-K partials, two-pass reductions), freed when the op's kernel returns. */
  scratch(dtype: DType, shape: readonly number[]): TensorInfo;
  /** Encodes one dispatch into the open command batch. Element programs with params.n = 0 are skipped. */
  dispatch(program: Program, args: DispatchArgs): void;
  /** The device's workgroup-memory budget in bytes (kernels that tile in workgroup memory size by it). */
  readonly maxWorkgroupStorageBytes: number;
  /**
   * The subgroup width when the device has the 'subgroups' feature and one fixed width (lavapipe: its SIMD
   * width, 8 lanes with 256-bit vectors), else null. Kernels that hard-code lane indices need it fixed.
   */
  readonly subgroupSize: number | null;
  /** A software adapter (lavapipe, SwiftShader): invocations are SIMD lanes of CPU threads, not GPU threads. */
  readonly software: boolean;
  /**
   * The nonzeros of `t` seen as a row-major [size / cols, cols] matrix, grouped by row or by column, when `t`
   * is a float32 upload with at most `maxDensity` of its elements nonzero (kernels/webgpu/events.ts); null
   * otherwise. Built once per storage and view.
   */
  events(t: TensorInfo, cols: number, by: 'row' | 'col', maxDensity: number): EventList | null;
}

/** GPU copies of a tensor's grouped nonzeros: group g's events are ptr[g] .. ptr[g+1]-1 of idx and val. */
export interface EventList {
  /** int32 [groups + 1]. */
  readonly ptr: TensorInfo;
  /** int32 [nnz]: the column (grouped by row) or the row (grouped by column) of each event. */
  readonly idx: TensorInfo;
  /** float32 [nnz]. */
  readonly val: TensorInfo;
  readonly nnz: number;
}

/** A WebGPU op kernel: the twin of kernels/cpu/types.ts CpuKernel. */
export type GpuKernel<A> = (gpu: GpuContext, ins: readonly TensorInfo[], attrs: A, outs: readonly OutMeta[]) => TensorInfo[];

/** In-place update kernel (optimizers): overwrites `targets` from `inputs`. */
export type GpuUpdateKernel<A> = (gpu: GpuContext, targets: readonly TensorInfo[], inputs: readonly TensorInfo[], attrs: A) => void;

/** WGSL element type of a dtype's storage. */
export function storageType(dtype: DType): StorageType {
  switch (dtype) {
    case 'float32': return 'f32';
    case 'int32': return 'i32';
    case 'bool': return 'u32';
    case 'float64': throw new SpikegradError('webgpu: float64 is not supported on the WebGPU backend; use float32 or the CPU backend');
  }
}
