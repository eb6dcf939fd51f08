/**
 * Charts for the CLI: a vega-lite spec is compiled to vega, rendered headless to SVG, and (for .png files)
 * rasterised by resvg. The libraries are loaded lazily so that commands without plots start fast.
 */
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { SpikegradError } from '../engine/errors.js';

export type VegaLiteSpec = Record<string, unknown>;

/** Renders `spec` to an SVG string. */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
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
  const { Resvg } = await import('@resvg/resvg-js');
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
