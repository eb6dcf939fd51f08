/**
 * brainpy.state's `DualExpon` synapse (brainpy_state/_synapse.py, DualExpon.update): g_rise and g_decay decay
 * separately by exp-Euler steps (τ_rise, τ_decay), both receive the input as an impulse, and the output is
 * a·(g_decay − g_rise). `a` = (τd − τr)/(τr·τd)·A is a parameter of its own here because nn.DualExpon computes
 * it in float64 from τr, τd and A (by default A normalises the peak response to 1, which needs τr ≠ τd); the
 * kernels receive it rounded once to the tensor's precision. Defaults τr = 1 ms, τd = 10 ms as brainpy.state;
 * the default `a` is that of the normalised peak, (τd − τr)/(τr·τd)·τd/(τd − τr)·(τr/τd)^(τr/(τr − τd)).
 */
import type { SynapseDeclaration } from '../declaration.js';

const [TR, TD] = [1, 10];
const PEAK_A = (TD / (TD - TR)) * (TR / TD) ** (TR / (TR - TD));

export const DUAL_EXPON: SynapseDeclaration = {
  name: 'DualExpon',
  states: { g_rise: { init: 0 }, g_decay: { init: 0 } },
  params: {
    tau_rise: { unit: 'ms', default: TR, positive: true },
    tau_decay: { unit: 'ms', default: TD, positive: true },
    a: { unit: '1/ms', default: ((TD - TR) / TR / TD) * PEAK_A },
  },
  update: {
    g_rise: { expEuler: '-g_rise / tau_rise', add: 'I' },
    g_decay: { expEuler: '-g_decay / tau_decay', add: 'I' },
  },
  output: 'a * (g_decay - g_rise)',
};
