/** What every peer implementation provides, whatever the framework. */
import type { Params } from './problem.js';

export interface PeerModel {
  /** Loss and parameter gradients at the current parameters, without an update (the correctness check). */
  lossAndGrads(): Promise<{ loss: number; grads: Params }>;
  /**
   * One full training step: forward over all T steps, backward (BPTT), Adam update of every parameter.
   * Resolves only after the device has finished the update (a readback of the loss and of the last
   * parameter updated), so wall time around it is the step's real cost.
   */
  trainStep(): Promise<number>;
  dispose(): void;
}

/** Adam as docs/numerics.md §6 (optax): bias-corrected, eps outside the sqrt, no weight decay. */
export const ADAM = { b1: 0.9, b2: 0.999, eps: 1e-8 } as const;
