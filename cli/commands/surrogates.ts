/**
 * `spikegrad surrogates`: the catalog of the 18 braintools surrogates (name, parameters, σ' at 0 and ±1),
 * and with `--plot FILE.svg|.png` a grid of 18 small panels drawing each derivative (and the smooth function
 * where one is defined), rendered by vega-lite → vega → SVG (→ PNG through resvg).
 */
import type { Command } from 'commander';
import { SpikegradError } from '../../engine/errors.js';
import { CATALOG } from '../../surrogate/catalog.js';
import type { Surrogate } from '../../surrogate/base.js';
import { writeChart, type VegaLiteSpec } from '../plot.js';

interface Row {
  name: string;
  params: string;
  gradAtMinus1: number;
  gradAt0: number;
  gradAtPlus1: number;
  fun: boolean;
}

export function catalogRows(): Row[] {
  return CATALOG.map((e) => {
    const s = e.create();
    return {
      name: s.name,
      params: Object.entries(s.params).map(([k, v]) => `${k}=${v}`).join(', '),
      gradAtMinus1: s.gradScalar(-1),
      gradAt0: s.gradScalar(0),
      gradAtPlus1: s.gradScalar(1),
      fun: s.funScalar !== undefined,
    };
  });
}

const num = (v: number) => (Math.abs(v) < 1e-12 ? '0' : Math.abs(v) < 1e-4 ? v.toExponential(3) : v.toPrecision(6).replace(/\.?0+$/, ''));

/** The catalog as an aligned text table. */
export function formatCatalog(rows: Row[]): string {
  const head = ['surrogate', 'parameters', "σ'(-1)", "σ'(0)", "σ'(+1)", 'fun'];
  const body = rows.map((r) => [r.name, r.params, num(r.gradAtMinus1), num(r.gradAt0), num(r.gradAtPlus1), r.fun ? 'yes' : '-']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const numeric = [false, false, true, true, true, false];
  const line = (cells: string[]) => cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

const GRAD = "σ′(x)  surrogate gradient", FUN = 'σ(x)  smooth function';
const LEGEND = { orient: 'top', direction: 'horizontal', labelFontSize: 12, labelLimit: 400, symbolStrokeWidth: 2.5, symbolSize: 300, columnPadding: 24 };

/** 'Sigmoid|alpha=4': the header draws the name bold on one line and the parameters below it. */
const GREEK: Record<string, string> = { alpha: 'α', beta: 'β', sigma: 'σ', epsilon: 'ε', tPeriod: 'T' };
const panelLabel = (s: Surrogate) => `${s.name}|${Object.entries(s.params).map(([k, v]) => `${GREEK[k] ?? k}=${v}`).join(', ')}`;

/** Long-format data for the plot: one row per surrogate, curve and x. */
function plotData(xs: number[]): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const e of CATALOG) {
    const s: Surrogate = e.create();
    const panel = panelLabel(s);
    for (const x of xs) {
      rows.push({ panel, curve: GRAD, x, y: s.gradScalar(x) });
      if (s.funScalar) rows.push({ panel, curve: FUN, x, y: s.funScalar(x) });
    }
  }
  return rows;
}

/** 18 labelled panels, 6 per row, each with its own y scale; the derivative solid, the smooth function dashed. */
export function surrogatePlotSpec(range = 3, points = 481): VegaLiteSpec {
  const xs = Array.from({ length: points }, (_, i) => -range + (2 * range * i) / (points - 1));
  const order = CATALOG.map((e) => panelLabel(e.create()));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'spikegrad surrogate gradients',
      subtitle: "the 18 braintools v0.3.0 surrogates at their default parameters; forward is always H(x) = [x ≥ 0]",
      anchor: 'start', fontSize: 18, subtitleFontSize: 12, subtitleColor: '#555', offset: 12,
    },
    data: { values: plotData(xs) },
    facet: {
      field: 'panel', type: 'nominal', sort: order, title: null,
      header: { labelExpr: "split(datum.value, '|')", labelFontSize: 10, labelFontWeight: 'bold', labelLineHeight: 13, labelPadding: 4, labelLimit: 240 },
    },
    columns: 6,
    spacing: { row: 14, column: 12 },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 190,
      height: 104,
      layer: [
        { mark: { type: 'rule', color: '#c8c8c8', strokeWidth: 0.8 }, encoding: { x: { datum: 0 } } },
        { mark: { type: 'rule', color: '#c8c8c8', strokeWidth: 0.8 }, encoding: { y: { datum: 0 } } },
        {
          mark: { type: 'line', strokeWidth: 1.8, clip: true },
          encoding: {
            x: { field: 'x', type: 'quantitative', title: null, scale: { domain: [-range, range], nice: false }, axis: { values: [-range, -range / 2, 0, range / 2, range], grid: false, labelFontSize: 9 } },
            y: { field: 'y', type: 'quantitative', title: null, axis: { tickCount: 4, grid: true, gridColor: '#eeeeee', labelFontSize: 9 } },
            color: {
              field: 'curve', type: 'nominal', title: null,
              scale: { domain: [GRAD, FUN], range: ['#1f6fb4', '#e07b1a'] },
              legend: LEGEND,
            },
            strokeDash: { field: 'curve', type: 'nominal', title: null, scale: { domain: [GRAD, FUN], range: [[1, 0], [5, 3]] }, legend: LEGEND },
          },
        },
      ],
    },
    config: { view: { stroke: '#dddddd' }, font: 'DejaVu Sans', background: 'white', padding: 16 },
  };
}

export function register(program: Command): void {
  program
    .command('surrogates')
    .description("the 18 surrogate gradients: name, parameters, σ' at -1, 0, +1; --plot draws them all")
    .option('--plot <file>', 'draw every derivative (and smooth function) in 18 panels to FILE.svg or FILE.png')
    .option('--range <r>', 'plot x over [-r, r]', '3')
    .option('--json', 'print the catalog as JSON')
    .action(async (opts: { plot?: string; range: string; json?: boolean }) => {
      const rows = catalogRows();
      console.log(opts.json ? JSON.stringify(rows, null, 2) : formatCatalog(rows));
      if (opts.plot) {
        const r = Number(opts.range);
        if (!(r > 0 && r <= 1e6)) throw new SpikegradError(`surrogates: argument '--range' expected a number in (0, 1e6], got '${opts.range}'`);
        await writeChart(surrogatePlotSpec(r), opts.plot);
        console.log(`wrote ${opts.plot}`);
      }
    });
}
