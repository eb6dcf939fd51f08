// Row statistics of the fused softmax cross-entropy (SPEC §7): m = max_c z and s = sum_c exp(z - m), so exp
// never overflows. One invocation per row (class counts are small); NaN in a row propagates as on the CPU.

fn maxNan(a: f32, b: f32) -> f32 {
  let nan = (bitcast<u32>(a) & 0x7fffffffu) > 0x7f800000u || (bitcast<u32>(b) & 0x7fffffffu) > 0x7f800000u;
  return select(max(a, b), a + b, nan);
}

fn rowMaxSum(row: u32) -> vec2<f32> {
  var m = -inff();
  for (var c = 0u; c < params.C; c = c + 1u) { m = maxNan(m, z[row * params.C + c]); }
  var s = 0.0;
  for (var c = 0u; c < params.C; c = c + 1u) { s = s + exp(z[row * params.C + c] - m); }
  return vec2<f32>(m, s);
}
