// Expon synapse, one element j (a V: f32 or vec4): g ← g + coef·((−g)/τ), then g ← g + x (docs/numerics.md §2; CPU twin
// exponRunKernel). Writes g after every step (the output). Driven by sequenceElement (kernels/webgpu/quads.ts).
struct State { g: V }
fn init(j: u32) -> State { return State(g0[j]); }
fn step(t: u32, j: u32, s: ptr<function, State>) {
  let o = t * params.stride + j;
  var g = (*s).g;
  g = g + ((-g) / params.tau) * params.coef;
  g = g + x[o];
  gs[o] = g;
  (*s).g = g;
}
fn finish(j: u32, s: ptr<function, State>) {}
