/**
 * The file system side of io/, for Node: reading a file's bytes and writing a file atomically. The only
 * module of the library that touches files. It reaches `node:fs` through a run-time import whose specifier
 * bundlers do not follow, so the browser bundle never imports `node:fs` (there these functions reject with
 * an error that says what to use instead), and a Node bundle loads it only when a file is saved or loaded.
 *
 * Atomic write: the bytes go to a temporary file in the target's directory, which is flushed to disk
 * (fsync) and then renamed over the target; the directory is flushed too. A save interrupted at any point
 * (an exception, a killed process, a power cut after the rename returned) leaves either the old file or
 * the new one at the path, never a mixture or a truncated file. A killed process can leave its temporary
 * file behind: `.<name>.<pid>-<random>.tmp` next to the target.
 */
import { SpikegradError } from '../engine/errors.js';

type FsPromises = typeof import('node:fs/promises');
type Path = typeof import('node:path');

let nodeModules: Promise<{ fs: FsPromises; path: Path }> | null = null;

/** node:fs/promises and node:path, or an error naming `where` when there is no Node file system. */
async function node(where: string): Promise<{ fs: FsPromises; path: Path }> {
  const load = (name: string) => import(/* webpackIgnore: true */ /* @vite-ignore */ `node:${name}`);
  nodeModules ??= Promise.all([load('fs/promises'), load('path')]).then(([fs, path]) => ({ fs: fs as FsPromises, path: path as Path }));
  try {
    return await nodeModules;
  } catch {
    nodeModules = null;
    throw new SpikegradError(`${where}: a file path needs Node's file system, which this environment does not have; in a browser pass the file's bytes (an ArrayBuffer, a Uint8Array, a Blob or a File) instead`);
  }
}

function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT') return 'no such file';
  if (err?.code === 'EISDIR') return 'it is a directory, not a file';
  if (err?.code === 'EACCES' || err?.code === 'EPERM') return 'permission denied';
  return err?.message ?? String(e);
}

/** The bytes of the file at `path`; errors name `where` and the path. */
export async function readFileBytes(where: string, path: string): Promise<Uint8Array> {
  const { fs } = await node(where);
  try {
    return new Uint8Array(await fs.readFile(path));
  } catch (e) {
    throw new SpikegradError(`${where}: cannot read '${path}': ${describeFsError(e)}`);
  }
}

/**
 * Writes `bytes` to `path` atomically (see above). The directory must exist. On any failure the temporary
 * file is removed and whatever was at `path` is untouched.
 */
export async function writeFileAtomic(where: string, path: string, bytes: Uint8Array): Promise<void> {
  if (typeof path !== 'string' || path === '') throw new SpikegradError(`${where}: argument 'path' expected a file path, got ${path === '' ? 'an empty string' : typeof path}`);
  const { fs, path: p } = await node(where);
  const dir = p.dirname(path);
  const tmp = p.join(dir, `.${p.basename(path)}.${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`);
  let handle: Awaited<ReturnType<FsPromises['open']>> | null = null;
  try {
    handle = await fs.open(tmp, 'wx'); // never follows or reuses an existing file
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = null;
    await fs.rename(tmp, path);
  } catch (e) {
    await handle?.close().catch(() => {});
    await fs.rm(tmp, { force: true }).catch(() => {});
    throw new SpikegradError(`${where}: cannot write '${path}': ${describeFsError(e)}${(e as NodeJS.ErrnoException)?.code === 'ENOENT' ? ` (does the directory '${dir}' exist?)` : ''}; nothing was changed there`);
  }
  // Flush the directory entry, so that the rename itself survives a power cut (not possible on every system).
  try {
    const d = await fs.open(dir, 'r');
    try { await d.sync(); } finally { await d.close(); }
  } catch { /* e.g. Windows cannot open a directory: the rename is still atomic */ }
}
