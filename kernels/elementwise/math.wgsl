// f32 helpers of the elementwise template. WGSL's built-ins leave NaN, infinities and small arguments loosely
// specified (no expm1/log1p; tanh may be computed as a ratio of exponentials that overflows), so the ops whose
// accuracy matters to spikegrad are written out here. Twins: kernels/elementwise/cpu.ts (UNARY_CPU).

fn isnanf(x: f32) -> bool {
  // A bit test, not x != x: that comparison may be folded away by compilers that assume no NaNs.
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

// e^x to about 1 ulp for every x. Built-in exp may err by 3 + 2|x| ulp (Vulkan's bound; 14 ulp was seen at
// x = 88 on lavapipe): x = n ln2 + r with ln2 split in two (Cody-Waite, n·LN2_HI exact), |r| <= ln2/2, and
// the Taylor series of e^r to r^8 (error < 1e-9), scaled by 2^n. Results below 2^-126 may flush to zero,
// as WGSL permits.
fn exp_(x: f32) -> f32 {
  if (isnanf(x)) { return x; }
  if (x > 88.73) { return inff(); }
  if (x < -104.0) { return 0.0; }
  let n = round(x * 1.44269504);
  let r = (x - n * 0.693145752) - n * 1.42860677e-6;
  let p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0
    + r * (1.0 / 5040.0 + r * (1.0 / 40320.0))))))));
  // Two steps so that neither scale factor overflows on its own (n reaches 128 near the top of the range).
  let h = i32(n) / 2;
  return ldexp(ldexp(p, h), i32(n) - h);
}

// e^x - 1 without cancellation: the Taylor series on |x| < 0.5 (truncated after x^9: relative error < 1e-9),
// exp_(x) - 1 beyond, where the subtraction loses less than one bit.
fn expm1_(x: f32) -> f32 {
  if (abs(x) < 0.5) {
    return x * (1.0 + x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x * (1.0 / 120.0 + x * (1.0 / 720.0
      + x * (1.0 / 5040.0 + x * (1.0 / 40320.0 + x * (1.0 / 362880.0)))))))));
  }
  return exp_(x) - 1.0;
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
  let e = exp_(-abs(x));
  let r = 1.0 / (1.0 + e);
  return select(e * r, r, x >= 0.0);
}

// tanh through expm1(-2|x|) in (-1, 0]: no inf/inf for large |x|, no cancellation for small |x|.
fn tanh_(x: f32) -> f32 {
  let em = expm1_(-2.0 * abs(x));
  let t = -em / (2.0 + em);
  return select(t, -t, x < 0.0);
}

// a^b with JavaScript's Math.pow conventions where WGSL's pow (exp2(b log2 a)) is undefined: a <= 0, b = 0,
// a = -Infinity. Integer exponents up to 2^16 multiply (powi_: a few ulps); others go through exp2 and log2,
// whose relative error grows like |b log2 a| ulps (a float32 log2 carries no more digits).
fn pow_(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (isnanf(a) || isnanf(b)) { return nanf(); }
  let isInt = floor(b) == b;
  let odd = isInt && abs(b) < 16777216.0 && (i32(b) & 1) == 1;
  if (a == 0.0 || a == -inff()) {
    // 0^b and (-inf)^b are 0 or inf; the sign is a's when b is an odd integer.
    let mag = select(0.0, inff(), (b < 0.0) == (a == 0.0));
    let negative = bitcast<u32>(a) >= 0x80000000u;
    return select(mag, -mag, odd && negative);
  }
  if (isInt && abs(b) <= 65536.0) { return powi_(a, i32(b)); }
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

// sin and cos to a few ulps for |x| < 8192 (Cephes sinf/cosf): reduction by pi/4 with pi/4 split in three
// (Cody-Waite), then minimax polynomials on |z| <= pi/4. Built-in sin/cos are only bound to an absolute error
// of 2^-11 on [-pi, pi] by Vulkan. Beyond 8192 the reduction would need more digits of pi (Payne-Hanek) and the
// built-ins are used: lavapipe returns +-1 for sin(1e30).
fn sinCosPoly(z: f32, useCos: bool) -> f32 {
  let zz = z * z;
  if (useCos) {
    return ((2.443315711809948e-5 * zz - 1.388731625493765e-3) * zz + 4.166664568298827e-2) * zz * zz - 0.5 * zz + 1.0;
  }
  return ((-1.9515295891e-4 * zz + 8.3321608736e-3) * zz - 1.6666654611e-1) * zz * z + z;
}

// Octant j (0..3 after folding) and reduced argument of |x|.
fn octant(ax: f32) -> vec2<f32> {
  var j = u32(ax * 1.27323954473516); // 4/pi
  j = j + (j & 1u);                   // map to an even octant: z in [-pi/4, pi/4]
  let y = f32(j);
  let z = ((ax - y * 0.78515625) - y * 2.4187564849853515625e-4) - y * 3.77489497744594108e-8;
  return vec2<f32>(z, f32(j & 7u));
}

fn sin_(x: f32) -> f32 {
  let ax = abs(x);
  if (ax > 8192.0 || isnanf(x)) { return sin(x); }
  let o = octant(ax);
  var j = u32(o.y);
  var sign = select(1.0, -1.0, bitcast<u32>(x) >= 0x80000000u); // sin is odd; keeps -0
  if (j > 3u) { sign = -sign; j = j - 4u; }
  return sign * sinCosPoly(o.x, j == 2u);
}

fn cos_(x: f32) -> f32 {
  let ax = abs(x);
  if (ax > 8192.0 || isnanf(x)) { return cos(x); }
  let o = octant(ax);
  var j = u32(o.y);
  var sign = 1.0;
  if (j > 3u) { sign = -sign; j = j - 4u; }
  if (j > 1u) { sign = -sign; }
  return sign * sinCosPoly(o.x, j == 0u);
}
