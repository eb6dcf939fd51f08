/**
 * Host time against device time of a training step, with and without transform.jit's replay
 * (`spikegrad bench --profile`, train workloads): the issue-18 targets.
 *
 * Two copies of the case, one jitted as usual (recorded twice, then replayed) and one with
 * `{ record: false }` (f runs every call: op table, tape, kernels' JavaScript), alternate step by step after
 * three warm-up calls each (so the first is replaying). For each step:
 * - host ms: from the call to its return, the JavaScript and the encoding (WebGPU: and the submits);
 * - wait ms: from the return until the device is idle (`backend.sync()`); on WebGPU the device works while
 *   the host encodes, so host + wait is the step's wall time, and wait alone is a lower bound of the device's;
 * - on the CPU the kernels run inside the call: their time is measured inside the backend's run/update, and
 *   the rest of the host time divided by the ops of the step is the engine's overhead per op.
 * Medians over the alternated steps.
 */
import type { Backend } from '../engine/backend.js';
import * as sg from '../index.js';
import type { Problem } from './peers/problem.js';
import { trainCase } from './trainStep.js';
import type { Mode, TrainWorkload } from './workloads.js';

export interface JitSplitRow {
  variant: 'unrecorded' | 'replayed';
  /** Median host time of one call (ms). */
  hostMs: number;
  /**
   * Median CPU time of the process during the call (ms): on a loaded machine the host's own cost, without
   * the time the process waited for a core. On lavapipe it also counts device work that overlapped the call
   * (the unrecorded step submits every 32 dispatches), so compare it for the replayed row.
   */
  hostCpuMs?: number;
  /** Median wait for the device after the call returned (ms). */
  waitMs: number;
  /** Median wall time of a step: call and wait (ms). */
  stepMs: number;
  ops: number;
  dispatches: number;
  submits: number;
  /** CPU: median time inside the kernels (ms). */
  kernelMs?: number;
  /** CPU: host time outside the kernels per op (µs). */
  overheadUsPerOp?: number;
  /** With a thread clock: median CPU time of the calling thread during the call (ms). */
  threadCpuMs?: number;
  /**
   * CPU backend with a thread clock: the calling thread's CPU time outside the kernels per op (µs), the
   * figure to quote on a loaded machine (wall time there counts the waits for a core).
   */
  overheadCpuUsPerOp?: number;
  steps: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * `threadCpuMs`: the calling thread's CPU clock in ms (bench/experiments/threadClock.ts), when there is one: adds the
 * rows' threadCpuMs and overheadCpuUsPerOp.
 */
export async function jitSplit(w: TrainWorkload, be: Backend, mode: Mode, problem: Problem, steps = 9, threadCpuMs: (() => number) | null = null): Promise<JitSplitRow[]> {
  const variants = [
    { variant: 'unrecorded' as const, c: trainCase(w, be, mode, problem, { record: false }) },
    { variant: 'replayed' as const, c: trainCase(w, be, mode, problem) },
  ];
  const states: unknown[] = [];
  for (const v of variants) states.push(await sg.withBackend(be, () => v.c.setup()));
  const timed = variants.map(() => ({ host: [] as number[], cpu: [] as number[], wait: [] as number[], step: [] as number[], kernel: [] as number[], thread: [] as number[], threadKernel: [] as number[] }));
  const tclock = threadCpuMs ?? (() => 0);
  const cpuUsage = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process?.cpuUsage;
  const cpuMs = () => { const u = cpuUsage!(); return (u.user + u.system) / 1000; };
  const cpu = be.name === 'cpu';
  const target = be as Backend & Record<'run' | 'update', unknown>;
  const origRun = target.run, origUpdate = target.update;
  const own = { run: Object.getOwnPropertyDescriptor(be, 'run'), update: Object.getOwnPropertyDescriptor(be, 'update') };
  let kernelMs = 0, kernelThreadMs = 0;
  if (cpu) {
    target.run = ((...a: Parameters<Backend['run']>) => {
      const t0 = performance.now(), c0 = tclock();
      try { return origRun.apply(be, a); } finally { kernelMs += performance.now() - t0; kernelThreadMs += tclock() - c0; }
    }) as Backend['run'];
    target.update = ((...a: Parameters<Backend['update']>) => {
      const t0 = performance.now(), c0 = tclock();
      try { origUpdate.apply(be, a); } finally { kernelMs += performance.now() - t0; kernelThreadMs += tclock() - c0; }
    }) as Backend['update'];
  }
  try {
    for (let i = 0; i < 3 + steps; i++) {
      for (let k = 0; k < variants.length; k++) {
        const { c } = variants[k]!;
        await be.sync();
        kernelMs = kernelThreadMs = 0;
        const c0 = cpuUsage ? cpuMs() : 0;
        const th0 = tclock();
        const t0 = performance.now();
        sg.withBackend(be, () => sg.tidy(() => { c.run(states[k] as never); }));
        const t1 = performance.now();
        const th1 = tclock();
        const c1 = cpuUsage ? cpuMs() : 0;
        await be.sync();
        const t2 = performance.now();
        if (i < 3) continue;
        timed[k]!.host.push(t1 - t0);
        timed[k]!.cpu.push(c1 - c0);
        timed[k]!.wait.push(t2 - t1);
        timed[k]!.step.push(t2 - t0);
        timed[k]!.kernel.push(kernelMs);
        timed[k]!.thread.push(th1 - th0);
        timed[k]!.threadKernel.push(kernelThreadMs);
      }
    }
  } finally {
    if (cpu) {
      for (const k of ['run', 'update'] as const) {
        if (own[k]) Object.defineProperty(be, k, own[k]);
        else delete (target as Partial<typeof target>)[k];
      }
    }
  }
  const rows = variants.map((v, k): JitSplitRow => {
    const t = timed[k]!;
    const last = (states[k] as { step: sg.transform.Jitted<[], sg.Tensor> }).step.stats.last;
    const row: JitSplitRow = {
      variant: v.variant, hostMs: median(t.host), waitMs: median(t.wait), stepMs: median(t.step),
      ops: last.ops, dispatches: last.dispatches, submits: last.submits, steps,
    };
    if (cpuUsage) row.hostCpuMs = median(t.cpu);
    if (threadCpuMs) row.threadCpuMs = median(t.thread);
    if (cpu) {
      row.kernelMs = median(t.kernel);
      row.overheadUsPerOp = last.ops ? (1000 * median(t.host.map((h, j) => h - t.kernel[j]!))) / last.ops : 0;
      if (threadCpuMs) row.overheadCpuUsPerOp = last.ops ? (1000 * median(t.thread.map((h, j) => h - t.threadKernel[j]!))) / last.ops : 0;
    }
    return row;
  });
  const replayed = (states[1] as { step: sg.transform.Jitted<[], sg.Tensor> }).step.stats;
  if (replayed.mode !== 'replayed') throw new Error(`jitSplit: the jitted ${w.name} step did not replay (${replayed.unrecorded ?? replayed.reasons.join('; ')})`);
  for (const [k, v] of variants.entries()) sg.withBackend(be, () => v.c.teardown?.(states[k] as never));
  return rows;
}
