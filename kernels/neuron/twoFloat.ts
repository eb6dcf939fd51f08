/** Two-float helpers for the WebGPU backward sweeps (twoFloat.wgsl; used by kernels/neuron and kernels/synapse). */
import { sweepTuning } from '../flags.js';
import twoFloatWgsl from './twoFloat.wgsl';

/** The WGSL helpers, compensated or plain per sweepTuning, and the program-key suffix that tells them apart. */
export function twoFloatHelpers(): { wgsl: string; key: string } {
  const c = sweepTuning.compensated;
  return { wgsl: `const COMPENSATED = ${c};\n${twoFloatWgsl}`, key: c ? '' : '|plain' };
}

/** The uniforms twoFloat.wgsl reads besides the constants: one = 1.0, opaque to the shader compiler. */
export const TWO_FLOAT_PARAMS = { one: 'f32' } as const;
export const twoFloatParams = { one: 1 };

/** A float64 constant as the uniforms name (hi) and nameLo: hi the nearest float32, lo its rounding error's nearest. */
export function splitF<N extends string>(name: N, x: number): Record<N | `${N}Lo`, number> {
  const hi = Math.fround(x);
  return { [name]: hi, [`${name}Lo`]: Math.fround(x - hi) } as Record<N | `${N}Lo`, number>;
}
