/** The 18 braintools surrogates in SPEC.md §3 order, for the CLI, plots and the test suite. */
import type { Surrogate } from './base.js';
import { ReluGrad, GaussianGrad, MultiGaussianGrad, InvSquareGrad, SlayerGrad } from './gradOnly.js';
import {
  Sigmoid, PiecewiseQuadratic, PiecewiseExp, SoftSign, Arctan, NonzeroSignLog, ERF, PiecewiseLeakyRelu,
  SquarewaveFourierSeries, S2NN, QPseudoSpike, LeakyRelu, LogTailedRelu,
} from './smooth.js';

export interface CatalogEntry {
  readonly name: string;
  /** A new instance; `opts` as the class's constructor takes them. */
  readonly create: (opts?: Record<string, number>) => Surrogate;
}

type Ctor = new (opts?: Record<string, number>) => Surrogate;
const entry = (name: string, cls: Ctor): CatalogEntry => Object.freeze({ name, create: (opts?: Record<string, number>) => new cls(opts) });

export const CATALOG: readonly CatalogEntry[] = Object.freeze([
  entry('Sigmoid', Sigmoid),
  entry('PiecewiseQuadratic', PiecewiseQuadratic),
  entry('PiecewiseExp', PiecewiseExp),
  entry('SoftSign', SoftSign),
  entry('Arctan', Arctan),
  entry('NonzeroSignLog', NonzeroSignLog),
  entry('ERF', ERF),
  entry('PiecewiseLeakyRelu', PiecewiseLeakyRelu),
  entry('SquarewaveFourierSeries', SquarewaveFourierSeries),
  entry('S2NN', S2NN),
  entry('QPseudoSpike', QPseudoSpike),
  entry('LeakyRelu', LeakyRelu),
  entry('LogTailedRelu', LogTailedRelu),
  entry('ReluGrad', ReluGrad),
  entry('GaussianGrad', GaussianGrad),
  entry('MultiGaussianGrad', MultiGaussianGrad),
  entry('InvSquareGrad', InvSquareGrad),
  entry('SlayerGrad', SlayerGrad),
]);
