/**
 * Fused spiking-neuron ops: a whole [T, ...] sequence in one op, forward and backward (spread into the op
 * table in ops.ts). One kernel invocation per neuron and batch element runs the time loop with the state in
 * registers. Forward stores only the membrane sequence (SpikingJelly #237: spikes and surrogate values are
 * recomputed in backward); the backward op walks time in reverse with the surrogate inlined and includes the
 * non-detached reset path of docs/numerics.md §1.
 *
 * Float order (docs/numerics.md §0/§1, brainpy.state LIF.update): with k = V_th − V_reset,
 *   u(V)  = ((V − V_th) / k)                         spike = H(u) = u >= 0
 *   V'    = V − k·s              (soft)   or   V − (sg(V) − V_reset)·s   (hard)
 *   V_new = V' + coef · (((−V' + V_rest) + R·I) / τ)   coef = dt·exprel(−dt/τ)
 * ALIF and the other declared neurons run the generic pair neuronRun / neuronRunGrad (dynamics/, docs/dynamics.md).
 * Every constant arrives already rounded to the tensor's precision (nn/expEuler.ts), so the step-mode
 * layers, which compose the same primitive ops in the same order, give bit-identical forward values.
 */
import { SpikegradError, fmtShape } from './errors.js';
import type { InMeta, OpDef, OutMeta } from './ops.js';
import { sameShape } from './shape.js';
import type { Tensor } from './tensor.js';
import type { BoundNeuron } from '../dynamics/bind.js';
import { checkSequenceInputs, checkSequenceX, requirePacked } from './sequenceInput.js';

/**
 * What a fused kernel needs of a surrogate (surrogate.Surrogate satisfies it): its derivative at a point for
 * the CPU kernels, its WGSL for the GPU kernels, and a key for the shader cache.
 */
export interface SpikeSurrogate {
  readonly key: string;
  readonly gradScalar: (x: number) => number;
  wgslGrad(fnName: string): string;
}

export type ResetMode = 'soft' | 'hard';

export interface LifAttrs {
  /** Membrane time constant (ms) and dt·exprel(−dt/τ), both rounded to the tensor's precision. */
  tau: number;
  coef: number;
  R: number;
  VTh: number;
  VReset: number;
  VRest: number;
  /** V_th − V_reset, rounded like the forward computes it. */
  k: number;
  reset: ResetMode;
  /** The previous spike carries no gradient into the reset (snnTorch/SpikingJelly `detach_reset`). */
  detachReset: boolean;
  spkFun: SpikeSurrogate;
}

/** Which output cotangents the backward op receives (the others are zero and are not materialised). */
export interface GradFlags {
  hasDS: boolean;
  hasDV: boolean;
}

/**
 * The generic sequence op of a declared neuron (dynamics/): the bound model carries the trees its kernels are
 * generated from (kernels/neuron/sequenceCpu.ts, sequenceWebgpu.ts), and its key names the generated code.
 */
export interface NeuronSeqAttrs {
  neuron: BoundNeuron;
  spkFun: SpikeSurrogate;
  /** No gradient through the previous spike (reset and every use of `spike` in the update). */
  detachReset: boolean;
}
export interface NeuronSeqGradAttrs extends NeuronSeqAttrs {
  hasDS: boolean;
  hasDStates: boolean;
}

export interface NeuronOpAttrs {
  neuronRun: NeuronSeqAttrs;
  neuronRunGrad: NeuronSeqGradAttrs;
  lifRun: LifAttrs;
  lifRunGrad: LifAttrs & GradFlags;
}

// ---------------------------------------------------------------------------------------------------------

function requireArity(op: string, ins: readonly InMeta[], n: number): void {
  if (ins.length !== n) throw new SpikegradError(`${op}: expected ${n} inputs, got ${ins.length}`);
}

function seqOut(x: InMeta): OutMeta {
  return { shape: [...x.shape], dtype: x.dtype };
}
function stateOut(x: InMeta): OutMeta {
  return { shape: x.shape.slice(1), dtype: x.dtype };
}

/** Backward inputs: the fixed ones, then the cotangents whose flags are set. */
function gradInputs(op: string, ins: readonly InMeta[], fixed: number, flags: boolean[]): void {
  requireArity(op, ins, fixed + flags.filter(Boolean).length);
  const seq = ins[fixed - 1]!; // the saved state sequence fixes [T, ...]
  for (let i = fixed; i < ins.length; i++) {
    if (!sameShape(ins[i]!.shape, seq.shape) || ins[i]!.dtype !== seq.dtype) {
      throw new SpikegradError(`${op}: cotangent ${i - fixed} expected ${seq.dtype} ${fmtShape(seq.shape)}, got ${ins[i]!.dtype} ${fmtShape(ins[i]!.shape)}`);
    }
  }
}

function present(...ts: (Tensor | null)[]): Tensor[] {
  return ts.filter((t): t is Tensor => t !== null);
}

// ---------------------------------------------------------------------------------------------------------

export const NEURON_OPS: { [K in keyof NeuronOpAttrs]: OpDef<NeuronOpAttrs[K]> } = {
  /** [x (T,…), s0 (K,…)] → [spikes (T,…), states (T,K,…)]: every state after each step. */
  neuronRun: {
    infer(ins, a) {
      requireArity('neuronRun', ins, 2);
      checkSequenceX('neuronRun', ins[0]!);
      const K = a.neuron.states.length;
      requirePacked('neuronRun', 's0', ins[0]!, ins[1]!, K, false);
      const x = ins[0]!;
      return [seqOut(x), { shape: [x.shape[0]!, K, ...x.shape.slice(1)], dtype: x.dtype }];
    },
    save: { inputs: [0, 1], outputs: [1] },
    vjp([dS, dStates], s, a, needs, O) {
      const ins = [s.inputs[0]!, s.inputs[1]!, s.outputs[1]!, ...present(dS ?? null, dStates ?? null)];
      const [dx, ds0] = O.runOp('neuronRunGrad', ins, { ...a, hasDS: !!dS, hasDStates: !!dStates });
      return [needs[0] ? dx! : null, needs[1] ? ds0! : null];
    },
  },
  /** [x, s0, states (T,K,…), dSpikes?, dStates?] → [dx (T,…), ds0 (K,…)]. */
  neuronRunGrad: {
    infer(ins, a) {
      const n = 3 + Number(a.hasDS) + Number(a.hasDStates);
      requireArity('neuronRunGrad', ins, n);
      const [x, s0, st] = [ins[0]!, ins[1]!, ins[2]!];
      const K = a.neuron.states.length;
      requirePacked('neuronRunGrad', 's0', x, s0, K, false);
      requirePacked('neuronRunGrad', 'states', x, st, K, true);
      if (a.hasDS && (!sameShape(ins[3]!.shape, x.shape) || ins[3]!.dtype !== x.dtype)) {
        throw new SpikegradError(`neuronRunGrad: the spikes' cotangent expected ${x.dtype} ${fmtShape(x.shape)}, got ${ins[3]!.dtype} ${fmtShape(ins[3]!.shape)}`);
      }
      if (a.hasDStates) requirePacked('neuronRunGrad', 'dStates', x, ins[n - 1]!, K, true);
      return [seqOut(x), { shape: [...s0.shape], dtype: x.dtype }];
    },
  },
  /** [x (T,…), V0 (…)] → [spikes (T,…), V (T,…)]: the membrane after each step's integration. */
  lifRun: {
    infer(ins) {
      checkSequenceInputs('lifRun', ins, ['v0']);
      return [seqOut(ins[0]!), seqOut(ins[0]!)];
    },
    save: { inputs: [1], outputs: [1] },
    vjp([dS, dV], s, a, needs, O) {
      const [v0, vs] = [s.inputs[1]!, s.outputs[1]!];
      const [dx, dv0] = O.runOp('lifRunGrad', [v0, vs, ...present(dS ?? null, dV ?? null)], { ...a, hasDS: !!dS, hasDV: !!dV });
      return [needs[0] ? dx! : null, needs[1] ? dv0! : null];
    },
  },
  /** [V0, V (T,…), dSpikes?, dV?] → [dx (T,…), dV0]. */
  lifRunGrad: {
    infer(ins, a) {
      gradInputs('lifRunGrad', ins, 2, [a.hasDS, a.hasDV]);
      return [seqOut(ins[1]!), stateOut(ins[1]!)];
    },
  },
};
