// One invocation per neuron and batch element j < params.n: the whole time loop with V in a register.
// Writes the spikes and V after each step (what the backward pass needs); inputs x [T, n], v0 [n].
fn lifForward(j: u32) {
  let n = params.n;
  var v = v0[j];
  var last = spikeOf(v, V(0.0)); // the spike of V_t is step t's output and step t+1's reset
  for (var t = 0u; t < params.steps; t++) {
    let o = t * n + j;
    v = integrate(v, last, x[o]);
    vs[o] = v;
    last = spikeOf(v, V(0.0));
    spikes[o] = select(V(0.0), V(1.0), last);
  }
}
