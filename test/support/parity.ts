/**
 * One parity check: an op case run on WebGPU in float32 and on the CPU in float64 with the same input values
 * (quantised to float32) — the forward value, then every float input's gradient of ⟨u, f(x)⟩ for the same
 * random cotangent u, taken with `grad` on each backend. The CPU float64 result is the reference.
 */
import { expect } from 'vitest';
import * as sg from '../../index.js';
import type { WebGpuBackend } from '../../kernels/webgpu/backend.js';
import type { InputSpec, OpCase } from './cases.js';
import { cpu, makeInputs, rng, uniformArray } from './helpers.js';

/**
 * |gpu − cpu| ≤ atol·S + rtol·|cpu|, with S = max(1, max |cpu| over the array): atol is relative to the
 * array's scale, so one number serves outputs of any magnitude (a float32 result is only known to ~1e-7 of
 * the largest values it was computed from).
 */
export interface ParityTol {
  rtol: number;
  atol: number;
}

export interface ParityCase extends OpCase {
  tol?: ParityTol;
  /** Tolerance for the gradients (default: the forward tolerance ×10; a vjp chains several ops). */
  gradTol?: ParityTol;
}

export interface ParityStats {
  forward: number;
  gradients: number;
  /** Largest observed error as a fraction of the allowed error (printed, to show the margins). */
  worstRatio: number;
  worstCase: string;
}

export const stats: ParityStats = { forward: 0, gradients: 0, worstRatio: 0, worstCase: '' };

export function compare(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: ParityTol, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let scale = 1;
  for (let i = 0; i < expected.length; i++) if (Number.isFinite(expected[i]!)) scale = Math.max(scale, Math.abs(expected[i]!));
  let worst = 0, at = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    const allowed = tol.atol * scale + tol.rtol * Math.abs(e);
    const ratio = Math.abs(a - e) / allowed;
    if (!(ratio <= worst)) { worst = ratio; at = i; } // NaN ratios (NaN vs a number) count as failures
  }
  if (worst > stats.worstRatio || Number.isNaN(worst)) { stats.worstRatio = worst; stats.worstCase = what; }
  if (!(worst <= 1)) {
    throw new Error(`${what}: element ${at} is ${actual[at]} on WebGPU, ${expected[at]} on the CPU (float64); allowed |error| ${tol.atol} × ${scale} + ${tol.rtol} × |expected|`);
  }
}

/** The forward tolerance of elementwise ops: a few float32 ulps (u = 6e-8) of the result. */
export const ELEMENTWISE_TOL: ParityTol = { rtol: 1e-6, atol: 1e-7 };

/**
 * Guard regions (canaries): every WebGPU buffer allocated during a parity check has 256 bytes past its tensor's
 * end filled with a marker (WebGpuBackend.guards), and every output the check compares — the forward value and
 * each gradient — must leave them intact: a kernel that writes past its output's end (a tile or a vector store
 * not masked at a ragged edge) fails here even where the write lands in the slack of a rounded-up buffer.
 */
const GUARD_BYTES = 256;

async function expectGuardsIntact(gpu: sg.Backend, t: sg.Tensor, what: string): Promise<void> {
  const be = gpu as unknown as WebGpuBackend;
  const bad = await be.guardViolations({ dataId: t.dataId, shape: t.shape, dtype: t.dtype, size: t.size });
  expect(bad, `${what}: ${bad} words written past the end of the output (size ${t.size})`).toBe(0);
}

export async function checkParity(c: ParityCase, gpu: sg.Backend, seed = 7): Promise<void> {
  const guards = (gpu as unknown as WebGpuBackend).guards;
  guards.bytes = GUARD_BYTES;
  try {
    await checkParityGuarded(c, gpu, seed);
  } finally {
    guards.bytes = 0;
  }
}

async function checkParityGuarded(c: ParityCase, gpu: sg.Backend, seed: number): Promise<void> {
  const tol = c.tol ?? ELEMENTWISE_TOL;
  const gradTol = c.gradTol ?? { rtol: tol.rtol * 10, atol: tol.atol * 10 };
  const cpuBe = await cpu();
  const x64 = makeInputs(c.inputs, 'float64', cpuBe, seed);
  const x32 = makeInputs(c.inputs, 'float32', gpu, seed);
  try {
    const y64 = c.fn(...x64), y32 = c.fn(...x32);
    expect([...y32.shape], `${c.name}: shape`).toEqual([...y64.shape]);
    expect(y32.dtype, `${c.name}: dtype`).toBe(y64.dtype === 'float64' ? 'float32' : y64.dtype);
    compare(await y32.data(), y64.dataSync(), tol, `${c.name}: forward`);
    await expectGuardsIntact(gpu, y32, `${c.name}: forward`);
    stats.forward++;
    if (c.noGrad) return;
    const wrt = c.inputs.flatMap((s: InputSpec, i) => (s.values ? [] : [i]));
    const u = uniformArray(y64.size, -1, 1, rng(seed + 1));
    const u64 = sg.tensor(Float64Array.from(Float32Array.from(u)), [...y64.shape], 'float64', cpuBe);
    const u32 = sg.tensor(Float32Array.from(u), [...y32.shape], 'float32', gpu);
    const gradsOf = (xs: sg.Tensor[], ut: sg.Tensor) =>
      sg.grad((...v: sg.Tensor[]) => sg.sum(sg.mul(c.fn(...v), ut)), wrt.map((i) => xs[i]!))(...xs);
    const g64 = gradsOf(x64, u64), g32 = gradsOf(x32, u32);
    for (let k = 0; k < wrt.length; k++) {
      compare(await g32[k]!.data(), g64[k]!.dataSync(), gradTol, `${c.name}: gradient of input ${wrt[k]}`);
      await expectGuardsIntact(gpu, g32[k]!, `${c.name}: gradient of input ${wrt[k]}`);
      stats.gradients++;
    }
    sg.dispose([g64, g32, u64, u32, y64, y32]);
  } finally {
    sg.dispose([x64, x32]);
  }
}
