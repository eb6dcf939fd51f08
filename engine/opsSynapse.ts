/**
 * Fused synapse ops over a whole [T, ...] sequence (spread into the op table in ops.ts): one kernel
 * invocation per element runs the time loop; the backward op runs it in reverse.
 *
 * Float order (docs/numerics.md §2, brainpy.state Expon.update): g ← g + coef·((−g)/τ), then g ← g + x (the input is an
 * impulse, added after the decay and unscaled). DualExpon decays g_rise and g_decay that way, adds x to both
 * and returns amp·(g_decay − g_rise). LeakyRateReadout's integrator is r ← decay·r + x.
 * All three are linear in their state, so backward needs no forward values: only the decay factors.
 */
import { SpikegradError, fmtShape } from './errors.js';
import type { InMeta, OpDef, OutMeta } from './ops.js';
import { sameShape } from './shape.js';
import type { VjpOps } from './ops.js';
import type { Tensor } from './tensor.js';
import { checkSequenceInputs } from './sequenceInput.js';

export interface ExponAttrs {
  /** Time constant (ms) and dt·exprel(−dt/τ), rounded to the tensor's precision. */
  tau: number;
  coef: number;
}

export interface DualExponAttrs {
  tauRise: number;
  coefRise: number;
  tauDecay: number;
  coefDecay: number;
  /** Peak-normalising factor a = (τd − τr)/(τr·τd)·A (brainpy.state DualExpon). */
  amp: number;
}

export interface SynapseOpAttrs {
  exponRun: ExponAttrs;
  leakyRun: { decay: number };
  /** Backward of every `g_t = decay·g_{t−1} + x_t` recurrence: dx_t = ḡ_t, ḡ_{t−1} += decay·ḡ_t. */
  decayRunGrad: { decay: number };
  dualExponRun: DualExponAttrs;
  dualExponRunGrad: DualExponAttrs & { hasDRise: boolean; hasDDecay: boolean };
}


const seqOut = (x: InMeta): OutMeta => ({ shape: [...x.shape], dtype: x.dtype });
const stateOut = (x: InMeta): OutMeta => ({ shape: x.shape.slice(1), dtype: x.dtype });

/** Both linear recurrences share one backward: the gradients of g0 and of every x_t from those of every g_t. */
function decayBackward(O: VjpOps, dG: Tensor, decay: number, needs: readonly boolean[]): (Tensor | null)[] {
  const [dx, dg0] = O.runOp('decayRunGrad', [dG], { decay });
  return [needs[0] ? dx! : null, needs[1] ? dg0! : null];
}

export const SYNAPSE_OPS: { [K in keyof SynapseOpAttrs]: OpDef<SynapseOpAttrs[K]> } = {
  /** [x (T,…), g0 (…)] → [g (T,…)]: the conductance after each step, which is also the output. */
  exponRun: {
    infer(ins) {
      checkSequenceInputs('exponRun', ins, ['g0']);
      return [seqOut(ins[0]!)];
    },
    // ∂g_t/∂g_{t−1} = 1 − coef/τ: the exact derivative of the exp-Euler step of a linear drift.
    vjp: ([dG], _s, a, needs, O) => decayBackward(O, dG!, 1 - a.coef / a.tau, needs),
  },
  /** [x, r0] → [r]: r_t = decay·r_{t−1} + x_t. */
  leakyRun: {
    infer(ins) {
      checkSequenceInputs('leakyRun', ins, ['r0']);
      return [seqOut(ins[0]!)];
    },
    vjp: ([dG], _s, a, needs, O) => decayBackward(O, dG!, a.decay, needs),
  },
  /** [dG (T,…)] → [dx (T,…), dg0 (…)]. */
  decayRunGrad: {
    infer(ins) {
      if (ins.length !== 1) throw new SpikegradError(`decayRunGrad: expected 1 input, got ${ins.length}`);
      return [seqOut(ins[0]!), stateOut(ins[0]!)];
    },
  },
  /** [x, gRise0, gDecay0] → [out (T,…), gRise_T, gDecay_T]. */
  dualExponRun: {
    infer(ins) {
      checkSequenceInputs('dualExponRun', ins, ['gRise0', 'gDecay0']);
      return [seqOut(ins[0]!), stateOut(ins[0]!), stateOut(ins[0]!)];
    },
    vjp([dOut, dRise, dDecay], s, a, needs, O) {
      const x = s.inMeta[0]!;
      const d = dOut ?? O.full([...x.shape], 0, x.dtype); // only the final states received a gradient
      const ins = [d, ...(dRise ? [dRise] : []), ...(dDecay ? [dDecay] : [])];
      const [dx, dr0, dd0] = O.runOp('dualExponRunGrad', ins, { ...a, hasDRise: !!dRise, hasDDecay: !!dDecay });
      return [needs[0] ? dx! : null, needs[1] ? dr0! : null, needs[2] ? dd0! : null];
    },
  },
  /** [dOut (T,…), dRise_T?, dDecay_T?] → [dx, dRise0, dDecay0]. */
  dualExponRunGrad: {
    infer(ins, a) {
      const n = 1 + Number(a.hasDRise) + Number(a.hasDDecay);
      if (ins.length !== n) throw new SpikegradError(`dualExponRunGrad: expected ${n} inputs, got ${ins.length}`);
      const d = ins[0]!;
      for (let i = 1; i < n; i++) {
        if (!sameShape(ins[i]!.shape, d.shape.slice(1))) {
          throw new SpikegradError(`dualExponRunGrad: input ${i} expected ${fmtShape(d.shape.slice(1))}, got ${fmtShape(ins[i]!.shape)}`);
        }
      }
      return [seqOut(d), stateOut(d), stateOut(d)];
    },
  },
};
