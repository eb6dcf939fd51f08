/** The declared neuron models (one file each; nn/models.ts turns them into layer classes) and the spike-free ones (nn/expon.ts, dualExpon.ts, readout.ts run them). */
export { LIF_SOFT, LIF_HARD } from './lif.js';
export { IF_SOFT, IF_HARD } from './if.js';
export { LIF_REF } from './lifRef.js';
export { IZHIKEVICH } from './izhikevich.js';
export { EXP_IF } from './expIF.js';
export { AD_EX_IF } from './adExIF.js';
export { QUA_IF } from './quaIF.js';
export { SYNAPTIC } from './synaptic.js';
export { ALPHA } from './alpha.js';
export { ALIF_SOFT, ALIF_HARD } from './alif.js';
export { EXPON } from './expon.js';
export { DUAL_EXPON } from './dualExpon.js';
export { LEAKY_READOUT } from './leakyReadout.js';
