/**
 * The 5 braintools surrogates defined by their derivative alone (no smooth function: `fun` is undefined).
 * Formulas and defaults: braintools v0.3.0, `braintools/surrogate/_impl.py` (docs/numerics.md §3).
 */
import { Surrogate, readOptions } from './base.js';

/**
 * σ'(x) = max(α·w − α|x|, 0): a triangle of height α·w and half-width w; α = 0.3, w = 1.
 * The default of brainpy.state's LIF (docs/numerics.md §1): with these values it is Bellec et al.'s pseudo-derivative
 * γ·max(0, 1 − |x|), γ = 0.3. Evaluated as α·max(w − |x|, 0), which cannot overflow.
 * Bellec et al., NeurIPS (2018); Neftci, Mostafa & Zenke, IEEE Signal Processing Magazine 36(6) (2019).
 */
export class ReluGrad extends Surrogate {
  constructor(opts: { alpha?: number; width?: number } = {}) {
    const params = readOptions('ReluGrad', opts, { alpha: [0.3, 'positive'], width: [1, 'positive'] });
    super({ name: 'ReluGrad', params, grad: 'alpha * max(width - abs(x), 0)' });
  }
}

/**
 * σ'(x) = α·N(x; 0, σ) = α·e^{−x²/(2σ²)} / (√(2π)·σ); σ = 0.5, α = 0.5.
 * Yin, Corradi & Bohté, "Accurate and efficient time-domain classification with adaptive spiking recurrent
 * neural networks", Nature Machine Intelligence 3:905–913 (2021).
 */
export class GaussianGrad extends Surrogate {
  constructor(opts: { alpha?: number; sigma?: number } = {}) {
    const params = readOptions('GaussianGrad', opts, { alpha: [0.5, 'positive'], sigma: [0.5, 'positive'] });
    super({ name: 'GaussianGrad', params, grad: 'alpha / (sqrt(2*pi) * sigma) * exp(-x^2 / (2*sigma^2))' });
  }
}

/**
 * σ'(x) = scale·[(1 + h)·N(x; 0, σ) − h·N(x; σ, sσ) − h·N(x; −σ, sσ)], N the Gaussian density: a peak with
 * two wide negative side lobes; h = 0.15, s = 6, σ = 0.5, scale = 0.5.
 * Yin, Corradi & Bohté, Nature Machine Intelligence 3:905–913 (2021).
 */
export class MultiGaussianGrad extends Surrogate {
  constructor(opts: { h?: number; s?: number; sigma?: number; scale?: number } = {}) {
    const params = readOptions('MultiGaussianGrad', opts, {
      h: [0.15, 'nonNegative'], s: [6, 'positive'], sigma: [0.5, 'positive'], scale: [0.5, 'positive'],
    });
    super({
      name: 'MultiGaussianGrad', params,
      grad: 'scale * ((1 + h) * exp(-x^2 / (2*sigma^2)) / (sqrt(2*pi) * sigma)' +
        ' - h * exp(-(x - sigma)^2 / (2*(s*sigma)^2)) / (sqrt(2*pi) * s*sigma)' +
        ' - h * exp(-(x + sigma)^2 / (2*(s*sigma)^2)) / (sqrt(2*pi) * s*sigma))',
    });
  }
}

/**
 * σ'(x) = 1 / (α|x| + 1)²; α = 100 (a very sharp peak). With α = 25 it is SuperSpike / snnTorch's
 * fast_sigmoid: see `surrogate.fastSigmoid()`.
 * Zenke & Ganguli, "SuperSpike", Neural Computation 30(6) (2018); braintools cites Shrestha & Orchard (2018).
 */
export class InvSquareGrad extends Surrogate {
  constructor(opts: { alpha?: number } = {}) {
    const params = readOptions('InvSquareGrad', opts, { alpha: [100, 'positive'] });
    super({ name: 'InvSquareGrad', params, grad: '1 / (alpha*abs(x) + 1)^2' });
  }
}

/**
 * σ'(x) = e^{−α|x|}; α = 1 (SLAYER's spike-escape density with unit scale).
 * Shrestha & Orchard, "SLAYER: spike layer error reassignment in time", NeurIPS 31:1412–1421 (2018).
 */
export class SlayerGrad extends Surrogate {
  constructor(opts: { alpha?: number } = {}) {
    const params = readOptions('SlayerGrad', opts, { alpha: [1, 'positive'] });
    super({ name: 'SlayerGrad', params, grad: 'exp(-alpha*abs(x))' });
  }
}
