// A/B of two builds of spikegrad (e.g. dist/ of main and of a branch) on `spikegrad bench` rows, run
// alternately in one session: each round runs `bench --json` with the same arguments on A then B (B then A
// on odd rounds), and the table gives, per row, the median over rounds of each side's median time, the range
// over rounds, CPU time, and the ratio A/B. The load average is printed at the start and the end: on a
// shared machine, read the ratios, not the absolute times. Environment per side: `--env-a K=V`, `--env-b K=V`
// (e.g. SPIKEGRAD_CPU_THREADS=1 against the default, on one build).
//
// Usage: node bench/experiments/cpuAB.mjs <a/cli.js> <b/cli.js> [--rounds 3] [--label-a main] [--label-b branch]
//          [--env-a K=V] [--env-b K=V] -- <bench arguments…>
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';

const sep = process.argv.indexOf('--');
const own = process.argv.slice(2, sep < 0 ? undefined : sep);
const benchArgs = sep < 0 ? [] : process.argv.slice(sep + 1);
const [a, b] = own;
const opt = (name, fallback) => {
  const i = own.indexOf(`--${name}`);
  return i >= 0 ? own[i + 1] : fallback;
};
if (!a || !b) {
  console.error('usage: node bench/experiments/cpuAB.mjs <a/cli.js> <b/cli.js> [--rounds 3] [--label-a A] [--label-b B] [--env-a K=V] [--env-b K=V] -- <bench args>');
  process.exit(2);
}
const rounds = Number(opt('rounds', '3'));
const sides = [
  { label: opt('label-a', 'A'), cli: a, env: opt('env-a', '') },
  { label: opt('label-b', 'B'), cli: b, env: opt('env-b', '') },
];
const envOf = (kv) => (kv ? Object.fromEntries([kv.split('=')]) : {});
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
console.log(`load at start: ${load()} · ${rounds} rounds · bench ${benchArgs.join(' ')}`);
const rows = new Map();
for (let r = 0; r < rounds; r++) {
  for (const side of r % 2 ? [sides[1], sides[0]] : sides) {
    const out = execFileSync(process.execPath, [side.cli, 'bench', ...benchArgs, '--json'], {
      encoding: 'utf8', env: { ...process.env, ...envOf(side.env) }, stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20,
    });
    for (const line of out.split('\n')) {
      if (!line.startsWith('{')) continue;
      const j = JSON.parse(line);
      if (j.kind !== 'case' || j.medianMs === undefined) continue;
      const key = `${j.workload} ${j.shape ?? j.mode ?? ''} ${j.backend}`;
      if (!rows.has(key)) rows.set(key, { [sides[0].label]: [], [sides[1].label]: [] });
      rows.get(key)[side.label].push(j);
    }
  }
  console.log(`round ${r + 1} done, load ${load()}`);
}
const med = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const fmt = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
console.log(`\n| row | ${sides[0].label} median ms (range) | ${sides[1].label} median ms (range) | ${sides[0].label}/${sides[1].label} | CPU ms ${sides[0].label} → ${sides[1].label} | GFLOP/s ${sides[0].label} → ${sides[1].label} |`);
console.log('|---|---:|---:|---:|---:|---:|');
for (const [key, r] of rows) {
  const [x, y] = sides.map((s) => r[s.label]);
  if (!x.length || !y.length) continue;
  const mx = med(x.map((j) => j.medianMs)), my = med(y.map((j) => j.medianMs));
  const range = (js) => `${fmt(Math.min(...js.map((j) => j.medianMs)))}–${fmt(Math.max(...js.map((j) => j.medianMs)))}`;
  const gf = (js) => (js[0].gflops ? fmt(med(js.map((j) => j.gflops))) : '—');
  console.log(`| ${key} | ${fmt(mx)} (${range(x)}) | ${fmt(my)} (${range(y)}) | ${(mx / my).toFixed(2)}× | ${fmt(med(x.map((j) => j.cpuMs)))} → ${fmt(med(y.map((j) => j.cpuMs)))} | ${gf(x)} → ${gf(y)} |`);
}
console.log(`\nload at end: ${load()}`);
