// ALIF: LIF plus the adaptation a (threshold V_th + β·a); V and a stay in registers across T.
// Params beyond LIF's: beta, tauA, coefA. Inputs x [T, n], v0 [n], a0 [n]; outputs spikes, vs, as_.
fn alifForward(j: u32) {
  let n = params.n;
  var v = v0[j];
  var a = a0[j];
  var last = spikeOf(v, params.beta * a);
  for (var t = 0u; t < params.steps; t++) {
    let o = t * n + j;
    v = integrate(v, last, x[o]);
    let ar = select(a, a + 1.0, last);
    a = ar + ((-ar) / params.tauA) * params.coefA;
    vs[o] = v;
    as_[o] = a;
    last = spikeOf(v, params.beta * a);
    spikes[o] = select(V(0.0), V(1.0), last);
  }
}
