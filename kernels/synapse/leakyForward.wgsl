// r ← decay·r + x for element j (LeakyRateReadout's integrator; CPU twin leakyRunKernel).
struct State { r: V }
fn init(j: u32) -> State { return State(r0[j]); }
fn step(t: u32, j: u32, s: ptr<function, State>) {
  let o = t * params.stride + j;
  let r = params.decay * (*s).r + x[o];
  rs[o] = r;
  (*s).r = r;
}
fn finish(j: u32, s: ptr<function, State>) {}
