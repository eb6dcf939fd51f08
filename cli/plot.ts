/**
 * Charts for the CLI: a vega-lite spec is compiled to vega, rendered headless to SVG, and (for .png files)
 * rasterised by resvg. The libraries are loaded lazily so that commands without plots start fast, and they are
 * optional peer dependencies: a library user installs no chart stack (~77 packages), and a command that draws
 * says which packages to install (README, "Installing").
 */
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { SpikegradError } from '../engine/errors.js';

export type VegaLiteSpec = Record<string, unknown>;

/** The chart packages with the versions package.json's peerDependencies name. */
export const CHART_PACKAGES = ['vega@6.2.0', 'vega-lite@6.4.1', '@resvg/resvg-js@2'] as const;

type ChartLibs = [typeof import('vega'), typeof import('vega-lite'), typeof import('@resvg/resvg-js')];
let chartLibs: Promise<ChartLibs> | null = null;

function isNotFound(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (module|package)/.test(String(e));
}

/**
 * Loads vega, vega-lite and resvg once; `what` (e.g. 'compare') names the command in the error when they are
 * not installed. Commands call it before their work, so a missing package costs no training run.
 */
export function loadChartLibs(what: string): Promise<ChartLibs> {
  chartLibs ??= Promise.all([import('vega'), import('vega-lite'), import('@resvg/resvg-js')]);
  return chartLibs.catch((e: unknown) => {
    chartLibs = null;
    if (!isNotFound(e)) throw e;
    throw new SpikegradError(`${what}: the charts need the optional packages vega, vega-lite and @resvg/resvg-js, which are not installed `
      + `(${e instanceof Error ? e.message.split('\n')[0] : String(e)}). Install them next to spikegrad with:  npm install ${CHART_PACKAGES.join(' ')}`);
  });
}

/** Renders `spec` to an SVG string. */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const [vega, vl] = await loadChartLibs('plot');
  const compiled = vl.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises an SVG string to PNG bytes at `scale`× its size. */
export async function svgToPng(svg: string, scale = 2): Promise<Uint8Array> {
  const { Resvg } = (await loadChartLibs('plot'))[2];
  const r = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return r.render().asPng();
}

/** Writes `spec` to `file` as .svg or .png (chosen by the extension). */
export async function writeChart(spec: VegaLiteSpec, file: string): Promise<void> {
  const ext = extname(file).toLowerCase();
  if (ext !== '.svg' && ext !== '.png') {
    throw new SpikegradError(`plot: argument 'file' expected a name ending in .svg or .png, got '${file}'`);
  }
  const svg = await renderSvg(spec);
  await writeFile(file, ext === '.svg' ? svg : await svgToPng(svg));
}
