/**
 * `spikegrad bench --peers`: the TF.js and jax-js rows beside ours, in the same run, and the Python ones
 * (PyTorch and BrainPy on seed/wide, snnTorch on digits, snnTorch and BrainPy's JAX stack on rnn;
 * bench/peers/python.ts) when their environment exists. Each peer runs the same
 * workload (network, sizes, weights and data) in its own process, one after another, with the same
 * iteration policy as spikegrad's rows. Before the ratios mean anything, everyone must compute the same
 * thing: spikegrad (on each backend) and each peer are checked against the float64 reference on the check
 * problem; spikegrad's check runs every time (it takes milliseconds), a peer's passed check is cached.
 */
import * as sg from '../index.js';
import { checkPeer, findCheckProblem, type CheckResult } from './peers/check.js';
import { CheckCache, frameworkVersion } from './peers/checkCache.js';
import { defaultPeers, isPythonPeer, peerRuns, PEERS, type PeerId, type PeerJob } from './peers/job.js';
import { DIGITS_PEER_WORKLOAD, PYTHON_SETUP_HINT, pythonExecutable, runPythonPeerJob } from './peers/python.js';
import { RNN_PEER_WORKLOAD } from './peers/rnn.js';
import { runPeerJob, type PeerResult } from './peers/run.js';
import { spikegradModel } from './trainStep.js';
import type { BenchBackend, EpochWorkload, TrainWorkload, Workload } from './workloads.js';

export interface PeerOptions {
  /** Peer ids, or 'all'; default: all five on `seed`, the two wasm ones elsewhere (job.ts defaultPeers). */
  ids?: PeerId[] | 'all';
  /** Ignore cached checks and check every peer again. */
  recheck?: boolean;
  /** Kill a peer process after this many seconds. */
  timeoutS?: number;
  /** Iteration policy (the same as spikegrad's train rows). */
  warmup?: number;
  minIters?: number;
  maxIters?: number;
  budgetMs?: number;
  /** Where passed checks are remembered (default out/bench/peer-checks.json). */
  cacheFile?: string;
  /** The child entry (default dist/peers-child.js). */
  script?: string;
}

export interface PeerRow extends PeerResult {
  /** The check shown comes from the cache of an earlier run (same framework version, workload, seed). */
  checkCached?: boolean;
}

/** spikegrad's own check on one backend. */
export interface SelfCheck {
  workload: string;
  backend: BenchBackend;
  check?: CheckResult;
  error?: string;
}

export async function runPeers(
  workloads: readonly (TrainWorkload | EpochWorkload | Workload)[],
  backends: ReadonlyMap<BenchBackend, sg.Backend>,
  opts: PeerOptions & { seed: number; log?: (line: string) => void },
): Promise<{ peers: PeerRow[]; checks: SelfCheck[] }> {
  const log = opts.log ?? (() => {});
  const cache = new CheckCache(...(opts.cacheFile ? [opts.cacheFile] : []));
  const peers: PeerRow[] = [];
  const checks: SelfCheck[] = [];
  let pythonNoted = false;
  const pythonMissing = (): boolean => {
    if (pythonExecutable()) return false;
    if (!pythonNoted) log(`bench: ${PYTHON_SETUP_HINT}`);
    pythonNoted = true;
    return true;
  };
  for (const w of workloads) {
    if (w.name === RNN_PEER_WORKLOAD.name) {
      // rnn: the Python peers only (snnTorch RLeaky, JAX lax.scan), each checked against bench/peers/rnn.ts's
      // float64 reference; the sizes follow the workload's when --steps/--batch changed them.
      const sized = w as { steps?: unknown; batch?: unknown };
      const net = {
        ...RNN_PEER_WORKLOAD,
        ...(typeof sized.steps === 'number' ? { steps: sized.steps } : {}), ...(typeof sized.batch === 'number' ? { batch: sized.batch } : {}),
      };
      const ids = (opts.ids === 'all' ? (Object.keys(PEERS) as PeerId[]) : opts.ids ?? defaultPeers(w.name)).filter((id) => peerRuns(id, w.name));
      for (const id of ids) {
        const job: PeerJob = {
          ...PEERS[id], workload: net, seed: opts.seed, warmup: opts.warmup ?? 1, minIters: opts.minIters ?? 3,
          maxIters: opts.maxIters ?? 20, budgetMs: opts.budgetMs ?? 2000, check: true,
        };
        log(`${w.name} peer ${id}…`);
        pythonMissing();
        peers.push(await runPythonPeerJob(job, { timeoutMs: (opts.timeoutS ?? 600) * 1000 }));
      }
      continue;
    }
    if (w.kind !== 'train' && w.kind !== 'epoch') continue;
    if (w.kind === 'epoch') {
      // digits: whole epochs, timed beside spikegrad's epoch rows; spikegrad's model is checked by its tests.
      const ids = (opts.ids === 'all' ? (Object.keys(PEERS) as PeerId[]) : opts.ids ?? defaultPeers(w.name)).filter((id) => peerRuns(id, w.name));
      for (const id of ids) {
        const job: PeerJob = {
          ...PEERS[id], workload: DIGITS_PEER_WORKLOAD, seed: opts.seed, warmup: 0, minIters: 1, maxIters: 1, budgetMs: 0, check: false,
        };
        log(`${w.name} peer ${id} (epochs)…`);
        pythonMissing();
        peers.push(await runPythonPeerJob(job, { timeoutMs: (opts.timeoutS ?? 1800) * 1000, epochs: Math.max(1, opts.minIters ?? 2) }));
      }
      continue;
    }
    log(`check spikegrad ${w.name} against the float64 reference…`);
    const { problem, reference } = findCheckProblem(w.net, opts.seed);
    for (const [name, be] of backends) {
      try {
        const model = spikegradModel(problem, be);
        checks.push({ workload: w.name, backend: name, check: await checkPeer(model, problem, reference) });
        model.dispose();
      } catch (e) {
        checks.push({ workload: w.name, backend: name, error: e instanceof Error ? e.message : String(e) });
      }
    }
    const ids = (opts.ids === 'all' ? (Object.keys(PEERS) as PeerId[]) : opts.ids ?? defaultPeers(w.name)).filter((id) => peerRuns(id, w.name));
    for (const id of ids) {
      const spec = PEERS[id];
      const job: PeerJob = {
        ...spec, workload: w.net, seed: opts.seed, warmup: opts.warmup ?? 1, minIters: opts.minIters ?? 3,
        maxIters: opts.maxIters ?? 20, budgetMs: opts.budgetMs ?? 2000, check: true,
      };
      const version = frameworkVersion(spec.framework);
      const cached = opts.recheck ? undefined : cache.get(job, version);
      if (cached) job.check = false;
      log(`${w.name} peer ${id}${cached ? ' (check cached)' : ''}…`);
      if (isPythonPeer(spec)) {
        pythonMissing();
        peers.push(await runPythonPeerJob(job, { timeoutMs: (opts.timeoutS ?? 300) * 1000 }));
        continue;
      }
      const r: PeerRow = await runPeerJob(job, { timeoutMs: (opts.timeoutS ?? 300) * 1000, ...(opts.script ? { script: opts.script } : {}) });
      if (cached) Object.assign(r, { check: cached, checkCached: true });
      else if (r.check) cache.set(job, r.version ?? version ?? 'unknown', r.check);
      peers.push(r);
    }
  }
  return { peers, checks };
}
