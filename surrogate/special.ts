/**
 * The special function the surrogate language needs on the CPU, in float64 (its WGSL twin is in
 * compileWgsl.ts: float32 needs less).
 */

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * The error function to float64 accuracy (|error| < 1e−15), for ERF's smooth function.
 * |x| < 3: erf x = (2/√π)·e^{−x²}·Σₙ 2ⁿx^{2n+1}/(1·3·…·(2n+1)), a series of positive terms (no cancellation).
 * |x| ≥ 3: erfc x = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), the continued fraction
 * (Abramowitz & Stegun 7.1.6 and 7.1.14), evaluated backwards from a fixed depth.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const a = Math.abs(x);
  let r: number;
  if (a < 3) {
    const x2 = a * a;
    let term = a, sum = a;
    for (let n = 1; n < 200 && term > 1e-17 * sum; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
    }
    r = TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  } else {
    let f = a;
    for (let k = 60; k >= 1; k--) f = a + k / 2 / f;
    r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  }
  return x < 0 ? -r : r;
}

/**
 * expm1(z)/z in float64, with saiunit's Taylor branch 1 + z/2 + z²/6 for |z| <= 1e−8 where the quotient
 * would lose digits (nn/expEuler.ts has the float32 variant the layers round their constants with).
 */
export function exprel64(z: number): number {
  if (Math.abs(z) <= 1e-8) return 1 + z / 2 + (z * z) / 6;
  return Math.expm1(z) / z;
}
