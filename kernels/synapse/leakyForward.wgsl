// r ← decay·r + x for element j (LeakyRateReadout's integrator; CPU twin leakyRunKernel).
fn leakyForward(j: u32) {
  let n = params.n;
  var r = r0[j];
  for (var t = 0u; t < params.steps; t++) {
    let o = t * n + j;
    r = params.decay * r + x[o];
    rs[o] = r;
  }
}
