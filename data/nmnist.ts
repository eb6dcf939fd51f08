/**
 * N-MNIST (Orchard et al. 2015): one binary file per sample, 5 bytes (40 bits, big-endian) per event:
 *   bits 39–32: x (pixel, 0–33)    bits 31–24: y (0–33)
 *   bit 23: polarity (1 = ON, 0 = OFF)    bits 22–0: timestamp in µs
 * An event with y = 240 is not a spike but a timestamp overflow marker: 2¹³ µs are added to every later
 * event (the convention of the dataset's own reader, Read_Ndataset.m, kept by tonic and others).
 * The folder layout of the distribution is <root>/<Train|Test>/<digit>/<id>.bin.
 */
import { SpikegradError } from '../engine/errors.js';
import { EventDataset, type EventSample } from './events.js';

/** The N-MNIST sensor is 34×34 pixels. */
export const NMNIST_SIDE = 34;
const OVERFLOW_Y = 240;
const OVERFLOW_US = 2 ** 13;

/** The events of one N-MNIST sample: x, y, polarity and timestamp (µs) per event. */
export interface NmnistEvents {
  x: Uint8Array;
  y: Uint8Array;
  /** 1 = ON, 0 = OFF. */
  p: Uint8Array;
  /** µs, overflow markers applied. */
  t: Float64Array;
}

/**
 * Decodes one N-MNIST file's bytes. `file` names it in errors (a length that is not a multiple of 5, an
 * address outside the 34×34 sensor).
 * @example const ev = data.parseNmnist(bytes);   // { x, y, p, t }
 */
export function parseNmnist(bytes: Uint8Array, file = 'N-MNIST data'): NmnistEvents {
  if (!(bytes instanceof Uint8Array)) throw new SpikegradError(`data.parseNmnist: argument 'bytes' expected a Uint8Array, got ${typeof bytes}`);
  if (bytes.length % 5 !== 0) {
    const last = bytes.length - (bytes.length % 5);
    throw new SpikegradError(`data.parseNmnist: ${file} is truncated or not an N-MNIST file: ${bytes.length} bytes is not a multiple of 5 (the event at byte offset ${last} is incomplete)`);
  }
  const n = bytes.length / 5;
  let spikes = 0;
  for (let e = 0; e < n; e++) if (bytes[5 * e + 1] !== OVERFLOW_Y) spikes++;
  const x = new Uint8Array(spikes), y = new Uint8Array(spikes), p = new Uint8Array(spikes), t = new Float64Array(spikes);
  let offset = 0, k = 0;
  for (let e = 0; e < n; e++) {
    const o = 5 * e;
    const ex = bytes[o]!, ey = bytes[o + 1]!, b2 = bytes[o + 2]!;
    if (ey === OVERFLOW_Y) {
      offset += OVERFLOW_US;
      continue;
    }
    if (ex >= NMNIST_SIDE || ey >= NMNIST_SIDE) {
      throw new SpikegradError(`data.parseNmnist: ${file}: the event at byte offset ${o} has x = ${ex}, y = ${ey}, outside the ${NMNIST_SIDE}×${NMNIST_SIDE} sensor (corrupt file?)`);
    }
    x[k] = ex;
    y[k] = ey;
    p[k] = b2 >> 7;
    t[k] = ((b2 & 0x7f) << 16 | bytes[o + 3]! << 8 | bytes[o + 4]!) + offset;
    k++;
  }
  return { x, y, p, t };
}

/** Encodes events in the N-MNIST format (for tests and for writing your own recordings). */
export function encodeNmnist(ev: { x: ArrayLike<number>; y: ArrayLike<number>; p: ArrayLike<number>; t: ArrayLike<number> }): Uint8Array {
  const n = ev.x.length;
  const out = new Uint8Array(5 * n);
  for (let e = 0; e < n; e++) {
    const t = ev.t[e]!;
    if (!Number.isInteger(t) || t < 0 || t >= 2 ** 23) throw new SpikegradError(`data.encodeNmnist: event ${e}: timestamp ${t} does not fit 23 bits (use overflow markers for longer recordings)`);
    out[5 * e] = ev.x[e]!;
    out[5 * e + 1] = ev.y[e]!;
    out[5 * e + 2] = (ev.p[e] ? 0x80 : 0) | (t >> 16);
    out[5 * e + 3] = (t >> 8) & 0xff;
    out[5 * e + 4] = t & 0xff;
  }
  return out;
}

/** How N-MNIST events become channels: polarities split or merged. */
export interface NmnistOptions {
  /** 'split' (default): channel = p·34·34 + y·34 + x, 2312 channels; 'merge': y·34 + x, 1156 channels. */
  polarity?: 'split' | 'merge';
}

function checkPolarity(where: string, o: NmnistOptions): 'split' | 'merge' {
  const p = o.polarity ?? 'split';
  if (p !== 'split' && p !== 'merge') throw new SpikegradError(`${where}: argument 'polarity' expected 'split' or 'merge', got '${String(p)}'`);
  return p;
}

/** One sample's events as channels (see NmnistOptions). */
export function nmnistSample(ev: NmnistEvents, opts: NmnistOptions = {}): EventSample {
  const split = checkPolarity('data.nmnistSample', opts) === 'split';
  const S = NMNIST_SIDE * NMNIST_SIDE;
  const channel = new Int32Array(ev.x.length);
  for (let e = 0; e < channel.length; e++) channel[e] = (split ? ev.p[e]! * S : 0) + ev.y[e]! * NMNIST_SIDE + ev.x[e]!;
  return { t: ev.t, channel };
}

/**
 * An N-MNIST folder (<dir>/<digit>/*.bin, e.g. N-MNIST/Train) as an event dataset with labels from the folder
 * names. Node only. `limit` takes at most that many files per digit (in name order).
 * @example const train = await data.loadNmnist('N-MNIST/Train');
 *          const loader = new data.DataLoader(train, { batchSize: 64, bins: { dt: 1, duration: 300 } });
 */
export async function loadNmnist(dir: string, opts: NmnistOptions & { limit?: number } = {}): Promise<EventDataset> {
  const fn = 'data.loadNmnist';
  const split = checkPolarity(fn, opts);
  const { listDir, readBytes } = await import('./nodeStore.js');
  const classDirs = (await listDir(dir, fn)).filter((e) => e.isDir && /^\d$/.test(e.name));
  if (classDirs.length === 0) throw new SpikegradError(`${fn}: argument 'dir' expected a folder with one sub-folder per digit (0–9) of .bin files, got '${dir}' with none`);
  const samples: EventSample[] = [], labels: number[] = [];
  for (const d of classDirs) {
    let files = (await listDir(d.path, fn)).filter((e) => !e.isDir && e.name.endsWith('.bin'));
    if (opts.limit !== undefined) files = files.slice(0, opts.limit);
    for (const f of files) {
      samples.push(nmnistSample(parseNmnist(await readBytes(f.path, fn), f.path), { polarity: split }));
      labels.push(Number(d.name));
    }
  }
  return new EventDataset(samples, labels, (split === 'split' ? 2 : 1) * NMNIST_SIDE * NMNIST_SIDE, { name: `N-MNIST ${dir}`, classes: 10 });
}
