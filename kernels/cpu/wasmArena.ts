/**
 * The WebAssembly memory the CPU backend's SIMD kernels work in (kernels/cpu/wasmKernels.ts runs them), and
 * an allocator of float32 arrays inside it. WebAssembly reads only its own memory, so a kernel on ordinary
 * typed arrays must copy its inputs in and its outputs out: in the `seed` step that was ~9 MB per step and
 * ~0.4 ms, a third of the kernels' time. The CPU backend therefore takes its float32 arrays from here
 * (arrayPool.ts asks first; uploads are copied in), and a kernel reads and writes them where they are;
 * arrays from elsewhere (a full arena) are copied through the scratch region at the arena's start.
 *
 * The memory has a fixed size and never grows: growing a WebAssembly.Memory detaches its old ArrayBuffer,
 * and the first detached ArrayBuffer in a process makes V8 add a detach check to every typed-array access in
 * optimised JavaScript (the "array buffer detaching" protector; measured: every JavaScript kernel of the
 * `seed` step 1.2–1.4× slower). Its pages are committed by the OS only when first touched, so the reserve
 * costs address space, not memory.
 *
 * Allocation: a free block of exactly the size (a training step allocates the same sizes every step), else
 * new space at a bump pointer; once that reaches the end, free neighbours are merged (and the bump pointer
 * moved back over free blocks at its end) and the smallest block that fits is split, so shapes that change
 * from step to step (a growing T) reuse the arena instead of falling out of it.
 *
 * Only arrays that become a tensor's storage may come from here: their release is the tensor's (dispose,
 * tidy, or the engine's finalizer for a dropped tensor). An array dropped without being released would hold
 * its block for good, so temporaries and data that an upload copies are allocated with `allocScratch`
 * (engine/dtype.ts), which never asks the pool; test/kernels/cpuArena.test.ts checks that uploads, random draws and
 * training steps leave no arena bytes behind. (A FinalizationRegistry per array would catch strays too, but
 * registering cost step mode ~20 %: tens of thousands of small arrays per step.) When nothing fits, arrays
 * come from the JavaScript heap as before and kernels copy them through scratch: slower, never wrong.
 */

import { defaultThreads } from './threadCount.js';

/** Bytes at the start of the arena for copies of non-arena arrays and kernels' work rows. */
export const SCRATCH_BYTES = 16 * 1024 * 1024;

/**
 * The arena's size: the largest of these that the engine grants (a 32-bit browser may refuse the first).
 * 1 GiB holds the `wide` workload's step (625 MiB at its peak): with 512 MiB its last tensors fell out of the
 * arena and every kernel on them copied them through scratch. Addresses stay below 2³¹, positive as i32.
 */
const ARENA_SIZES = [1024, 512, 128, 32].map((mb) => mb * 1024 * 1024);

let memory: WebAssembly.Memory | null | undefined;
let simdSupported: boolean | undefined;

/** Whether SIMD WebAssembly can be compiled here (checked once, on a module using v128). */
function simd(): boolean {
  if (simdSupported === undefined) {
    try {
      // (func (result v128) v128.const 0): the smallest module that needs SIMD.
      simdSupported = typeof WebAssembly === 'object' && WebAssembly.validate(new Uint8Array([
        0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, ...new Array(16).fill(0), 11,
      ]));
    } catch {
      simdSupported = false;
    }
  }
  return simdSupported;
}
let buffer: ArrayBufferLike | null = null;
let f32 = new Float32Array(0), f64 = new Float64Array(0);
/** Next unallocated byte (16-byte aligned), the arena's end, and the end of memory ever handed out (beyond it: zeros). */
let bump = SCRATCH_BYTES, end = 0, touched = SCRATCH_BYTES;
/**
 * Free blocks (16-byte aligned byte ranges) by size: each as the array that was released there (handed out
 * again as it is when the next request has its length: no new view), or as an offset.
 */
const free = new Map<number, (Float32Array | number)[]>();
let freeBytes = 0;
const offsetOf = (b: Float32Array | number): number => (typeof b === 'number' ? b : b.byteOffset);

/** Bytes an array of n float32 occupies (16-byte aligned, so that SIMD rows start aligned). */
const blockBytes = (n: number): number => Math.ceil((4 * n) / 16) * 16;

function addFree(block: Float32Array | number, bytes: number): void {
  const list = free.get(bytes);
  if (list) list.push(block);
  else free.set(bytes, [block]);
  freeBytes += bytes;
}

/** A free block of exactly `bytes`, or undefined. */
function takeExact(bytes: number): Float32Array | number | undefined {
  const block = free.get(bytes)?.pop();
  if (block !== undefined) freeBytes -= bytes;
  return block;
}

/**
 * Merges adjacent free blocks, moves the bump pointer back over free blocks that end at it, and returns the
 * smallest block of at least `bytes` (split, the rest left free), or undefined. Run only when the bump
 * pointer has reached the end: a training step allocates the same sizes every step and finds exact fits.
 */
function compactAndFit(bytes: number): number | undefined {
  const blocks: [number, number][] = [];
  for (const [size, list] of free) for (const b of list) blocks.push([offsetOf(b), size]);
  blocks.sort((x, y) => x[0] - y[0]);
  free.clear();
  freeBytes = 0;
  const merged: [number, number][] = [];
  for (const [o, size] of blocks) {
    const last = merged[merged.length - 1];
    if (last && last[0] + last[1] === o) last[1] += size;
    else merged.push([o, size]);
  }
  const top = merged[merged.length - 1];
  if (top && top[0] + top[1] === bump) {
    bump = top[0];
    merged.pop();
  }
  let fit: [number, number] | undefined;
  for (const m of merged) if (m[1] >= bytes && (!fit || m[1] < fit[1])) fit = m;
  for (const m of merged) if (m !== fit) addFree(m[0], m[1]);
  if (!fit) return bump + bytes <= end ? (bump += bytes) - bytes : undefined;
  if (fit[1] > bytes) addFree(fit[0] + bytes, fit[1] - bytes);
  return fit[0];
}

/** The arena's memory, created on first use; null where WebAssembly SIMD or its memory cannot be had. */
export function arenaMemory(): WebAssembly.Memory | null {
  if (memory === undefined) {
    memory = null;
    // Shared (a SharedArrayBuffer) where worker threads can run kernels on it: Node (kernels/cpu/threadPool.ts).
    const wantShared = typeof SharedArrayBuffer === 'function' && nodeWorkerThreads() !== undefined && defaultThreads() > 1;
    if (simd()) for (const bytes of ARENA_SIZES) {
      for (const shared of wantShared ? [true, false] : [false]) {
        try {
          memory = new WebAssembly.Memory({ initial: bytes / 65536, maximum: bytes / 65536, shared });
          break;
        } catch {
          // too large for this engine, or no shared memory here: try the next
        }
      }
      if (memory) break;
    }
    if (memory) {
      buffer = memory.buffer;
      end = buffer.byteLength;
      f32 = new Float32Array(buffer);
      f64 = new Float64Array(buffer);
    }
  }
  return memory;
}

/** Node's worker_threads module, or undefined (browsers, or a Node without `process.getBuiltinModule`). */
export function nodeWorkerThreads(): typeof import('node:worker_threads') | undefined {
  const g = globalThis as { process?: { getBuiltinModule?: (m: string) => unknown } };
  try {
    return g.process?.getBuiltinModule?.('node:worker_threads') as typeof import('node:worker_threads') | undefined;
  } catch {
    return undefined;
  }
}

/** Whether the arena's memory is shared (worker threads can run kernels on it). */
export function arenaShared(): boolean {
  return typeof SharedArrayBuffer === 'function' && arenaMemory()?.buffer instanceof SharedArrayBuffer;
}

/** Float views of the whole arena. */
export const heap = { f32: (): Float32Array => f32, f64: (): Float64Array => f64 };

/** The byte address of `a` in the arena, or −1 when `a` lives elsewhere. */
export function addressOf(a: ArrayBufferView): number {
  return a.buffer === buffer ? a.byteOffset : -1;
}

/**
 * A float32 array of n elements in the arena (zeroed when `zero`), or undefined when nothing fits: a free
 * block of exactly its size, else new space at the bump pointer, else (the arena used up) the smallest free
 * block that holds it once free neighbours are merged.
 */
export function arenaTake(n: number, zero: boolean): Float32Array | undefined {
  if (!arenaMemory()) return undefined;
  const bytes = blockBytes(n);
  const exact = takeExact(bytes);
  if (exact instanceof Float32Array && exact.length === n) return zero ? exact.fill(0) : exact; // below `touched`
  let offset = exact === undefined ? undefined : offsetOf(exact);
  if (offset === undefined && bump + bytes <= end) {
    offset = bump;
    bump += bytes;
  }
  offset ??= compactAndFit(bytes);
  if (offset === undefined) return undefined;
  const a = new Float32Array(buffer!, offset, n);
  if (zero && offset < touched) a.fill(0); // beyond `touched` the memory was never handed out: zeros
  touched = Math.max(touched, offset + bytes);
  return a;
}

/** Takes back `a` if it is an arena array (true): its block is free for the next `arenaTake`. */
export function arenaRelease(a: ArrayBufferView): boolean {
  if (a.buffer !== buffer || !(a instanceof Float32Array)) return false;
  addFree(a, blockBytes(a.length));
  return true;
}

/** Bytes of released arena blocks waiting for reuse. */
export function arenaFreeBytes(): number {
  return freeBytes;
}

/** Where the arena stands: bytes handed out at least once (the bump pointer past scratch), and free bytes. */
export function arenaStats(): { usedBytes: number; freeBytes: number; size: number } {
  return { usedBytes: bump - SCRATCH_BYTES, freeBytes, size: end };
}

/**
 * Forgets every array handed out, so the whole arena is free again: for CpuBackend.shutdown(), after which
 * no tensor of the backend may be used (arrays still referenced would share memory with new ones).
 */
export function arenaReset(): void {
  free.clear();
  freeBytes = 0;
  bump = SCRATCH_BYTES;
}
