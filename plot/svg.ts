/**
 * The drawing core of plot/: a frame (size, margins, linear scales), axes with round ticks, and SVG text
 * assembled as a string. No DOM and no library, so the same code draws in Node (then rasterised by resvg,
 * plot/files.ts) and in a page (inserted as SVG), and a page's bundle stays small.
 */
import { SpikegradError, describeValue } from '../engine/errors.js';

/** The common options of every chart. */
export interface ChartOptions {
  /** Pixels (default 640 × 320). */
  width?: number;
  height?: number;
  title?: string;
}

/** Colours of series, in order (the tableau10 palette, as vega-lite's loss curves use). */
export const PALETTE = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];

/** Numbers in the SVG: two decimals, no trailing zeros (stable text for tests and diffs). */
export function num(v: number): string {
  return String(Math.round(v * 100) / 100);
}

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A linear map from [d0, d1] to [r0, r1] (a flat domain maps to the middle of the range). */
export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  if (d1 === d0) return () => (r0 + r1) / 2;
  const k = (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** About `count` round tick values (steps of 1, 2 or 5 × 10^k) covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return out;
}

/** The plotting area inside the margins. */
export interface Frame {
  width: number; height: number;
  left: number; top: number; right: number; bottom: number;
}

export function frame(opts: ChartOptions, margins: { left?: number; right?: number; top?: number; bottom?: number } = {}): Frame {
  const width = checkPixels('width', opts.width ?? 640), height = checkPixels('height', opts.height ?? 320);
  const m = { left: 56, right: 16, top: opts.title ? 30 : 12, bottom: 40, ...margins };
  if (width - m.left - m.right < 10 || height - m.top - m.bottom < 10) {
    throw new SpikegradError(`plot: argument 'width'/'height' expected room for the plot inside the margins, got ${width} × ${height}`);
  }
  return { width, height, left: m.left, top: m.top, right: width - m.right, bottom: height - m.bottom };
}

function checkPixels(name: string, v: unknown): number {
  if (!(typeof v === 'number' && Number.isFinite(v) && v >= 40 && v <= 10000)) {
    throw new SpikegradError(`plot: argument '${name}' expected a number of pixels in [40, 10000], got ${describeValue(v)}`);
  }
  return v;
}

/** The x axis at the frame's bottom and the y axis at its left, with ticks, labels and a title. */
export function axes(f: Frame, x: { lo: number; hi: number; label: string; ticks?: number[] }, y: { lo: number; hi: number; label: string; ticks?: number[] }): string {
  const sx = linear(x.lo, x.hi, f.left, f.right), sy = linear(y.lo, y.hi, f.bottom, f.top);
  const parts = [`<g class="axes" font-family="DejaVu Sans, sans-serif" font-size="11" fill="#333">`,
    `<line x1="${f.left}" y1="${f.bottom}" x2="${f.right}" y2="${f.bottom}" stroke="#888"/>`,
    `<line x1="${f.left}" y1="${f.top}" x2="${f.left}" y2="${f.bottom}" stroke="#888"/>`];
  for (const v of x.ticks ?? ticks(x.lo, x.hi)) {
    const px = num(sx(v));
    parts.push(`<line x1="${px}" y1="${f.bottom}" x2="${px}" y2="${f.bottom + 4}" stroke="#888"/><text x="${px}" y="${f.bottom + 15}" text-anchor="middle">${fmtTick(v)}</text>`);
  }
  for (const v of y.ticks ?? ticks(y.lo, y.hi)) {
    const py = num(sy(v));
    parts.push(`<line x1="${f.left - 4}" y1="${py}" x2="${f.left}" y2="${py}" stroke="#888"/><text x="${f.left - 6}" y="${py}" dy="0.35em" text-anchor="end">${fmtTick(v)}</text>`);
  }
  parts.push(`<text x="${num((f.left + f.right) / 2)}" y="${f.height - 6}" text-anchor="middle">${esc(x.label)}</text>`);
  parts.push(`<text transform="translate(14 ${num((f.top + f.bottom) / 2)}) rotate(-90)" text-anchor="middle">${esc(y.label)}</text>`);
  parts.push('</g>');
  return parts.join('');
}

function fmtTick(v: number): string {
  return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(0) : String(Number(v.toPrecision(6)));
}

/** The whole document: white background, title, body. */
export function svgDoc(f: Frame, title: string | undefined, body: string): string {
  const head = `<svg xmlns="http://www.w3.org/2000/svg" width="${f.width}" height="${f.height}" viewBox="0 0 ${f.width} ${f.height}">`;
  const t = title ? `<text class="title" x="${num(f.width / 2)}" y="19" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="13" font-weight="bold" fill="#222">${esc(title)}</text>` : '';
  return `${head}<rect width="100%" height="100%" fill="white"/>${t}${body}</svg>`;
}

/** Series of `values` checked finite-or-NaN numbers (NaN: a gap). */
export function checkNumbers(where: string, name: string, v: unknown): ArrayLike<number> {
  const ok = (Array.isArray(v) || ArrayBuffer.isView(v)) && Array.prototype.every.call(v, (x: unknown) => typeof x === 'number');
  if (!ok) throw new SpikegradError(`${where}: argument '${name}' expected an array of numbers, got ${describeValue(v)}`);
  return v as ArrayLike<number>;
}

/** Charts one above the other in one SVG document (each keeps its own size; the widest sets the width). */
export function stack(charts: readonly string[]): string {
  if (!Array.isArray(charts) || charts.length === 0 || !charts.every((c) => typeof c === 'string' && c.startsWith('<svg'))) {
    throw new SpikegradError(`plot.stack: argument 'charts' expected a non-empty array of SVG strings, got ${describeValue(charts)}`);
  }
  const sizes = charts.map((c) => {
    const m = /^<svg[^>]*\bwidth="([\d.]+)"[^>]*\bheight="([\d.]+)"/.exec(c);
    if (!m) throw new SpikegradError("plot.stack: argument 'charts' expected SVGs with width and height attributes (as plot's charts have)");
    return [Number(m[1]), Number(m[2])] as const;
  });
  const width = Math.max(...sizes.map((s) => s[0]));
  let y = 0;
  const parts = charts.map((c, i) => {
    const part = c.replace(/^<svg /, `<svg y="${y}" `);
    y += sizes[i]![1];
    return part;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}"><rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>`;
}
