/**
 * brainpy.state's `Expon` synapse (brainpy_state/_synapse.py, Expon.update: g = exp_euler_step(dg, g) with
 * dg = −g/τ, then g = g + x): a current or conductance g that decays with τ and receives its input as an
 * unscaled impulse after the decay (docs/numerics.md §2). Default τ = 8 ms as brainpy.state; g carries the
 * unit of its input (not checked). What nn.Expon computes.
 */
import type { SynapseDeclaration } from '../declaration.js';

export const EXPON: SynapseDeclaration = {
  name: 'Expon',
  states: { g: { init: 0 } },
  params: { tau: { unit: 'ms', default: 8, positive: true } },
  update: { g: { expEuler: '-g / tau', add: 'I' } },
  output: 'g',
};
