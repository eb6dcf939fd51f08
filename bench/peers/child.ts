/**
 * Entry point of one peer process (built to dist/peers-child.js). Each peer gets its own process because TF.js
 * and jax-js register global backends and Dawn wants one device per process. It reads a PeerJob (JSON in
 * argv[2]), answers with PeerMessages over the IPC channel, and exits; stdout stays free for the frameworks'
 * own chatter.
 *
 * The job itself runs in a worker thread with a large stack: jax-js differentiates the unrolled time loop
 * recursively and overflows Node's default ~1 MB stack at T = 200 ("Maximum call stack size exceeded" in
 * PartialEvalTracer.dispose). `node --stack-size` cannot help safely (beyond the OS thread stack it segfaults),
 * whereas a worker's `stackSizeMb` sizes the thread's real stack too.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { checkPeer, findCheckProblem } from './check.js';
import { stepStats, type PeerJob, type PeerMessage } from './job.js';
import { jaxjsModel, loadJaxjs, type JaxjsBackend } from './jaxjs.js';
import type { PeerModel } from './model.js';
import { releaseDevice } from './nodeGpu.js';
import { makeProblem, type Problem } from './problem.js';
import { loadTfjs, tfjsModel, type TfjsBackend } from './tfjs.js';

const WORKER_STACK_MB = 512;

function send(msg: PeerMessage): void {
  parentPort!.postMessage(msg);
}

/** Main thread: relay the worker's messages to the parent process (or to stdout when run by hand). */
function relay(msg: PeerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send) process.send(msg, () => resolve());
    else {
      process.stdout.write(JSON.stringify(msg) + '\n');
      resolve();
    }
  });
}

interface Runtime {
  build: (p: Problem) => PeerModel;
  version: string;
  device: string;
  gpu?: GPUDevice;
}

async function load(job: PeerJob): Promise<Runtime> {
  if (job.framework === 'tfjs') {
    const rt = await loadTfjs(job.backend as TfjsBackend);
    return { build: (p) => tfjsModel(rt.tf, p), version: rt.version, device: rt.device, ...(rt.gpuDevice ? { gpu: rt.gpuDevice } : {}) };
  }
  if (job.backend === 'cpu') throw new Error("jax-js's 'cpu' device is an interpreter meant for debugging; use 'wasm'");
  const rt = await loadJaxjs(job.backend as JaxjsBackend);
  return { build: (p) => jaxjsModel(rt.jax, p), version: rt.version, device: rt.device, ...(rt.gpuDevice ? { gpu: rt.gpuDevice } : {}) };
}

async function run(job: PeerJob, rt: Runtime): Promise<void> {
  send({ type: 'ready', version: rt.version, device: rt.device });
  const w = job.workload;

  if (job.check) {
    const { problem, reference } = findCheckProblem(w, job.seed);
    const model = rt.build(problem);
    send({ type: 'check', check: await checkPeer(model, problem, reference) });
    model.dispose();
  }

  const model = rt.build(makeProblem(w, { seed: job.seed }));
  const losses: number[] = [];
  let t = performance.now();
  losses.push(await model.trainStep());
  const firstStepMs = performance.now() - t;
  for (let i = 0; i < job.warmup; i++) losses.push(await model.trainStep());
  const times: number[] = [];
  const start = performance.now();
  const minIters = Math.max(1, job.minIters), maxIters = Math.max(minIters, job.maxIters);
  while (times.length < maxIters && (times.length < minIters || performance.now() - start < job.budgetMs)) {
    t = performance.now();
    losses.push(await model.trainStep());
    times.push(performance.now() - t);
  }
  model.dispose();
  send({ type: 'result', firstStepMs, stats: stepStats(times), losses });
}

async function workerMain(job: PeerJob): Promise<void> {
  let gpu: GPUDevice | undefined;
  try {
    const rt = await load(job);
    gpu = rt.gpu;
    await run(job, rt);
  } catch (e) {
    send({ type: 'error', message: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) });
  }
  await releaseDevice(gpu).catch(() => undefined);
  parentPort!.postMessage({ type: 'done' });
}

async function processMain(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as PeerJob;
  const worker = new Worker(new URL(import.meta.url), { workerData: job, resourceLimits: { stackSizeMb: WORKER_STACK_MB } });
  const pending: Promise<void>[] = [];
  await new Promise<void>((resolve) => {
    worker.on('message', (msg: PeerMessage | { type: 'done' }) => {
      if (msg.type === 'done') resolve();
      else pending.push(relay(msg));
    });
    worker.on('error', (e) => {
      pending.push(relay({ type: 'error', message: `${e.message}\n${e.stack ?? ''}` }));
      resolve();
    });
    worker.on('exit', () => resolve());
  });
  await Promise.all(pending);
  // Dawn keeps the event loop alive after the device is gone (node-webgpu issue #18), so leave explicitly.
  process.exit(0);
}

if (isMainThread) await processMain();
else await workerMain(workerData as PeerJob);
