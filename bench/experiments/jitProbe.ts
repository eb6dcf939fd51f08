/**
 * One variant of one training workload's jitted step, called many times, for profiling the replay path
 * (`node --cpu-prof`) and for bench/experiments/jitAB.mjs's alternated A/B of two checkouts. Unlike bench/experiments/jitHost.ts it
 * runs a single variant, so a CPU profile shows only that variant's work.
 *   node scripts/run-ts.mjs bench/experiments/jitProbe.ts [seed|wide|dense] [sequence|step] [webgpu|cpu] [steps] [replayed|unrecorded] [--json]
 *
 * Per step, after `backend.sync()` (so the device is idle when the call begins): host ms (the call's wall
 * time), and the CPU time of the calling thread during the call when out/threadCpu.node is built
 * (bench/experiments/threadCpu.c, `node bench/experiments/jitAB.mjs --build-addon`): unlike process.cpuUsage() it leaves out
 * lavapipe's and Dawn's own threads, and unlike wall time it leaves out the time the thread waited for a core
 * on a loaded machine. Prints medians, p10 and p90 (or one JSON line with --json).
 */
import { loadavg } from 'node:os';
import * as sg from '../../index.js';
import * as internal from '../../internal.js';
import { makeProblem } from '../peers/problem.js';
import { threadClock } from './threadClock.js';
import { trainCase } from '../trainStep.js';
import { WORKLOADS, type Mode, type TrainWorkload } from '../workloads.js';

const argv = process.argv.slice(2).filter((a) => a !== '--json');
const json = process.argv.includes('--json');
const [name = 'seed', mode = 'sequence', backend = 'webgpu', stepsArg = '200', variant = 'replayed'] = argv;
const w = WORKLOADS[name];
if (!w || w.kind !== 'train') throw new Error(`jitProbe: argument 1 expected seed, wide or dense, got '${name}'`);
if (mode !== 'sequence' && mode !== 'step') throw new Error(`jitProbe: argument 2 expected sequence or step, got '${mode}'`);
if (backend !== 'webgpu' && backend !== 'cpu') throw new Error(`jitProbe: argument 3 expected webgpu or cpu, got '${backend}'`);
const steps = Number(stepsArg);
if (!Number.isInteger(steps) || steps < 1) throw new Error(`jitProbe: argument 4 expected a positive integer, got '${stepsArg}'`);
if (variant !== 'replayed' && variant !== 'unrecorded') throw new Error(`jitProbe: argument 5 expected replayed or unrecorded, got '${variant}'`);

const threadCpuMs = threadClock();
const be = await internal.getBackendInstance(backend);
const tw = w as TrainWorkload;
const c = trainCase(tw, be, mode as Mode, makeProblem(tw.net, { seed: 0 }), variant === 'unrecorded' ? { record: false } : {});
const state = await sg.withBackend(be, () => c.setup());
const host: number[] = [], cpu: number[] = [];
const load0 = loadavg()[0]!;
for (let i = 0; i < 3 + steps; i++) {
  await be.sync();
  const c0 = threadCpuMs ? threadCpuMs() : 0;
  const t0 = performance.now();
  sg.withBackend(be, () => sg.tidy(() => { c.run(state); }));
  const t1 = performance.now();
  const c1 = threadCpuMs ? threadCpuMs() : 0;
  if (i < 3) continue;
  host.push(t1 - t0);
  cpu.push(c1 - c0);
}
await be.sync();
const stats = state.step.stats;
if (variant === 'replayed' && stats.mode !== 'replayed') throw new Error(`jitProbe: the step did not replay (${stats.unrecorded ?? stats.reasons.join('; ')})`);
const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const summary = {
  workload: name, mode, backend, variant, steps, load: [load0, loadavg()[0]!],
  hostMs: { p10: q(host, 0.1), median: q(host, 0.5), p90: q(host, 0.9) },
  threadCpuMs: threadCpuMs ? { p10: q(cpu, 0.1), median: q(cpu, 0.5), p90: q(cpu, 0.9) } : null,
  dispatches: stats.last.dispatches, submits: stats.last.submits, ops: stats.last.ops,
};
sg.withBackend(be, () => c.teardown?.(state));
await sg.shutdown();
if (json) console.log(JSON.stringify(summary));
else {
  const f = (x: { p10: number; median: number; p90: number }) => `${x.median.toFixed(3)} ms (p10 ${x.p10.toFixed(3)}, p90 ${x.p90.toFixed(3)})`;
  console.log(`${name} ${mode} ${be.description} ${variant}, ${steps} steps, load ${summary.load.map((l) => l.toFixed(1)).join(' → ')}`);
  console.log(`host ${f(summary.hostMs)}${summary.threadCpuMs ? `  thread CPU ${f(summary.threadCpuMs)}` : ''}  dispatches ${summary.dispatches}  submits ${summary.submits}  ops ${summary.ops}`);
}
