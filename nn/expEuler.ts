/**
 * Exponential-Euler constants (docs/numerics.md §0/§1, brainstate `exp_euler_step`): for a linear drift f(x) with
 * ∂f/∂x = J = −1/τ, one step is x + (dt·exprel(dt·J))·f(x), which is exactly x·e^(−dt/τ) + … in real
 * arithmetic. The constants are computed in the precision of the tensors, in the order JAX computes them:
 * J = fl(−1/τ), z = fl(dt·J), phi = fl(fl(expm1(z))/z), coef = fl(dt·phi). For dt = 1 ms and τ = 5, 10,
 * 20 ms this gives the table of docs/numerics.md (phi5 = 0.9063462018966675, …).
 */
import { rounderFor } from '../engine/dtype.js';
import { SpikegradError } from '../engine/errors.js';

export type FloatDType = 'float32' | 'float64';


/**
 * expm1(z)/z, with saiunit's Taylor branch near 0 (|z| ≤ 1e−4 in float32, 1e−8 in float64), where the
 * quotient would lose digits.
 */
export function exprel(z: number, dtype: FloatDType = 'float64'): number {
  const fr = rounderFor(dtype);
  const small = dtype === 'float32' ? 1e-4 : 1e-8;
  if (Math.abs(z) <= small) return fr(1 + z / 2 + (z * z) / 6);
  return fr(fr(Math.expm1(z)) / z);
}

export interface ExpEulerConstants {
  /** τ in ms, in the tensor's precision (the drift divides by it). */
  tau: number;
  /** dt·exprel(−dt/τ): the factor of the drift in x + coef·f(x). */
  coef: number;
}

/** The constants of the exponential-Euler step of dx/dt = f(x)/τ in `dtype`: τ and dt·exprel(−dt/τ), computed as the kernels use them. */
export function expEulerConstants(tauMs: number, dtMs: number, dtype: FloatDType): ExpEulerConstants {
  if (!(tauMs > 0) || !Number.isFinite(tauMs)) throw new SpikegradError(`expEulerConstants: tau expected a positive time in ms, got ${tauMs}`);
  const fr = rounderFor(dtype);
  const tau = fr(tauMs), dt = fr(dtMs);
  const z = fr(dt * fr(-1 / tau));
  return { tau, coef: fr(dt * exprel(z, dtype)) };
}

/** e^(−dt/τ) in the tensor's precision (LeakyRateReadout's decay). */
export function decayFactor(tauMs: number, dtMs: number, dtype: FloatDType): number {
  const fr = rounderFor(dtype);
  return fr(Math.exp(fr(-dtMs / tauMs)));
}
