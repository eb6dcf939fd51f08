/**
 * plot.rateHistogram: how many neurons fire at which rate, from a recorded spike trace (all its samples)
 * or from rates already computed.
 */
import { SpikegradError, describeValue } from '../engine/errors.js';
import { axes, frame, linear, num, svgDoc, type ChartOptions } from './svg.js';
import type { TraceLike } from './traces.js';
import { checkNumbers } from './svg.js';

export interface HistogramOptions extends ChartOptions {
  /** Number of bins (default 10). */
  bins?: number;
  /** The time step in ms (default 1), to turn a spike trace into rates. */
  dt?: number;
}

/** Each (sample, neuron)'s firing rate in Hz: spikes / (T·dt). */
export function firingRates(trace: TraceLike, dt = 1): number[] {
  const [T, S, n] = trace.shape as [number, number, number];
  const rates: number[] = [];
  for (let s = 0; s < S; s++) {
    for (let j = 0; j < n; j++) {
      let c = 0;
      for (let t = 0; t < T; t++) if (trace.data[(t * S + s) * n + j]! > 0.5) c++;
      rates.push(T > 0 ? (c / (T * dt)) * 1000 : 0);
    }
  }
  return rates;
}

/**
 * An SVG histogram: `bins` equal bins over [0, max rate]; bin i is a `<rect class="bar" data-count>` whose
 * height is its count. Input: a spike trace (rates per sample and neuron) or an array of rates in Hz.
 */
export function rateHistogram(input: TraceLike | ArrayLike<number>, opts: HistogramOptions = {}): string {
  const bins = opts.bins ?? 10;
  if (!(Number.isInteger(bins) && bins >= 1 && bins <= 1000)) throw new SpikegradError(`plot.rateHistogram: argument 'bins' expected an integer in [1, 1000], got ${describeValue(bins)}`);
  const rates = input && typeof input === 'object' && 'shape' in input ? firingRates(input as TraceLike, opts.dt ?? 1) : Array.from(checkNumbers('plot.rateHistogram', 'input', input));
  const hi = Math.max(...rates, 1e-9) || 1;
  const counts = new Array<number>(bins).fill(0);
  for (const r of rates) counts[Math.min(bins - 1, Math.floor((r / hi) * bins))]!++;
  const f = frame(opts);
  const top = Math.max(...counts, 1);
  const sx = linear(0, hi, f.left, f.right), sy = linear(0, top, f.bottom, f.top);
  const w = (f.right - f.left) / bins;
  const bars = counts.map((c, i) => `<rect class="bar" data-count="${c}" x="${num(f.left + i * w + 1)}" y="${num(sy(c))}" width="${num(Math.max(w - 2, 0.5))}" height="${num(f.bottom - sy(c))}" fill="#4c78a8"/>`);
  void sx;
  const ax = axes(f, { lo: 0, hi, label: 'firing rate (Hz)' }, { lo: 0, hi: top, label: 'neurons' });
  return svgDoc(f, opts.title, `${ax}<g class="bars">${bars.join('')}</g>`);
}
