/**
 * The backward of softmaxCrossEntropy as a callable op, for its gradient rule in ops.ts. Not public: the
 * top-level export offers softmaxCrossEntropy, whose gradient the tape computes; tests reach this through
 * `spikegrad/internal`.
 */
import { run1 } from './dispatch.js';
import type { Tensor } from './tensor.js';

/** (softmax(logits) − onehot(labels)) · dy[:, None]: the backward of softmaxCrossEntropy. */
export function softmaxCrossEntropyGrad(logits: Tensor, labels: Tensor, dy: Tensor): Tensor {
  return run1('softmaxCrossEntropyGrad', [logits, labels, dy], {});
}
