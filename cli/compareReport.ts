/**
 * What `spikegrad compare` shows and writes: the summary table, curves.csv, curves.json and the loss-curve
 * chart (a vega-lite spec rendered by cli/plot.ts). Pure formatting of a CompareResult.
 */
import type { CompareResult } from '../train/compare.js';
import { writeFilesAtomically, type OutputFile } from './outputFiles.js';
import { renderSvg, svgToPng, type VegaLiteSpec } from './plot.js';

const fmtLoss = (v: number): string => (Number.isFinite(v) ? v.toFixed(4) : String(v));
const fmtPct = (v: number | null): string => (v === null ? '—' : `${(100 * v).toFixed(1)}%`);
const fmtSec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** The experiment in two short lines: the network and data, then the training (chart subtitle). */
export function describeConfigLines(r: CompareResult): [string, string] {
  const c = r.config;
  return [
    `${c.nIn}→${c.nRec}→${c.nOut} LIF network, T=${c.steps}, batch ${c.batch}, ${c.rateHz} Hz input`,
    `Adam lr=${c.lr}, ${c.epochs} epochs, ${c.seeds > 1 ? `${c.seeds} seeds from ${c.seed}` : `seed ${c.seed}`}, ${c.mode} mode, ${r.backend} backend`,
  ];
}

/** One line describing the experiment (table header). */
export function describeConfig(r: CompareResult): string {
  return describeConfigLines(r).join(', ');
}

/** The summary table, columns aligned, one row per surrogate. */
export function formatTable(r: CompareResult): string {
  const seeds = r.config.seeds > 1 ? ` (mean of ${r.config.seeds} seeds)` : '';
  const head = ['surrogate', 'first loss', 'last loss', 'min loss', `train acc`, 'epochs to 95%', 'wall time'];
  const rows = r.surrogates.map((s) => [
    s.label, fmtLoss(s.first), fmtLoss(s.last), fmtLoss(s.min), fmtPct(s.accuracy),
    s.epochsTo95 === null ? '—' : String(s.epochsTo95), fmtSec(s.wallMs),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const stopped = r.surrogates.flatMap((s) => s.runs.flatMap((run) => (run.stopped ? [`  ! ${run.stopped.message}`] : [])));
  return [
    `${describeConfig(r)}${seeds}`,
    '',
    line(head),
    widths.map((w) => '─'.repeat(w)).join('  '),
    ...rows.map(line),
    ...(stopped.length ? ['', ...stopped] : []),
    '',
    `epochs to 95%: first epoch whose loss is within 5% of the total drop (first − last loss). Total ${fmtSec(r.wallMs)}.`,
  ].join('\n');
}

/** Long-format CSV: one row per surrogate, seed and epoch. */
export function toCsv(r: CompareResult): string {
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = ['surrogate,seed,epoch,loss'];
  for (const s of r.surrogates) {
    for (const run of s.runs) run.losses.forEach((l, e) => lines.push(`${quote(s.label)},${run.seed},${e + 1},${l}`));
  }
  return `${lines.join('\n')}\n`;
}

/** JSON-safe copy (NaN and ±Infinity become strings, which JSON cannot hold as numbers). */
export function toJson(r: CompareResult): string {
  return JSON.stringify(r, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2);
}

/** The loss-curve chart: one labelled line per surrogate (mean over seeds), a min–max band when seeds > 1. */
export function chartSpec(r: CompareResult): VegaLiteSpec {
  const values = r.surrogates.flatMap((s) => s.curve.mean.map((m, e) => ({
    surrogate: `${s.label} (last ${fmtLoss(s.last)})`, epoch: e + 1, loss: m, lo: s.curve.lo[e], hi: s.curve.hi[e],
  }))).filter((v) => Number.isFinite(v.loss));
  const color = {
    field: 'surrogate', type: 'nominal', title: null, sort: r.surrogates.map((s) => `${s.label} (last ${fmtLoss(s.last)})`),
    scale: { scheme: r.surrogates.length <= 10 ? 'tableau10' : 'tableau20' },
    // Inside the plot (where loss curves leave room) for a few curves, beside it for many. Headless vega
    // estimates text widths generously: lift the label limit so labels are not cut.
    legend: { orient: r.surrogates.length <= 6 ? 'top-right' : 'right', labelFontSize: r.surrogates.length <= 6 ? 13 : 11, labelLimit: 1000, symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1, symbolSize: 300, padding: 6 },
  };
  const x = { field: 'epoch', type: 'quantitative', title: 'Epoch', axis: { tickMinStep: 1 }, scale: { domainMin: 1, nice: false } };
  const layers: Record<string, unknown>[] = [];
  if (r.config.seeds > 1) {
    layers.push({ mark: { type: 'area', opacity: 0.18 }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color } });
  }
  layers.push({
    mark: { type: 'line', strokeWidth: 2.25, interpolate: 'linear' },
    encoding: { x, y: { field: 'loss', type: 'quantitative', title: 'Training loss', scale: { zero: false } }, color },
  });
  const subtitle = [...describeConfigLines(r), ...(r.config.seeds > 1 ? [`lines: mean over ${r.config.seeds} seeds; bands: min–max`] : [])];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Effect of the surrogate gradient', subtitle, fontSize: 18, subtitleFontSize: 11, subtitleColor: '#555', anchor: 'start', offset: 12 },
    width: 680,
    height: 400,
    background: 'white',
    padding: 16,
    data: { values },
    layer: layers,
    config: { font: 'DejaVu Sans', axis: { labelFontSize: 12, titleFontSize: 14, gridColor: '#e6e6e6' }, view: { stroke: '#bbb' } },
  };
}

/** The raster file of a surrogate (compare --raster): its label made file-name safe. */
export function rasterFileName(label: string): string {
  return `raster-${label.replace(/[^A-Za-z0-9._=-]+/g, '-').replace(/^-+|-+$/g, '') || 'run'}`;
}

/**
 * compare --raster: per surrogate, raster-<label>.svg and .png: the hidden layer's spikes for the first
 * training sample before training (top) and after it (below), each with its firing-rate margin.
 */
export async function rasterFiles(r: CompareResult): Promise<OutputFile[]> {
  const { raster, stack } = await import('../plot/index.js');
  const files: OutputFile[] = [];
  for (const s of r.surrogates) {
    const run = s.runs[0];
    if (!run?.raster) continue;
    const opts = { dt: r.config.dt, rates: true, width: 720 };
    const before = raster(run.raster.before, { ...opts, title: `${s.label}: hidden layer before training (sample 0)` });
    const after = run.raster.after
      ? raster(run.raster.after, { ...opts, title: `${s.label}: after ${run.losses.length} epochs (loss ${run.losses.at(-1)!.toFixed(4)})` })
      : raster({ data: [], shape: [0, 1, 0] }, { ...opts, title: `${s.label}: stopped (${run.stopped?.message ?? 'no result'})`, height: 80 });
    const svg = stack([before, after]);
    const name = rasterFileName(s.label);
    files.push({ name: `${name}.svg`, contents: () => svg }, { name: `${name}.png`, contents: () => svgToPng(svg) });
  }
  return files;
}

/** The files `writeOutputs` writes, in this order. */
export const OUTPUT_FILES = ['loss-curves.svg', 'loss-curves.png', 'curves.json', 'curves.csv'] as const;

/**
 * Writes loss-curves.svg, loss-curves.png, curves.json and curves.csv into the existing folder `dir`, as a set
 * and atomically (outputFiles.ts: nothing is replaced unless all four are complete); returns their paths.
 */
export async function writeOutputs(r: CompareResult, dir: string, extra: readonly OutputFile[] = []): Promise<string[]> {
  let svg: Promise<string> | undefined;
  const chart = () => (svg ??= renderSvg(chartSpec(r))); // rendered once, rasterised for the PNG
  const contents = {
    'loss-curves.svg': chart,
    'loss-curves.png': async () => svgToPng(await chart()),
    'curves.json': () => toJson(r),
    'curves.csv': () => toCsv(r),
  };
  return writeFilesAtomically(dir, [...OUTPUT_FILES.map((name) => ({ name, contents: contents[name] })), ...extra]);
}
