/**
 * Integrate-and-fire: brainpy.state `IF` (its IF.update), what nn.IF computes: τ dV/dt = −V + R·I
 * (BrainPy's docstring calls it a perfect integrator, but its code keeps the −V leak; spikegrad follows the
 * code), spike argument (V − V_th)/V_th, soft reset V − V_th (hard: to 0). That is LIF with V_rest = V_reset = 0,
 * with the same float order (dynamics/models/lif.ts). Defaults as brainpy.state: R = 1 Ω, τ = 5 ms, V_th = 1 mV.
 */
import type { NeuronDeclaration } from '../declaration.js';

const integrateAndFire = (reset: 'soft' | 'hard'): NeuronDeclaration => ({
  name: 'IF',
  input: { unit: 'mA' },
  states: { V: { unit: 'mV', init: 0 } },
  params: {
    R: { unit: 'ohm', default: 1 },
    tau: { unit: 'ms', default: 5, positive: true },
    V_th: { unit: 'mV', default: 1 },
  },
  update: { V: { expEuler: '(-V + R * I) / tau' } },
  spike: '(V - V_th) / V_th',
  reset: { V: reset === 'soft' ? { subtract: 'V_th' } : { to: '0' } },
});

/** IF with the soft reset (subtract V_th: nn.IF's default). */
export const IF_SOFT: NeuronDeclaration = integrateAndFire('soft');
/** IF with the hard reset (to 0 mV). */
export const IF_HARD: NeuronDeclaration = integrateAndFire('hard');
