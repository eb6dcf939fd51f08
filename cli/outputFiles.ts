/**
 * Writing a command's result files so that nothing is lost: the output folder is checked (created, a
 * writable folder, not a file; earlier results overwritten only when asked) BEFORE the work that produces
 * the files, and the files are written atomically as a set: each goes to a temporary file in the same
 * folder, and only when every one of them is complete are they renamed into place. An error or Ctrl-C
 * before the renames leaves the earlier files as they were (and no temporaries); the renames themselves
 * finish even if Ctrl-C arrives during them. So no file is ever empty or truncated, and a set is never
 * half replaced by another run's (only a failing rename, after the first ones succeeded, could do that,
 * and it is reported with the file's name).
 */
import { constants } from 'node:fs';
import { access, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { SpikegradError } from '../engine/errors.js';

/** What an errno means, in words (the raw code stays in parentheses). */
function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    EACCES: 'permission denied', EPERM: 'operation not permitted', EROFS: 'the file system is read-only',
    ENOTDIR: 'a part of the path is a file, not a folder', ENOENT: 'no such file or folder', ENOSPC: 'no space left on the device',
    EISDIR: 'it is a folder', EEXIST: 'it already exists', EDQUOT: 'disk quota exceeded', ENAMETOOLONG: 'the name is too long',
  };
  const w = err?.code ? words[err.code] : undefined;
  return w ? `${w} (${err.code})` : e instanceof Error ? e.message : String(e);
}

async function existing(path: string): Promise<import('node:fs').Stats | null> {
  try {
    return await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * Creates `dir` and its missing parents one level at a time. (Node's recursive mkdir loops forever on some
 * paths, e.g. under /proc, where mkdir answers ENOENT for a parent that exists.)
 */
export async function makeFolders(dir: string): Promise<void> {
  const there = await existing(dir);
  if (there && !there.isDirectory()) throw Object.assign(new Error(`EEXIST: a file already exists at '${dir}', mkdir '${dir}'`), { code: 'EEXIST' });
  const missing: string[] = [];
  let p = dir;
  while (!(await existing(p))) {
    missing.push(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  for (const m of missing.reverse()) {
    try {
      await mkdir(m);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

export interface PrepareOptions {
  /** The files the command will write into the folder. */
  files: readonly string[];
  /** Overwrite those files when an earlier run left them. */
  force: boolean;
  /** How the folder is named in messages: "compare: option '--out'". */
  what: string;
}

/**
 * Makes `dir` ready to receive `files`: creates it (and its parents), checks that it is a folder this process
 * can write to, and that it holds none of `files` unless `force`. Throws a SpikegradError naming the path and
 * the reason. Returns the absolute path.
 */
export async function prepareOutputDir(dir: string, opts: PrepareOptions): Promise<string> {
  const abs = resolve(dir);
  const fail = (why: string) => new SpikegradError(`${opts.what} expected a folder to write the results to, got '${dir}': ${why}`);
  let s: Awaited<ReturnType<typeof existing>>;
  try {
    s = await existing(abs);
  } catch (e) {
    throw fail(reason(e));
  }
  if (s && !s.isDirectory()) throw fail('it is a file, not a folder');
  if (!s) {
    try {
      await makeFolders(abs);
    } catch (e) {
      throw fail(`creating it failed: ${reason(e)}`);
    }
  }
  // A probe file: permissions alone do not tell (read-only mounts, ACLs, root on a read-only bind).
  const probe = join(abs, `.spikegrad-write-check-${process.pid}`);
  try {
    await access(abs, constants.W_OK);
    const h = await open(probe, 'wx');
    await h.close();
  } catch (e) {
    throw fail(`it is not writable: ${reason(e)}`);
  } finally {
    await rm(probe, { force: true }).catch(() => {});
  }
  const earlier: string[] = [];
  for (const f of opts.files) {
    const fs = await existing(join(abs, f)).catch(() => null);
    if (fs && !fs.isFile()) throw fail(`'${join(dir, f)}', where a result file goes, is not a file; remove it or choose another folder`);
    if (fs) earlier.push(f);
  }
  if (earlier.length && !opts.force) {
    throw new SpikegradError(
      `${opts.what}: '${dir}' already holds the results of an earlier run (${earlier.join(', ')}); pass --force to overwrite them, or choose another folder with --out`,
    );
  }
  return abs;
}

/** One output file: its name in the folder and its contents (computed when the write starts). */
export interface OutputFile {
  name: string;
  contents: () => Promise<string | Uint8Array> | string | Uint8Array;
}

/** Where SIGINT and SIGTERM come from (the process; tests pass their own emitter). */
export interface SignalSource {
  on(event: 'SIGINT' | 'SIGTERM', fn: (signal: NodeJS.Signals) => void): unknown;
  removeListener(event: 'SIGINT' | 'SIGTERM', fn: (signal: NodeJS.Signals) => void): unknown;
}

/**
 * Writes `files` into `dir` as a set (see the top of this file). Returns the final paths. On an error, no
 * file of the set has been replaced and no temporary is left; the error names the file and the reason.
 */
export async function writeFilesAtomically(dir: string, files: readonly OutputFile[], signals: SignalSource = process): Promise<string[]> {
  const tag = `.tmp-${process.pid}-${Date.now().toString(36)}`;
  const temps = files.map((f) => join(dir, `.${f.name}${tag}`));
  const finals = files.map((f) => join(dir, f.name));
  // Ctrl-C (or a TERM) while this runs is held until the set is settled: before the renames it cancels the
  // write (the temporaries are removed, the earlier files stay); during the renames they finish first.
  let signal: NodeJS.Signals | null = null;
  const onSignal = (s: NodeJS.Signals) => { signal ??= s; };
  signals.on('SIGINT', onSignal);
  signals.on('SIGTERM', onSignal);
  try {
    await Promise.all(files.map(async (f, i) => {
      const data = await f.contents();
      let h;
      try {
        h = await open(temps[i]!, 'wx');
        await h.writeFile(data);
        await h.sync();
      } catch (e) {
        throw new SpikegradError(`writing '${finals[i]}' failed: ${reason(e)}`);
      } finally {
        await h?.close();
      }
    }));
    if (signal) throw new SpikegradError(`interrupted (${signal}) before the results were moved into place; the files in '${dir}' were left as they were`);
    // A folder where a file goes would fail its rename after the others succeeded: refuse before any.
    for (let i = 0; i < files.length; i++) {
      const fs = await existing(finals[i]!).catch(() => null);
      if (fs && !fs.isFile()) throw new SpikegradError(`'${finals[i]}' is not a file, so the finished '${files[i]!.name}' cannot replace it`);
    }
    for (let i = 0; i < files.length; i++) {
      try {
        await rename(temps[i]!, finals[i]!);
      } catch (e) {
        throw new SpikegradError(`moving the finished '${files[i]!.name}' into place as '${finals[i]}' failed: ${reason(e)}`);
      }
    }
    if (signal) process.exitCode = 130;
    return finals;
  } catch (e) {
    await Promise.all(temps.map((t) => rm(t, { force: true }).catch(() => {})));
    throw e;
  } finally {
    signals.removeListener('SIGINT', onSignal);
    signals.removeListener('SIGTERM', onSignal);
  }
}
