/**
 * What the plots read: a trace [T, samples, neurons] as nn.record returns it, or the same from any source.
 */
import { SpikegradError, describeValue } from '../engine/errors.js';

/** A recorded trace: `data` holds [T, samples, neurons] row-major (nn.Trace is one). */
export interface TraceLike {
  readonly data: ArrayLike<number>;
  readonly shape: readonly [number, number, number] | readonly number[];
}

/** The [T, n] matrix of one sample of `trace`, checked. */
export function sampleOf(where: string, trace: unknown, sample: number): { T: number; n: number; at: (t: number, j: number) => number } {
  const tr = trace as TraceLike;
  const shape = tr?.shape;
  if (!tr || typeof tr !== 'object' || !Array.isArray(shape) || shape.length !== 3 || !tr.data || typeof tr.data.length !== 'number') {
    throw new SpikegradError(`${where}: argument 'trace' expected a trace { data, shape: [T, samples, neurons] } (what nn.record's read() returns), got ${describeValue(trace)}`);
  }
  const [T, S, n] = shape as [number, number, number];
  if (tr.data.length !== T * S * n) throw new SpikegradError(`${where}: argument 'trace' has ${tr.data.length} values, expected T·samples·neurons = ${T * S * n}`);
  if (!(Number.isInteger(sample) && sample >= 0 && sample < S)) {
    throw new SpikegradError(`${where}: argument 'sample' expected an index below ${S} (the trace's samples), got ${describeValue(sample)}`);
  }
  return { T, n, at: (t, j) => tr.data[(t * S + sample) * n + j]! };
}
