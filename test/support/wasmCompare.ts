/**
 * Comparing the CPU backend's WebAssembly kernels with their JavaScript twins, bit for bit (the kernel tests
 * of test/kernels: cpuWasmKernels, cpuSequenceThreads, neuronWasm).
 */
import { expect } from 'vitest';
import { arenaRelease, arenaTake } from '../../kernels/cpu/wasmArena.js';
import { wasmKernels } from '../../kernels/flags.js';

/** The first index where a and b differ as values (NaN equal to NaN, −0 not equal to +0), −1 if none. */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/** Asserts that every array of `got` equals the one of `want` at its position, bit for bit. */
export function expectSame(got: ArrayLike<number>[], want: ArrayLike<number>[], what = ''): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(firstDifference(g, want[i]!), `${what ? `${what}, ` : ''}output ${i}`).toBe(-1));
}

/** `run` with the WebAssembly kernels off (their JavaScript twins run); copies of its outputs. */
export function jsOnly(run: () => ArrayLike<number>[]): Float32Array[] {
  wasmKernels.enabled = false;
  try {
    return run().map((o) => Float32Array.from(o));
  } finally {
    wasmKernels.enabled = true;
  }
}

/** Where a case's arrays live: in the arena (kernels read and write them in place), or not (copied through scratch, in one or more column blocks). */
export type Placement = 'arena' | 'heap' | 'blocks';
const taken: Float32Array[] = [];

/** A copy of `a` where `p` puts it (an arena copy is given back by `releasePlaced`). */
export function place(a: Float32Array, p: Placement): Float32Array {
  if (p !== 'arena') return Float32Array.from(a);
  const b = arenaTake(a.length, false);
  if (!b) throw new Error('arena full');
  taken.push(b);
  b.set(a);
  return b;
}

/** Gives back every arena copy `place` made. */
export function releasePlaced(): void {
  for (const a of taken.splice(0)) arenaRelease(a);
}
