/**
 * Fused spiking-neuron ops: a whole [T, ...] sequence in one op, forward and backward (spread into the op
 * table in ops.ts). One kernel invocation per neuron and batch element runs the time loop with the state in
 * registers. Forward stores only the membrane sequence (SpikingJelly #237: spikes and surrogate values are
 * recomputed in backward); the backward op walks time in reverse with the surrogate inlined and includes the
 * non-detached reset path of SPEC §1.
 *
 * Float order (SPEC §0/§1, brainpy.state LIF.update): with k = V_th − V_reset,
 *   u(V)  = ((V − V_th) / k)                         spike = H(u) = u >= 0
 *   V'    = V − k·s              (soft)   or   V − (sg(V) − V_reset)·s   (hard)
 *   V_new = V' + coef · (((−V' + V_rest) + R·I) / τ)   coef = dt·exprel(−dt/τ)
 * ALIF adds a (adaptation): u = ((V − V_th) − β·a) / k, a' = a + s, a_new = a' + coefA·((−a') / τ_a).
 * Every constant arrives already rounded to the tensor's precision (nn/expEuler.ts), so the step-mode
 * layers, which compose the same primitive ops in the same order, give bit-identical forward values.
 */
import { SpikegradError, fmtShape } from './errors.js';
import type { InMeta, OpDef, OutMeta } from './ops.js';
import { sameShape } from './shape.js';
import { runOp } from './dispatch.js';
import type { Tensor } from './tensor.js';
import { checkSequenceInputs } from './sequenceInput.js';

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

export interface AlifAttrs extends LifAttrs {
  tauA: number;
  coefA: number;
  beta: number;
}

/** Which output cotangents the backward op receives (the others are zero and are not materialised). */
export interface GradFlags {
  hasDS: boolean;
  hasDV: boolean;
}

export interface NeuronOpAttrs {
  lifRun: LifAttrs;
  lifRunGrad: LifAttrs & GradFlags;
  alifRun: AlifAttrs;
  alifRunGrad: AlifAttrs & GradFlags & { hasDA: boolean };
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
  /** [x (T,…), V0 (…)] → [spikes (T,…), V (T,…)]: the membrane after each step's integration. */
  lifRun: {
    infer(ins) {
      checkSequenceInputs('lifRun', ins, ['v0']);
      return [seqOut(ins[0]!), seqOut(ins[0]!)];
    },
    save: { inputs: [1], outputs: [1] },
    vjp([dS, dV], s, a, needs) {
      const [v0, vs] = [s.inputs[1]!, s.outputs[1]!];
      const [dx, dv0] = runOp('lifRunGrad', [v0, vs, ...present(dS ?? null, dV ?? null)], { ...a, hasDS: !!dS, hasDV: !!dV });
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
  /** [x, V0, a0] → [spikes, V, a], all sequences but the initial states. */
  alifRun: {
    infer(ins) {
      checkSequenceInputs('alifRun', ins, ['v0', 'a0']);
      return [seqOut(ins[0]!), seqOut(ins[0]!), seqOut(ins[0]!)];
    },
    save: { inputs: [1, 2], outputs: [1, 2] },
    vjp([dS, dV, dA], s, a, needs) {
      const ins = [s.inputs[1]!, s.inputs[2]!, s.outputs[1]!, s.outputs[2]!, ...present(dS ?? null, dV ?? null, dA ?? null)];
      const [dx, dv0, da0] = runOp('alifRunGrad', ins, { ...a, hasDS: !!dS, hasDV: !!dV, hasDA: !!dA });
      return [needs[0] ? dx! : null, needs[1] ? dv0! : null, needs[2] ? da0! : null];
    },
  },
  /** [V0, a0, V (T,…), a (T,…), dSpikes?, dV?, dA?] → [dx, dV0, dA0]. */
  alifRunGrad: {
    infer(ins, a) {
      gradInputs('alifRunGrad', ins, 4, [a.hasDS, a.hasDV, a.hasDA]);
      return [seqOut(ins[2]!), stateOut(ins[2]!), stateOut(ins[2]!)];
    },
  },
};
