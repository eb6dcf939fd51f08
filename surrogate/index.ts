/**
 * `surrogate`: the spike's Heaviside forward and the 18 braintools surrogate derivatives (docs/numerics.md §3),
 * custom surrogates, and the expression language they are all written in.
 * @example
 *   import { surrogate } from 'spikegrad';
 *   const sg = new surrogate.Sigmoid({ alpha: 8 });
 *   const s = sg.spike(v.sub(1));          // H(v − 1) forward, dy·σ'(v − 1) backward
 */
export { Surrogate, type SurrogateDefinition } from './base.js';
export {
  Sigmoid, PiecewiseQuadratic, PiecewiseExp, SoftSign, Arctan, NonzeroSignLog, ERF, PiecewiseLeakyRelu,
  SquarewaveFourierSeries, S2NN, QPseudoSpike, LeakyRelu, LogTailedRelu,
} from './smooth.js';
export { ReluGrad, GaussianGrad, MultiGaussianGrad, InvSquareGrad, SlayerGrad } from './gradOnly.js';
export { custom, type CustomSurrogateOptions, type Formula } from './custom.js';
export { atan, fastSigmoid, superSpike } from './aliases.js';
export { CATALOG, CLASSES, type CatalogEntry } from './catalog.js';
export * as expr from './exprApi.js';
