/**
 * The Python peers (PyTorch, snnTorch, BrainPy), run from the virtual environment bench/peers/python/setup.sh
 * creates (bench/peers/python/.venv, or the interpreter $SPIKEGRAD_PEERS_PYTHON names). Optional: without
 * that environment `spikegrad bench --peers` says how to create it and runs the other peers.
 *
 * Each job is one `python peer.py JOB` process. The data it trains on is written here, by spikegrad's code,
 * to a safetensors file the peer reads: for seed/wide the problem of bench/peers/problem.ts (the same input,
 * labels and initial weights every peer and spikegrad get) and, for the check, the check problem, whose loss
 * and gradients come back and are compared with the float64 reference (check.ts) exactly as the JS peers'
 * are; for digits the 8,000 training and 2,000 test images of data.digits() as spikegrad's train/digits.ts
 * trains on them; for rnn the recurrent layer's problem of bench/peers/rnn.ts (input spikes, W_in, b, W_rec) and
 * its check problem, compared with that file's float64 reference. The answers are JSON lines on stdout (peer.py documents them).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digits } from '../../data/images.js';
import { DIGITS_DEFAULTS } from '../../train/digits.js';
import { encodeSafetensors, type SafeTensor } from '../../io/safetensors.js';
import { CHECK_MARGIN, checkPeer, compareGrads, findCheckProblem, type CheckResult } from './check.js';
import { findRnnCheckProblem, makeRnnProblem, RNN_PARAM_NAMES, type RnnPeerWorkload, type RnnProblem, type RnnReference } from './rnn.js';
import { stepStats, type PeerJob } from './job.js';
import { makeProblem, PARAM_NAMES, paramShapes, type Params, type PeerWorkload, type Problem } from './problem.js';
import { packageRoot, peerLabel, type PeerResult } from './run.js';

/** The folder of requirements.txt, setup.sh and peer.py. */
export function pythonPeersDir(root = packageRoot()): string {
  return join(root, 'bench', 'peers', 'python');
}

/** The interpreter of the peers' environment, or null when there is none. */
export function pythonExecutable(root = packageRoot()): string | null {
  const named = process.env.SPIKEGRAD_PEERS_PYTHON;
  if (named) return existsSync(named) ? named : null;
  const venv = join(pythonPeersDir(root), '.venv');
  for (const exe of [join(venv, 'bin', 'python'), join(venv, 'Scripts', 'python.exe')]) if (existsSync(exe)) return exe;
  return null;
}

export const PYTHON_SETUP_HINT = 'the Python peers (PyTorch, snnTorch, BrainPy) need their own environment, which is not there: '
  + 'create it with `bench/peers/python/setup.sh` (a virtual environment in bench/peers/python/.venv, from PyPI; '
  + 'bench/README.md has the offline options), or point SPIKEGRAD_PEERS_PYTHON at a Python that has them';

/**
 * The digits workload as the peers see it: spikegrad's `train digits` defaults (784 → 128 → 10, T = 25,
 * B = 128, Adam lr 2e-3). Only the fields the Python peer reads matter.
 */
export const DIGITS_PEER_WORKLOAD: PeerWorkload = {
  name: 'digits', steps: DIGITS_DEFAULTS.steps, batch: DIGITS_DEFAULTS.batch, nIn: 784, nRec: DIGITS_DEFAULTS.hidden, nOut: 10,
  input: 'current', rateHz: 0, tauSyn: 5, tauMem: -1 / Math.log(DIGITS_DEFAULTS.beta), tauOut: -1 / Math.log(DIGITS_DEFAULTS.beta),
  lr: DIGITS_DEFAULTS.lr, chunk: DIGITS_DEFAULTS.steps, checkBatch: 0,
  description: 'one training epoch of 784→128 LIF→10 readout on the 8,000 training digits, T=25 rate-coded, B=128, Adam',
};

function problemFile(dir: string, name: string, p: Problem): string {
  const { workload: w } = p;
  const shapes = paramShapes(w);
  const tensors: Record<string, SafeTensor> = {
    x: { dtype: 'F32', shape: [w.steps, p.batch, w.nIn], data: p.x },
    labels: { dtype: 'I32', shape: [p.batch], data: p.labels },
  };
  for (const k of PARAM_NAMES) tensors[k] = { dtype: 'F32', shape: shapes[k], data: p.params[k] };
  const file = join(dir, `${name}.safetensors`);
  writeFileSync(file, encodeSafetensors(tensors));
  return file;
}

/** The rnn workload's problem as the peer reads it: x [T, B, nIn], w_in [nIn, n], b [n], w_rec [n, n]. */
function rnnProblemFile(dir: string, name: string, p: RnnProblem): string {
  const { nIn, nRec: n } = p.workload;
  const file = join(dir, `${name}.safetensors`);
  writeFileSync(file, encodeSafetensors({
    x: { dtype: 'F32', shape: [p.steps, p.batch, nIn], data: p.x },
    w_in: { dtype: 'F32', shape: [nIn, n], data: p.params.w_in },
    b: { dtype: 'F32', shape: [n], data: p.params.b },
    w_rec: { dtype: 'F32', shape: [n, n], data: p.params.w_rec },
  }));
  return file;
}

/** The 8,000 training and 2,000 test digits as a safetensors file in `dir`, for a Python peer (x_train, y_train, x_test, y_test). */
export async function digitsFile(dir: string): Promise<string> {
  const { train, test } = await digits({ log: () => {} });
  const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
  const file = join(dir, 'digits.safetensors');
  writeFileSync(file, encodeSafetensors({
    x_train: { dtype: 'F32', shape: [train.length, train.featureSize], data: train.features(all(train.length)) },
    y_train: { dtype: 'I32', shape: [train.length], data: train.labels },
    x_test: { dtype: 'F32', shape: [test.length, test.featureSize], data: test.features(all(test.length)) },
    y_test: { dtype: 'I32', shape: [test.length], data: test.labels },
  }));
  return file;
}

type PythonMessage =
  | { type: 'ready'; version: string; device: string }
  | { type: 'check'; loss: number; grads: Record<string, number[]> }
  | { type: 'result'; firstStepMs: number; times: number[]; losses: number[]; testAccuracy?: number }
  | { type: 'error'; message: string };

export interface PythonPeerResult extends PeerResult {
  /** digits: the peer's test accuracy after its epochs (that it trains, not a race). */
  testAccuracy?: number;
}

/**
 * Runs one Python peer job (a seed/wide problem, or digits epochs: `epochs` of them) and checks its gradients
 * when `job.check`. Never throws: a missing environment, a failing import or a crash comes back as `error`.
 */
export async function runPythonPeerJob(job: PeerJob, opts: { timeoutMs?: number; epochs?: number; python?: string | null } = {}): Promise<PythonPeerResult> {
  const t0 = performance.now();
  const result: PythonPeerResult = { job, label: peerLabel(job), wallMs: 0 };
  const python = opts.python === undefined ? pythonExecutable() : opts.python;
  if (!python) return { ...result, error: PYTHON_SETUP_HINT };
  const dir = mkdtempSync(join(tmpdir(), 'spikegrad-pypeer-'));
  try {
    const w = job.workload;
    let check: { problem: Problem; reference: ReturnType<typeof findCheckProblem>['reference'] } | null = null;
    let rnnCheck: { problem: RnnProblem; reference: RnnReference } | null = null;
    const spec: Record<string, unknown> = {
      framework: job.framework, workload: w, seed: job.seed, warmup: job.warmup, minIters: job.minIters, maxIters: job.maxIters,
      budgetMs: job.budgetMs, threads: 2, epochs: opts.epochs ?? 2,
    };
    if (w.name === 'digits') {
      spec.dataFile = await digitsFile(dir);
    } else if (w.name === 'rnn') {
      const rw = w as RnnPeerWorkload;
      spec.dataFile = rnnProblemFile(dir, 'problem', makeRnnProblem(rw, { seed: job.seed }));
      if (job.check) {
        rnnCheck = findRnnCheckProblem(rw, job.seed, CHECK_MARGIN);
        spec.checkFile = rnnProblemFile(dir, 'check', rnnCheck.problem);
      }
    } else {
      spec.dataFile = problemFile(dir, 'problem', makeProblem(w, { seed: job.seed }));
      if (job.check) {
        check = findCheckProblem(w, job.seed);
        spec.checkFile = problemFile(dir, 'check', check.problem);
      }
    }
    const messages = await runPython(python, [join(pythonPeersDir(), 'peer.py'), JSON.stringify(spec)], opts.timeoutMs ?? 600_000);
    for (const m of messages.lines) {
      if (m.type === 'ready') {
        result.version = m.version;
        result.device = m.device;
        result.label = peerLabel(job, m.version);
      } else if (m.type === 'check' && check) {
        result.check = await checkFromPeer(m, check.problem, check.reference);
      } else if (m.type === 'check' && rnnCheck) {
        const grads = Object.fromEntries(RNN_PARAM_NAMES.map((k) => [k, Float32Array.from(m.grads[k] ?? [])])) as Record<(typeof RNN_PARAM_NAMES)[number], Float32Array>;
        result.check = compareGrads(RNN_PARAM_NAMES, { loss: m.loss, grads }, rnnCheck.reference, rnnCheck.problem);
      } else if (m.type === 'result') {
        result.firstStepMs = m.firstStepMs;
        // digits epochs sit beside spikegrad's epoch row, whose median is the harness's nearest-rank one (with 2
        // epochs: the faster); the same statistic here, or an even count would compare a minimum with a mean.
        result.stats = w.name === 'digits' ? { ...stepStats(m.times), medianMs: nearestRank(m.times, 0.5), p90Ms: nearestRank(m.times, 0.9) } : stepStats(m.times);
        result.losses = m.losses;
        if (m.testAccuracy !== undefined) result.testAccuracy = m.testAccuracy;
      } else if (m.type === 'error') {
        result.error = m.message.split('\n')[0];
      }
    }
    if (!result.stats && !result.error) result.error = `the Python peer exited (${messages.exit}) without a result${messages.stderr ? `: ${messages.stderr}` : ''}`;
  } catch (e) {
    result.error = e instanceof Error ? e.message : String(e);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  result.wallMs = performance.now() - t0;
  return result;
}

/** The harness's quantile (bench/harness.ts): nearest rank. */
function nearestRank(times: readonly number[], q: number): number {
  const s = [...times].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

function checkFromPeer(m: { loss: number; grads: Record<string, number[]> }, problem: Problem, reference: ReturnType<typeof findCheckProblem>['reference']): Promise<CheckResult> {
  const grads = Object.fromEntries(PARAM_NAMES.map((k) => [k, Float32Array.from(m.grads[k] ?? [])])) as Params;
  return checkPeer({ lossAndGrads: () => Promise.resolve({ loss: m.loss, grads }), trainStep: () => Promise.reject(new Error('unused')), dispose: () => {} }, problem, reference);
}

function runPython(python: string, args: string[], timeoutMs: number): Promise<{ lines: PythonMessage[]; exit: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, JAX_PLATFORMS: 'cpu', OMP_NUM_THREADS: '2' } });
    const lines: PythonMessage[] = [];
    let out = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl).trim();
        out = out.slice(nl + 1);
        if (line.startsWith('{')) {
          try { lines.push(JSON.parse(line) as PythonMessage); } catch { /* a framework's own output */ }
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
    const timer = setTimeout(() => {
      lines.push({ type: 'error', message: `timed out after ${Math.round(timeoutMs / 1000)} s` });
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => lines.push({ type: 'error', message: `cannot start ${python}: ${e.message}` }));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ lines, exit: signal ?? `code ${code}`, stderr: stderr.trim().split('\n').slice(-3).join(' | ') });
    });
  });
}
