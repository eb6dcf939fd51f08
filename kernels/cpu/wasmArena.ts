/**
 * The WebAssembly memory the CPU backend's SIMD kernels work in (kernels/cpu/wasmKernels.ts runs them), and
 * an allocator of float32 arrays inside it. WebAssembly reads only its own memory, so a kernel on ordinary
 * typed arrays must copy its inputs in and its outputs out: in the `seed` step that was ~9 MB per step and
 * ~0.4 ms, a third of the kernels' time. The CPU backend therefore takes its float32 arrays from here
 * (arrayPool.ts asks first), and a kernel reads and writes them where they are; arrays from elsewhere (user
 * uploads, a full arena) are copied through the scratch region at the arena's start.
 *
 * The memory has a fixed size and never grows: growing a WebAssembly.Memory detaches its old ArrayBuffer,
 * and the first detached ArrayBuffer in a process makes V8 add a detach check to every typed-array access in
 * optimised JavaScript (the "array buffer detaching" protector; measured: every JavaScript kernel of the
 * `seed` step 1.2–1.4× slower). Its pages are committed by the OS only when first touched, so the reserve
 * costs address space, not memory. Arrays are recycled by length (a training step allocates the same sizes
 * every step) and never returned to a general heap: once the arena is used up, arrays come from the
 * JavaScript heap as before and kernels copy them through scratch.
 */

/** Bytes at the start of the arena for copies of non-arena arrays and kernels' work rows. */
export const SCRATCH_BYTES = 16 * 1024 * 1024;

/** The arena's size: the largest of these that the engine grants (a 32-bit browser may refuse the first). */
const ARENA_SIZES = [512, 128, 32].map((mb) => mb * 1024 * 1024);

/** Smaller arrays stay on the JavaScript heap (as in arrayPool.ts): cheap to copy, not worth a slot. */
export const MIN_ARENA_ELEMENTS = 256;

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
let buffer: ArrayBuffer | null = null;
let f32 = new Float32Array(0), f64 = new Float64Array(0);
/** Next unallocated byte (16-byte aligned) and the arena's end. */
let bump = SCRATCH_BYTES, end = 0;
/** Released arena arrays by length. */
const free = new Map<number, Float32Array[]>();
let freeBytes = 0;

/** The arena's memory, created on first use; null where WebAssembly SIMD or its memory cannot be had. */
export function arenaMemory(): WebAssembly.Memory | null {
  if (memory === undefined) {
    memory = null;
    if (simd()) for (const bytes of ARENA_SIZES) {
      try {
        memory = new WebAssembly.Memory({ initial: bytes / 65536, maximum: bytes / 65536 });
        break;
      } catch {
        // too large for this engine: try the next size
      }
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

/** Float views of the whole arena. */
export const heap = { f32: (): Float32Array => f32, f64: (): Float64Array => f64 };

/** The byte address of `a` in the arena, or −1 when `a` lives elsewhere. */
export function addressOf(a: ArrayBufferView): number {
  return a.buffer === buffer ? a.byteOffset : -1;
}

/** A float32 array of n elements in the arena (zeroed when `zero`), or undefined when the arena is full. */
export function arenaTake(n: number, zero: boolean): Float32Array | undefined {
  const list = free.get(n);
  if (list?.length) {
    const a = list.pop()!;
    freeBytes -= a.byteLength;
    return zero ? a.fill(0) : a;
  }
  const bytes = Math.ceil((4 * n) / 16) * 16;
  if (!arenaMemory() || bump + bytes > end) return undefined;
  const a = new Float32Array(buffer!, bump, n); // never used before: zero
  bump += bytes;
  return a;
}

/** Takes back `a` if it is an arena array (true), for the next `arenaTake` of its length. */
export function arenaRelease(a: ArrayBufferView): boolean {
  if (a.buffer !== buffer || !(a instanceof Float32Array)) return false;
  const list = free.get(a.length);
  if (list) list.push(a);
  else free.set(a.length, [a]);
  freeBytes += a.byteLength;
  return true;
}

/** Bytes of released arena arrays waiting for reuse. */
export function arenaFreeBytes(): number {
  return freeBytes;
}
