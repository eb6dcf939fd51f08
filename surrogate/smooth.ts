/**
 * The 13 braintools surrogates that come with a smooth function σ(x) (used for plots; σ' is the gradient).
 * Formulas and defaults: braintools v0.3.0, `braintools/surrogate/_impl.py` (docs/numerics.md §3). Where a formula is
 * evaluated in a rearranged form, the form is algebraically identical and chosen so that no intermediate
 * overflows or cancels; test/surrogate/surrogate.test.ts checks every value against the formula as printed.
 * In all of them x is the normalised distance to threshold, (V − V_th)/(V_th − V_reset).
 */
import { Surrogate, readOptions } from './base.js';

/**
 * σ'(x) = α·s(αx)·(1 − s(αx)), σ(x) = s(αx), s the logistic function; α = 4.
 * Evaluated as α·e/(1 + e)² with e = e^{−α|x|} (`dsigmoid`): one exponential, no overflow, no cancellation.
 * Neftci, Mostafa & Zenke, IEEE Signal Processing Magazine 36(6):51–63 (2019); SpikingJelly's default.
 * @example new surrogate.Sigmoid({ alpha: 8 }).spike(v.sub(1))
 */
export class Sigmoid extends Surrogate {
  constructor(opts: { alpha?: number } = {}) {
    const params = readOptions('Sigmoid', opts, { alpha: [4, 'positive'] });
    super({ name: 'Sigmoid', params, grad: 'alpha * dsigmoid(alpha*x)', fun: 'sigmoid(alpha*x)' });
  }
}

/**
 * σ'(x) = α − α²|x| for |x| ≤ 1/α, else 0 (a triangle of height α); σ(x) its integral (0 below −1/α, 1 above
 * 1/α, (1 − α|x|/2)·αx + 1/2 between); α = 1.
 * Esser et al., PNAS 113(41) (2016); Wu et al., Front. Neurosci. 12:331 (2018); Bellec et al., NeurIPS (2018).
 */
export class PiecewiseQuadratic extends Surrogate {
  constructor(opts: { alpha?: number } = {}) {
    const params = readOptions('PiecewiseQuadratic', opts, { alpha: [1, 'positive'] });
    super({
      name: 'PiecewiseQuadratic', params,
      grad: 'abs(x) > 1/alpha ? 0 : alpha - alpha^2 * abs(x)',
      fun: 'x < -1/alpha ? 0 : (x > 1/alpha ? 1 : (1 - alpha*abs(x)/2) * alpha*x + 0.5)',
    });
  }
}

/**
 * σ'(x) = (α/2)·e^{−α|x|}; σ(x) = e^{αx}/2 for x < 0, 1 − e^{−αx}/2 for x ≥ 0; α = 1.
 * Both branches are written with e^{−α|x|} ≤ 1, so neither can overflow.
 * Neftci, Mostafa & Zenke, IEEE Signal Processing Magazine 36(6):51–63 (2019).
 */
export class PiecewiseExp extends Surrogate {
  constructor(opts: { alpha?: number } = {}) {
    const params = readOptions('PiecewiseExp', opts, { alpha: [1, 'positive'] });
    super({
      name: 'PiecewiseExp', params,
      grad: 'alpha/2 * exp(-alpha*abs(x))',
      fun: 'x < 0 ? exp(-alpha*abs(x))/2 : 1 - exp(-alpha*abs(x))/2',
    });
  }
}

/**
 * σ'(x) = α/2 / (1 + |αx|)²; σ(x) = x / (2/α + 2|x|) + 1/2; α = 1.
 * σ is evaluated as (x/2) / (1/α + |x|) + 1/2, which stays exact (→ 1) where 2|x| would overflow.
 * Zenke & Ganguli, Neural Computation 30(6) (2018) (SuperSpike's fast sigmoid); SpikingJelly `SoftSign`.
 */
export class SoftSign extends Surrogate {
  constructor(opts: { alpha?: number } = {}) {
    const params = readOptions('SoftSign', opts, { alpha: [1, 'positive'] });
    super({ name: 'SoftSign', params, grad: 'alpha * 0.5 / (1 + abs(alpha*x))^2', fun: '0.5*x / (1/alpha + abs(x)) + 0.5' });
  }
}

/**
 * σ'(x) = (α/2) / (1 + (π/2·αx)²); σ(x) = arctan(π/2·αx)/π + 1/2; α = 1 (braintools). snnTorch and
 * SpikingJelly call this ATan and default to α = 2: see `surrogate.atan()`.
 * Fang et al., "Incorporating learnable membrane time constant…", ICCV (2021).
 */
export class Arctan extends Surrogate {
  constructor(opts: { alpha?: number } = {}) {
    const params = readOptions('Arctan', opts, { alpha: [1, 'positive'] });
    super({ name: 'Arctan', params, grad: 'alpha * 0.5 / (1 + (pi/2*alpha*x)^2)', fun: 'atan(pi/2*alpha*x)/pi + 0.5' });
  }
}

/**
 * σ'(x) = 1 / (1/α + |x|); σ(x) = sign(x)·ln(1 + α|x|) (σ(0) = 0: not a smooth step); α = 1.
 * ln(1 + α|x|) is evaluated as log1p(α|x|) near 0 and as ln α + ln(1/α + |x|) beyond, so α|x| never overflows.
 * SpikingJelly `NonzeroSignLogAbs`; braintools cites Esser et al., NeurIPS (2015).
 */
export class NonzeroSignLog extends Surrogate {
  constructor(opts: { alpha?: number } = {}) {
    const params = readOptions('NonzeroSignLog', opts, { alpha: [1, 'positive'] });
    super({
      name: 'NonzeroSignLog', params,
      grad: '1 / (1/alpha + abs(x))',
      fun: 'sign(x) * (alpha*abs(x) < 1 ? log1p(alpha*abs(x)) : log(alpha) + log(1/alpha + abs(x)))',
    });
  }
}

/**
 * σ'(x) = (α/√π)·e^{−α²x²}; σ(x) = (1 + erf(αx))/2; α = 1.
 * Esser et al., NeurIPS (2015); Wu et al., Front. Neurosci. 12:331 (2018); Yin et al., ICONS (2020).
 */
export class ERF extends Surrogate {
  constructor(opts: { alpha?: number } = {}) {
    const params = readOptions('ERF', opts, { alpha: [1, 'positive'] });
    super({ name: 'ERF', params, grad: 'alpha / sqrt(pi) * exp(-(alpha*x)^2)', fun: '0.5 * (1 + erf(alpha*x))' });
  }
}

/**
 * σ'(x) = 1/(2w) for |x| ≤ w, else c; σ(x) = c(x + w) below −w, c(x − w) + 1 above w, x/(2w) + 1/2 between;
 * c = 0.01, w = 1.
 * Yin et al., BioCAS (2017); Wu et al., Front. Neurosci. 12:331 (2018); Kaiser et al. (DECOLLE), Front. Neurosci. 14:424 (2020).
 */
export class PiecewiseLeakyRelu extends Surrogate {
  constructor(opts: { c?: number; w?: number } = {}) {
    const params = readOptions('PiecewiseLeakyRelu', opts, { c: [0.01, 'nonNegative'], w: [1, 'positive'] });
    super({
      name: 'PiecewiseLeakyRelu', params,
      grad: 'abs(x) > w ? c : 1/(2*w)',
      fun: 'x < -w ? c*(x + w) : (x > w ? c*(x - w) + 1 : 0.5*x/w + 0.5)',
    });
  }
}

/**
 * The square wave's Fourier series, ω = 2π/T:
 *   σ'(x) = (4/T)·Σ_{i=1..n} cos((2i−1)ωx),  σ(x) = 1/2 + (2/π)·Σ_{i=1..n} sin((2i−1)ωx)/(2i−1);  n = 2, T = 8.
 * Both have period T, so they are evaluated at the phase fract(x/T): sin/cos never see a huge argument, and
 * x = ±1e30 or ±Infinity gives the value at phase 0 instead of NaN.
 * SpikingJelly `SquarewaveFourierSeries`.
 */
export class SquarewaveFourierSeries extends Surrogate {
  constructor(opts: { n?: number; tPeriod?: number } = {}) {
    const params = readOptions('SquarewaveFourierSeries', opts, { n: [2, 'positiveInteger'], tPeriod: [8, 'positive'] });
    super({
      name: 'SquarewaveFourierSeries', params,
      grad: '4/tPeriod * sum(i, 1, n, cos((2*i - 1) * 2*pi * fract(x/tPeriod)))',
      fun: '0.5 + 2/pi * sum(i, 1, n, sin((2*i - 1) * 2*pi * fract(x/tPeriod)) / (2*i - 1))',
    });
  }
}

/**
 * σ'(x) = α·s(αx)·(1 − s(αx)) for x < 0, β/(x + 1) for x ≥ 0; σ(x) = s(αx) for x < 0,
 * β·ln(|x + 1| + ε) + 1/2 for x ≥ 0; α = 4, β = 1, ε = 1e−8.
 * Suetake et al., "S2NN: time step reduction of spiking surrogate gradients…", arXiv:2201.10879 (2022).
 */
export class S2NN extends Surrogate {
  constructor(opts: { alpha?: number; beta?: number; epsilon?: number } = {}) {
    const params = readOptions('S2NN', opts, { alpha: [4, 'positive'], beta: [1, 'positive'], epsilon: [1e-8, 'nonNegative'] });
    super({
      name: 'S2NN', params,
      grad: 'x < 0 ? alpha * dsigmoid(alpha*x) : beta / (max(x, 0) + 1)',
      fun: 'x < 0 ? sigmoid(alpha*x) : beta * log(abs(max(x, 0) + 1) + epsilon) + 0.5',
    });
  }
}

/**
 * σ'(x) = (1 + 2|x|/(α + 1))^{−α} (a q-Gaussian-like tail, heavier for small α); σ(x) its integral centred at
 * (0, 1/2): 1/2 + sign(x)·(α+1)/(2(1−α))·((1 + 2|x|/(α+1))^{1−α} − 1), or ·(α+1)/2·ln(1 + 2|x|/(α+1)) at α = 1;
 * α = 2.
 * Both are evaluated through L = ln(1 + 2|x|/(α+1)): log1p near 0, ln(2/(α+1)) + ln((α+1)/2 + |x|) beyond, so
 * 2|x|/(α+1) never overflows (it would for α < 1 and |x| near float32 max, where σ is still representable).
 * Herranz-Celotti & Rouat, "Surrogate gradients design", arXiv:2202.00282 (2022).
 */
export class QPseudoSpike extends Surrogate {
  constructor(opts: { alpha?: number } = {}) {
    const params = readOptions('QPseudoSpike', opts, { alpha: [2, 'positive'] });
    const L = '(abs(x) < (alpha + 1)/2 ? log1p(2/(alpha + 1) * abs(x)) : log(2/(alpha + 1)) + log((alpha + 1)/2 + abs(x)))';
    super({
      name: 'QPseudoSpike', params,
      grad: `exp(-alpha * ${L})`,
      fun: params.alpha === 1
        ? `0.5 + sign(x) * (alpha + 1)/2 * ${L}`
        : `0.5 + sign(x) * (alpha + 1)/(2*(1 - alpha)) * (exp((1 - alpha) * ${L}) - 1)`,
    });
  }
}

/**
 * σ'(x) = α for x < 0, β for x ≥ 0; σ(x) = αx for x < 0, βx for x ≥ 0; α = 0.1, β = 1.
 * SpikingJelly `LeakyKReLU`.
 */
export class LeakyRelu extends Surrogate {
  constructor(opts: { alpha?: number; beta?: number } = {}) {
    const params = readOptions('LeakyRelu', opts, { alpha: [0.1, 'nonNegative'], beta: [1, 'nonNegative'] });
    super({ name: 'LeakyRelu', params, grad: 'x < 0 ? alpha : beta', fun: 'x < 0 ? alpha*x : beta*x' });
  }
}

/**
 * σ'(x) = α for x ≤ 0, 1 for 0 < x ≤ 1, 1/x for x > 1; σ(x) = αx, x, 1 + ln x on the same pieces
 * (continuous at 1, as in braintools v0.3.0); α = 0.
 * Cai et al., "Deep learning with low precision by half-wave Gaussian quantization", CVPR (2017).
 */
export class LogTailedRelu extends Surrogate {
  constructor(opts: { alpha?: number } = {}) {
    const params = readOptions('LogTailedRelu', opts, { alpha: [0, 'nonNegative'] });
    super({
      name: 'LogTailedRelu', params,
      grad: 'x > 1 ? 1/max(x, 1) : (x > 0 ? 1 : alpha)',
      fun: 'x > 1 ? 1 + log(max(x, 1)) : (x > 0 ? x : alpha*x)',
    });
  }
}
