/**
 * plot/: the drawings checked mark by mark: one spike mark per spike at its time step and neuron, the rate
 * margin's rates, the membrane's points and threshold line, the histogram's counts, the curves' points and
 * gaps, and PNGs whose pixels are dark where a spike was drawn.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { decodePng } from '../support/png.js';

const { plot } = sg;

/** The attributes of every `<tag class="cls" …>` in `svg`. */
function marks(svg: string, tag: string, cls: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const m of svg.matchAll(new RegExp(`<${tag} class="${cls}"([^>]*)/?>`, 'g'))) {
    out.push(Object.fromEntries([...m[1]!.matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])));
  }
  return out;
}
const r2 = (v: number) => Math.round(v * 100) / 100;

/** A [T, S, n] trace from a function of (t, s, j). */
function trace(T: number, S: number, n: number, f: (t: number, s: number, j: number) => number) {
  const data = new Float32Array(T * S * n);
  for (let t = 0; t < T; t++) for (let s = 0; s < S; s++) for (let j = 0; j < n; j++) data[(t * S + s) * n + j] = f(t, s, j);
  return { data, shape: [T, S, n] as [number, number, number] };
}

describe('plot.raster', () => {
  const [T, S, n] = [50, 2, 7];
  // Sample 1 spikes at t ≡ j (mod 5+j): a pattern with a different count per neuron; sample 0 never spikes.
  const tr = trace(T, S, n, (t, s, j) => (s === 1 && t % (5 + j) === j ? 1 : 0));

  it('draws one mark per spike at its step and neuron, and nothing for a silent sample', () => {
    const svg = plot.raster(tr, { sample: 1, width: 600, height: 200 });
    const got = marks(svg, 'rect', 'spike');
    const want: [number, number][] = [];
    for (let t = 0; t < T; t++) for (let j = 0; j < n; j++) if (t % (5 + j) === j) want.push([t, j]);
    expect(got.length).toBe(want.length);
    // The frame: left 56, right 600 - 16, top 12 (no title), bottom 200 - 40.
    const cw = (600 - 16 - 56) / T, ch = (200 - 40 - 12) / n;
    expect(got.map((a) => [Number(a.x), Number(a.y)])).toEqual(want.map(([t, j]) => [r2(56 + t * cw), r2(12 + j * ch)]));
    expect(marks(plot.raster(tr, { sample: 0 }), 'rect', 'spike')).toEqual([]);
  });

  it('the rate margin gives each neuron spikes / (T·dt) in Hz', () => {
    const svg = plot.raster(tr, { sample: 1, rates: true, dt: 0.5, title: 'hidden' });
    const hz = marks(svg, 'rect', 'rate').map((a) => Number(a['data-hz']));
    const counts = Array.from({ length: n }, (_, j) => Array.from({ length: T }, (_, t) => t % (5 + j) === j).filter(Boolean).length);
    expect(hz).toEqual(counts.map((c) => r2((c / (T * 0.5)) * 1000)));
    expect(svg).toContain('>hidden</text>');
  });

  it('draws the spikes nn.record recorded from a LIF layer', async () => {
    await sg.setBackend('cpu');
    sg.random.seed(5);
    const net = new sg.nn.Sequential(new sg.nn.Linear(8, 6, { wInit: new sg.init.Constant(0.4) }), new sg.nn.LIF(6, { tau: 4 }));
    const rec = sg.nn.record(net, { 1: { samples: [2] } });
    sg.nn.initAllStates(net, { batchSize: 3 });
    const xs = sg.random.rand([40, 3, 8]).lt(0.5).astype('float32');
    const spikes = Array.from(await net.run(xs).data());
    const traces = await rec.read();
    rec.dispose();
    const nSpikes = Array.from({ length: 40 * 6 }, (_, k) => spikes[(Math.floor(k / 6) * 3 + 2) * 6 + (k % 6)]!).reduce((a, b) => a + b, 0);
    expect(nSpikes).toBeGreaterThan(5);
    expect(marks(plot.raster(traces['1']!), 'rect', 'spike').length).toBe(nSpikes);
  });

  it('refuses what is not a trace, and a sample out of range', () => {
    expect(() => plot.raster({ data: [1, 2], shape: [2, 2] })).toThrow(/plot.raster: argument 'trace' expected a trace \{ data, shape: \[T, samples, neurons\] \}/);
    expect(() => plot.raster(tr, { sample: 2 })).toThrow(/plot.raster: argument 'sample' expected an index below 2/);
    expect(() => plot.raster({ data: [1], shape: [2, 1, 1] })).toThrow(/has 1 values, expected T·samples·neurons = 2/);
  });
});

describe('plot.membrane', () => {
  it('one line per neuron through every step, and the threshold line where the threshold is', () => {
    const T = 30;
    const tr = trace(T, 1, 3, (t, _s, j) => Math.sin(t / 4 + j) * (j + 1));
    const svg = plot.membrane(tr, { threshold: 1.5, neurons: [0, 2], width: 500, height: 300 });
    const lines = marks(svg, 'polyline', 'trace');
    expect(lines.map((l) => l['data-neuron'])).toEqual(['0', '2']);
    const pts = lines[1]!.points!.split(' ').map((p) => p.split(',').map(Number));
    expect(pts.length).toBe(T);
    const th = Number(marks(svg, 'line', 'threshold')[0]!.y1);
    // Above the threshold ⇔ drawn higher (smaller y) than its line.
    for (let t = 0; t < T; t++) expect(pts[t]![1]! < th, `t=${t}`).toBe(tr.data[t * 3 + 2]! > 1.5);
    // x of step t: left + t/(T−1)·(right − left), right = 500 − 110.
    expect(pts.map((p) => p[0])).toEqual(Array.from({ length: T }, (_, t) => r2(56 + (t / (T - 1)) * (500 - 110 - 56))));
  });
});

describe('plot.rateHistogram', () => {
  it('counts every (sample, neuron) in the bin of its rate', () => {
    // 4 neurons × 2 samples, T = 100 steps of 1 ms: 0, 10, 20 … 70 spikes → 0 … 700 Hz.
    const tr = trace(100, 2, 4, (t, s, j) => (t < (s * 4 + j) * 10 ? 1 : 0));
    expect(plot.firingRates(tr)).toEqual([0, 100, 200, 300, 400, 500, 600, 700].map((r) => r));
    const svg = plot.rateHistogram(tr, { bins: 4 });
    // Bins of 175 Hz: {0, 100}, {200, 300}, {400, 500}, {600, 700}.
    expect(marks(svg, 'rect', 'bar').map((b) => Number(b['data-count']))).toEqual([2, 2, 2, 2]);
    expect(marks(plot.rateHistogram([5, 5, 5, 50], { bins: 2 }), 'rect', 'bar').map((b) => Number(b['data-count']))).toEqual([3, 1]);
    expect(() => plot.rateHistogram(tr, { bins: 0 })).toThrow(/argument 'bins' expected an integer in \[1, 1000\], got number 0/);
  });
});

describe('plot.curves', () => {
  it('one line per series, a point per epoch, NaN as a gap', () => {
    const svg = plot.curves([{ name: 'Arctan', values: [0.69, 0.6, 0.5] }, { name: 'Sigmoid', values: [0.69, NaN, 0.55, 0.4] }], { yRange: [0.4, 0.7] });
    const lines = marks(svg, 'polyline', 'curve');
    expect(lines.map((l) => l['data-series'])).toEqual(['Arctan', 'Sigmoid', 'Sigmoid']);
    expect(lines.map((l) => l.points!.split(' ').length)).toEqual([3, 1, 2]);
    // Epoch 1 at the left edge, epoch 4 (the longest series) at the right (640 − 130); y = 0.7 at the top (12).
    const first = lines[0]!.points!.split(' ')[0]!.split(',').map(Number);
    expect(first).toEqual([56, r2(280 - (0.29 / 0.3) * 268)]);
    expect(lines[2]!.points!.split(' ')[1]).toBe(`510,${r2(280)}`);
    expect(svg).toContain('>Sigmoid</text>');
    expect(() => plot.curves([])).toThrow(/argument 'series' expected a non-empty array/);
    expect(() => plot.curves([{ name: 'a', values: ['x'] as unknown as number[] }])).toThrow(/argument 'series\[0\].values' expected an array of numbers/);
  });
});

describe('PNG in Node', () => {
  it('toPng and save rasterise the SVG: dark pixels where the spikes are, white elsewhere', async () => {
    const tr = trace(10, 1, 2, (t, _s, j) => (j === 0 && t === 3 ? 1 : 0));
    const svg = plot.raster(tr, { width: 200, height: 120 });
    const png = await plot.toPng(svg, 1);
    expect(Array.from(png.slice(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
    const img = decodePng(png);
    expect([img.width, img.height]).toEqual([200, 120]);
    const px = (x: number, y: number) => img.rgba[(Math.floor(y) * img.width + Math.floor(x)) * 4]!;
    const [cw, ch] = [(200 - 16 - 56) / 10, (120 - 40 - 12) / 2];
    expect(px(56 + 3.5 * cw, 12 + 0.5 * ch)).toBeLessThan(80); // the spike
    expect(px(56 + 6.5 * cw, 12 + 0.5 * ch)).toBe(255); // no spike
    const dir = mkdtempSync(join(tmpdir(), 'sg-plot-'));
    await plot.save(svg, join(dir, 'r.svg'));
    await plot.save(svg, join(dir, 'r.png'));
    expect(readFileSync(join(dir, 'r.svg'), 'utf8')).toBe(svg);
    expect(Array.from(readFileSync(join(dir, 'r.png')).subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]);
    await expect(plot.save(svg, join(dir, 'r.jpg'))).rejects.toThrow(/plot.save: argument 'file' expected a path ending in .svg or .png, got/);
  });
});
