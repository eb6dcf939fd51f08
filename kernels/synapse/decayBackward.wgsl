// Backward of g_t = decay·g_{t−1} + x_t for element j, in reverse time: dx_t = ḡ_t = dG_t + decay·ḡ_{t+1},
// dg0 = decay·ḡ_1 (carry holds decay·ḡ_{t+1}; docs/numerics.md §2). The carry and decay are two-floats (kernels/neuron/twoFloat.wgsl):
// in one float32 chain the readout's ḡ (a constant dG summed over ~1/(1 − decay) steps) gathered a rounding
// bias, and 3.bias of the seed step was 54× the CPU float32 error (the seed-accuracy test).
struct State { carry: TwoF }
fn init(j: u32) -> State { return State(twoF(V(0.0), V(0.0))); }
fn step(t: u32, j: u32, s: ptr<function, State>) {
  let o = t * params.stride + j;
  let gb = addF((*s).carry, dG[o]);
  dx[o] = gb.hi;
  (*s).carry = mulF(gb, twoF(V(params.decay), V(params.decayLo)));
}
fn finish(j: u32, s: ptr<function, State>) { dg0[j] = (*s).carry.hi; }
