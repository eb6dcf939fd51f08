/**
 * spikegrad's `plot` namespace: spike rasters, membrane traces, firing-rate histograms and loss/accuracy
 * curves as SVG strings, from the same code in Node and in a page; `toPng` and `save` write them in Node.
 * The traces come from nn.record (nn/record.ts).
 */
export { raster, RATE_MARGIN, type RasterOptions } from './raster.js';
export { membrane, type MembraneOptions } from './membrane.js';
export { rateHistogram, firingRates, type HistogramOptions } from './histogram.js';
export { curves, type Series, type CurvesOptions } from './curves.js';
export { toPng, save } from './files.js';
export type { TraceLike } from './traces.js';
export { stack, type ChartOptions } from './svg.js';
