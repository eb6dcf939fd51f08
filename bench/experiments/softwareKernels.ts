/**
 * The software-adapter (lavapipe) kernel paths of the WebGPU backend against what each replaced, measured
 * side by side in one run: each case runs its "before" and "after" variants in interleaved rounds, the
 * variants differing only in the tuning knobs the kernels export (or, for `linear`, in the ops called).
 *
 *   node scripts/run-ts.mjs bench/experiments/softwareKernels.ts [--rounds 4] [--reps 4] [--only <name part>]
 *
 * Shapes are those of the `dense` training step ([T, B, n] = [100, 128, 1024], 256 inputs, 10 outputs) and of
 * the `seed` input layer. Per variant: the best round's ms per call (each call flushed, the round waited for
 * with the device), and its CPU ms (this process, lavapipe's threads included).
 */
import * as sg from '../../index.js';
import { runOp } from '../../engine/dispatch.js';
import type { WebGpuBackend } from '../../kernels/webgpu/backend.js';
import { elementwiseTuning, matmulTuning, reduceTuning, subgroupTuning, sequenceTuning } from '../../kernels/flags.js';

interface Variant {
  label: string;
  /** Sets the knobs of this variant (defaults are restored after it). */
  knobs?: (be: WebGpuBackend) => void;
  run: () => unknown;
}
interface Case {
  name: string;
  before: Variant;
  after: Variant;
}
interface Timing { ms: number; cpu: number }

const defaults = () => ({
  span: Infinity, rows: elementwiseTuning.softwareRows, quads: elementwiseTuning.quads, slices: reduceTuning.softwareSlices,
  pair: reduceTuning.pairQuads, W: sequenceTuning.maxW, Q: sequenceTuning.maxQ, tileWork: subgroupTuning.tileWork, events: matmulTuning.events,
});
type Knobs = ReturnType<typeof defaults>;

function restore(be: WebGpuBackend, k: Knobs): void {
  be.maxElementSpan = k.span;
  elementwiseTuning.softwareRows = k.rows;
  elementwiseTuning.quads = k.quads;
  reduceTuning.softwareSlices = k.slices;
  reduceTuning.pairQuads = k.pair;
  sequenceTuning.maxW = k.W;
  sequenceTuning.maxQ = k.Q;
  subgroupTuning.tileWork = k.tileWork;
  matmulTuning.events = k.events;
}

/** One element per invocation, no quads, no row walk: the elementwise and sequence kernels as they were. */
const onePerInvocation = (be: WebGpuBackend) => {
  be.maxElementSpan = 1;
  elementwiseTuning.quads = false;
  elementwiseTuning.softwareRows = 1;
  sequenceTuning.maxW = 1;
  sequenceTuning.maxQ = 1;
};

/** Element spans, but one float per access (the first of the two elementwise changes alone). */
const noQuads = () => { elementwiseTuning.quads = false; };

async function time(be: WebGpuBackend, v: Variant, reps: number, k: Knobs): Promise<Timing> {
  v.knobs?.(be);
  try {
    const c0 = process.cpuUsage(), t0 = performance.now();
    for (let i = 0; i < reps; i++) {
      sg.tidy(() => { v.run(); });
      be.flush(); // each call's outputs return to the pool before the next call allocates
    }
    await be.sync();
    const cu = process.cpuUsage(c0);
    return { ms: (performance.now() - t0) / reps, cpu: (cu.user + cu.system) / 1000 / reps };
  } finally {
    restore(be, k);
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string, dflt: number) => Number(args[args.indexOf(`--${name}`) + 1] ?? dflt) || dflt;
  const rounds = opt('rounds', 4), reps = opt('reps', 4);
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1]! : '';
  const be = (await sg.setBackend('webgpu')) as unknown as WebGpuBackend;
  if (!be.adapter.software) console.log('note: not a software adapter; the knobs compared here change nothing on a GPU');
  const k = defaults();
  const T = 100, B = 128, n = 1024, R = T * B;
  sg.random.seed(1);
  const keep = <X extends sg.Tensor>(t: X) => sg.keep(t);
  const h = keep(sg.random.uniform([R, n], -1, 1));
  const bias = keep(sg.random.uniform([n], -1, 1));
  const x = keep(sg.random.uniform([R, 256], 0, 1));
  const w1 = keep(sg.random.uniform([256, n], -1, 1));
  const dO = keep(sg.random.uniform([R, 10], -1, 1));
  const w2 = keep(sg.random.uniform([n, 10], -1, 1));
  const spikes = keep(sg.random.poissonSpikes(0.005, [51200, 100])); // uploaded: keeps its events
  const w0 = keep(sg.random.uniform([100, 4], -1, 1));
  const g0 = keep(sg.random.uniform([51200, 4], -1, 1));

  const cases: Case[] = [
    { name: 'add [12800,1024] + [12800,1024]', before: { label: 'one per invocation', knobs: onePerInvocation, run: () => sg.add(h, h) }, after: { label: 'spans of quads', run: () => sg.add(h, h) } },
    { name: 'add [12800,1024] + [12800,1024], f32', before: { label: 'one per invocation', knobs: onePerInvocation, run: () => sg.add(h, h) }, after: { label: 'spans (no quads)', knobs: noQuads, run: () => sg.add(h, h) } },
    { name: 'add [12800,1024] + [1024] (bias)', before: { label: 'one per invocation', knobs: onePerInvocation, run: () => sg.add(h, bias) }, after: { label: 'quad row walk', run: () => sg.add(h, bias) } },
    { name: 'sum over rows of [12800,1024] (bias gradient)', before: { label: 'workgroup tree', knobs: () => { reduceTuning.softwareSlices = false; }, run: () => sg.sum(h, 0) }, after: { label: 'serial slices, quad pairs', run: () => sg.sum(h, 0) } },
    { name: 'matmul dH = dO·W2ᵀ [12800,10]@[1024,10]ᵀ', before: { label: 'one tile per workgroup', knobs: () => { subgroupTuning.tileWork = 1; }, run: () => sg.matmul(dO, w2, { transposeB: true }) }, after: { label: 'tiles grouped', run: () => sg.matmul(dO, w2, { transposeB: true }) } },
    { name: 'X·W1 + b [12800,256]@[256,1024] + [1024]', before: { label: 'matmul, then add', run: () => sg.add(sg.matmul(x, w1), bias) }, after: { label: 'linear (bias in the epilogue)', run: () => runOp('linear', [x, w1, bias], {}) } },
    { name: 'seed input layer [51200,100]@[100,4], 5 Hz', before: { label: 'dense lane-tiled', knobs: () => { matmulTuning.events = false; }, run: () => sg.matmul(spikes, w0) }, after: { label: 'events', run: () => sg.matmul(spikes, w0) } },
    { name: 'seed weight gradient [51200,100]ᵀ@[51200,4]', before: { label: 'dense lane-tiled', knobs: () => { matmulTuning.events = false; }, run: () => sg.matmul(spikes, g0, { transposeA: true }) }, after: { label: 'events', run: () => sg.matmul(spikes, g0, { transposeA: true }) } },
  ].filter((c) => c.name.includes(only));

  const load = (await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`${be.description} · load ${load} · best of ${rounds} interleaved rounds of ${reps} calls\n`);
  console.log('| case | before | after | before ms | after ms | before CPU ms | after CPU ms | speedup (ms) |');
  console.log('|---|---|---|---:|---:|---:|---:|---:|');
  for (const c of cases) {
    const best = { before: { ms: Infinity, cpu: Infinity }, after: { ms: Infinity, cpu: Infinity } };
    for (const side of ['before', 'after'] as const) await time(be, c[side], 1, k); // compile, fill the pool
    for (let r = 0; r < rounds; r++) {
      for (const side of ['before', 'after'] as const) {
        const t = await time(be, c[side], reps, k);
        best[side] = { ms: Math.min(best[side].ms, t.ms), cpu: Math.min(best[side].cpu, t.cpu) };
      }
    }
    const f = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
    console.log(`| ${c.name} | ${c.before.label} | ${c.after.label} | ${f(best.before.ms)} | ${f(best.after.ms)} | ${f(best.before.cpu)} | ${f(best.after.cpu)} | ${(best.before.ms / best.after.ms).toFixed(2)}× |`);
  }
  await sg.shutdown();
}

void main();
