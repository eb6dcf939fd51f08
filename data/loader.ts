/**
 * DataLoader: a dataset in batches of tensors, with a seeded shuffle per epoch, an optional drop of the last
 * short batch, events binned to dense [T, B, channels], an optional encoder (e.g. spikegen.rate), and the
 * next batch prepared while the current one trains.
 *
 * Reproducibility: epoch e's order is a Fisher–Yates permutation drawn from Generator(mix(seed, e)), so it
 * depends only on (seed, e), not on how many epochs ran before. The encoder's generator (if it takes one) is
 * the loader's `generator`, used batch after batch in order, so a run is identical however the prefetch
 * interleaves with training.
 *
 * Prefetch: when a batch is handed out, the next one is scheduled on the event loop; it is built (gathering
 * samples, binning events, encoding) whenever the training code awaits (a GPU readback, `await loss.item()`),
 * so on WebGPU the host work overlaps the device's. Tensors of a batch live until the loop asks for the next
 * batch (or ends): use `keep()` on anything you want to hold longer.
 */
import { tensor } from '../engine/api.js';
import type { Backend } from '../engine/backend.js';
import { SpikegradError, describeValue } from '../engine/errors.js';
import { Generator } from '../engine/random.js';
import { dispose, keep, tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { ArrayDataset } from './dataset.js';
import { EventDataset, binEvents, binSteps, type BinOptions } from './events.js';
import type { HostTransform } from './augment.js';
import { permutation } from './split.js';

/** One batch of a DataLoader: inputs, int32 labels, the sample indices and the batch number. */
export interface Batch {
  /** Dense samples [B, ...featureShape], or binned events [T, B, channels]; after `encode`, its result. */
  x: Tensor;
  /** int32 labels [B]. */
  y: Tensor;
  /** The samples' indices in the dataset. */
  indices: Int32Array;
  /** The batch's position in the epoch. */
  index: number;
}

/** Options of a DataLoader: batch size, shuffling and its seed, event binning, encoders and prefetching. */
export interface DataLoaderOptions {
  /** Samples per batch. */
  batchSize: number;
  /** Shuffle each epoch (default true). */
  shuffle?: boolean;
  /** Seed of the shuffles (default 0). */
  seed?: number;
  /** Drop the last batch when it is short (default false). */
  dropLast?: boolean;
  /** Event datasets: the time bins of the dense tensor (required for them). */
  bins?: BinOptions;
  /** Applied to each batch's x (inside a tidy), e.g. (x) => spikegen.rate(x, { numSteps: 25, generator: g }). */
  encode?: (x: Tensor, batch: { indices: Int32Array; index: number }) => Tensor;
  /**
   * Applied to each batch's values on the host before the upload (dense datasets), e.g.
   * (v, shape) => spikegen.rateArray(v, shape, { numSteps: 25, generator: g }): one upload of the spikes.
   */
  encodeHost?: HostTransform;
  /**
   * Applied to each batch's values on the host before `encodeHost` (dense datasets): an augmentation such as
   * data.randomShift({ maxShift: 2, generator: g }). Give it to training loaders only.
   */
  augment?: HostTransform;
  /** Build the next batch while the current one trains (default true). */
  prefetch?: boolean;
  /** Backend of the tensors (default: the current one). */
  backend?: Backend;
}

function mixSeed(seed: number, epoch: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(epoch + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x27d4eb2d);
  return (h ^ (h >>> 15)) | 0;
}

/** Batches of a dataset as tensors, shuffled per epoch with a seed (`for await (const b of loader)`); event datasets are binned, and an encoder (e.g. spikegen.rate) can turn each batch into spikes. */
export class DataLoader {
  readonly dataset: ArrayDataset | EventDataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  readonly prefetch: boolean;
  readonly bins: BinOptions | undefined;
  readonly encode: DataLoaderOptions['encode'];
  readonly encodeHost: DataLoaderOptions['encodeHost'];
  readonly augment: DataLoaderOptions['augment'];
  readonly backend: Backend | undefined;
  #epoch = 0;

  constructor(dataset: ArrayDataset | EventDataset, opts: DataLoaderOptions) {
    const fn = 'DataLoader';
    if (!(dataset instanceof ArrayDataset || dataset instanceof EventDataset)) {
      throw new SpikegradError(`${fn}: argument 'dataset' expected a dataset (data.fromArrays, data.digits, data.readShd, …), got ${describeValue(dataset)}`);
    }
    if (!opts || typeof opts !== 'object') throw new SpikegradError(`${fn}: argument 'opts' expected { batchSize, … }, got ${describeValue(opts)}`);
    const B = opts.batchSize;
    if (!Number.isInteger(B) || B < 1) throw new SpikegradError(`${fn}: argument 'batchSize' expected a positive integer, got ${describeValue(B)}`);
    if (opts.dropLast && B > dataset.length) {
      throw new SpikegradError(`${fn}: argument 'batchSize' ${B} is larger than the ${dataset.length} samples of ${dataset.name} with dropLast: no batch would be left`);
    }
    const seed = opts.seed ?? 0;
    if (!Number.isInteger(seed)) throw new SpikegradError(`${fn}: argument 'seed' expected an integer, got ${describeValue(seed)}`);
    if (dataset instanceof EventDataset) {
      if (!opts.bins) throw new SpikegradError(`${fn}: argument 'bins' expected { dt, duration } for the event dataset ${dataset.name}, got ${describeValue(opts.bins)}`);
      binSteps(fn, opts.bins); // checks them now, before any training
    } else if (opts.bins) throw new SpikegradError(`${fn}: argument 'bins' applies to event datasets only; ${dataset.name} is dense`);
    if (opts.encode !== undefined && typeof opts.encode !== 'function') throw new SpikegradError(`${fn}: argument 'encode' expected a function, got ${describeValue(opts.encode)}`);
    this.dataset = dataset;
    this.batchSize = B;
    this.shuffle = opts.shuffle ?? true;
    this.seed = seed;
    this.dropLast = opts.dropLast ?? false;
    this.prefetch = opts.prefetch ?? true;
    this.bins = opts.bins;
    this.encode = opts.encode;
    if (opts.encodeHost !== undefined && (typeof opts.encodeHost !== 'function' || dataset instanceof EventDataset)) {
      throw new SpikegradError(`${fn}: argument 'encodeHost' expected a function, for a dense dataset; got ${describeValue(opts.encodeHost)} for ${dataset.name}`);
    }
    this.encodeHost = opts.encodeHost;
    if (opts.augment !== undefined && (typeof opts.augment !== 'function' || dataset instanceof EventDataset)) {
      throw new SpikegradError(`${fn}: argument 'augment' expected a function, for a dense dataset; got ${describeValue(opts.augment)} for ${dataset.name}`);
    }
    this.augment = opts.augment;
    this.backend = opts.backend;
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length / this.batchSize;
    return this.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  /** The sample order of epoch `e` (the identity when shuffle is off). */
  order(epoch: number): Int32Array {
    if (!this.shuffle) return Int32Array.from({ length: this.dataset.length }, (_, i) => i);
    return permutation(this.dataset.length, new Generator(mixSeed(this.seed, epoch)));
  }

  /** Builds batch `k` of an epoch's order (synchronously). */
  private build(order: Int32Array, k: number): Batch {
    const B = this.batchSize;
    const indices = order.slice(k * B, Math.min(order.length, (k + 1) * B));
    const ds = this.dataset;
    const labels = new Int32Array(indices.length);
    for (let r = 0; r < indices.length; r++) labels[r] = ds.labels[indices[r]!]!;
    return tidy(() => {
      let x: Tensor;
      if (ds instanceof EventDataset) {
        const { values, shape } = binEvents(ds, indices, this.bins!);
        x = tensor(values, shape, 'float32', this.backend);
      } else {
        let v = { values: ds.features(indices), shape: [indices.length, ...ds.featureShape] };
        if (this.augment) v = this.augment(v.values, v.shape);
        if (this.encodeHost) v = this.encodeHost(v.values, v.shape);
        x = tensor(v.values, v.shape, 'float32', this.backend);
      }
      if (this.encode) x = this.encode(x, { indices, index: k });
      return { x, y: tensor(labels, [indices.length], 'int32', this.backend), indices, index: k };
    });
  }

  /**
   * The batches of one epoch built one after the other without prefetching, synchronously (for benchmarks and
   * loops that never await). Each batch is freed when the next is taken or the loop ends.
   */
  *epochSync(epoch?: number): IterableIterator<Batch> {
    const e = epoch ?? this.#epoch;
    if (!Number.isInteger(e) || e < 0) throw new SpikegradError(`DataLoader.epochSync: argument 'epoch' expected an integer >= 0, got ${describeValue(epoch)}`);
    this.#epoch = e + 1;
    const order = this.order(e);
    let current: Batch | null = null;
    try {
      for (let k = 0; k < this.length; k++) {
        if (current) disposeBatch(current);
        current = keepBatch(this.build(order, k));
        yield current;
      }
    } finally {
      if (current) disposeBatch(current);
    }
  }

  /**
   * The batches of one epoch (default: the next one), as an async iterator.
   * @example for await (const { x, y } of loader.epoch()) { … }
   */
  async *epoch(epoch?: number): AsyncGenerator<Batch, void, undefined> {
    const e = epoch ?? this.#epoch;
    if (!Number.isInteger(e) || e < 0) throw new SpikegradError(`DataLoader.epoch: argument 'epoch' expected an integer >= 0, got ${describeValue(epoch)}`);
    this.#epoch = e + 1;
    const order = this.order(e);
    const n = this.length;
    let next: Promise<Batch> | null = null;
    let current: Batch | null = null;
    const schedule = (k: number): Promise<Batch> => new Promise((resolve, reject) => {
      setTimeout(() => {
        try { resolve(keepBatch(this.build(order, k))); } catch (err) { reject(err); }
      }, 0);
    });
    try {
      for (let k = 0; k < n; k++) {
        const batch: Batch = next ? await next : keepBatch(this.build(order, k));
        next = null;
        if (current) disposeBatch(current);
        current = batch;
        if (this.prefetch && k + 1 < n) {
          next = schedule(k + 1);
          next.catch(() => {}); // reported when awaited
        }
        yield batch;
      }
    } finally {
      if (current) disposeBatch(current);
      if (next) await next.then(disposeBatch, () => {});
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<Batch, void, undefined> {
    return this.epoch();
  }
}

function keepBatch(b: Batch): Batch {
  keep(b.x);
  keep(b.y);
  return b;
}

function disposeBatch(b: Batch): void {
  dispose([b.x, b.y]);
}
