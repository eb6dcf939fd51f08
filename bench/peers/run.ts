/**
 * Runs peer jobs, each in its own Node process (dist/peers-child.js), and collects their answers.
 * A job that crashes, hangs past its timeout or lacks its framework comes back with `error` set instead of
 * taking the benchmark down.
 */
import { fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CheckResult } from './check.js';
import { FRAMEWORK_NAMES, type PeerJob, type PeerMessage, type StepStats } from './job.js';

export interface PeerResult {
  job: PeerJob;
  /** e.g. "TF.js 4.22.0 wasm" */
  label: string;
  version?: string;
  device?: string;
  check?: CheckResult;
  /** The first training step, which includes tracing/compilation. */
  firstStepMs?: number;
  stats?: StepStats;
  /** Loss of every step run (first, warm-up and timed), to see that the peer trains. */
  losses?: number[];
  error?: string;
  /** Wall time of the whole child process, start-up and check included. */
  wallMs: number;
}

/** The package root: the nearest directory above this module whose package.json is spikegrad's. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'spikegrad') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the spikegrad package root above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** The built child entry; `npm run build` makes it. */
export function peerChildScript(): string {
  const script = join(packageRoot(), 'dist', 'peers-child.js');
  // The published package leaves the peers out (they import TF.js and jax-js, devDependencies of spikegrad).
  if (!existsSync(script)) throw new Error(`${script} is missing: --peers needs a development checkout of spikegrad (git clone, npm install), whose build makes it`);
  return script;
}

export function peerLabel(job: Pick<PeerJob, 'framework' | 'backend'>, version?: string): string {
  return `${FRAMEWORK_NAMES[job.framework]}${version ? ' ' + version : ''} ${job.backend}`;
}

export interface RunPeerOptions {
  /** Kill the child after this long (default 10 minutes). */
  timeoutMs?: number;
  /** Child entry script (default: dist/peers-child.js of this package). */
  script?: string;
  /** Called with each message as it arrives (progress display). */
  onMessage?: (msg: PeerMessage) => void;
}

export function runPeerJob(job: PeerJob, opts: RunPeerOptions = {}): Promise<PeerResult> {
  const t0 = performance.now();
  const result: PeerResult = { job, label: peerLabel(job), wallMs: 0 };
  let script: string;
  try {
    script = opts.script ?? peerChildScript();
  } catch (e) {
    return Promise.resolve({ ...result, error: (e as Error).message });
  }
  return new Promise((resolve) => {
    const child = fork(script, [JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [] });
    let stderr = '';
    child.stdout?.resume(); // TF.js greets Node users on stdout; nothing there is ours
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const timer = setTimeout(() => {
      result.error = `timed out after ${Math.round((opts.timeoutMs ?? 600_000) / 1000)} s`;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 600_000);
    child.on('message', (msg: PeerMessage) => {
      opts.onMessage?.(msg);
      switch (msg.type) {
        case 'ready':
          result.version = msg.version;
          result.device = msg.device;
          result.label = peerLabel(job, msg.version);
          break;
        case 'check':
          result.check = msg.check;
          break;
        case 'result':
          result.firstStepMs = msg.firstStepMs;
          result.stats = msg.stats;
          result.losses = msg.losses;
          break;
        case 'error':
          result.error = msg.message.split('\n')[0];
          break;
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (!result.stats && !result.error) {
        result.error = `peer process exited (${signal ?? `code ${code}`}) without a result${stderr ? ': ' + stderr.trim().split('\n').slice(-3).join(' | ') : ''}`;
      }
      result.wallMs = performance.now() - t0;
      resolve(result);
    });
  });
}
