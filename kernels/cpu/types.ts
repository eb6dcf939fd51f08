import type { DType, TypedArray } from '../../engine/dtype.js';
import type { OutMeta } from '../../engine/ops.js';

/** What a CPU kernel receives per input: the storage array itself plus shape and dtype. */
export interface CpuInput {
  readonly data: TypedArray;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
}

/** A CPU kernel returns freshly allocated output arrays (one per output). */
export type CpuKernel<A> = (ins: readonly CpuInput[], attrs: A, outs: readonly OutMeta[]) => TypedArray[];

/** In-place update kernel: overwrites `targets` (parameter, optimizer slots) from `inputs`. */
export type CpuUpdateKernel<A> = (targets: readonly CpuInput[], inputs: readonly CpuInput[], attrs: A) => void;
