/**
 * `spikegrad compare` at its defaults (the tutorial: 3 surrogates × 150 epochs, 100→4→2, T = 200, B = 256),
 * end to end as a user runs it (process start, training, table, four files), with the runs on worker threads
 * (`--jobs auto`) and in one thread (`--jobs 1`), alternated in one session so both see the same machine.
 * Prints one JSON line per run (wall and CPU seconds, the machine's load average) and the ratio of the medians.
 *
 * Run: npm run build && npx esbuild bench/experiments/compare.ts --bundle --platform=node --format=esm \
 *        --outfile=out/compare-bench.mjs && node out/compare-bench.mjs [--repeats 3]
 */
import { spawnSync } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const repeats = Number(process.argv[process.argv.indexOf('--repeats') + 1] ?? 0) || 3;
const cli = join(process.cwd(), 'dist', 'cli.js');

function once(jobs: string): { jobs: string; wallS: number; cpuS: number; load1: number } {
  const load1 = loadavg()[0]!;
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', process.execPath, cli, 'compare', '--jobs', jobs, '--no-progress', '--out', join(tmpdir(), 'spikegrad-compare-bench')], { encoding: 'utf8' });
  const wallS = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`compare failed: ${r.stderr}`);
  const [user, sys] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { jobs, wallS, cpuS: user! + sys!, load1 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const walls: Record<string, number[]> = { auto: [], '1': [] };
for (let i = 0; i < repeats; i++) {
  for (const jobs of ['auto', '1']) {
    const r = once(jobs);
    walls[jobs]!.push(r.wallS);
    console.log(JSON.stringify({ case: 'compare defaults', ...r }));
  }
}
console.log(JSON.stringify({ ratio: 'wall jobs=1 / jobs=auto (median)', value: median(walls['1']!) / median(walls.auto!) }));
