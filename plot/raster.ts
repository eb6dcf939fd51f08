/**
 * plot.raster: the spikes of one layer for one sample, neurons × time, one mark per spike; optionally a
 * margin at the right with each neuron's firing rate as a bar.
 */
import { SpikegradError, describeValue } from '../engine/errors.js';
import { axes, esc, frame, linear, num, svgDoc, ticks, type ChartOptions } from './svg.js';
import { sampleOf } from './traces.js';

export interface RasterOptions extends ChartOptions {
  /** Which recorded sample (default 0). */
  sample?: number;
  /** The time step in ms (default 1), for the time axis and the rates. */
  dt?: number;
  /** Draw each neuron's firing rate (Hz) in a margin at the right (default false). */
  rates?: boolean;
  /** Colour of the spike marks. */
  color?: string;
}

/** Width of the firing-rate margin, in pixels. */
export const RATE_MARGIN = 90;

/**
 * An SVG raster: row j (from the top) is the j-th recorded neuron, column t the time step; a spike (value
 * > 0.5) is a `<rect class="spike">` of one step's width at (left + t·w, top + j·h).
 * @example writeFileSync('raster.svg', plot.raster(traces['r'], { rates: true, title: 'hidden layer' }));
 */
export function raster(trace: unknown, opts: RasterOptions = {}): string {
  const { T, n, at } = sampleOf('plot.raster', trace, opts.sample ?? 0);
  const dt = opts.dt ?? 1;
  if (!(typeof dt === 'number' && dt > 0 && Number.isFinite(dt))) throw new SpikegradError(`plot.raster: argument 'dt' expected a positive number of ms, got ${describeValue(dt)}`);
  const f = frame({ height: Math.min(640, 80 + 14 * n), ...opts }, { right: 16 + (opts.rates ? RATE_MARGIN : 0) });
  const cellW = (f.right - f.left) / Math.max(T, 1), cellH = (f.bottom - f.top) / Math.max(n, 1);
  const color = esc(opts.color ?? '#222');
  const marks: string[] = [];
  const counts = new Array<number>(n).fill(0);
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < n; j++) {
      if (!(at(t, j) > 0.5)) continue;
      counts[j]!++;
      marks.push(`<rect class="spike" x="${num(f.left + t * cellW)}" y="${num(f.top + j * cellH)}" width="${num(Math.max(cellW, 0.5))}" height="${num(Math.max(cellH - 1, 0.5))}"/>`);
    }
  }
  const yTicks = n <= 12 ? Array.from({ length: n }, (_, j) => j) : ticks(0, n - 1);
  // Neuron j's row is centred at top + (j + 0.5)·h: the y axis runs from -0.5 (top) to n - 0.5 (bottom).
  const ax = axes(f, { lo: 0, hi: T * dt, label: 'time (ms)' }, { lo: n - 0.5, hi: -0.5, label: 'neuron', ticks: yTicks });
  let margin = '';
  if (opts.rates) {
    const rates = counts.map((c) => (T > 0 ? (c / (T * dt)) * 1000 : 0));
    const hi = Math.max(...rates, 1);
    const x0 = f.right + 10, sx = linear(0, hi, x0, f.width - 16);
    const bars = rates.map((r, j) => `<rect class="rate" data-hz="${num(r)}" x="${x0}" y="${num(f.top + j * cellH + cellH * 0.15)}" width="${num(sx(r) - x0)}" height="${num(cellH * 0.7)}" fill="#4c78a8"/>`);
    margin = `<g class="rates">${bars.join('')}<text x="${f.width - 16}" y="${f.bottom + 30}" text-anchor="end" font-family="DejaVu Sans, sans-serif" font-size="11" fill="#333">rate (max ${num(hi)} Hz)</text></g>`;
  }
  return svgDoc(f, opts.title, `${ax}<g class="spikes" fill="${color}">${marks.join('')}</g>${margin}`);
}
