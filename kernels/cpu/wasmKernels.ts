/**
 * WebAssembly SIMD kernels for the CPU backend's float32 sequence loops (the fused neuron and synapse ops).
 * Why: those loops are bound by instruction count, not memory. In JavaScript every float32 result is a
 * float64 operation plus two conversions (Math.fround), and V8 re-checks each typed array (map, length,
 * base pointer) on every access; the LIF forward of the `seed` step ran ~35 instructions per element, 4.3 ns.
 * WebAssembly has float32 arithmetic and four-lane vectors and checks nothing per access, so the same
 * arithmetic in the same order (hence the same bits) runs several times faster (bench/RESULTS.md).
 *
 * Kernels read and write arrays where they are when those live in the arena (wasmArena.ts: the CPU
 * backend's float32 arrays do); other arrays are copied through the arena's scratch region, the neuron axis
 * in column blocks that fit it. A kernel gets, per array, a byte address and a row stride.
 *
 * Availability: every kernel here has a JavaScript twin computing the same bits, used where WebAssembly,
 * its SIMD or run-time compilation is unavailable (a strict Content-Security-Policy forbids both eval and
 * WebAssembly compilation: `codegen.enabled` off turns these off too), and when tests switch
 * `wasmKernels.enabled` off to compare the two.
 */
import { codegen } from '../../surrogate/compileJs.js';
import { addressOf, arenaMemory, arenaShared, heap, SCRATCH_BYTES } from './wasmArena.js';
import { add, f32s, f64s, get, i32, ltU, moduleBytes, select, set, shl, sub, type Code, type Locals, type ValType } from './wasmEncode.js';
import { parallelFor, poolThreads } from './threadPool.js';
import { wasmKernels } from '../flags.js';


/** Whether the WebAssembly kernels run (else their JavaScript twins do). */
export function wasmEnabled(): boolean {
  return wasmKernels.enabled && codegen.enabled && arenaMemory() !== null;
}

type Run = (...args: number[]) => void;
const instances = new Map<string, Run | null>();
/** The compiled module of each kernel, for the worker threads (threadPool.ts) to instantiate on the same memory. */
const modules = new Map<string, WebAssembly.Module>();

/** The compiled module of the kernel under `key` (after `wasmKernel` compiled it). */
export function wasmModule(key: string): WebAssembly.Module | undefined {
  return modules.get(key);
}

/**
 * The kernel under `key`, compiled on first use from `build()` (its parameters, locals and body), or null
 * where WebAssembly compilation fails (then the caller runs the JavaScript twin).
 */
export function wasmKernel(key: string, build: () => { params: readonly ValType[]; locals: Locals; body: Code }): Run | null {
  let run = instances.get(key);
  if (run === undefined) {
    // A generator bug throws here, loudly; only the engine's refusal below falls back to JavaScript.
    const { params, locals, body } = build();
    const bytes = moduleBytes(params, locals, body, arenaShared());
    if (!WebAssembly.validate(bytes)) throw new Error(`spikegrad internal error: the WebAssembly kernel '${key}' does not validate`);
    try {
      const module = new WebAssembly.Module(bytes);
      run = new WebAssembly.Instance(module, { env: { memory: arenaMemory()! } }).exports.run as Run;
      modules.set(key, module);
    } catch {
      run = null; // e.g. a Content-Security-Policy without 'wasm-unsafe-eval', or a main thread refusing synchronous compilation
    }
    instances.set(key, run);
  }
  return run;
}

/** An array a kernel reads (`in`) or writes (`out`): `rows` rows of the kernel's N columns. */
export interface KernelArray {
  data: Float32Array;
  rows: number;
  out?: boolean;
}

/** Where a kernel finds one array in a column block: byte address of the block's first column, row stride. */
export interface Bound {
  at: number;
  stride: number;
}

/** Work rows a kernel needs per column block (in scratch, zeroed): float32 rows and float64 rows. */
export interface WorkRows {
  f32: number;
  f64: number;
}

/**
 * Runs a column-ranged kernel (see `rangedPrologue`) over blocks of the N columns with every array bound
 * (arena arrays in place, the others copied into scratch and, for outputs, back), plus zeroed work rows of
 * the block's width W and the float constants `consts` (as float64, in scratch). `args` gives the kernel's
 * integer parameters for a block; the kernel is called as run(...args, consts address, thread, lo, hi) with
 * [lo, hi) a range of groups of 4 columns, on every thread of the pool (threadPool.ts) when the sweep is
 * large enough: columns are independent over time, so each thread sweeps all T for its own columns and the
 * bits do not depend on the split. Returns false, having run nothing, when even a block of 4 columns would
 * not fit the scratch region.
 */
export function runColumns(key: string, run: Run, N: number, arrays: readonly KernelArray[], work: WorkRows, consts: readonly number[],
  args: (bound: Bound[], W: number, f32Rows: number[], f64Rows: number[]) => number[]): boolean {
  const addr = arrays.map((a) => addressOf(a.data));
  const perColumn = 4 * work.f32 + 8 * work.f64 + arrays.reduce((s, a, i) => s + (addr[i]! < 0 ? 4 * a.rows : 0), 0);
  // Each scratch region starts 16-byte aligned: up to 12 bytes of padding each; the constants come first.
  const constBytes = Math.ceil((8 * consts.length) / 16) * 16;
  const fixed = constBytes + 16 * (work.f32 + work.f64 + arrays.length);
  let W = Math.floor((Math.min(wasmKernels.scratchBytes, SCRATCH_BYTES) - fixed) / perColumn);
  if (W < N) W = Math.floor(W / 4) * 4;
  if (W < Math.min(4, N)) return false;
  const elements = N * arrays.reduce((m, a) => Math.max(m, a.rows), 0);
  const threads = elements >= sequenceParallel.minElements ? poolThreads() : 1;
  const f32 = heap.f32(), f64 = heap.f64();
  for (let c0 = 0; c0 < N; c0 += W) {
    const w = Math.min(W, N - c0);
    let s = constBytes;
    const take = (bytes: number) => {
      const at = s;
      s += Math.ceil(bytes / 16) * 16;
      return at;
    };
    const f64Rows = Array.from({ length: work.f64 }, () => take(8 * w));
    const f32Rows = Array.from({ length: work.f32 }, () => take(4 * w));
    f64.fill(0, constBytes / 8, s / 8);
    f64.set(consts, 0);
    const bound = arrays.map((a, i): Bound => {
      if (addr[i]! >= 0) return { at: addr[i]! + 4 * c0, stride: 4 * N };
      const at = take(4 * a.rows * w);
      if (!a.out) copyBlockIn(f32, at / 4, a.data, a.rows, N, c0, w);
      return { at, stride: 4 * w };
    });
    parallelFor(key, run, [...args(bound, w, f32Rows, f64Rows), 0], Math.ceil(w / 4), threads);
    arrays.forEach((a, i) => {
      if (a.out && addr[i]! < 0) copyBlockOut(f32, bound[i]!.at / 4, a.data, a.rows, N, c0, w);
    });
  }
  return true;
}

/**
 * `minElements`: the size (rows × columns of a kernel's largest array) from which a sequence kernel runs on
 * every thread. Waking the workers costs some microseconds, and on a busy machine a descheduled worker
 * holds the job up to a time slice: measured (bench/RESULTS.md), the `seed` step's sweeps of [200, 1024]
 * (2·10⁵ elements, ~0.2 ms each) were slower on 2 threads, the `wide` step's [200, 131072] faster. Tests
 * lower it to run small shapes on the pool.
 */
export const sequenceParallel = { minElements: 1 << 20 };

/**
 * The start of a column-ranged kernel's body. Its parameters end with (consts, thread, lo, hi): `consts` the
 * byte address of its float constants (float64, in order; `constTypes` says which are float32 locals), and
 * [lo, hi) the groups of 4 columns this call sweeps. The prologue moves every column pointer (`f32Ptrs`:
 * float32 rows, `f64Ptrs`: float64 work rows) to column 4·lo, narrows the width W to the range, and loads the
 * constants into new locals (returned, in order). Constants travel through memory because the pool passes
 * integer arguments only.
 */
export function rangedPrologue(L: Locals, at: { f32Ptrs: number[]; f64Ptrs: number[]; W: number; consts: number; lo: number; hi: number },
  constTypes: readonly ('f32' | 'f64')[]): { code: Code; consts: number[] } {
  const cols = L.local('i32');
  const code: Code[] = [
    set(cols, shl(get(at.hi), i32(2))),
    set(at.W, sub(select(ltU(get(cols), get(at.W)), get(cols), get(at.W)), shl(get(at.lo), i32(2)))),
    ...at.f32Ptrs.map((p) => set(p, add(get(p), shl(get(at.lo), i32(4))))),
    ...at.f64Ptrs.map((p) => set(p, add(get(p), shl(get(at.lo), i32(5))))),
  ];
  const consts = constTypes.map((type, i) => {
    const l = L.local(type);
    const v = f64s.load(get(at.consts), 8 * i);
    code.push(set(l, type === 'f32' ? f32s.demote(v) : v));
    return l;
  });
  return { code: code.flat(), consts };
}

/** A stretch of a float32 array a kernel reads (or, `out`, writes): elements [off, off + len). */
export interface RangeArg {
  data: Float32Array;
  off: number;
  len: number;
  out?: boolean;
}

/**
 * Runs `call` with the byte address of every range (arena arrays in place, the others copied into scratch
 * and, for outputs, back) and of a scratch copy of every `consts` array (small operands, as float64).
 * Returns false, having run nothing, when they do not fit the scratch region.
 */
export function runRanges(ranges: readonly RangeArg[], consts: readonly ArrayLike<number>[], call: (at: number[], constAt: number[]) => void): boolean {
  const limit = Math.min(wasmKernels.scratchBytes, SCRATCH_BYTES);
  let s = 0;
  const take = (bytes: number) => {
    const at = s;
    s += Math.ceil(bytes / 16) * 16;
    return at;
  };
  const constAt = consts.map((c) => take(8 * c.length));
  const at = ranges.map((r) => {
    const a = addressOf(r.data);
    return a >= 0 ? a + 4 * r.off : -1 - take(4 * r.len);
  });
  if (s > limit) return false;
  const f32 = heap.f32(), f64 = heap.f64();
  consts.forEach((c, i) => f64.set(c, constAt[i]! / 8));
  const addr = at.map((a, i) => {
    if (a >= 0) return a;
    const r = ranges[i]!, b = -1 - a;
    if (!r.out) f32.set(r.data.subarray(r.off, r.off + r.len), b / 4);
    return b;
  });
  call(addr, constAt);
  ranges.forEach((r, i) => {
    if (r.out && at[i]! < 0) r.data.set(f32.subarray(addr[i]! / 4, addr[i]! / 4 + r.len), r.off);
  });
  return true;
}

/** Rows [0, rows) of columns [c0, c0 + w) of `src` (rows of N) into `view` from element `at`, rows w apart. */
function copyBlockIn(view: Float32Array, at: number, src: Float32Array, rows: number, N: number, c0: number, w: number): void {
  if (w === N) {
    view.set(src.subarray(0, rows * N), at);
    return;
  }
  for (let t = 0; t < rows; t++) view.set(src.subarray(t * N + c0, t * N + c0 + w), at + t * w);
}

function copyBlockOut(view: Float32Array, at: number, dst: Float32Array, rows: number, N: number, c0: number, w: number): void {
  if (w === N) {
    dst.set(view.subarray(at, at + rows * N));
    return;
  }
  for (let t = 0; t < rows; t++) dst.set(view.subarray(at + t * w, at + t * w + w), t * N + c0);
}

/** Whether every value is a float32 number (the kernels compute in float32 with these as constants). */
export function allFloat32(...vs: number[]): boolean {
  return vs.every((v) => Math.fround(v) === v);
}
