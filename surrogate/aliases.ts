/**
 * Factories under the names users of other libraries look for. Each returns one of the 18 braintools classes
 * with that library's defaults, so it prints as what it is (`Arctan(alpha=2)`); the 18 themselves keep the
 * braintools defaults (docs/numerics.md decision 4).
 */
import { Arctan } from './smooth.js';
import { InvSquareGrad } from './gradOnly.js';

/**
 * snnTorch's `surrogate.atan()` and SpikingJelly's `ATan`: α/2 / (1 + (π/2·αx)²) with α = 2 (their default),
 * i.e. braintools' Arctan at α = 2.
 */
export function atan(opts: { alpha?: number } = {}): Arctan {
  return new Arctan({ alpha: 2, ...opts });
}

/**
 * snnTorch's `surrogate.fast_sigmoid(slope=25)` (SuperSpike, Zenke & Ganguli 2018; Spyx `superspike(k=25)`):
 * 1 / (slope·|x| + 1)², i.e. braintools' InvSquareGrad at α = slope.
 */
export function fastSigmoid(opts: { slope?: number } = {}): InvSquareGrad {
  const { slope = 25, ...rest } = opts;
  return new InvSquareGrad({ alpha: slope, ...(rest as object) });
}

/** The same as fastSigmoid: SuperSpike's derivative, slope 25 by default. */
export const superSpike = fastSigmoid;
