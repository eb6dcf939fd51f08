// Reverse time for neuron j (CPU twin: lifRunGradKernel). carry is the gradient reaching V_t from step t+1,
// slope the surrogate slope of V_t's spike; cotS/cotV return the spike and membrane cotangents (0 when
// absent); surrogateGradV is the spkFun's σ' per lane.
// Params: decay = 1 − coef/τ, gain = coef·R/τ, invK = 1/k, detach (u32).
struct State { carry: V, slope: V }
fn init(j: u32) -> State {
  return State(V(0.0), surrogateGradV(surrogateArg(vs[(params.steps - 1u) * params.stride + j], V(0.0))));
}
fn step(t: u32, j: u32, s: ptr<function, State>) {
  let o = t * params.stride + j;
  let vbar = (*s).carry + cotS(o) * (*s).slope * params.invK + cotV(o);
  dx[o] = params.gain * vbar;
  var pv = v0[j];
  if (t > 0u) { pv = vs[o - params.stride]; }
  let sp = surrogateGradV(surrogateArg(pv, V(0.0)));
  (*s).slope = sp;
  let vrbar = params.decay * vbar;
  if (params.detach == 1u) {
    (*s).carry = vrbar;
  } else if (params.soft == 1u) {
    (*s).carry = vrbar * (1.0 - sp);
  } else {
    (*s).carry = vrbar * (1.0 - (pv - params.VReset) * sp * params.invK);
  }
}
fn finish(j: u32, s: ptr<function, State>) { dv0[j] = (*s).carry; }
