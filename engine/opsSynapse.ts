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
   * is that state's slice of `states`).
   */
  synapseRun: {
    infer(ins, a) {
      if (ins.length !== 2) throw new SpikegradError(`synapseRun: expected 2 inputs, got ${ins.length}`);
      const x = ins[0]!;
      checkSequenceX('synapseRun', x);
      const K = a.synapse.states.length;
      requirePacked('synapseRun', 's0', x, ins[1]!, K, false);
      const states = { shape: [x.shape[0]!, K, ...x.shape.slice(1)], dtype: x.dtype };
      return a.synapse.outputState === null ? [states, { shape: [...x.shape], dtype: x.dtype }] : [states];
    },
    save: { inputs: [0, 1], outputs: [0] },
    vjp([dStates, dOut], s, a, needs, O) {
      const ins = [s.inputs[0]!, s.inputs[1]!, s.outputs[0]!, ...(dStates ? [dStates] : []), ...(dOut ? [dOut] : [])];
      const [dx, ds0] = O.runOp('synapseRunGrad', ins, { ...a, hasDStates: !!dStates, hasDOut: !!dOut });
      return [needs[0] ? dx! : null, needs[1] ? ds0! : null];
    },
  },
  /** [x, s0, states (T,K,…), dStates?, dOut?] → [dx (T,…), ds0 (K,…)]. */
  synapseRunGrad: {
    infer(ins, a) {
      const n = 3 + Number(a.hasDStates) + Number(a.hasDOut);
      if (ins.length !== n) throw new SpikegradError(`synapseRunGrad: expected ${n} inputs, got ${ins.length}`);
      const [x, s0, st] = [ins[0]!, ins[1]!, ins[2]!];
      checkSequenceX('synapseRunGrad', x);
      const K = a.synapse.states.length;
      requirePacked('synapseRunGrad', 's0', x, s0, K, false);
      requirePacked('synapseRunGrad', 'states', x, st, K, true);
      if (a.hasDStates) requirePacked('synapseRunGrad', 'dStates', x, ins[3]!, K, true);
      if (a.hasDOut) {
        const d = ins[n - 1]!;
        if (a.synapse.outputState !== null) throw new SpikegradError(`synapseRunGrad: the output of ${a.synapse.model.name} is a state; its cotangent arrives in 'dStates'`);
        if (!sameShape(d.shape, x.shape) || d.dtype !== x.dtype) {
          throw new SpikegradError(`synapseRunGrad: argument 'dOut' expected ${x.dtype} ${fmtShape(x.shape)}, got ${d.dtype} ${fmtShape(d.shape)}`);
        }
      }
      return [{ shape: [...x.shape], dtype: x.dtype }, { shape: [...s0.shape], dtype: x.dtype }];
    },
  },
};
