/**
 * The Node half of plot/: an SVG rasterised to PNG by resvg (as the CLI's loss curves are), and charts
 * written atomically as .svg or .png. resvg and node:fs are loaded through run-time specifiers, so that the
 * browser bundle holds neither (in a page, insert the SVG string into the document).
 */
import { SpikegradError, describeValue } from '../engine/errors.js';
import { writeFileAtomic } from '../io/files.js';

const runtimeImport = (name: string): Promise<unknown> => import(/* webpackIgnore: true */ /* @vite-ignore */ name);

/** PNG bytes of `svg` at `scale`× its size, on a white background (Node: @resvg/resvg-js). */
export async function toPng(svg: string, scale = 2): Promise<Uint8Array> {
  if (typeof svg !== 'string' || !svg.startsWith('<svg')) throw new SpikegradError(`plot.toPng: argument 'svg' expected an SVG document string, got ${describeValue(svg)}`);
  if (!(typeof scale === 'number' && scale > 0 && scale <= 8)) throw new SpikegradError(`plot.toPng: argument 'scale' expected a number in (0, 8], got ${describeValue(scale)}`);
  let mod: { Resvg: new (svg: string, opts: unknown) => { render(): { asPng(): Uint8Array } } };
  try {
    mod = await runtimeImport('@resvg/resvg-js') as typeof mod;
  } catch (e) {
    throw new SpikegradError(`plot.toPng: rasterising needs Node and the optional package @resvg/resvg-js (npm install @resvg/resvg-js@2; ${e instanceof Error ? e.message : String(e)}); in a page, insert the SVG instead`);
  }
  const r = new mod.Resvg(svg, { fitTo: { mode: 'zoom', value: scale }, background: 'white', font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } });
  return r.render().asPng();
}

/** Writes `svg` to `file` as .svg, or as .png rasterised (Node), atomically. */
export async function save(svg: string, file: string): Promise<void> {
  if (typeof file !== 'string') throw new SpikegradError(`plot.save: argument 'file' expected a path ending in .svg or .png, got ${describeValue(file)}`);
  const ext = /\.(svg|png)$/i.exec(file)?.[1]?.toLowerCase();
  if (!ext) throw new SpikegradError(`plot.save: argument 'file' expected a path ending in .svg or .png, got '${file}'`);
  const bytes = ext === 'svg' ? new TextEncoder().encode(svg) : await toPng(svg);
  await writeFileAtomic('plot.save', file, bytes);
}
