// Reverse time for element j: ḡr_t = −amp·dOut_t + decayRise·ḡr_{t+1}, ḡd_t = amp·dOut_t + decayDecay·ḡd_{t+1},
// dx_t = ḡr_t + ḡd_t. cotRise/cotDecay give the final states' gradients (0 when absent).
struct State { cr: V, cd: V }
fn init(j: u32) -> State { return State(cotRise(j), cotDecay(j)); }
fn step(t: u32, j: u32, s: ptr<function, State>) {
  let o = t * params.stride + j;
  let g = params.amp * dOut[o];
  let br = (*s).cr - g;
  let bd = (*s).cd + g;
  dx[o] = br + bd;
  (*s).cr = params.decayRise * br;
  (*s).cd = params.decayDecay * bd;
}
fn finish(j: u32, s: ptr<function, State>) {
  dr0[j] = (*s).cr;
  dd0[j] = (*s).cd;
}
