// Adam, in place (twin: kernels/optim/cpu.ts adamUpdateKernel; optax scale_by_adam, docs/numerics.md §6): bias-corrected
// moments, eps outside the square root. c1 = 1 - beta1^step and c2 = 1 - beta2^step come from the host in
// float64, and so do 1 - beta1 and 1 - beta2 (as optax computes them: 1 - f32(0.999) in float32 is 1.3e-5 away from
// f32(0.001), an error every tiny-gradient step would carry). Coupled weight decay adds wd·p to the gradient; decoupled (AdamW) adds it to the update.

fn adamStep(i: u32) {
  let pi = p[i];
  let gi = select(g[i] + params.weightDecay * pi, g[i], params.decoupled != 0u);
  let m = params.oneMinusBeta1 * gi + params.beta1 * mu[i];
  let v = params.oneMinusBeta2 * (gi * gi) + params.beta2 * nu[i];
  mu[i] = m;
  nu[i] = v;
  var u = (m / params.c1) / (sqrt(v / params.c2) + params.eps);
  if (params.decoupled != 0u) { u = u + params.weightDecay * pi; }
  p[i] = pi - params.lr * u;
}
