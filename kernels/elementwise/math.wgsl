// f32 helpers of the elementwise template. WGSL's built-ins leave NaN, infinities and small arguments loosely
// specified (no expm1/log1p; tanh may be computed as a ratio of exponentials that overflows), so the ops whose
// accuracy matters to spikegrad are written out here. Twins: kernels/elementwise/cpu.ts (UNARY_CPU).

fn isnanf(x: f32) -> bool {
  // A bit test, not x != x: that comparison may be folded away by compilers that assume no NaNs.
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

// e^x - 1 without cancellation: the Taylor series on |x| < 0.5 (truncated after x^9: relative error < 1e-9),
// exp(x) - 1 beyond, where the subtraction loses less than one bit.
fn expm1_(x: f32) -> f32 {
  if (abs(x) < 0.5) {
    return x * (1.0 + x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x * (1.0 / 120.0 + x * (1.0 / 720.0
      + x * (1.0 / 5040.0 + x * (1.0 / 40320.0 + x * (1.0 / 362880.0)))))))));
  }
  return exp(x) - 1.0;
}

// ln(1 + x) without cancellation: 2 atanh(s) with s = x / (2 + x) on |x| < 0.5 (|s| <= 1/3; the odd series to
// s^13 leaves a relative error < 2e-8), log(1 + x) beyond. NaN below -1, as in JavaScript.
fn log1p_(x: f32) -> f32 {
  if (abs(x) < 0.5) {
    let s = x / (2.0 + x);
    let s2 = s * s;
    return 2.0 * s * (1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0
      + s2 * (1.0 / 11.0 + s2 * (1.0 / 13.0)))))));
  }
  return select(select(log(1.0 + x), -inff(), x == -1.0), nanf(), x < -1.0);
}

// Domain guards the built-ins leave undefined: log of 0 is -inf, of a negative number NaN; sqrt likewise.
fn log_(x: f32) -> f32 {
  return select(select(log(x), -inff(), x == 0.0), nanf(), x < 0.0);
}

fn sqrt_(x: f32) -> f32 {
  return select(sqrt(x), nanf(), x < 0.0);
}

// 1 / (1 + e^-x) with e = exp(-|x|) <= 1 in both branches, so nothing overflows for any x.
fn sigmoid_(x: f32) -> f32 {
  let e = exp(-abs(x));
  let r = 1.0 / (1.0 + e);
  return select(e * r, r, x >= 0.0);
}

// tanh through expm1(-2|x|) in (-1, 0]: no inf/inf for large |x|, no cancellation for small |x|.
fn tanh_(x: f32) -> f32 {
  let em = expm1_(-2.0 * abs(x));
  let t = -em / (2.0 + em);
  return select(t, -t, x < 0.0);
}

// a^b with JavaScript's Math.pow conventions where WGSL's pow (exp2(b log2 a)) is undefined: a <= 0, b = 0.
fn pow_(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (isnanf(a) || isnanf(b)) { return nanf(); }
  let isInt = floor(b) == b;
  let odd = isInt && abs(b) < 16777216.0 && (i32(b) & 1) == 1;
  if (a == 0.0) {
    let mag = select(0.0, inff(), b < 0.0);
    return select(mag, select(mag, -mag, bitcast<u32>(a) == 0x80000000u), odd);
  }
  let m = exp2(b * log2(abs(a)));
  if (a > 0.0) { return m; }
  if (!isInt) { return nanf(); }
  return select(m, -m, odd);
}

// a^p for an integer p, by repeated squaring: exact for p = 2 and within a few ulps for any p.
fn powi_(a: f32, p: i32) -> f32 {
  var r = 1.0;
  var base = a;
  var e = u32(abs(p));
  loop {
    if ((e & 1u) == 1u) { r = r * base; }
    e = e >> 1u;
    if (e == 0u) { break; }
    base = base * base;
  }
  return select(r, 1.0 / r, p < 0);
}
