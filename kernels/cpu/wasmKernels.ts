/**
 * WebAssembly SIMD kernels for the CPU backend's float32 sequence loops (the fused neuron and synapse ops).
 * Why: those loops are bound by instruction count, not memory. In JavaScript every float32 result is a
 * float64 operation plus two conversions (Math.fround), and V8 re-checks each typed array (map, length,
 * base pointer) on every access; the LIF forward of the `seed` step ran ~35 instructions per element, 4.3 ns.
 * WebAssembly has float32 arithmetic and four-lane vectors (f32x4) and checks nothing per access, so the
 * same arithmetic in the same order (hence the same bits) runs several times faster (bench/RESULTS.md).
 *
 * A kernel works in one shared WebAssembly.Memory (the arena): its inputs are copied in, it runs, its outputs
 * are copied out (memcpy, ~0.03 ns per byte here, small beside the arithmetic). The neuron axis is processed
 * in column blocks small enough to keep the arena bounded, each row padded to whole vectors of four.
 *
 * Availability: every kernel here has a JavaScript twin computing the same bits, used where WebAssembly,
 * its SIMD or run-time compilation is unavailable (a strict Content-Security-Policy forbids both eval and
 * WebAssembly compilation: `codegen.enabled` off turns these off too), and when tests switch
 * `wasmKernels.enabled` off to compare the two.
 */
import type { TypedArray } from '../../engine/dtype.js';
import { codegen } from '../../surrogate/compileJs.js';
import { moduleBytes, type Code, type Locals, type ValType } from './wasmEncode.js';

/** Tests switch the WebAssembly kernels off to run their JavaScript twins on the same inputs. */
export const wasmKernels = { enabled: true };

/**
 * The arena's size, fixed: growing a WebAssembly.Memory detaches its old ArrayBuffer, and the first detached
 * ArrayBuffer in a process makes V8 add a detach check to every typed-array access of optimised JavaScript
 * (the "array buffer detaching" protector): measured, every JavaScript kernel of the `seed` step 1.2–1.4×
 * slower. So the arena never grows; column blocks are sized to fit it, and a kernel whose smallest block
 * (4 columns) would not fit runs its JavaScript twin. The pages are committed only as they are touched.
 */
export const ARENA_BYTES = 16 * 1024 * 1024;

let memory: WebAssembly.Memory | null = null;
let f32View = new Float32Array(0), f64View = new Float64Array(0);
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

/** Whether the WebAssembly kernels run (else their JavaScript twins do). */
export function wasmEnabled(): boolean {
  return wasmKernels.enabled && codegen.enabled && simd();
}

function arena(): WebAssembly.Memory {
  if (!memory) {
    memory = new WebAssembly.Memory({ initial: ARENA_BYTES / 65536, maximum: ARENA_BYTES / 65536 });
    f32View = new Float32Array(memory.buffer);
    f64View = new Float64Array(memory.buffer);
  }
  return memory;
}

/** Float views of the arena. */
export const heap = { f32: (): Float32Array => f32View, f64: (): Float64Array => f64View };

type Run = (...args: number[]) => void;
const instances = new Map<string, Run | null>();

/**
 * The kernel under `key`, compiled on first use from `build()` (its parameters, locals and body), or null
 * where WebAssembly compilation fails (then the caller runs the JavaScript twin). The module imports the
 * arena.
 */
export function wasmKernel(key: string, build: () => { params: readonly ValType[]; locals: Locals; body: Code }): Run | null {
  let run = instances.get(key);
  if (run === undefined) {
    try {
      const { params, locals, body } = build();
      const instance = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes(params, locals, body)), { env: { memory: arena() } });
      run = instance.exports.run as Run;
    } catch {
      run = null; // e.g. a browser's main thread refusing synchronous compilation
    }
    instances.set(key, run);
  }
  return run;
}

/** A block of columns [c0, c0 + w) of an [rows, N] array, laid out in the arena with rows `stride` apart. */
export interface ColumnBlock {
  c0: number;
  w: number;
  /** w rounded up to whole vectors of four: the row stride in elements. */
  stride: number;
}

/**
 * Column blocks of N columns, each holding `bytesPerColumn` × its stride bytes within the arena, or null
 * when even 4 columns would not fit (the caller then runs its JavaScript twin).
 */
export function columnBlocks(N: number, bytesPerColumn: number): ColumnBlock[] | null {
  const fit = Math.floor(ARENA_BYTES / bytesPerColumn / 4) * 4;
  if (fit < 4) return null;
  const blocks: ColumnBlock[] = [];
  for (let c0 = 0; c0 < N; c0 += fit) {
    const w = Math.min(fit, N - c0);
    blocks.push({ c0, w, stride: Math.ceil(w / 4) * 4 });
  }
  return blocks;
}

/**
 * Copies rows [0, rows) of the block's columns from `src` (row length N) into the arena at element index
 * `at` of the float32 or float64 view, zeroing the pad lanes (stale values there could be subnormals, which
 * cost x86 vector units a microcode assist each).
 */
export function copyIn(view: Float32Array | Float64Array, at: number, src: TypedArray, rows: number, N: number, b: ColumnBlock): void {
  if (b.w === N && b.stride === N) {
    view.set(src.subarray(0, rows * N), at);
    return;
  }
  for (let t = 0; t < rows; t++) {
    const o = at + t * b.stride;
    view.set(src.subarray(t * N + b.c0, t * N + b.c0 + b.w), o);
    if (b.stride > b.w) view.fill(0, o + b.w, o + b.stride);
  }
}

/** Copies rows [0, rows) of the block back out of the arena into `dst` (row length N). */
export function copyOut(view: Float32Array | Float64Array, at: number, dst: TypedArray, rows: number, N: number, b: ColumnBlock): void {
  if (b.w === N && b.stride === N) {
    dst.set(view.subarray(at, at + rows * N));
    return;
  }
  for (let t = 0; t < rows; t++) dst.set(view.subarray(at + t * b.stride, at + t * b.stride + b.w), t * N + b.c0);
}

/** Whether every value is a float32 number (the kernels compute in float32 with these as constants). */
export function allFloat32(...vs: number[]): boolean {
  return vs.every((v) => Math.fround(v) === v);
}
