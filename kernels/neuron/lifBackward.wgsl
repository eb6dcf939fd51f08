// Reverse time for neuron j (CPU twin: lifRunGradKernel). carry is the gradient reaching V_t from step t+1;
// cotS/cotV return the spike and membrane cotangents (0 when absent); surrogateGradV is the spkFun's σ' per lane.
// Params: decay = 1 − coef/τ, gain = coef·R/τ, invK = 1/k, detach (u32).
fn lifBackward(j: u32) {
  let n = params.n;
  let last = params.steps - 1u;
  var carry = V(0.0);
  var slope = surrogateGradV(surrogateArg(vs[last * n + j], V(0.0)));
  for (var k = 0u; k < params.steps; k++) {
    let t = last - k;
    let o = t * n + j;
    let vbar = carry + cotS(o) * slope * params.invK + cotV(o);
    dx[o] = params.gain * vbar;
    var pv = v0[j];
    if (t > 0u) { pv = vs[o - n]; }
    let sp = surrogateGradV(surrogateArg(pv, V(0.0)));
    slope = sp;
    let vrbar = params.decay * vbar;
    if (params.detach == 1u) {
      carry = vrbar;
    } else if (params.soft == 1u) {
      carry = vrbar * (1.0 - sp);
    } else {
      carry = vrbar * (1.0 - (pv - params.VReset) * sp * params.invK);
    }
  }
  dv0[j] = carry;
}
