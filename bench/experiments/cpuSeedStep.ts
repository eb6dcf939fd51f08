/**
 * The `seed` training step on the CPU backend, as `spikegrad compare` runs it (train/tutorial.ts: Linear
 * 100→4, Expon, LIF, Linear 4→2, Expon; T=200, B=256, 5 Hz input; loss, BPTT and one Adam update per step),
 * in sequence mode (`net.run`) and step mode (`forLoop(net.update)`), single-threaded.
 *
 * Prints one JSON line per mode (median / p90 / min wall ms per step, the median CPU ms of this process per
 * step, which other processes' bursts on a shared machine inflate far less, ops per step, the last loss)
 * and, with `--ops`, where the time goes: each op kind's share of a step (CPU kernels timed inside the
 * backend) and the rest (op dispatch, tape, tidy, States) as "overhead".
 *
 * To compare two versions side by side in one run, bundle this file from each checkout and alternate them
 * (bench/experiments/cpuSeedStepAB.mjs does that).
 *
 * Run: npx esbuild bench/experiments/cpuSeedStep.ts --bundle --platform=node --format=esm --loader:.wgsl=text \
 *        --external:webgpu --outfile=out/cpuSeedStep.mjs && node out/cpuSeedStep.mjs [--modes sequence,step]
 *        [--iters 30] [--surrogate ReluGrad] [--ops]
 */
import * as sg from '../../index.js';
import * as surrogate from '../../surrogate/index.js';
import { TUTORIAL_CONFIG, type CompareMode } from '../../train/compare.js';
import { tutorialTrainer } from '../../train/tutorial.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
};
const modes = arg('modes', 'sequence').split(',') as CompareMode[];
const iters = Number(arg('iters', '30'));
const surrogateName = arg('surrogate', 'ReluGrad');
const withOps = process.argv.includes('--ops');
const label = arg('label', '');

const be = await sg.setBackend('cpu');

// Garbage-collection pauses (main thread), summed per step with --ops.
let gcMs = 0;
if (withOps) new PerformanceObserver((list) => { for (const e of list.getEntries()) gcMs += e.duration; }).observe({ entryTypes: ['gc'] });

// Per-op kernel time: wrap the backend's run/update (only with --ops; the wrapper itself costs ~1 µs per op).
// Per op kind: kernel time in each timed step (the median over steps is robust to other processes' bursts).
const opTime = new Map<string, { ms: number[]; calls: number }>();
if (withOps) {
  const wrap = (name: 'run' | 'update') => {
    const orig = (be as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!.bind(be);
    (be as unknown as Record<string, unknown>)[name] = (op: string, ...rest: unknown[]) => {
      const t0 = performance.now();
      const r = orig(op, ...rest);
      const e = opTime.get(op) ?? { ms: [0], calls: 0 };
      e.ms[e.ms.length - 1]! += performance.now() - t0;
      e.calls++;
      opTime.set(op, e);
      return r;
    };
  };
  wrap('run');
  wrap('update');
}

const makeSurrogate = (surrogate as unknown as Record<string, new () => unknown>)[surrogateName];
if (!makeSurrogate) throw new Error(`unknown surrogate ${surrogateName}`);

for (const mode of modes) {
  const n = mode === 'step' ? Math.min(iters, 5) : iters;
  sg.random.seed(TUTORIAL_CONFIG.seed);
  const trainer = sg.environ.context({ dt: 1 }, () => tutorialTrainer(new makeSurrogate(), { ...TUTORIAL_CONFIG, mode }));
  const times: number[] = [], cpuTimes: number[] = [], gcTimes: number[] = [];
  let loss = NaN, ops = 0;
  opTime.clear();
  for (let i = 0; i < n + 3; i++) {
    if (i === 3) opTime.clear(); // three warm-up steps (JIT tiers, pools)
    const o0 = be.counters.ops;
    const c0 = process.cpuUsage(), gc0 = gcMs;
    const t0 = performance.now();
    const l = trainer.step();
    loss = await l.item();
    const dt = performance.now() - t0;
    const c = process.cpuUsage(c0);
    l.dispose();
    ops = be.counters.ops - o0;
    if (withOps) await new Promise((res) => setImmediate(res)); // lets the GC observer report
    if (i >= 3) {
      times.push(dt);
      cpuTimes.push((c.user + c.system) / 1000);
      gcTimes.push(gcMs - gc0);
    }
    for (const e of opTime.values()) e.ms.push(0);
  }
  trainer.dispose();
  const sorted = [...times].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  const r = (x: number) => Number(x.toPrecision(4));
  // CPU time of this process per step: unlike wall time, it leaves out the time other processes held the core.
  const cpuMs = r([...cpuTimes].sort((a, b) => a - b)[Math.floor(cpuTimes.length / 2)]!);
  console.log(JSON.stringify({ bench: 'cpuSeedStep', label, mode, surrogate: surrogateName, iters: n, medianMs: r(q(0.5)), p90Ms: r(q(0.9)), minMs: r(sorted[0]!), cpuMs, opsPerStep: ops, loss }));
  if (withOps) {
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const rows = [...opTime].map(([op, e]) => ({ op, msPerStep: median(e.ms.slice(0, n)), meanMs: e.ms.slice(0, n).reduce((a, b) => a + b, 0) / n, callsPerStep: e.calls / n }))
      .sort((a, b) => b.msPerStep - a.msPerStep);
    const kernels = rows.reduce((a, x) => a + x.msPerStep, 0);
    for (const x of rows) console.log(`  ${x.op.padEnd(24)} ${x.msPerStep.toFixed(3).padStart(8)} ms (mean ${x.meanMs.toFixed(3)})  ${String(x.callsPerStep).padStart(5)} calls`);
    console.log(`  ${'kernels (sum of medians)'.padEnd(24)} ${kernels.toFixed(3).padStart(8)} ms; the rest of the median step: ${(q(0.5) - kernels).toFixed(3)} ms`);
    console.log(`  ${'garbage collection'.padEnd(24)} ${(gcTimes.reduce((a, b) => a + b, 0) / n).toFixed(3).padStart(8)} ms per step (mean; pauses may fall inside kernels)`);
  }
}
await sg.shutdown();
