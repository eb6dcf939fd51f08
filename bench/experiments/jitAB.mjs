// A/B of transform.jit's host time in two checkouts (e.g. a snapshot of main and a branch), alternated: each
// round runs bench/experiments/jitProbe.ts for every case in A then B (B then A on odd rounds), each in its own process,
// and the table gives per case the median over rounds of each side's median host time and calling-thread CPU
// time (the CPU time the step's JavaScript and Dawn's encoding took, without lavapipe's threads or the time
// spent waiting for a core: the stable figure on a loaded machine), with the range over rounds.
//
// Usage (from this checkout's root; both checkouts need bench/experiments/jitProbe.ts and their node_modules):
//   node bench/experiments/jitAB.mjs --build-addon          compile bench/experiments/threadCpu.c into out/threadCpu.node (gcc, Node's headers)
//   node bench/experiments/jitAB.mjs <rootA> <rootB> [--rounds 3] [--label-a main] [--label-b jit] [case …]
// A case is workload:mode:backend:steps:variant, e.g. seed:sequence:webgpu:300:replayed (the defaults cover
// seed, wide and dense in sequence mode and seed in step mode, replayed and unrecorded, on WebGPU and the CPU).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';

const argv = process.argv.slice(2);
if (argv[0] === '--build-addon') {
  const include = join(process.execPath, '..', '..', 'include', 'node');
  const dirs = [include, '/usr/include/node', '/usr/local/include/node'].filter((d) => existsSync(join(d, 'node_api.h')));
  if (!dirs.length) throw new Error("jitAB: Node's headers (node_api.h) were not found");
  mkdirSync('out', { recursive: true });
  execFileSync('gcc', ['-O2', '-shared', '-fPIC', `-I${dirs[0]}`, 'bench/experiments/threadCpu.c', '-o', 'out/threadCpu.node'], { stdio: 'inherit' });
  console.log('built out/threadCpu.node');
  process.exit(0);
}
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = argv[i + 1];
  argv.splice(i, 2);
  return v;
};
const rounds = Number(opt('rounds', '3'));
const labels = [opt('label-a', 'A'), opt('label-b', 'B')];
const [rootA, rootB, ...caseArgs] = argv;
if (!rootA || !rootB || !Number.isInteger(rounds) || rounds < 1) {
  console.error('usage: node bench/experiments/jitAB.mjs <rootA> <rootB> [--rounds 3] [--label-a A] [--label-b B] [workload:mode:backend:steps:variant …]');
  process.exit(2);
}
const cases = caseArgs.length ? caseArgs : [
  'seed:sequence:webgpu:300:replayed', 'seed:sequence:webgpu:60:unrecorded',
  'wide:sequence:webgpu:60:replayed', 'dense:sequence:webgpu:30:replayed',
  'seed:step:webgpu:5:replayed', 'seed:step:webgpu:3:unrecorded',
  'seed:sequence:cpu:30:replayed', 'seed:step:cpu:5:replayed',
];
const roots = [rootA, rootB];
for (const root of roots) {
  // Build the probe's bundle in each checkout (one short run), and give it the thread clock if built here.
  if (existsSync('out/threadCpu.node') && !existsSync(join(root, 'out/threadCpu.node'))) {
    mkdirSync(join(root, 'out'), { recursive: true });
    copyFileSync('out/threadCpu.node', join(root, 'out/threadCpu.node'));
  }
  execFileSync(process.execPath, ['scripts/run-ts.mjs', 'bench/experiments/jitProbe.ts', 'seed', 'sequence', 'cpu', '1', 'unrecorded'], { cwd: root, stdio: 'ignore' });
}
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
console.log(`load at start: ${load()} · ${rounds} rounds · A = ${labels[0]} (${rootA}), B = ${labels[1]} (${rootB})`);
const results = new Map(cases.map((c) => [c, [[], []]]));
for (let r = 0; r < rounds; r++) {
  for (const c of cases) {
    for (const side of r % 2 ? [1, 0] : [0, 1]) {
      const out = execFileSync(process.execPath, ['out/run/jitProbe.mjs', ...c.split(':'), '--json'], {
        cwd: roots[side], encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 16 << 20,
      });
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) results.get(c)[side].push(JSON.parse(line));
    }
  }
  console.log(`round ${r + 1} done, load ${load()}`);
}
const med = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const fmt = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(3));
const cell = (js, pick) => {
  const xs = js.map(pick).filter((x) => x !== undefined);
  return xs.length ? `${fmt(med(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})` : '—';
};
console.log(`\n| case | host ms ${labels[0]} | host ms ${labels[1]} | thread CPU ms ${labels[0]} | thread CPU ms ${labels[1]} | CPU ${labels[0]}/${labels[1]} |`);
console.log('|---|---:|---:|---:|---:|---:|');
for (const [c, [a, b]] of results) {
  const cpu = (js) => med(js.map((j) => j.threadCpuMs?.median).filter((x) => x !== undefined));
  const ratio = a.length && b.length && cpu(a) && cpu(b) ? `${(cpu(a) / cpu(b)).toFixed(2)}×` : '—';
  console.log(`| ${c} | ${cell(a, (j) => j.hostMs.median)} | ${cell(b, (j) => j.hostMs.median)} | ${cell(a, (j) => j.threadCpuMs?.median)} | ${cell(b, (j) => j.threadCpuMs?.median)} | ${ratio} |`);
}
console.log(`load at end: ${load()}`);
