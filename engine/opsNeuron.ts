/**
 * The fused neuron sequence ops (spread into the op table in ops.ts): one generic pair for every declared
 * neuron model (dynamics/, docs/dynamics.md), nn.LIF, nn.IF and nn.ALIF included. `neuronRun` runs a whole
 * [T, ...] sequence in one op, the states in registers; `neuronRunGrad` walks time in reverse with the
 * surrogate inlined, the reset path included unless detached (docs/numerics.md §1). Forward stores only the
 * states after each step (SpikingJelly #237: spikes and surrogate values are recomputed in backward). The
 * kernels are generated from the bound model's trees (kernels/neuron/sequenceCpu.ts, sequenceWasm.ts,
 * sequenceWebgpu.ts), whose constants arrive rounded to the tensors' precision (dynamics/symbolic.ts), so step
 * mode, which composes the same primitive ops in the same order, gives bit-identical forward values on the CPU.
 */
import { SpikegradError, fmtShape } from './errors.js';
import type { InMeta, OpDef, OutMeta } from './ops.js';
import { sameShape } from './shape.js';
import type { Tensor } from './tensor.js';
import type { BoundNeuron } from '../dynamics/bind.js';
import type { Expr } from '../surrogate/expr.js';
import { checkSequenceX, requirePacked } from './sequenceInput.js';

/**
 * What a fused kernel needs of a surrogate (surrogate.Surrogate satisfies it): its derivative at a point for
 * the CPU kernels, its WGSL for the GPU kernels, and a key for the shader cache.
 */
export interface SpikeSurrogate {
  readonly key: string;
  readonly gradScalar: (x: number) => number;
  /** σ' as an expression (surrogate.Surrogate has one): the WebAssembly kernels inline it; without it they run the JavaScript. */
  readonly gradExpr?: Expr;
  wgslGrad(fnName: string): string;
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
}

// ---------------------------------------------------------------------------------------------------------

function requireArity(op: string, ins: readonly InMeta[], n: number): void {
  if (ins.length !== n) throw new SpikegradError(`${op}: expected ${n} inputs, got ${ins.length}`);
}

function seqOut(x: InMeta): OutMeta {
  return { shape: [...x.shape], dtype: x.dtype };
}

/** The output cotangents that arrived (the others are zero and are not materialised). */
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
};
