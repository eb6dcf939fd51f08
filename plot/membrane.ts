/**
 * plot.membrane: the membrane potential of chosen neurons over time for one sample, with the firing
 * threshold drawn as a dashed line.
 */
import { SpikegradError, describeValue } from '../engine/errors.js';
import { PALETTE, axes, esc, frame, linear, num, svgDoc, type ChartOptions } from './svg.js';
import { sampleOf } from './traces.js';

export interface MembraneOptions extends ChartOptions {
  sample?: number;
  /** The time step in ms (default 1). */
  dt?: number;
  /** The threshold in mV (a LIF's VTh), drawn as a dashed line; omitted: none. */
  threshold?: number;
  /** Which of the recorded neurons (indices into the trace's neuron axis; default all, at most 10 drawn). */
  neurons?: readonly number[];
  /** Labels of the lines (default 'neuron <index>'). */
  labels?: readonly string[];
}

/**
 * An SVG of one `<polyline class="trace">` per neuron (the point of step t at x = left + t/(T−1)·width)
 * and a `<line class="threshold">` at the threshold.
 */
export function membrane(trace: unknown, opts: MembraneOptions = {}): string {
  const { T, n, at } = sampleOf('plot.membrane', trace, opts.sample ?? 0);
  const dt = opts.dt ?? 1;
  if (!(typeof dt === 'number' && dt > 0)) throw new SpikegradError(`plot.membrane: argument 'dt' expected a positive number of ms, got ${describeValue(dt)}`);
  const th = opts.threshold;
  if (th !== undefined && !(typeof th === 'number' && Number.isFinite(th))) throw new SpikegradError(`plot.membrane: argument 'threshold' expected a number (mV), got ${describeValue(th)}`);
  const which = opts.neurons ?? Array.from({ length: Math.min(n, 10) }, (_, j) => j);
  for (const j of which) if (!(Number.isInteger(j) && j >= 0 && j < n)) throw new SpikegradError(`plot.membrane: argument 'neurons' expected indices below ${n}, got ${describeValue(j)}`);
  let lo = th ?? Infinity, hi = th ?? -Infinity;
  for (const j of which) for (let t = 0; t < T; t++) { const v = at(t, j); if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }
  if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
  const pad = (hi - lo) * 0.05 || 0.5;
  [lo, hi] = [lo - pad, hi + pad];
  const f = frame(opts, { right: 110 });
  const sx = linear(0, Math.max(T - 1, 1), f.left, f.right), sy = linear(lo, hi, f.bottom, f.top);
  const lines = which.map((j, k) => {
    const pts: string[] = [];
    for (let t = 0; t < T; t++) pts.push(`${num(sx(t))},${num(sy(at(t, j)))}`);
    const color = PALETTE[k % PALETTE.length]!;
    const label = esc(opts.labels?.[k] ?? `neuron ${j}`);
    return `<polyline class="trace" data-neuron="${j}" fill="none" stroke="${color}" stroke-width="1.5" points="${pts.join(' ')}"/>` +
      `<text x="${f.right + 8}" y="${f.top + 12 + 14 * k}" font-family="DejaVu Sans, sans-serif" font-size="11" fill="${color}">${label}</text>`;
  });
  const thLine = th === undefined ? '' : `<line class="threshold" x1="${f.left}" x2="${f.right}" y1="${num(sy(th))}" y2="${num(sy(th))}" stroke="#e45756" stroke-dasharray="5 4"/><text x="${f.left + 4}" y="${num(sy(th) - 4)}" font-family="DejaVu Sans, sans-serif" font-size="11" fill="#e45756">threshold</text>`;
  const ax = axes(f, { lo: 0, hi: (T - 1) * dt, label: 'time (ms)' }, { lo, hi, label: 'membrane (mV)' });
  return svgDoc(f, opts.title, `${ax}${thLine}${lines.join('')}`);
}
