/** The 18 braintools surrogates by name and in docs/numerics.md §3 order, for the CLI, plots, training comparisons and tests. */
import type { Surrogate } from './base.js';
import { ReluGrad, GaussianGrad, MultiGaussianGrad, InvSquareGrad, SlayerGrad } from './gradOnly.js';
import {
  Sigmoid, PiecewiseQuadratic, PiecewiseExp, SoftSign, Arctan, NonzeroSignLog, ERF, PiecewiseLeakyRelu,
  SquarewaveFourierSeries, S2NN, QPseudoSpike, LeakyRelu, LogTailedRelu,
} from './smooth.js';

/** One surrogate of `surrogate.CATALOG`: its class name and a factory. */
export interface CatalogEntry {
  readonly name: string;
  /** A new instance; `opts` as the class's constructor takes them. */
  readonly create: (opts?: Record<string, number>) => Surrogate;
}

type Ctor = new (opts?: Record<string, number>) => Surrogate;

/** The 18 classes by name (for name → class lookups: CLI options, config files). */
export const CLASSES = Object.freeze({
  Sigmoid, PiecewiseQuadratic, PiecewiseExp, SoftSign, Arctan, NonzeroSignLog, ERF, PiecewiseLeakyRelu,
  SquarewaveFourierSeries, S2NN, QPseudoSpike, LeakyRelu, LogTailedRelu,
  ReluGrad, GaussianGrad, MultiGaussianGrad, InvSquareGrad, SlayerGrad,
});

/** The 18 in docs/numerics.md §3 order, each with a factory. */
export const CATALOG: readonly CatalogEntry[] = Object.freeze(Object.entries(CLASSES).map(([name, cls]): CatalogEntry =>
  Object.freeze({ name, create: (opts?: Record<string, number>) => new (cls as Ctor)(opts) })));
