/**
 * What `spikegrad train` shows and writes: one line per epoch, the confusion matrix, and in --out the curves
 * as curves.json (the whole result), curves.csv (one row per epoch) and accuracy-curves.svg/png (training loss
 * above, train and test accuracy below; rendered by cli/plot.ts like compare's chart). The folder is checked
 * before training and the files are written as one set by cli/outputFiles.ts, as compare's are.
 */
import type { DigitsResult, EpochRecord } from '../train/digits.js';
import { prepareOutputDir, writeFilesAtomically } from './outputFiles.js';
import { renderSvg, svgToPng, type VegaLiteSpec } from './plot.js';

const pct = (v: number | null): string => (v === null ? '—' : `${(100 * v).toFixed(1)}%`);

export function describeRun(r: Pick<DigitsResult, 'config' | 'backend' | 'trainSize' | 'testSize'>): string {
  const c = r.config;
  const readout = c.loss.includes('membrane') ? 'leaky readout' : 'LIF';
  // Sequential digits: the 28×28 images read as rows (T = 28 of 28 inputs) or pixels (T = 784 of 1).
  const sequential = c.sequential === 'rows' ? 'T=28 rows of 28 px' : 'T=784 pixels';
  const net = c.sequential ? `recurrent SNN ${c.sequential === 'rows' ? 28 : 1}→${c.hidden} ${(c.neuron ?? 'lif').toUpperCase()} (recurrent)→10 ${readout}, ${sequential} as input currents, loss ${c.loss}`
    : c.model === 'mlp' ? `MLP 784→${c.hidden} ReLU→10 on raw pixels` : c.model === 'csnn' ? `CSNN ${c.channels?.[0] ?? 12}C5-MP2-${c.channels?.[1] ?? 64}C5-MP2-FC10 ${c.loss.includes('membrane') ? 'leaky readout' : 'LIF'}, T=${c.steps} ${c.encoder}-coded, loss ${c.loss}` : `SNN 784→${c.hidden} LIF→10 ${c.loss.includes('membrane') ? 'leaky readout' : 'LIF'}, T=${c.steps} ${c.encoder}-coded, loss ${c.loss}`;
  return `${c.dataset}: ${net}; ${r.trainSize} train / ${r.testSize} test images, ${c.shift ? `shifts of up to ${c.shift} px, ` : ''}batch ${c.batch}, Adam lr=${c.lr}${c.schedule === 'cosine' ? ' (cosine decay)' : ''}, seed ${c.seed}, ${r.backend} backend`;
}

export function formatEpoch(e: EpochRecord, epochs: number): string {
  const first = e.testAccuracyFirstSpike === null ? '' : ` (first spike ${pct(e.testAccuracyFirstSpike)})`;
  return `epoch ${String(e.epoch).padStart(String(epochs).length)}/${epochs}  train loss ${e.trainLoss.toFixed(4)}  train acc ${pct(e.trainAccuracy)}  test acc ${pct(e.testAccuracy)}${first}  ${(e.trainMs / 1000).toFixed(1)} s`;
}

/** The confusion matrix with row and column labels, and per-class recall. */
export function formatConfusion(r: Pick<DigitsResult, 'confusion' | 'classNames'>): string {
  const C = r.confusion.length;
  const labels = r.classNames.map((n) => (n.length > 6 ? n.slice(0, 6) : n));
  const w = Math.max(5, ...r.confusion.flat().map((v) => String(v).length), ...labels.map((l) => l.length)) + 1;
  const lw = Math.max(...labels.map((l) => l.length), 4);
  const head = `${'true\\pred'.padEnd(lw + 1)}${labels.map((l) => l.padStart(w)).join('')}   recall`;
  const rows = r.confusion.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return `${labels[i]!.padEnd(lw + 1)}${row.map((v) => String(v).padStart(w)).join('')}   ${total ? pct(row[i]! / total) : '—'}`;
  });
  return [`confusion matrix (test set, ${C} classes):`, head, ...rows].join('\n');
}

export function toCsv(r: DigitsResult): string {
  const lines = ['epoch,train_loss,train_accuracy,test_accuracy,test_accuracy_first_spike,train_seconds,test_seconds'];
  for (const e of r.epochs) lines.push([e.epoch, e.trainLoss, e.trainAccuracy, e.testAccuracy, e.testAccuracyFirstSpike ?? '', e.trainMs / 1000, e.testMs / 1000].join(','));
  return `${lines.join('\n')}\n`;
}

export function toJson(r: DigitsResult): string {
  return JSON.stringify(r, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2);
}

/** Loss above, accuracies below, one point per epoch. */
export function chartSpec(r: DigitsResult): VegaLiteSpec {
  const acc = r.epochs.flatMap((e) => [
    { epoch: e.epoch, series: 'train', accuracy: e.trainAccuracy },
    { epoch: e.epoch, series: 'test', accuracy: e.testAccuracy },
  ]);
  const x = { field: 'epoch', type: 'quantitative', title: 'Epoch', axis: { tickMinStep: 1 }, scale: { domainMin: 1, nice: false } };
  const last = r.epochs.at(-1);
  const best = r.epochs.reduce<EpochRecord | undefined>((b, e) => (!b || e.testAccuracy > b.testAccuracy ? e : b), undefined);
  const bestNote = best && last && best !== last ? ` (best ${pct(best.testAccuracy)}, epoch ${best.epoch})` : '';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${r.config.dataset === 'fashion' ? 'Fashion' : 'Digits'}: test accuracy ${last ? pct(last.testAccuracy) : '—'} after ${r.epochs.length} epoch${r.epochs.length === 1 ? '' : 's'}${bestNote}`,
      subtitle: describeRun(r).split('; '), fontSize: 18, subtitleFontSize: 11, subtitleColor: '#555', anchor: 'start', offset: 12,
    },
    background: 'white',
    padding: 16,
    vconcat: [
      {
        width: 640, height: 160,
        data: { values: r.epochs.map((e) => ({ epoch: e.epoch, loss: e.trainLoss })) },
        mark: { type: 'line', point: true, strokeWidth: 2.25, color: '#4c78a8' },
        encoding: { x, y: { field: 'loss', type: 'quantitative', title: 'Training loss', scale: { zero: false } } },
      },
      {
        width: 640, height: 240,
        data: { values: acc },
        mark: { type: 'line', point: true, strokeWidth: 2.25 },
        encoding: {
          x,
          y: { field: 'accuracy', type: 'quantitative', title: 'Accuracy', axis: { format: '.0%' }, scale: { zero: false } },
          color: { field: 'series', type: 'nominal', title: null, sort: ['train', 'test'], scale: { range: ['#f58518', '#54a24b'] }, legend: { orient: 'bottom-right', labelFontSize: 13 } },
        },
      },
    ],
    config: { font: 'DejaVu Sans', axis: { labelFontSize: 12, titleFontSize: 14, gridColor: '#e6e6e6' }, view: { stroke: '#bbb' } },
  };
}

/** The files `train` writes into --out. */
export const TRAIN_FILES = ['accuracy-curves.svg', 'accuracy-curves.png', 'curves.json', 'curves.csv'] as const;

/**
 * Checks --out before any training (cli/outputFiles.ts: created, a writable folder, earlier results kept
 * unless `force`); returns the folder's absolute path.
 */
export async function prepareOut(dir: string, force = false): Promise<string> {
  return prepareOutputDir(dir, { files: TRAIN_FILES, force, what: "train: option '--out'" });
}

/** Writes the chart (SVG and PNG), curves.json and curves.csv into the prepared folder as one set; returns their paths. */
export async function writeOutputs(r: DigitsResult, dir: string): Promise<string[]> {
  const svg = await renderSvg(chartSpec(r));
  const png = await svgToPng(svg);
  const contents: Record<(typeof TRAIN_FILES)[number], string | Uint8Array> = {
    'accuracy-curves.svg': svg, 'accuracy-curves.png': png, 'curves.json': toJson(r), 'curves.csv': toCsv(r),
  };
  return writeFilesAtomically(dir, TRAIN_FILES.map((name) => ({ name, contents: () => contents[name] })));
}
