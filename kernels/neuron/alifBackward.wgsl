// Reverse time for ALIF neuron j (CPU twin: alifRunGradKernel). gV, gA: gradients reaching V_t and a_t from
// step t+1. A spike's slope is σ/k in V and −β·σ/k in a; the previous spike s' enters V' = V − K·s' and
// a' = a + s', so s̄' = −K·V̄' + ā' flows into both through u unless detached.
// Params beyond LIF's backward: beta, decayA = 1 − coefA/τ_a.
fn alifBackward(j: u32) {
  let n = params.n;
  let last = params.steps - 1u;
  var gV = V(0.0);
  var gA = V(0.0);
  var slope = surrogateGradV(surrogateArg(vs[last * n + j], params.beta * as_[last * n + j]));
  for (var k = 0u; k < params.steps; k++) {
    let t = last - k;
    let o = t * n + j;
    let g = cotS(o) * slope * params.invK;
    let vbar = gV + g + cotV(o);
    let abar = gA - params.beta * g + cotA(o);
    dx[o] = params.gain * vbar;
    var pv = v0[j];
    var pa = a0[j];
    if (t > 0u) { pv = vs[o - n]; pa = as_[o - n]; }
    let sp = surrogateGradV(surrogateArg(pv, params.beta * pa));
    slope = sp;
    let vrbar = params.decay * vbar;
    let arbar = params.decayA * abar;
    if (params.detach == 1u) {
      gV = vrbar;
      gA = arbar;
    } else {
      var K = V(params.k);
      if (params.soft == 0u) { K = pv - params.VReset; }
      let gs = (-K * vrbar + arbar) * sp * params.invK;
      gV = vrbar + gs;
      gA = arbar - params.beta * gs;
    }
  }
  dv0[j] = gV;
  da0[j] = gA;
}
