// ALIF: LIF plus the adaptation a (threshold V_th + β·a); V and a stay in registers across T.
// Params beyond LIF's: beta, tauA, coefA. Inputs x [T, n], v0 [n], a0 [n]; outputs spikes, vs, as_.
struct State { v: V, a: V, last: B }
fn init(j: u32) -> State {
  let v = v0[j];
  let a = a0[j];
  return State(v, a, spikeOf(v, params.beta * a));
}
fn step(t: u32, j: u32, s: ptr<function, State>) {
  let o = t * params.stride + j;
  let v = integrate((*s).v, (*s).last, x[o]);
  let ar = select((*s).a, (*s).a + 1.0, (*s).last);
  let a = ar + ((-ar) / params.tauA) * params.coefA;
  vs[o] = v;
  as_[o] = a;
  let last = spikeOf(v, params.beta * a);
  spikes[o] = select(V(0.0), V(1.0), last);
  (*s).v = v;
  (*s).a = a;
  (*s).last = last;
}
fn finish(j: u32, s: ptr<function, State>) {}
