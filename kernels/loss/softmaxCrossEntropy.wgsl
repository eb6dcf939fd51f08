// Row statistics of the fused softmax cross-entropy (docs/numerics.md §7): m = max_c z and s = sum_c exp(z - m), so exp
// never overflows. One invocation per row (class counts are small); NaN in a row propagates as on the CPU.

// exp and log to about one float32 ulp. WGSL's built-ins are allowed several ulps (exp: 3 + 2|x| ulp), and
// lavapipe's exp is off by up to ~9 ulp (1.1e-6 relative, measured): the seed network's first loss came out
// ln 2 − 1.07e-6 instead of ln 2 + 1.9e-9 (docs/numerics.md §7). Both reduce the argument exactly (Cody–Waite)
// and evaluate a short polynomial on a small interval.

// e^x = 2^n · e^r, n = round(x / ln 2), r = x − n·ln 2 in [−0.347, 0.347]: ln 2 split in two (hi has 9 bits, so
// n·hi is exact), Taylor to degree 7 (truncation error r^8/8! < 2e-9 relative).
fn sceExp(x: f32) -> f32 {
  if (x != x) { return x; }
  if (x < -104.0) { return 0.0; }
  if (x > 88.73) { return inff(); }
  let n = round(x * 1.4426950408889634);
  let r = (x - n * 0.693359375) - n * -2.12194440e-4;
  let p = 1.0 + r * (1.0 + r * (0.5 + r * (0.16666667163372040 + r * (0.041666667908430100 + r * (0.0083333337679505348 + r * (0.0013888889225190878 + r * 0.00019841270113829523))))));
  // Two steps, so that 2^n for n down to −149 stays representable (a single ldexp by −149 would be out of range).
  let h = i32(n) / 2;
  return ldexp(ldexp(p, h), i32(n) - h);
}

// log x = k·ln 2 + log m with x = m·2^k, m in [√½, √2): log m = 2·atanh(f), f = (m − 1)/(m + 1), |f| ≤ 0.172,
// series to f^9 (truncation error < 3e-10). x ≤ 0, NaN and +∞ as WGSL's log would give them.
fn sceLog(x: f32) -> f32 {
  if (!(x > 0.0) || bitcast<u32>(x) >= 0x7f800000u) { return log(x); }
  var e = frexp(x);
  var m = e.fract; // in [0.5, 1)
  var k = f32(e.exp);
  if (m < 0.70710678118654752) { m = m * 2.0; k = k - 1.0; }
  let f = (m - 1.0) / (m + 1.0);
  let f2 = f * f;
  let s = 2.0 * f * (1.0 + f2 * (0.33333334 + f2 * (0.2 + f2 * (0.14285715 + f2 * 0.11111111))));
  return k * 0.693359375 + (s + k * -2.12194440e-4);
}

fn maxNan(a: f32, b: f32) -> f32 {
  let nan = (bitcast<u32>(a) & 0x7fffffffu) > 0x7f800000u || (bitcast<u32>(b) & 0x7fffffffu) > 0x7f800000u;
  return select(max(a, b), a + b, nan);
}

fn rowMaxSum(row: u32) -> vec2<f32> {
  var m = -inff();
  for (var c = 0u; c < params.C; c = c + 1u) { m = maxNan(m, z[row * params.C + c]); }
  var s = 0.0;
  for (var c = 0u; c < params.C; c = c + 1u) { s = s + sceExp(z[row * params.C + c] - m); }
  return vec2<f32>(m, s);
}
