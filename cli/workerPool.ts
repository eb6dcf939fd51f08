/**
 * Runs compare's training runs on worker threads, one run per worker at a time, so that on the CPU backend
 * independent runs use every core (each run is single-threaded). Workers rebuild each surrogate from its
 * class name and parameters and report every epoch back, so progress and NaN stops work as in one thread.
 *
 * The worker side is `serveRuns` (started by the CLI's entry file in a worker thread); the pool side is
 * `workerExecutor`, given a function that starts a worker.
 */
import type { MessagePort } from 'node:worker_threads';
import { SpikegradError } from '../engine/errors.js';
import { setBackend } from '../engine/backends.js';
import * as environ from '../engine/environ.js';
import { runOnce, type CompareConfig, type CompareHooks, type RunExecutor, type RunResult, type TrainerFactory } from '../train/compare.js';
import type { SurrogateClass } from '../train/surrogateSpec.js';

type Spec = { name: string; params: Record<string, number> };

export type ToWorker = { type: 'run'; id: number; label: string; spec: Spec; k: number; config: CompareConfig; saveTo?: string; raster?: boolean };
export type FromWorker =
  | { type: 'start'; id: number }
  | { type: 'epoch'; id: number; epoch: number; loss: number }
  | { type: 'stop'; id: number; message: string }
  | { type: 'done'; id: number; result: RunResult }
  | { type: 'fail'; id: number; message: string };

/** What the pool needs of a worker (node's Worker, or an in-process stand-in in tests). */
export interface WorkerLike {
  postMessage(msg: ToWorker): void;
  on(event: 'message', fn: (msg: FromWorker) => void): unknown;
  on(event: 'error', fn: (err: Error) => void): unknown;
  terminate(): unknown;
}

/** An executor that spreads the runs over `jobs` workers started by `spawn`. */
export function workerExecutor(jobs: number, spawn: () => WorkerLike): RunExecutor {
  return (tasks, config, hooks) => new Promise<RunResult[]>((resolve, reject) => {
    for (const t of tasks) {
      if (!t.entry.spec) throw new SpikegradError(`compare: the surrogate '${t.entry.label}' has no class name and parameters, so it cannot run on a worker thread (use --jobs 1)`);
    }
    const results: RunResult[] = new Array(tasks.length);
    const workers: WorkerLike[] = [];
    let next = 0, done = 0, failed = false;
    const finish = (err?: Error) => {
      if (failed) return;
      for (const w of workers) w.terminate();
      if (err) { failed = true; reject(err); } else resolve(results);
    };
    const feed = (w: WorkerLike) => {
      if (next >= tasks.length) return;
      const id = next++;
      const t = tasks[id]!;
      w.postMessage({ type: 'run', id, label: t.entry.label, spec: t.entry.spec!, k: t.k, config, ...(t.saveTo !== undefined ? { saveTo: t.saveTo } : {}), ...(t.raster ? { raster: true } : {}) });
    };
    const onMessage = (w: WorkerLike, m: FromWorker) => {
      const t = tasks[m.id]!;
      if (m.type === 'start') hooks.onRunStart?.(t.entry.label, t.k, config.epochs);
      else if (m.type === 'epoch') hooks.onEpoch?.(t.entry.label, t.k, m.epoch, m.loss);
      else if (m.type === 'stop') hooks.onStop?.(t.entry.label, t.k, m.message);
      else if (m.type === 'fail') finish(new SpikegradError(m.message));
      else {
        results[m.id] = m.result;
        if (++done === tasks.length) finish();
        else feed(w);
      }
    };
    if (tasks.length === 0) { resolve([]); return; }
    for (let i = 0; i < Math.min(jobs, tasks.length); i++) {
      const w = spawn();
      workers.push(w);
      w.on('message', (m) => onMessage(w, m));
      w.on('error', (e) => finish(e));
      feed(w);
    }
  });
}

/** The worker side: trains each run it is sent on the CPU backend and reports back through `port`. */
export async function serveRuns(port: Pick<MessagePort, 'on' | 'postMessage'>, catalog: Readonly<Record<string, SurrogateClass>>, trainer: TrainerFactory): Promise<void> {
  await setBackend('cpu', { verbose: false });
  port.on('message', (m: ToWorker) => {
    const post = (msg: FromWorker) => port.postMessage(msg);
    const hooks: CompareHooks = {
      onRunStart: () => post({ type: 'start', id: m.id }),
      onEpoch: (_l, _k, epoch, loss) => post({ type: 'epoch', id: m.id, epoch, loss }),
      onStop: (_l, _k, message) => post({ type: 'stop', id: m.id, message }),
    };
    const cls = catalog[m.spec.name];
    void environ.context({ dt: m.config.dt }, async () => {
      if (!cls) throw new SpikegradError(`compare worker: unknown surrogate class '${m.spec.name}'`);
      const entry = { label: m.label, surrogate: new cls(m.spec.params), spec: m.spec };
      return runOnce(entry, m.k, m.config, trainer, hooks, m.saveTo, m.raster ?? false);
    }).then(
      (result) => post({ type: 'done', id: m.id, result }),
      (e: unknown) => post({ type: 'fail', id: m.id, message: e instanceof Error ? e.message : String(e) }),
    );
  });
}
