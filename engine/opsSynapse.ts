/**
 * The generic sequence ops of spike-free declared models (synapses, the readout's integrator; dynamics/,
 * docs/dynamics.md), spread into the op table in ops.ts: a whole [T, ...] sequence in one op, forward and
 * backward, kernels generated from the bound model's trees (kernels/synapse/sequenceCpu.ts, sequenceWebgpu.ts).
 * One kernel invocation per element runs the time loop with the states in registers.
 *
 * Why a pair of its own rather than neuronRun without a spike: no surrogate in the attributes or the kernel
 * keys; the output is an expression of the states, or one of them (then the op writes no second copy); and a
 * linear model's backward needs no forward values and runs as a linear recurrence with float64 coefficients
 * (two-float carries on WebGPU: docs/numerics.md §2), which the neuron backward has no place for.
 */
import { SpikegradError, fmtShape } from './errors.js';
import type { OpDef } from './ops.js';
import { sameShape } from './shape.js';
import type { BoundSynapse } from '../dynamics/bind.js';
import { checkSequenceX, requirePacked } from './sequenceInput.js';

export interface SynapseSeqAttrs {
  /** The bound model: its trees, folded constants and key (dynamics/bind.ts). */
  synapse: BoundSynapse;
}
export interface SynapseSeqGradAttrs extends SynapseSeqAttrs {
  /** Which cotangents the backward receives (the others are zero and not materialised). */
  hasDStates: boolean;
  hasDOut: boolean;
}

export interface SynapseOpAttrs {
  synapseRun: SynapseSeqAttrs;
  synapseRunGrad: SynapseSeqGradAttrs;
}

export const SYNAPSE_OPS: { [K in keyof SynapseOpAttrs]: OpDef<SynapseOpAttrs[K]> } = {
  /**
   * [x (T,…), s0 (K,…)] → [states (T,K,…)], and the output (T,…) second unless the output is a state (then it
   * is that state's slice of `states`). A model of one state has no K axis: s0 (…), states (T,…), so a one-state
   * synapse's output is the op's output as it is (no reshape op on either side of it: a seed step calls two).
   */
  synapseRun: {
    infer(ins, a) {
      if (ins.length !== 2) throw new SpikegradError(`synapseRun: expected 2 inputs, got ${ins.length}`);
      const x = ins[0]!;
      checkSequenceX('synapseRun', x);
      const K = a.synapse.states.length;
      requirePacked('synapseRun', 's0', x, ins[1]!, K, false, K > 1);
      const states = { shape: [x.shape[0]!, ...(K > 1 ? [K] : []), ...x.shape.slice(1)], dtype: x.dtype };
      return a.synapse.outputState === null ? [states, { shape: [...x.shape], dtype: x.dtype }] : [states];
    },
    save: { inputs: [0, 1], outputs: [0] },
    vjp([dStates, dOut], s, a, needs, O) {
      const cots = [...(dStates ? [dStates] : []), ...(dOut ? [dOut] : [])];
      // A linear model's backward reads no forward values (its coefficients are in the attributes).
      const ins = a.synapse.linear ? cots : [s.inputs[0]!, s.inputs[1]!, s.outputs[0]!, ...cots];
      const [dx, ds0] = O.runOp('synapseRunGrad', ins, { ...a, hasDStates: !!dStates, hasDOut: !!dOut });
      return [needs[0] ? dx! : null, needs[1] ? ds0! : null];
    },
  },
  /**
   * [x, s0, states (T,K,…), dStates?, dOut?] → [dx (T,…), ds0 (K,…)] (no K axis for one state); a linear
   * model's takes the cotangents alone, [dStates?, dOut?], at least one.
   */
  synapseRunGrad: {
    infer(ins, a) {
      const b = a.synapse, K = b.states.length, axis = K > 1;
      const cots = Number(a.hasDStates) + Number(a.hasDOut);
      const fixed = b.linear ? 0 : 3;
      if (ins.length !== fixed + cots || cots === 0) {
        throw new SpikegradError(`synapseRunGrad: expected ${fixed + cots} inputs (${b.linear ? '' : 'x, s0, states, '}${[a.hasDStates ? 'dStates' : '', a.hasDOut ? 'dOut' : ''].filter(Boolean).join(', ') || 'a cotangent'}), got ${ins.length}`);
      }
      const dSt = a.hasDStates ? ins[fixed]! : null, dOut = a.hasDOut ? ins[ins.length - 1]! : null;
      // x's meta: given, or (linear) that of dOut, or dStates' without its K axis.
      const x = b.linear ? (dOut ?? { shape: axis ? [dSt!.shape[0]!, ...dSt!.shape.slice(2)] : [...dSt!.shape], dtype: dSt!.dtype }) : ins[0]!;
      checkSequenceX('synapseRunGrad', x);
      if (!b.linear) {
        requirePacked('synapseRunGrad', 's0', x, ins[1]!, K, false, axis);
        requirePacked('synapseRunGrad', 'states', x, ins[2]!, K, true, axis);
      }
      if (dSt) requirePacked('synapseRunGrad', 'dStates', x, dSt, K, true, axis);
      if (dOut) {
        if (b.outputState !== null) throw new SpikegradError(`synapseRunGrad: the output of ${b.model.name} is a state; its cotangent arrives in 'dStates'`);
        if (!sameShape(dOut.shape, x.shape) || dOut.dtype !== x.dtype) {
          throw new SpikegradError(`synapseRunGrad: argument 'dOut' expected ${x.dtype} ${fmtShape(x.shape)}, got ${dOut.dtype} ${fmtShape(dOut.shape)}`);
        }
      }
      return [{ shape: [...x.shape], dtype: x.dtype }, { shape: [...(axis ? [K] : []), ...x.shape.slice(1)], dtype: x.dtype }];
    },
  },
};
