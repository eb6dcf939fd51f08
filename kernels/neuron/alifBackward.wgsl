// Reverse time for ALIF neuron j (CPU twin: alifRunGradKernel). gV, gA: gradients reaching V_t and a_t from
// step t+1. A spike's slope is σ/k in V and −β·σ/k in a; the previous spike s' enters V' = V − K·s' and
// a' = a + s', so s̄' = −K·V̄' + ā' flows into both through u unless detached.
// Params beyond LIF's backward: beta, decayA = 1 − coefA/τ_a.
struct State { gV: V, gA: V, slope: V }
fn init(j: u32) -> State {
  let at = (params.steps - 1u) * params.stride + j;
  return State(V(0.0), V(0.0), surrogateGradV(surrogateArg(vs[at], params.beta * as_[at])));
}
fn step(t: u32, j: u32, s: ptr<function, State>) {
  let o = t * params.stride + j;
  let g = cotS(o) * (*s).slope * params.invK;
  let vbar = (*s).gV + g + cotV(o);
  let abar = (*s).gA - params.beta * g + cotA(o);
  dx[o] = params.gain * vbar;
  var pv = v0[j];
  var pa = a0[j];
  if (t > 0u) { pv = vs[o - params.stride]; pa = as_[o - params.stride]; }
  let sp = surrogateGradV(surrogateArg(pv, params.beta * pa));
  (*s).slope = sp;
  let vrbar = params.decay * vbar;
  let arbar = params.decayA * abar;
  if (params.detach == 1u) {
    (*s).gV = vrbar;
    (*s).gA = arbar;
  } else {
    var K = V(params.k);
    if (params.soft == 0u) { K = pv - params.VReset; }
    let gs = (-K * vrbar + arbar) * sp * params.invK;
    (*s).gV = vrbar + gs;
    (*s).gA = arbar - params.beta * gs;
  }
}
fn finish(j: u32, s: ptr<function, State>) {
  dv0[j] = (*s).gV;
  da0[j] = (*s).gA;
}
