// One invocation per element j < params.n: g ← g + coef·((−g)/τ), then g ← g + x (SPEC §2; CPU twin
// exponRunKernel). Writes g after every step (the output).
fn exponForward(j: u32) {
  let n = params.n;
  var g = g0[j];
  for (var t = 0u; t < params.steps; t++) {
    let o = t * n + j;
    g = g + ((-g) / params.tau) * params.coef;
    g = g + x[o];
    gs[o] = g;
  }
}
