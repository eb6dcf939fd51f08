/**
 * Result files are written as a set: complete temporaries first, then renames. An error or Ctrl-C in the
 * middle must leave the earlier files exactly as they were (never empty, truncated or mixed with the new
 * run's), and no temporary behind.
 */
import { EventEmitter } from 'node:events';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFilesAtomically, type OutputFile } from '../../cli/outputFiles.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spikegrad-out-'));
  for (const f of ['a.csv', 'b.json', 'c.svg']) await writeFile(join(dir, f), `old ${f}`);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const contentsOf = async () => Object.fromEntries(await Promise.all((await readdir(dir)).sort().map(async (f) => [f, await readFile(join(dir, f), 'utf8')])));
const OLD = { 'a.csv': 'old a.csv', 'b.json': 'old b.json', 'c.svg': 'old c.svg' };
const set = (c: (name: string) => OutputFile['contents']): OutputFile[] => ['a.csv', 'b.json', 'c.svg'].map((name) => ({ name, contents: c(name) }));

describe('writeFilesAtomically', () => {
  it('replaces every file of the set with its complete new contents', async () => {
    const big = 'x'.repeat(3_000_000);
    const paths = await writeFilesAtomically(dir, set((name) => async () => (name === 'c.svg' ? big : `new ${name}`)));
    expect(paths).toEqual(['a.csv', 'b.json', 'c.svg'].map((f) => join(dir, f)));
    expect(await contentsOf()).toEqual({ 'a.csv': 'new a.csv', 'b.json': 'new b.json', 'c.svg': big });
  });

  it('leaves the earlier files untouched and no temporary when one file of the set fails', async () => {
    const files = set((name) => async () => {
      if (name === 'c.svg') throw new Error('rendering failed');
      return `new ${name}`;
    });
    await expect(writeFilesAtomically(dir, files)).rejects.toThrow('rendering failed');
    expect(await contentsOf()).toEqual(OLD);
  });

  it('on Ctrl-C while the files are written, keeps the earlier ones and says so', async () => {
    const signals = new EventEmitter();
    const files = set((name) => async () => {
      if (name === 'b.json') signals.emit('SIGINT', 'SIGINT'); // arrives while the set is being written
      return `new ${name}`;
    });
    await expect(writeFilesAtomically(dir, files, signals)).rejects.toThrow(
      `interrupted (SIGINT) before the results were moved into place; the files in '${dir}' were left as they were`);
    expect(await contentsOf()).toEqual(OLD);
    expect(signals.listenerCount('SIGINT')).toBe(0);
  });

  it('refuses before any rename when a folder stands where a file goes', async () => {
    await rm(join(dir, 'b.json'));
    await (await import('node:fs/promises')).mkdir(join(dir, 'b.json'));
    await expect(writeFilesAtomically(dir, set((name) => () => `new ${name}`))).rejects.toThrow(/b\.json' is not a file, so the finished 'b\.json' cannot replace it/);
    expect((await readdir(dir)).sort()).toEqual(['a.csv', 'b.json', 'c.svg']);
    expect(await readFile(join(dir, 'a.csv'), 'utf8')).toBe('old a.csv');
  });
});
