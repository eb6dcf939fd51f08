// Backward of g_t = decay·g_{t−1} + x_t for element j, in reverse time: dx_t = ḡ_t = dG_t + decay·ḡ_{t+1},
// dg0 = decay·ḡ_1 (carry holds decay·ḡ_{t+1}).
struct State { carry: V }
fn init(j: u32) -> State { return State(V(0.0)); }
fn step(t: u32, j: u32, s: ptr<function, State>) {
  let o = t * params.stride + j;
  let gb = dG[o] + (*s).carry;
  dx[o] = gb;
  (*s).carry = params.decay * gb;
}
fn finish(j: u32, s: ptr<function, State>) { dg0[j] = (*s).carry; }
