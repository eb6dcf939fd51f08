/** Compares a peer's loss and gradients with the float64 reference on the same problem. */
import type { PeerModel } from './model.js';
import { makeProblem, PARAM_NAMES, type PeerWorkload, type Problem } from './problem.js';
import { referenceLossAndGrads, RELU_GRAD, type ReferenceResult } from './reference.js';

export interface GradError {
  /** max |peer − reference| */
  maxAbsErr: number;
  /** max |reference|, the scale the error is judged against */
  maxAbsRef: number;
}

export interface CheckResult {
  ok: boolean;
  batch: number;
  /** Seed of the check problem's data and weights. */
  seed: number;
  lossRef: number;
  lossPeer: number;
  /** Per parameter (w1, b1, w2, b2; the rnn workload's w_in, b, w_rec). */
  grads: Record<string, GradError>;
  /** Largest maxAbsErr / maxAbsRef over the parameters. */
  worstRelErr: number;
  spikeRate: number;
  thresholdMargin: number;
  tolerance: { loss: number; relGrad: number };
}

/**
 * float32 against float64 over T steps, with no spike decided differently (see `findCheckProblem`): each
 * gradient must agree to 1e-5 of its largest entry (both peers land near 5e-7), and the loss to 1e-5 relative
 * (jax-js's wasm exp/log are approximations: its loss sits 1–3e-6 from float64 where TF.js's is within 1e-7).
 */
export const CHECK_TOLERANCE = { loss: 1e-5, relGrad: 1e-5 } as const;

/**
 * Smallest |V − V_th| the check problem may contain. A float32 membrane carries rounding of order 1e-7 (more
 * after many steps); where the float64 one lies closer than that to threshold, the two can spike differently,
 * and one flipped spike moves dW2 by ~1e-4 of its scale: a real difference of the arithmetic, not an error.
 */
export const CHECK_MARGIN = 1e-5;

/**
 * The check problem: 'active' weights (neurons spike) at the workload's checkBatch, from the first seed at or
 * after `seed` whose float64 run keeps every membrane at least CHECK_MARGIN away from threshold.
 */
export function findCheckProblem(w: PeerWorkload, seed: number, tries = 64): { problem: Problem; reference: ReferenceResult } {
  for (let k = 0; k < tries; k++) {
    const problem = makeProblem(w, { seed: seed + k, params: 'active', batch: w.checkBatch });
    const reference = referenceLossAndGrads(problem, RELU_GRAD);
    if (reference.thresholdMargin >= CHECK_MARGIN) return { problem, reference };
  }
  throw new Error(`no check problem for '${w.name}' among seeds ${seed}..${seed + tries - 1} keeps membranes ${CHECK_MARGIN} from threshold`);
}

export async function checkPeer(model: PeerModel, problem: Problem, ref: ReferenceResult): Promise<CheckResult> {
  return compareGrads(PARAM_NAMES, await model.lossAndGrads(), ref, problem);
}

/**
 * A peer's loss and gradients (named `names`) against a float64 reference's, with CHECK_TOLERANCE: the
 * verdict of every workload's check (checkPeer; the rnn workload's Python peers, bench/peers/python.ts).
 */
export function compareGrads<K extends string>(
  names: readonly K[],
  peer: { loss: number; grads: Record<K, ArrayLike<number>> },
  ref: { loss: number; grads: Record<K, ArrayLike<number>>; spikeRate: number; thresholdMargin: number },
  problem: { batch: number; seed: number },
): CheckResult {
  const grads: Record<string, GradError> = {};
  let worstRelErr = 0;
  for (const k of names) {
    const a = peer.grads[k], e = ref.grads[k];
    if (a.length !== e.length) throw new Error(`peer gradient ${k} has ${a.length} entries, expected ${e.length}`);
    let maxAbsErr = 0, maxAbsRef = 0;
    for (let i = 0; i < e.length; i++) {
      const err = Math.abs(a[i]! - e[i]!);
      maxAbsErr = Number.isNaN(err) ? Infinity : Math.max(maxAbsErr, err);
      maxAbsRef = Math.max(maxAbsRef, Math.abs(e[i]!));
    }
    grads[k] = { maxAbsErr, maxAbsRef };
    worstRelErr = Math.max(worstRelErr, maxAbsRef > 0 ? maxAbsErr / maxAbsRef : maxAbsErr);
  }
  const lossOk = Math.abs(peer.loss - ref.loss) <= CHECK_TOLERANCE.loss * Math.max(1, Math.abs(ref.loss));
  return {
    ok: lossOk && worstRelErr <= CHECK_TOLERANCE.relGrad,
    batch: problem.batch,
    seed: problem.seed,
    lossRef: ref.loss,
    lossPeer: peer.loss,
    grads,
    worstRelErr,
    spikeRate: ref.spikeRate,
    thresholdMargin: ref.thresholdMargin,
    tolerance: { ...CHECK_TOLERANCE },
  };
}
