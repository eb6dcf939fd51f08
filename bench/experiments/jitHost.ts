/**
 * Host time against device wait of one training workload, transform.jit replayed and unrecorded
 * (bench/jitSplit.ts), without the per-op profile that `spikegrad bench --profile` runs first (step mode's
 * profile holds ~12,400 calls alive for its replays and crashes lavapipe, on main as well).
 *   node scripts/run-ts.mjs bench/experiments/jitHost.ts [seed|wide|dense] [sequence|step] [webgpu|cpu] [steps]
 */
import * as sg from '../../index.js';
import * as internal from '../../internal.js';
import { jitSplit } from '../jitSplit.js';
import { makeProblem } from '../peers/problem.js';
import { threadClock } from './threadClock.js';
import { fmtMs } from '../table.js';
import { WORKLOADS, type Mode, type TrainWorkload } from '../workloads.js';

const [name = 'seed', mode = 'sequence', backend = 'webgpu', steps = '9'] = process.argv.slice(2);
const w = WORKLOADS[name];
if (!w || w.kind !== 'train') throw new Error(`jitHost: argument 1 expected seed, wide or dense, got '${name}'`);
if (mode !== 'sequence' && mode !== 'step') throw new Error(`jitHost: argument 2 expected sequence or step, got '${mode}'`);
if (backend !== 'webgpu' && backend !== 'cpu') throw new Error(`jitHost: argument 3 expected webgpu or cpu, got '${backend}'`);
const n = Number(steps);
if (!Number.isInteger(n) || n < 1) throw new Error(`jitHost: argument 4 expected a positive integer, got '${steps}'`);
const be = await internal.getBackendInstance(backend);
try {
  const tw = w as TrainWorkload;
  const rows = await jitSplit(tw, be, mode as Mode, makeProblem(tw.net, { seed: 0 }), n, threadClock());
  console.log(`transform.jit: ${name}, ${be.description}, ${mode} mode, medians of ${n} alternated steps`);
  for (const r of rows) {
    console.log(`${r.variant.padEnd(10)} host ${fmtMs(r.hostMs)} ms (CPU ${fmtMs(r.hostCpuMs)} ms${r.threadCpuMs !== undefined ? `, this thread ${fmtMs(r.threadCpuMs)} ms` : ''})  wait ${fmtMs(r.waitMs)} ms  step ${fmtMs(r.stepMs)} ms  ops ${r.ops}  dispatches ${r.dispatches}  submits ${r.submits}`
      + (r.overheadUsPerOp !== undefined ? `  kernels ${fmtMs(r.kernelMs)} ms  overhead ${r.overheadUsPerOp.toFixed(2)} µs/op${r.overheadCpuUsPerOp !== undefined ? ` (thread CPU ${r.overheadCpuUsPerOp.toFixed(2)} µs/op)` : ''}` : ''));
  }
  console.log(`host time ${(rows[0]!.hostMs / rows[1]!.hostMs).toFixed(1)}× lower replayed`);
} finally {
  await sg.shutdown();
}
