/**
 * The fused recurrent sequence op (spread into the op table in ops.ts): a population of any neuron that runs
 * the generic `neuronRun` (a declared neuron, dynamics/), whose input current at step t adds the previous
 * step's spikes through a recurrent weight, computed inside the time loop:
 *
 *   I_t = currents_t + s_{t−1} · W_rec          (s_{−1} = spike0; W_rec [n, n] in [from, to], already masked)
 *   S_t = step(S_{t−1}, I_t)                     (the neuron's declared step, exactly as neuronRun runs it)
 *   s_t = H(u(S_t))
 *
 * nn.Recurrent projects all T·B input rows with one matmul before calling it, so a training step runs a fixed
 * number of ops (and so of dispatches) whatever T is.
 *
 * Kernel-facing interface (the CPU kernel kernels/neuron/recurrentCpu.ts; WebGPU kernels implement the same):
 *
 * `recurrentRun` inputs (all in one float dtype):
 *   0 currents [T, B, n]   the input currents without the recurrent part (x_t·W_in + b)
 *   1 wRec     [n, n]      row i holds neuron i's outgoing weights (the masked W_rec ⊙ M)
 *   2 spike0   [B, n]      the spikes of the step before the first (any values; the layer keeps 0/1)
 *   3 s0       [K, B, n]   the neuron's K states before the first step, packed as neuronRun packs them
 * outputs:
 *   0 spikes   [T, B, n]   0/1
 *   1 states   [m, K, B, n] with m = ceil(T / checkpoint): row r holds the states after step
 *                          min((r + 1)·checkpoint, T) − 1, i.e. every step for checkpoint 1 (neuronRun's layout),
 *                          and always the last step in the last row (the layer's carried state)
 * attributes: neuronRun's (`neuron` the bound trees, `spkFun`, `detachReset`) and `checkpoint` (k, 1 ≤ k ≤ T).
 * Float order of the recurrent sum (what makes both of nn.Recurrent's modes, and every checkpoint, agree bit for
 * bit): per batch row and target neuron j, acc = 0, then for i = 0 … n−1 with s_{t−1}[i] ≠ 0 in ascending
 * order acc = acc + s·W[i, j] (the product skipped, i.e. exactly W[i, j], where s = 1), every operation rounded to
 * the dtype; then I = currents + acc, rounded. Spikes that are 0 contribute nothing (the event-driven sum).
 *
 * `recurrentRunGrad` inputs: currents, wRec, spike0, s0, spikes, states (the forward's outputs), then the
 * spikes' cotangent [T, B, n] if `hasDS` and the states' cotangent [m, K, B, n] if `hasDStates`.
 * outputs: dCurrents [T, B, n] (= ∂L/∂I_t), dSpike0 [B, n], ds0 [K, B, n].
 * It sweeps time in reverse, one checkpoint segment at a time: it recomputes the segment's states and currents
 * from the segment's start state (the previous row, or s0) and the saved spikes, then walks the segment
 * backwards with neuronRunGrad's step (float64 inside), adding to the spikes' cotangent of step t − 1 the
 * recurrent part dI_t · W_recᵀ (computed from dI_t rounded to the dtype, as the step-mode ops would). The
 * recomputation gives the forward's bits, so the gradients do not depend on the checkpoint interval.
 * The vjp then computes dW_rec = S_prevᵀ · dI as one matmul over all T·B rows (S_prev = [spike0; spikes_0..T−2]).
 */
import { SpikegradError, fmtShape } from './errors.js';
import { isFloat } from './dtype.js';
import type { InMeta, OpDef, OutMeta } from './ops.js';
import type { NeuronSeqAttrs } from './opsNeuron.js';
import { sameShape } from './shape.js';
import type { Tensor } from './tensor.js';

export interface RecurrentSeqAttrs extends NeuronSeqAttrs {
  /** Keep the states every `checkpoint` steps (1: every step); the backward recomputes each segment. */
  checkpoint: number;
}
export interface RecurrentSeqGradAttrs extends RecurrentSeqAttrs {
  hasDS: boolean;
  hasDStates: boolean;
}

export interface RecurrentOpAttrs {
  recurrentRun: RecurrentSeqAttrs;
  recurrentRunGrad: RecurrentSeqGradAttrs;
}

/** Rows of the saved state sequence: one per checkpoint segment. */
export function checkpointRows(T: number, k: number): number {
  return Math.ceil(T / k);
}

function expectMeta(op: string, name: string, m: InMeta, shape: readonly number[], dtype: string, what: string): void {
  if (!sameShape(m.shape, shape) || m.dtype !== dtype) {
    throw new SpikegradError(`${op}: argument '${name}' expected ${dtype} ${fmtShape(shape)} (${what}), got ${m.dtype} ${fmtShape(m.shape)}`);
  }
}

/** Checks the four forward inputs and the checkpoint; returns T, B, n, K and the saved rows m. */
function checkForward(op: string, ins: readonly InMeta[], a: RecurrentSeqAttrs): { T: number; B: number; n: number; K: number; m: number } {
  const cur = ins[0]!;
  if (!isFloat(cur.dtype) || cur.shape.length !== 3 || cur.shape[0]! < 1) {
    throw new SpikegradError(`${op}: argument 'currents' expected a float32 or float64 sequence [T, batch, n] with T >= 1, got ${cur.dtype} ${fmtShape(cur.shape)}`);
  }
  const [T, B, n] = cur.shape as [number, number, number];
  const K = a.neuron.states.length;
  const dt = cur.dtype;
  expectMeta(op, 'wRec', ins[1]!, [n, n], dt, 'the recurrent weight, [from, to]');
  expectMeta(op, 'spike0', ins[2]!, [B, n], dt, 'the previous spikes, one row per batch element');
  expectMeta(op, 's0', ins[3]!, [K, B, n], dt, `the ${K} neuron states stacked`);
  const k = a.checkpoint;
  if (!Number.isInteger(k) || k < 1 || k > T) {
    throw new SpikegradError(`${op}: attribute 'checkpoint' expected an integer from 1 to T = ${T}, got ${k}`);
  }
  return { T, B, n, K, m: checkpointRows(T, k) };
}

function present(...ts: (Tensor | null)[]): Tensor[] {
  return ts.filter((t): t is Tensor => t !== null);
}

export const RECURRENT_OPS: { [K in keyof RecurrentOpAttrs]: OpDef<RecurrentOpAttrs[K]> } = {
  /** [currents (T,B,n), wRec (n,n), spike0 (B,n), s0 (K,B,n)] → [spikes (T,B,n), states (m,K,B,n)]. */
  recurrentRun: {
    infer(ins, a) {
      if (ins.length !== 4) throw new SpikegradError(`recurrentRun: expected 4 inputs (currents, wRec, spike0, s0), got ${ins.length}`);
      const { T, B, n, K, m } = checkForward('recurrentRun', ins, a);
      const dtype = ins[0]!.dtype;
      const out: OutMeta[] = [{ shape: [T, B, n], dtype }, { shape: [m, K, B, n], dtype }];
      return out;
    },
    save: { inputs: [0, 1, 2, 3], outputs: [0, 1] },
    vjp([dS, dStates], s, a, needs, O) {
      const [cur, w, spike0, s0] = [s.inputs[0]!, s.inputs[1]!, s.inputs[2]!, s.inputs[3]!];
      const [spikes, states] = [s.outputs[0]!, s.outputs[1]!];
      const ins = [cur, w, spike0, s0, spikes, states, ...present(dS ?? null, dStates ?? null)];
      const [dI, dSpike0, ds0] = O.runOp('recurrentRunGrad', ins, { ...a, hasDS: !!dS, hasDStates: !!dStates });
      let dW: Tensor | null = null;
      if (needs[1]) {
        const [T, B, n] = cur.shape as [number, number, number];
        // S_prev: the spikes each step's current saw, [spike0; spikes_0 … spikes_{T−2}], as T·B rows.
        const prev = T === 1 ? O.reshape(spike0, [1, B, n]) : O.concat([O.reshape(spike0, [1, B, n]), O.slice(spikes, [0, 0, 0], [T - 1, B, n])], 0);
        dW = O.matmul(O.reshape(prev, [T * B, n]), O.reshape(dI!, [T * B, n]), { transposeA: true });
      }
      return [needs[0] ? dI! : null, dW, needs[2] ? dSpike0! : null, needs[3] ? ds0! : null];
    },
  },
  /** [currents, wRec, spike0, s0, spikes, states, dSpikes?, dStates?] → [dCurrents (T,B,n), dSpike0 (B,n), ds0 (K,B,n)]. */
  recurrentRunGrad: {
    infer(ins, a) {
      const want = 6 + Number(a.hasDS) + Number(a.hasDStates);
      if (ins.length !== want) throw new SpikegradError(`recurrentRunGrad: expected ${want} inputs, got ${ins.length}`);
      const { T, B, n, K, m } = checkForward('recurrentRunGrad', ins, a);
      const dt = ins[0]!.dtype;
      expectMeta('recurrentRunGrad', 'spikes', ins[4]!, [T, B, n], dt, 'the forward spikes');
      expectMeta('recurrentRunGrad', 'states', ins[5]!, [m, K, B, n], dt, 'the forward states, one row per checkpoint segment');
      let next = 6;
      if (a.hasDS) expectMeta('recurrentRunGrad', 'dSpikes', ins[next++]!, [T, B, n], dt, "the spikes' cotangent");
      if (a.hasDStates) expectMeta('recurrentRunGrad', 'dStates', ins[next++]!, [m, K, B, n], dt, "the states' cotangent");
      return [{ shape: [T, B, n], dtype: dt }, { shape: [B, n], dtype: dt }, { shape: [K, B, n], dtype: dt }];
    },
  },
};
