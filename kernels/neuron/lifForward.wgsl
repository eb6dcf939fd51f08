// LIF forward for neuron (and batch element) j, V in a register across T. Writes the spikes and V after each
// step (what the backward pass needs); inputs x [T, n], v0 [n]. `last` is the spike of V_t: step t's output
// and step t+1's reset.
struct State { v: V, last: B }
fn init(j: u32) -> State {
  let v = v0[j];
  return State(v, spikeOf(v, V(0.0)));
}
fn step(t: u32, j: u32, s: ptr<function, State>) {
  let o = t * params.stride + j;
  let v = integrate((*s).v, (*s).last, x[o]);
  vs[o] = v;
  let last = spikeOf(v, V(0.0));
  spikes[o] = select(V(0.0), V(1.0), last);
  (*s).v = v;
  (*s).last = last;
}
fn finish(j: u32, s: ptr<function, State>) {}
