/**
 * The CPU kernels of the recurrent sequence op (engine/opsRecurrent.ts has the interface and the float order).
 * Each time step runs the neuron's own generated neuronRun program (kernels/neuron/sequenceCpu.ts) with T = 1
 * on the step's current, so a recurrent population computes exactly what its neuron computes alone; the
 * recurrent part of the current is added inside the time loop, event-driven over the previous step's spikes.
 * Layout: [T, B·n] for currents and spikes, [K, B·n] per step for the states (neuronRun's, with N = B·n).
 */
import { allocOutput, rounderFor, type DType, type TypedArray } from '../../engine/dtype.js';
import { checkpointRows, type RecurrentSeqAttrs, type RecurrentSeqGradAttrs } from '../../engine/opsRecurrent.js';
import type { CpuInput, CpuKernel } from '../cpu/types.js';
import { matmulKernel } from '../matmul/cpu.js';
import { backwardFor, forwardFor, type Arr } from './sequenceCpu.js';
import { recurrentCurrentWasm } from './recurrentWasm.js';

function scratch(dtype: DType, n: number): Float32Array | Float64Array {
  return dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
}

/**
 * out[b, j] = cur[cOff + b·n + j] + Σ_{i: s[b,i] ≠ 0} s[b,i]·W[i, j], the sum in ascending i from 0, every
 * operation rounded to the dtype (`acc` and `out` are arrays of the dtype, so a store rounds; a spike of exactly
 * 1 adds the weight itself). The one definition of the recurrent current: forward, recomputation and step mode
 * (float32 runs as WebAssembly SIMD where it can, recurrentWasm.ts: the same operations, the same bits).
 */
export function recurrentCurrent(
  cur: Arr, cOff: number, s: Arr, sOff: number, W: Arr, B: number, n: number,
  acc: Float32Array | Float64Array, out: Float32Array | Float64Array, fr: (v: number) => number,
): void {
  if (out instanceof Float32Array && cur instanceof Float32Array && s instanceof Float32Array && W instanceof Float32Array
    && recurrentCurrentWasm(cur, cOff, s, sOff, W, B, n, out)) return;
  for (let b = 0; b < B; b++) {
    acc.fill(0);
    const sb = sOff + b * n;
    for (let i = 0; i < n; i++) {
      const v = s[sb + i]!;
      if (v === 0) continue;
      const r = i * n;
      if (v === 1) for (let j = 0; j < n; j++) acc[j] = acc[j]! + W[r + j]!;
      else for (let j = 0; j < n; j++) acc[j] = fr(acc[j]! + fr(v * W[r + j]!));
    }
    const o = b * n;
    for (let j = 0; j < n; j++) out[o + j] = cur[cOff + o + j]! + acc[j]!;
  }
}

/**
 * Rᵀ = W_rec · dI_tᵀ [n, B]: the transpose of the spikes' cotangent of step t − 1 through the recurrence,
 * R = dI_t · W_recᵀ, by the backend's own matmul kernel (WebAssembly SIMD on every core for float32), on dI_t as
 * rounded to the dtype (what step mode's matmul gradient sees). Computed transposed so that the operand the
 * kernel packs per call is dI_t (B·n elements) rather than W_rec (n², the same every step).
 */
function recurrentCotangentT(dI: TypedArray, W: CpuInput, B: number, n: number): TypedArray {
  const a: CpuInput = { data: dI, shape: [B, n], dtype: W.dtype, size: B * n };
  return matmulKernel([W, a], { transposeA: false, transposeB: true }, [{ shape: [n, B], dtype: W.dtype }])[0]!;
}

interface Dims { T: number; B: number; n: number; N: number; K: number; KN: number; k: number; m: number }

function dims(cur: { shape: readonly number[] }, a: RecurrentSeqAttrs): Dims {
  const [T, B, n] = cur.shape as [number, number, number];
  const K = a.neuron.states.length, N = B * n, k = a.checkpoint;
  return { T, B, n, N, K, KN: K * N, k, m: checkpointRows(T, k) };
}

/**
 * Runs steps [t0, t1) from `start` (the states after step t0 − 1): the current of each step from `cur` and the
 * spikes `prevSpikes(t)` of the step before, then the neuron's step. `dest(t)` receives the step's states and
 * `spikeOut(t)` its spikes; `curOut(t)`, if given, the step's current.
 */
function runSteps(
  d: Dims, a: RecurrentSeqAttrs, cur: Arr, W: Arr, dtype: DType, start: Arr, t0: number, t1: number,
  prevSpikes: (t: number) => [Arr, number], dest: (t: number) => Arr, spikeOut: (t: number) => Arr, curOut?: (t: number) => Float32Array | Float64Array,
): void {
  const fwd = forwardFor(a.neuron);
  const fr = rounderFor(dtype);
  const acc = scratch(dtype, d.n), I = curOut ? undefined : scratch(dtype, d.N);
  let prev = start;
  for (let t = t0; t < t1; t++) {
    const [s, sOff] = prevSpikes(t);
    const it = curOut ? curOut(t) : I!;
    recurrentCurrent(cur, t * d.N, s, sOff, W, d.B, d.n, acc, it, fr);
    const st = dest(t);
    fwd(it, prev, spikeOut(t), st, 1, d.N);
    prev = st;
  }
}

export const recurrentRunKernel: CpuKernel<RecurrentSeqAttrs> = ([cur, w, spike0, s0], a, [outS, outSt]) => {
  const d = dims(cur!, a);
  const dtype = outS!.dtype;
  const spk = allocOutput(dtype, d.T * d.N), rows = allocOutput(outSt!.dtype, d.m * d.KN);
  // Steps that end a checkpoint segment write their row; the others alternate between two buffers.
  const ping = [scratch(dtype, d.KN), scratch(dtype, d.KN)];
  const segEnd = (t: number) => t === Math.min((Math.floor(t / d.k) + 1) * d.k, d.T) - 1;
  runSteps(d, a, cur!.data, w!.data, dtype, s0!.data, 0, d.T,
    (t) => (t === 0 ? [spike0!.data, 0] : [spk, (t - 1) * d.N]),
    (t) => (segEnd(t) ? rows.subarray(Math.floor(t / d.k) * d.KN, (Math.floor(t / d.k) + 1) * d.KN) : ping[t & 1]!),
    (t) => spk.subarray(t * d.N, (t + 1) * d.N));
  return [spk, rows];
};

export const recurrentRunGradKernel: CpuKernel<RecurrentSeqGradAttrs> = (ins, a, [outDI, outDSp0, outDs0]) => {
  const [cur, w, spike0, s0, spikes, rows] = ins as [typeof ins[0], typeof ins[0], typeof ins[0], typeof ins[0], typeof ins[0], typeof ins[0]];
  let next = 6;
  const dS = a.hasDS ? ins[next++]!.data : null;
  const dSt = a.hasDStates ? ins[next++]!.data : null;
  const d = dims(cur!, a);
  const dtype = outDI!.dtype;
  const dI = allocOutput(dtype, d.T * d.N), dSp0 = allocOutput(outDSp0!.dtype, d.N), ds0 = allocOutput(outDs0!.dtype, d.KN);
  // neuronRunGrad's step with both cotangents present: the spikes' (plus the recurrent part) and the states'.
  const bwd = backwardFor(a.neuron, { ...a, hasDS: true, hasDStates: true });
  const SG = a.spkFun.gradScalar;
  const fr = rounderFor(dtype), acc = scratch(dtype, d.n);
  const segStates = scratch(dtype, d.k === 1 ? 0 : d.k * d.KN), segI = scratch(dtype, d.k * d.N), spkScratch = scratch(dtype, d.N);
  let Rt: ArrayLike<number> = new Float64Array(d.N); // [n, B]: Rt[i·B + b] is the cotangent of s_{t−1}[b, i]
  const dspk = new Float64Array(d.N), g = new Float64Array(d.KN), dx = new Float64Array(d.N);
  let carry = new Float64Array(d.KN), nextCarry = new Float64Array(d.KN);
  const S = spikes!.data, rowData = rows!.data;
  for (let r = d.m - 1; r >= 0; r--) {
    const t0 = r * d.k, t1 = Math.min(t0 + d.k, d.T);
    const start: Arr = r === 0 ? s0!.data : rowData.subarray((r - 1) * d.KN, r * d.KN);
    // Recompute the segment: the same function on the same bits as the forward, so the same states. With
    // every step kept (k = 1) the step's states are the saved row: only its current is recomputed.
    const seg = d.k === 1 ? rowData.subarray(r * d.KN, (r + 1) * d.KN) : segStates;
    if (d.k === 1) recurrentCurrent(cur!.data, t0 * d.N, t0 === 0 ? spike0!.data : S, t0 === 0 ? 0 : (t0 - 1) * d.N, w!.data, d.B, d.n, acc, segI, fr);
    else {
      runSteps(d, a, cur!.data, w!.data, dtype, start, t0, t1,
        (t) => (t === 0 ? [spike0!.data, 0] : [S, (t - 1) * d.N]),
        (t) => segStates.subarray((t - t0) * d.KN, (t - t0 + 1) * d.KN),
        () => spkScratch,
        (t) => segI.subarray((t - t0) * d.N, (t - t0 + 1) * d.N));
    }
    for (let t = t1 - 1; t >= t0; t--) {
      for (let b = 0, q = 0; b < d.B; b++) {
        for (let i = 0; i < d.n; i++, q++) dspk[q] = (dS ? dS[t * d.N + q]! : 0) + (t === d.T - 1 ? 0 : Rt[i * d.B + b]!);
      }
      for (let q = 0; q < d.KN; q++) g[q] = carry[q]! + (dSt && t === t1 - 1 ? dSt[r * d.KN + q]! : 0);
      const prev: Arr = t === t0 ? start : seg.subarray((t - t0 - 1) * d.KN, (t - t0) * d.KN);
      bwd(segI.subarray((t - t0) * d.N, (t - t0 + 1) * d.N), prev, seg.subarray((t - t0) * d.KN, (t - t0 + 1) * d.KN), dspk, g, dx, nextCarry, 1, d.N, SG);
      const o = t * d.N;
      for (let q = 0; q < d.N; q++) dI[o + q] = dx[q]!; // rounded to the dtype: what the recurrence and dW see
      Rt = recurrentCotangentT(dI.subarray(o, o + d.N), w!, d.B, d.n);
      [carry, nextCarry] = [nextCarry, carry];
    }
  }
  for (let b = 0, q = 0; b < d.B; b++) for (let i = 0; i < d.n; i++, q++) dSp0[q] = Rt[i * d.B + b]!;
  for (let q = 0; q < d.KN; q++) ds0[q] = carry[q]!;
  return [dI, dSp0, ds0] as TypedArray[];
};
