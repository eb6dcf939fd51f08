// Reverse time for neuron j (CPU twin: lifRunGradKernel; docs/numerics.md §1, Backward pass). carry is the gradient reaching V_t from step t+1,
// slope the surrogate slope of V_t's spike; cotS/cotV return the spike and membrane cotangents (0 when
// absent); surrogateGradV is the spkFun's σ' per lane.
// Params: decay = 1 − coef/τ, gain = coef·R/τ (each split hi + Lo: float64 constants, like the CPU twin's),
// invK = 1/k, detach (u32).
// The carry (and v̄ made from it) is a two-float (twoFloat.wgsl): the CPU twin carries it in float64 and rounds
// only dx, and a float32 chain through T = 200 steps left the seed step's 0.bias 7× the CPU float32 error
// (the seed-accuracy test). The per-step terms (the surrogate slope, the reset factor's product) stay
// float32: their roundings enter once each and do not compound.
struct State { carry: TwoF, slope: V }
fn init(j: u32) -> State {
  return State(twoF(V(0.0), V(0.0)), surrogateGradV(surrogateArg(vs[(params.steps - 1u) * params.stride + j], V(0.0))));
}
fn step(t: u32, j: u32, s: ptr<function, State>) {
  let o = t * params.stride + j;
  let vbar = addF(addF((*s).carry, cotS(o) * (*s).slope * params.invK), cotV(o));
  dx[o] = mulF(vbar, twoF(V(params.gain), V(params.gainLo))).hi;
  var pv = v0[j];
  if (t > 0u) { pv = vs[o - params.stride]; }
  let sp = surrogateGradV(surrogateArg(pv, V(0.0)));
  (*s).slope = sp;
  let vrbar = mulF(vbar, twoF(V(params.decay), V(params.decayLo)));
  if (params.detach == 1u) {
    (*s).carry = vrbar;
  } else if (params.soft == 1u) {
    (*s).carry = mulF(vrbar, twoSumOrPlain(V(1.0), -sp));
  } else {
    (*s).carry = mulF(vrbar, twoSumOrPlain(V(1.0), -((pv - params.VReset) * sp * params.invK)));
  }
}
fn finish(j: u32, s: ptr<function, State>) { dv0[j] = (*s).carry.hi; }
