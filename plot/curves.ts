/**
 * plot.curves: loss or accuracy against the epoch, one line per series (e.g. per surrogate), with a legend.
 */
import { SpikegradError, describeValue } from '../engine/errors.js';
import { PALETTE, axes, checkNumbers, esc, frame, linear, num, svgDoc, type ChartOptions } from './svg.js';

/** One line of `plot.curves`: its legend name and its values per epoch. */
export interface Series {
  name: string;
  values: ArrayLike<number>;
}

export interface CurvesOptions extends ChartOptions {
  /** The y axis's label (default 'loss'). */
  yLabel?: string;
  /** The x axis's label (default 'epoch'). */
  xLabel?: string;
  /** Fixed y range [lo, hi]; default: the data's. */
  yRange?: readonly [number, number];
  /** The x axis spans at least this many points (a run still in progress keeps its axis). */
  length?: number;
  /** The x value of each point, shared by the series (default: the epochs 1, 2, …). */
  x?: ArrayLike<number>;
}

/**
 * An SVG line chart: series k is a `<polyline class="curve">` whose i-th point (epoch i + 1) lies at
 * x = left + i/(L−1)·width, L = the longest series (or `length`). NaN values leave gaps.
 */
export function curves(series: readonly Series[], opts: CurvesOptions = {}): string {
  if (!Array.isArray(series) || series.length === 0) throw new SpikegradError(`plot.curves: argument 'series' expected a non-empty array of { name, values }, got ${describeValue(series)}`);
  series.forEach((s, k) => {
    if (!s || typeof s.name !== 'string') throw new SpikegradError(`plot.curves: argument 'series[${k}]' expected { name: string, values }, got ${describeValue(s)}`);
    checkNumbers('plot.curves', `series[${k}].values`, s.values);
  });
  const L = Math.max(opts.length ?? 0, ...series.map((s) => s.values.length), 2);
  let [lo, hi] = opts.yRange ?? [Infinity, -Infinity];
  if (!opts.yRange) for (const s of series) for (const v of Array.from(s.values as ArrayLike<number>)) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
  if (hi === lo) { lo -= 0.5; hi += 0.5; }
  const f = frame(opts, { right: 130 });
  const xs = opts.x === undefined ? undefined : Array.from(checkNumbers('plot.curves', 'x', opts.x));
  if (xs && xs.length < L) throw new SpikegradError(`plot.curves: argument 'x' expected ${L} values (one per point), got ${xs.length}`);
  const [x0, x1] = xs ? [Math.min(...xs), Math.max(...xs)] : [1, L];
  const sxValue = linear(x0, x1, f.left, f.right);
  const sx = (i: number) => sxValue(xs ? xs[i]! : i + 1);
  const sy = linear(lo, hi, f.bottom, f.top);
  const lines = series.map((s, k) => {
    const color = PALETTE[k % PALETTE.length]!;
    const runs: string[][] = [[]];
    Array.from(s.values as ArrayLike<number>).forEach((v: number, i: number) => {
      if (Number.isFinite(v)) runs.at(-1)!.push(`${num(sx(i))},${num(sy(v))}`);
      else if (runs.at(-1)!.length) runs.push([]);
    });
    const polys = runs.filter((r) => r.length).map((r) => `<polyline class="curve" data-series="${esc(s.name)}" fill="none" stroke="${color}" stroke-width="2" points="${r.join(' ')}"/>`);
    const legend = `<g class="legend"><line x1="${f.right + 10}" x2="${f.right + 28}" y1="${f.top + 8 + 16 * k}" y2="${f.top + 8 + 16 * k}" stroke="${color}" stroke-width="2"/><text x="${f.right + 32}" y="${f.top + 8 + 16 * k}" dy="0.35em" font-family="DejaVu Sans, sans-serif" font-size="11" fill="#333">${esc(s.name)}</text></g>`;
    return polys.join('') + legend;
  });
  const ax = axes(f, { lo: x0, hi: x1, label: opts.xLabel ?? 'epoch' }, { lo, hi, label: opts.yLabel ?? 'loss' });
  return svgDoc(f, opts.title, `${ax}${lines.join('')}`);
}
