/**
 * The playground page: the controls, the live charts and the drawing pad. Training runs in a Web Worker
 * (worker.ts); this thread only draws, with the same plot/ code the Node CLI uses (SVG strings put into the
 * page). Charts redraw on animation frames when new data arrived; the frame rate while training is measured
 * and shown (and kept in window.__playground for the browser tests).
 */
import { CATALOG } from '../../../surrogate/catalog.js';
import { curves, membrane, raster, type Series } from '../../../plot/index.js';
import type { FromWorker, PlainTrace, SurrogateChoice, ToWorker, TrainRequest } from './protocol.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);

/** What the page shows and the browser tests read. */
const state = {
  backend: '' as string,
  labels: [] as string[],
  losses: [] as number[][],
  snapshots: [] as ({ epoch: number; spikes: PlainTrace; membrane: PlainTrace } | null)[],
  accuracy: [] as (number | null)[],
  running: false,
  finished: false,
  errors: [] as string[],
  /** Animation frames per second while training, chart redraws, and the mean ms per redraw. */
  fps: { frames: 0, redraws: 0, seconds: 0, drawMs: 0, framesPerSecond: 0, redrawsPerSecond: 0 },
  classified: null as null | { predicted: number; probabilities: number[] },
  trainMs: 0,
};
(window as unknown as { __playground: typeof state }).__playground = state;

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const send = (m: ToWorker) => worker.postMessage(m);

// --- Controls --------------------------------------------------------------------------------------------
const DEFAULT_CHOSEN = (params.get('surrogates') ?? 'ReluGrad,Sigmoid,Arctan').split(',');
const list = $('surrogates');
for (const entry of CATALOG) {
  const s = entry.create();
  const row = document.createElement('div');
  row.className = 'surrogate';
  const inputs = Object.entries(s.params).map(([k, v]) => `<label>${k} <input type="number" step="any" data-param="${k}" value="${v}"></label>`).join(' ');
  row.innerHTML = `<label><input type="checkbox" data-name="${entry.name}"${DEFAULT_CHOSEN.includes(entry.name) ? ' checked' : ''}> ${entry.name}</label> <span class="params">${inputs}</span>`;
  list.appendChild(row);
}
for (const [id, key] of [['nRec', 'size'], ['lr', 'lr'], ['epochs', 'epochs'], ['batch', 'batch'], ['backend', 'backend'], ['every', 'every']] as const) {
  const v = params.get(key);
  if (v !== null) ($(id) as HTMLInputElement).value = v;
}

function chosen(): SurrogateChoice[] {
  return (Array.from(list.querySelectorAll('.surrogate')) as HTMLDivElement[]).flatMap((row) => {
    const box = row.querySelector('input[type=checkbox]') as HTMLInputElement;
    if (!box.checked) return [];
    const name = box.dataset.name!;
    const defaults = CATALOG.find((e) => e.name === name)!.create().params;
    const p: Record<string, number> = {};
    for (const inp of Array.from(row.querySelectorAll('input[data-param]')) as HTMLInputElement[]) p[inp.dataset.param!] = Number(inp.value);
    const changed = Object.entries(p).filter(([k, v]) => v !== defaults[k]);
    return [{ name, params: p, label: changed.length ? `${name}(${changed.map(([k, v]) => `${k}=${v}`).join(', ')})` : name }];
  });
}

const num = (id: string) => Number(($(id) as HTMLInputElement).value);

function start(): void {
  const surrogates = chosen();
  if (surrogates.length === 0) { say('choose at least one surrogate'); return; }
  const req: TrainRequest = {
    type: 'train', surrogates, backend: ($('backend') as HTMLSelectElement).value as TrainRequest['backend'],
    nRec: num('nRec'), batch: num('batch'), steps: 200, lr: num('lr'), epochs: num('epochs'), seed: Number(params.get('seed') ?? 2024),
    snapshotEvery: Math.max(1, num('every')),
  };
  state.labels = surrogates.map((s) => s.label);
  state.losses = surrogates.map(() => []);
  state.snapshots = surrogates.map(() => null);
  state.accuracy = surrogates.map(() => null);
  state.running = true;
  state.finished = false;
  state.fps = { frames: 0, redraws: 0, seconds: 0, drawMs: 0, framesPerSecond: 0, redrawsPerSecond: 0 };
  epochsPlanned = req.epochs;
  ($('start') as HTMLButtonElement).disabled = true;
  ($('stop') as HTMLButtonElement).disabled = false;
  const sel = $('shown') as HTMLSelectElement;
  sel.innerHTML = state.labels.map((l, i) => `<option value="${i}">${l}</option>`).join('');
  drawDerivatives(surrogates);
  dirty = true;
  say(`training ${surrogates.length} network(s)…`);
  send(req);
}
let epochsPlanned = 0;
$('start').addEventListener('click', start);
$('stop').addEventListener('click', () => send({ type: 'stop' }));
$('shown').addEventListener('change', () => { dirty = true; });

const say = (s: string) => { $('status').textContent = s; };

worker.onmessage = (ev: MessageEvent<FromWorker>) => {
  const m = ev.data;
  switch (m.type) {
    case 'backend': state.backend = m.name; $('backendName').textContent = `${m.name} (${m.description})`; break;
    case 'epoch': state.losses[m.index]!.push(m.loss); dirty = true; break;
    case 'snapshot': state.snapshots[m.index] = { epoch: m.epoch, spikes: m.spikes, membrane: m.membrane }; dirty = true; break;
    case 'done': state.accuracy[m.index] = m.accuracy; break;
    case 'finished':
      state.running = false; state.finished = true; state.trainMs = m.ms;
      ($('start') as HTMLButtonElement).disabled = false;
      ($('stop') as HTMLButtonElement).disabled = true;
      say(`${m.stopped ? 'stopped' : 'done'} in ${(m.ms / 1000).toFixed(1)} s; training accuracy ${state.accuracy.map((a, i) => `${state.labels[i]} ${a === null ? '—' : `${(100 * a).toFixed(1)}%`}`).join(', ')}`);
      dirty = true;
      break;
    case 'classified': showDigit(m); break;
    case 'error':
      state.errors.push(m.message); state.running = false;
      ($('start') as HTMLButtonElement).disabled = false;
      say(`error: ${m.message}`);
      console.error(`playground worker: ${m.message}`);
      break;
  }
};

// --- Charts, redrawn on animation frames -----------------------------------------------------------------
let dirty = false;
let lastFrame = 0;
function frame(now: number): void {
  if (state.running && lastFrame) {
    state.fps.frames++;
    state.fps.seconds += (now - lastFrame) / 1000;
  }
  lastFrame = now;
  if (dirty) {
    dirty = false;
    const t = performance.now();
    drawCharts();
    if (state.running) {
      state.fps.redraws++;
      state.fps.drawMs += (performance.now() - t - state.fps.drawMs) / state.fps.redraws;
    }
  }
  if (state.fps.seconds > 0) {
    state.fps.framesPerSecond = state.fps.frames / state.fps.seconds;
    state.fps.redrawsPerSecond = state.fps.redraws / state.fps.seconds;
    $('fps').textContent = `${state.fps.framesPerSecond.toFixed(0)} frames/s while training, ${state.fps.redrawsPerSecond.toFixed(1)} chart updates/s, ${state.fps.drawMs.toFixed(1)} ms per update`;
  }
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);

function drawCharts(): void {
  if (state.labels.length === 0) return;
  const series: Series[] = state.labels.map((name, i) => ({ name, values: state.losses[i]! }));
  $('loss').innerHTML = curves(series, { title: 'training loss', length: epochsPlanned, width: 620, height: 300 });
  const i = Number(($('shown') as HTMLSelectElement).value || 0);
  const snap = state.snapshots[i];
  if (snap) {
    $('raster').innerHTML = raster(snap.spikes, { rates: true, width: 620, title: `${state.labels[i]}: hidden layer, sample 0, epoch ${snap.epoch}` });
    const n = snap.membrane.shape[2];
    $('membrane').innerHTML = membrane(snap.membrane, { threshold: 1, neurons: Array.from({ length: Math.min(n, 3) }, (_, j) => j), width: 620, height: 260, title: `membrane, epoch ${snap.epoch}` });
  }
}

/** Each chosen surrogate's derivative σ′(x) beside the spike it stands in for, H(x). */
function drawDerivatives(surrogates: SurrogateChoice[]): void {
  const xs = Array.from({ length: 241 }, (_, k) => -3 + k / 40);
  const series: Series[] = [{ name: 'spike H(x)', values: xs.map((x) => (x >= 0 ? 1 : 0)) }];
  for (const s of surrogates) {
    const inst = CATALOG.find((e) => e.name === s.name)!.create(s.params);
    series.push({ name: `σ′ ${s.label}`, values: xs.map((x) => inst.gradScalar(x)) });
  }
  $('derivative').innerHTML = curves(series, { x: xs, xLabel: 'x = (V − V_th) / (V_th − V_reset)', yLabel: 'value', title: 'forward spike and surrogate derivatives', width: 620, height: 260 });
}
drawDerivatives(chosen());
list.addEventListener('change', () => drawDerivatives(chosen()));

// --- Drawing pad -----------------------------------------------------------------------------------------
const pad = $('pad') as HTMLCanvasElement;
const ctx = pad.getContext('2d')!;
const clearPad = () => { ctx.fillStyle = 'black'; ctx.fillRect(0, 0, pad.width, pad.height); };
clearPad();
let drawing = false;
const at = (e: PointerEvent) => { const r = pad.getBoundingClientRect(); return [(e.clientX - r.left) * (pad.width / r.width), (e.clientY - r.top) * (pad.height / r.height)] as const; };
pad.addEventListener('pointerdown', (e) => { drawing = true; const [x, y] = at(e); ctx.beginPath(); ctx.moveTo(x, y); });
pad.addEventListener('pointermove', (e) => {
  if (!drawing) return;
  const [x, y] = at(e);
  ctx.lineTo(x, y); ctx.strokeStyle = 'white'; ctx.lineWidth = 18; ctx.lineCap = 'round'; ctx.lineJoin = 'round'; ctx.stroke();
});
window.addEventListener('pointerup', () => { if (drawing) { drawing = false; classify(); } });
$('clear').addEventListener('click', () => { clearPad(); $('digitResult').textContent = ''; $('digitRaster').innerHTML = ''; });

/** The pad as MNIST shows digits: the drawing's bounding box scaled into 20 × 20, its centre of mass at the centre of 28 × 28. */
function padPixels(): Float32Array {
  const img = ctx.getImageData(0, 0, pad.width, pad.height).data;
  let [x0, y0, x1, y1] = [pad.width, pad.height, -1, -1];
  for (let y = 0; y < pad.height; y++) for (let x = 0; x < pad.width; x++) if (img[(y * pad.width + x) * 4]! > 40) { x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y); }
  const small = document.createElement('canvas');
  small.width = small.height = 28;
  const sc = small.getContext('2d')!;
  sc.fillStyle = 'black'; sc.fillRect(0, 0, 28, 28);
  if (x1 >= 0) {
    const w = x1 - x0 + 1, h = y1 - y0 + 1, k = 20 / Math.max(w, h);
    sc.imageSmoothingEnabled = true;
    sc.drawImage(pad, x0, y0, w, h, 14 - (w * k) / 2, 14 - (h * k) / 2, w * k, h * k);
  }
  const d = sc.getImageData(0, 0, 28, 28).data;
  const px = Float32Array.from({ length: 784 }, (_, i) => d[i * 4]! / 255);
  // As MNIST: shift the centre of mass to the image centre (whole pixels).
  let [m, mx, my] = [0, 0, 0];
  for (let i = 0; i < 784; i++) { m += px[i]!; mx += px[i]! * (i % 28); my += px[i]! * Math.floor(i / 28); }
  if (m === 0) return px;
  const [dx, dy] = [Math.round(13.5 - mx / m), Math.round(13.5 - my / m)];
  const out = new Float32Array(784);
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
    const [sx, sy] = [x - dx, y - dy];
    if (sx >= 0 && sx < 28 && sy >= 0 && sy < 28) out[y * 28 + x] = px[sy * 28 + sx]!;
  }
  return out;
}

function classify(): void {
  send({ type: 'classify', pixels: padPixels(), weightsUrl: new URL('./digits.safetensors', location.href).href });
}
(window as unknown as { __classify: () => void }).__classify = classify;

function showDigit(m: Extract<FromWorker, { type: 'classified' }>): void {
  state.classified = { predicted: m.predicted, probabilities: m.probabilities };
  $('digitResult').innerHTML = `<b>${m.predicted}</b> &nbsp; ${m.probabilities.map((p, d) => `<span style="opacity:${0.3 + 0.7 * p}">${d}: ${(100 * p).toFixed(0)}%</span>`).join(' ')}` +
    `<br><small>784 → ${m.hidden} LIF → 10 leaky readout, trained in Node${m.testAccuracy === null ? '' : ` (test accuracy ${(100 * m.testAccuracy).toFixed(1)}%)`}</small>`;
  $('digitRaster').innerHTML = raster(m.spikes, { rates: true, width: 620, title: 'its hidden layer spiking on your digit' });
}

if (params.has('auto')) start();
