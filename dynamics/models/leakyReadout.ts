/**
 * The integrator of brainpy.state's `LeakyRateReadout` (brainpy_state/_readout.py: r = decay·r + x W with
 * decay = exp(−dt/τ)): r ← decay·r + I. The decay factor is a parameter of its own because nn.LeakyRateReadout
 * computes it from τ and dt as it always has (nn/expEuler.ts decayFactor: e^(−dt/τ) of the unrounded dt and τ,
 * rounded once to the tensor's precision), which keeps the readout's bits where dt or τ is not a float32 number;
 * folding `exp(-dt / tau)` here would round dt and τ first. Default decay e^(−1/5): τ = 5 ms at dt = 1 ms.
 * nn.LeakyRateReadout projects its input by its weight first and runs this model on the projection.
 */
import type { SynapseDeclaration } from '../declaration.js';

export const LEAKY_READOUT: SynapseDeclaration = {
  name: 'LeakyReadout',
  states: { r: { init: 0 } },
  params: { decay: { default: Math.exp(-1 / 5) } },
  update: { r: 'decay * r + I' },
  output: 'r',
};
