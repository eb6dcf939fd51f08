// g_rise and g_decay decay (exp-Euler), both receive x, out = amp·(g_decay − g_rise) (CPU twin
// dualExponRunKernel). The final states are written once at the end.
fn dualExponForward(j: u32) {
  let n = params.n;
  var gr = r0[j];
  var gd = d0[j];
  for (var t = 0u; t < params.steps; t++) {
    let o = t * n + j;
    let xi = x[o];
    gr = (gr + ((-gr) / params.tauRise) * params.coefRise) + xi;
    gd = (gd + ((-gd) / params.tauDecay) * params.coefDecay) + xi;
    ys[o] = params.amp * (gd - gr);
  }
  rT[j] = gr;
  dT[j] = gd;
}
