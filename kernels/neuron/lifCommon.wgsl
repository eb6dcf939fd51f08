// Shared by the LIF and ALIF kernels (kernels/neuron/webgpu.ts). The float order is SPEC §1's, as in the
// CPU twin (kernels/neuron/cpu.ts). Params: VTh, VReset, VRest, R, tau, coef, k (all f32), soft (u32).

// H(((V − V_th) − shift) / k): the spike decision, u >= 0 (so u = −0 spikes, like the CPU twin).
fn spikeOf(v: f32, shift: f32) -> bool {
  return ((v - params.VTh) - shift) / params.k >= 0.0;
}

// u = ((V − V_th) − shift) / k, the argument of the surrogate.
fn surrogateArg(v: f32, shift: f32) -> f32 {
  return ((v - params.VTh) - shift) / params.k;
}

// Reset by the previous spike (soft: V − k, hard: V − (V − V_reset)), then one exponential-Euler step.
fn integrate(pv: f32, spiked: bool, current: f32) -> f32 {
  var vr = pv;
  if (spiked) {
    if (params.soft == 1u) { vr = pv - params.k; } else { vr = pv - (pv - params.VReset); }
  }
  let num = (-vr + params.VRest) + params.R * current;
  return vr + (num / params.tau) * params.coef;
}
