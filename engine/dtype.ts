import { argError, describeValue } from './errors.js';

/**
 * Element types. float64 exists on the CPU backend only: it is the reference precision of the gradient
 * checks (test/support/gradcheck.ts), never the training precision.
 */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

/** The typed arrays behind the dtypes: Float32Array (float32), Float64Array (float64), Int32Array (int32), Uint8Array (bool). */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/**
 * `v` as a DType, or a SpikegradError naming the function and the argument: at the API boundary, so an
 * unknown dtype ('float16') never reaches a kernel (the CPU's typed-array switch, the WGSL generator).
 */
export function checkDType(fn: string, v: unknown, arg = 'dtype'): DType {
  if (typeof v === 'string' && (DTYPES as readonly string[]).includes(v)) return v as DType;
  throw argError(fn, arg, `a dtype (${DTYPES.map((d) => `'${d}'`).join(', ')})`, describeValue(v));
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/**
 * Where a backend that recycles host arrays hands them back out (kernels/cpu/arrayPool.ts): zeroed, unless
 * `zero` is false (the caller writes every element).
 */
export type ArraySource = (dtype: DType, n: number, zero: boolean) => TypedArray | undefined;
let recycled: ArraySource | null = null;
/** Installs `take` as the source of recycled arrays; returns the previous one. */
export function setArraySource(take: ArraySource | null): ArraySource | null {
  const prev = recycled;
  recycled = take;
  return prev;
}

function fresh(dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(n);
    case 'float64': return new Float64Array(n);
    case 'int32': return new Int32Array(n);
    case 'bool': return new Uint8Array(n);
  }
}

/**
 * A zero-filled array of `n` elements that no tensor will own (a temporary, or data a backend's upload copies):
 * always fresh, never from the pool, so that dropping it returns nothing the pool would have to wait for.
 */
export function allocScratch(dtype: DType, n: number): TypedArray {
  return fresh(dtype, n);
}

/** A zero-filled array of `n` elements of `dtype` (a recycled one when a pool has one of that size). */
export function allocArray(dtype: DType, n: number): TypedArray {
  return recycled?.(dtype, n, true) ?? fresh(dtype, n);
}

/**
 * An array of `n` elements of `dtype` whose contents are unspecified: for kernels that write every element
 * of their output. A recycled array is handed out as it is, which saves zero-filling it (a full extra pass
 * over memory per [T, B, n] output).
 */
export function allocOutput(dtype: DType, n: number): TypedArray {
  return recycled?.(dtype, n, false) ?? fresh(dtype, n);
}

/** Converts any array-like of numbers to the storage array of `dtype` (copying). */
export function toTypedArray(values: ArrayLike<number> | ArrayLike<boolean>, dtype: DType): TypedArray {
  const out = allocScratch(dtype, values.length); // the backend's upload copies it
  if (dtype === 'bool') {
    for (let i = 0; i < values.length; i++) out[i] = values[i] ? 1 : 0;
  } else if (dtype === 'int32') {
    for (let i = 0; i < values.length; i++) out[i] = Math.trunc(Number(values[i]));
  } else {
    for (let i = 0; i < values.length; i++) out[i] = Number(values[i]);
  }
  return out;
}

export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'bool';
}

/** Bytes per element as stored on a backend. WebGPU stores bool as u32 (WGSL has no 8-bit storage type). */
export function bytesPerElement(dtype: DType): number {
  return dtype === 'float64' ? 8 : dtype === 'bool' ? 1 : 4;
}

const identity = (v: number): number => v;

/**
 * The rounding of one arithmetic result to the precision of `dtype`: Math.fround for float32 (a float32
 * operation is the float64 one rounded once, kernels/cpu/f32.ts), nothing for float64. The one helper every
 * CPU kernel and layer constant uses, so that all of them round the same way.
 */
export function rounderFor(dtype: DType | string): (v: number) => number {
  return dtype === 'float32' ? Math.fround : identity;
}
