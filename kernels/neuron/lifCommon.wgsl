// Shared by the LIF and ALIF kernels (kernels/neuron/webgpu.ts). The float order is docs/numerics.md §1's, as in the
// CPU twin (kernels/neuron/cpu.ts). Params: VTh, VReset, VRest, R, tau, coef, k (all f32), soft (u32).
// V is f32 or vec4<f32> (four neurons per invocation), B the matching bool type (kernels/webgpu/quads.ts).

// H(((V − V_th) − shift) / k): the spike decision, u >= 0 (so u = −0 spikes, like the CPU twin).
fn spikeOf(v: V, shift: V) -> B {
  return ((v - params.VTh) - shift) / params.k >= V(0.0);
}

// u = ((V − V_th) − shift) / k, the argument of the surrogate.
fn surrogateArg(v: V, shift: V) -> V {
  return ((v - params.VTh) - shift) / params.k;
}

// Reset by the previous spike (soft: V − k, hard: V − (V − V_reset)), then one exponential-Euler step.
fn integrate(pv: V, spiked: B, current: V) -> V {
  let reset = select(pv - (pv - params.VReset), pv - params.k, params.soft == 1u);
  let vr = select(pv, reset, spiked);
  let num = (-vr + params.VRest) + params.R * current;
  return vr + (num / params.tau) * params.coef;
}
