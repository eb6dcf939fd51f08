// g_rise and g_decay decay (exp-Euler), both receive x, out = amp·(g_decay − g_rise) (CPU twin
// dualExponRunKernel). The final states are written once at the end.
struct State { gr: V, gd: V }
fn init(j: u32) -> State { return State(r0[j], d0[j]); }
fn step(t: u32, j: u32, s: ptr<function, State>) {
  let o = t * params.stride + j;
  let xi = x[o];
  let gr = ((*s).gr + ((-(*s).gr) / params.tauRise) * params.coefRise) + xi;
  let gd = ((*s).gd + ((-(*s).gd) / params.tauDecay) * params.coefDecay) + xi;
  ys[o] = params.amp * (gd - gr);
  (*s).gr = gr;
  (*s).gd = gd;
}
fn finish(j: u32, s: ptr<function, State>) {
  rT[j] = (*s).gr;
  dT[j] = (*s).gd;
}
