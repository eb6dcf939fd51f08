/**
 * float32 arithmetic in float64 registers. A float32 operation is the float64 operation rounded once with
 * Math.fround (float64 has more than twice float32's precision, so the double rounding is harmless for
 * + − × ÷). Division is the exception worth a helper: it is several times slower than a multiplication.
 */

/** Below this magnitude a float32 quotient is subnormal (or near it), where f32Div falls back to division. */
export const F32_SUBNORMAL_GUARD = 2 ** -125;

/**
 * fround(f32Div(n, 1/d, d)) === fround(n / d) for float32 n and d (d > 0): the quotient as a multiplication
 * by the reciprocal. Why it is exact: n·fl(1/d) is within 2⁻⁵² (relative) of n/d, while a quotient of two
 * float32 numbers lies either on a float32 number or at least 2⁻⁴⁹ (relative) away from every midpoint
 * between two of them (n − m·d ≠ 0 is a multiple of m's and d's last bits), and it lies exactly on a
 * midpoint only if d's odd factor is 1, i.e. d is a power of two, whose reciprocal is exact. Subnormal
 * float32 results have a fixed grid where that bound fails, so they take the real division.
 */
export function f32Div(n: number, recip: number, d: number): number {
  // Written as an if on Math.abs: the equivalent `q > g || q < -g ? q : n / d` measured 2.5× slower in a loop.
  let q = n * recip;
  if (Math.abs(q) < F32_SUBNORMAL_GUARD) q = n / d;
  return q;
}
