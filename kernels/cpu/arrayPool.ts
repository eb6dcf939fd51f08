/**
 * Recycles the CPU backend's large host arrays. A training step allocates the same set of big arrays every
 * step ([T, B, n] sequences of ~1 MB); allocating each anew costs a zero-filled allocation plus the garbage
 * collector's time to reclaim it, measured at ~13% of a tutorial train step. Arrays whose storage was
 * released are kept here by (dtype, length) and handed back to the next `allocArray` of that size, zeroed
 * (or to the next `allocOutput`, as they are: that kernel writes every element).
 *
 * Only arrays no tensor references any more come here (the backend's reference count reached 0), and every
 * view derived from one (the matmul's sparse view) is dropped first. float32 arrays of the WebAssembly
 * arena (wasmArena.ts) go back to the arena, whatever the pool holds: their memory serves nothing else.
 */
import type { DType, TypedArray } from '../../engine/dtype.js';
import { forgetSparseView } from '../matmul/cpuSparse.js';
import { arenaFreeBytes, arenaRelease, arenaTake } from './wasmArena.js';

/** Smaller arrays are cheap to allocate (on the JS heap up to 64 bytes) and not worth a lookup. */
export const MIN_POOLED_ELEMENTS = 256;
/** A bound on the memory the pool keeps alive (beyond it, released arrays go to the garbage collector). */
export const MAX_POOLED_BYTES = 128 * 1024 * 1024;

export class ArrayPool {
  readonly #free = new Map<string, TypedArray[]>();
  #bytes = 0;

  /**
   * Bytes held by the pool (allocated, not in use), the arena's released blocks included (the arena is one
   * per thread, shared by its CPU backends; normally there is one).
   */
  get bytes(): number {
    return this.#bytes + arenaFreeBytes();
  }

  put(dtype: DType, a: TypedArray): void {
    if (a.length < MIN_POOLED_ELEMENTS) return;
    forgetSparseView(a);
    if (arenaRelease(a)) return;
    if (this.#bytes + a.byteLength > MAX_POOLED_BYTES) return;
    const key = `${dtype}:${a.length}`;
    const list = this.#free.get(key);
    if (list) list.push(a);
    else this.#free.set(key, [a]);
    this.#bytes += a.byteLength;
  }

  /**
   * A released array of that size, zeroed when `zero` (else with its old contents), or undefined. float32
   * arrays come from the WebAssembly arena while it has room (its SIMD kernels then work on them in place).
   */
  take(dtype: DType, n: number, zero = true): TypedArray | undefined {
    if (n < MIN_POOLED_ELEMENTS) return undefined;
    if (dtype === 'float32') {
      const a = arenaTake(n, zero);
      if (a) return a;
    }
    const a = this.#free.get(`${dtype}:${n}`)?.pop();
    if (!a) return undefined;
    this.#bytes -= a.byteLength;
    return zero ? a.fill(0) : a;
  }

  clear(): void {
    this.#free.clear();
    this.#bytes = 0;
  }
}
