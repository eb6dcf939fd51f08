/**
 * Event datasets: each sample is a list of spikes (time, channel), as neuromorphic sensors and the N-MNIST
 * and SHD files record them. Stored packed (one offsets array over all samples); binned into dense
 * [T, B, channels] spike tensors by the DataLoader with a chosen dt and duration.
 */
import { SpikegradError } from '../engine/errors.js';
import { ms, type Quantity } from '../units/index.js';
import { readParam } from '../nn/layer.js';
import { checkLabels, type LabelledData } from './dataset.js';

/** One sample's events: times in µs and channel indices, equally long. */
export interface EventSample {
  t: Float64Array;
  channel: Int32Array;
}

export class EventDataset implements LabelledData {
  readonly name: string;
  readonly length: number;
  readonly classes: number;
  readonly labels: Int32Array;
  /** Number of input channels (N-MNIST: 2·34·34 with polarity, SHD: 700). */
  readonly channels: number;
  /** Sample i's events are [offsets[i], offsets[i+1]) of `t` (µs) and `channel`. */
  readonly offsets: Float64Array;
  readonly t: Float64Array;
  readonly channel: Int32Array;

  constructor(samples: readonly EventSample[], labels: ArrayLike<number>, channels: number, opts: { name?: string; classes?: number } = {}) {
    const name = opts.name ?? 'events';
    if (samples.length !== labels.length) throw new SpikegradError(`${name}: ${samples.length} samples but ${labels.length} labels`);
    const checked = checkLabels(name, labels, opts.classes);
    if (!Number.isInteger(channels) || channels < 1) throw new SpikegradError(`${name}: argument 'channels' expected a positive integer, got ${channels}`);
    this.name = name;
    this.labels = checked.labels;
    this.classes = checked.classes;
    this.length = samples.length;
    this.channels = channels;
    const total = samples.reduce((a, s) => a + s.t.length, 0);
    this.offsets = new Float64Array(samples.length + 1);
    this.t = new Float64Array(total);
    this.channel = new Int32Array(total);
    let k = 0;
    samples.forEach((s, i) => {
      if (s.t.length !== s.channel.length) throw new SpikegradError(`${name}: sample ${i} has ${s.t.length} times but ${s.channel.length} channels`);
      for (let e = 0; e < s.t.length; e++) {
        const ch = s.channel[e]!, t = s.t[e]!;
        if (!(ch >= 0 && ch < channels)) throw new SpikegradError(`${name}: sample ${i}, event ${e}: channel ${ch} outside [0, ${channels - 1}]`);
        if (!(t >= 0 && Number.isFinite(t))) throw new SpikegradError(`${name}: sample ${i}, event ${e}: time ${t} µs is not a finite time >= 0`);
      }
      this.t.set(s.t, k);
      this.channel.set(s.channel, k);
      k += s.t.length;
      this.offsets[i + 1] = k;
    });
  }

  /** Sample i's events (views, not copies). */
  sample(i: number): EventSample {
    const a = this.offsets[i]!, b = this.offsets[i + 1]!;
    return { t: this.t.subarray(a, b), channel: this.channel.subarray(a, b) };
  }

  /** A dataset of the samples at `indices`, in that order. */
  subset(indices: ArrayLike<number>, name?: string): EventDataset {
    const samples: EventSample[] = [], labels: number[] = [];
    for (let r = 0; r < indices.length; r++) {
      const i = indices[r]!;
      if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new SpikegradError(`${this.name}.subset: argument 'indices' expected integers in [0, ${this.length - 1}], got ${i} at position ${r}`);
      samples.push(this.sample(i));
      labels.push(this.labels[i]!);
    }
    return new EventDataset(samples, labels, this.channels, { name: name ?? this.name, classes: this.classes });
  }

  toString(): string {
    return `${this.name}: ${this.length} event samples, ${this.channels} channels, ${this.classes} classes, ${this.t.length} events`;
  }
}

/** How event samples become a dense [T, B, channels] tensor: the bin width, the duration covered, and counts or 0/1. */
export interface BinOptions {
  /** Width of a time bin (ms, or a time quantity). */
  dt: number | Quantity;
  /** Time covered from 0 (ms, or a time quantity); events at or after it are dropped. T = ceil(duration / dt). */
  duration: number | Quantity;
  /** 'count': a bin holds the number of events (default); 'binary': 1 if any. */
  mode?: 'count' | 'binary';
}

/** Reads and checks binning options; returns dt and duration in µs and T. */
export function binSteps(where: string, o: BinOptions): { dtUs: number; durationUs: number; steps: number; binary: boolean } {
  if (!o || typeof o !== 'object') throw new SpikegradError(`${where}: expected bin options { dt, duration }, got ${String(o)}`);
  const dt = readParam(where, 'dt', o.dt, ms, NaN, true);
  const duration = readParam(where, 'duration', o.duration, ms, NaN, true);
  const mode = o.mode ?? 'count';
  if (mode !== 'count' && mode !== 'binary') throw new SpikegradError(`${where}: argument 'mode' expected 'count' or 'binary', got '${String(mode)}'`);
  const steps = Math.ceil(duration / dt - 1e-9);
  if (steps > 1_000_000) throw new SpikegradError(`${where}: duration ${duration} ms / dt ${dt} ms gives ${steps} steps; expected at most 1,000,000`);
  return { dtUs: dt * 1000, durationUs: duration * 1000, steps, binary: mode === 'binary' };
}

/**
 * The samples at `indices` as dense spikes [T, B, channels] (row-major Float32Array): event (t, c) of batch
 * row b adds 1 at [⌊t/dt⌋, b, c] (or sets it to 1 in 'binary' mode) when t < duration.
 */
export function binEvents(ds: EventDataset, indices: ArrayLike<number>, o: BinOptions, out?: Float32Array): { values: Float32Array; shape: [number, number, number] } {
  const { dtUs, durationUs, steps, binary } = binSteps(`${ds.name}: bin`, o);
  const B = indices.length, C = ds.channels;
  const values = out ?? new Float32Array(steps * B * C);
  values.fill(0);
  for (let b = 0; b < B; b++) {
    const i = indices[b]!;
    for (let e = ds.offsets[i]!; e < ds.offsets[i + 1]!; e++) {
      const t = ds.t[e]!;
      if (t >= durationUs) continue;
      const k = Math.min(steps - 1, Math.floor(t / dtUs));
      const at = (k * B + b) * C + ds.channel[e]!;
      values[at] = binary ? 1 : values[at]! + 1;
    }
  }
  return { values, shape: [steps, B, C] };
}
