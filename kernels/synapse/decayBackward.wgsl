// Backward of g_t = decay·g_{t−1} + x_t for element j: dx_t = ḡ_t = dG_t + decay·ḡ_{t+1}, dg0 = decay·ḡ_1.
fn decayBackward(j: u32) {
  let n = params.n;
  var carry = V(0.0);
  for (var k = 0u; k < params.steps; k++) {
    let o = (params.steps - 1u - k) * n + j;
    let gb = dG[o] + carry;
    dx[o] = gb;
    carry = params.decay * gb;
  }
  dg0[j] = carry;
}
