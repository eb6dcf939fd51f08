// Runs two bundles of bench/experiments/cpuSeedStep.ts (e.g. built from main and from this branch) alternately, several
// rounds, and prints each one's median over rounds of the per-round median step time (wall and CPU), the
// best step, and their ratios: a side-by-side comparison in one run, robust to other processes' bursts.
//
// Usage: node bench/experiments/cpuSeedStepAB.mjs <before.mjs> <after.mjs> [--rounds 6] [--iters 30] [--modes sequence]
import { execFileSync } from 'node:child_process';

const [before, after] = process.argv.slice(2, 4);
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const rounds = Number(arg('rounds', '6'));
const pass = ['--iters', arg('iters', '30'), '--modes', arg('modes', 'sequence'), '--surrogate', arg('surrogate', 'ReluGrad')];
const runs = { before: [], after: [] };
for (let r = 0; r < rounds; r++) {
  for (const [label, file] of r % 2 ? [['after', after], ['before', before]] : [['before', before], ['after', after]]) {
    const out = execFileSync(process.execPath, [file, ...pass, '--label', label], { encoding: 'utf8' });
    for (const line of out.trim().split('\n')) {
      const j = JSON.parse(line);
      runs[label].push(j);
      console.log(JSON.stringify(j));
    }
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const mode of pass[3].split(',')) {
  const b = med(runs.before.filter((j) => j.mode === mode).map((j) => j.medianMs));
  const a = med(runs.after.filter((j) => j.mode === mode).map((j) => j.medianMs));
  const bMin = Math.min(...runs.before.filter((j) => j.mode === mode).map((j) => j.minMs));
  const aMin = Math.min(...runs.after.filter((j) => j.mode === mode).map((j) => j.minMs));
  const bCpu = med(runs.before.filter((j) => j.mode === mode).map((j) => j.cpuMs));
  const aCpu = med(runs.after.filter((j) => j.mode === mode).map((j) => j.cpuMs));
  console.log(`${mode}: wall ms per step, median of rounds: before ${b}, after ${a} → ${(b / a).toFixed(2)}×; best step: ${bMin} → ${aMin} (${(bMin / aMin).toFixed(2)}×); CPU ms per step: ${bCpu} → ${aCpu} (${(bCpu / aCpu).toFixed(2)}×)`);
}
