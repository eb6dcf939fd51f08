/**
 * `spikegrad bench` without the command line: runs the selected workloads on each backend and mode, one case
 * after another in this process (the CPU backend and one WebGPU device), then, when asked, the per-op
 * profiles and the peers (each in its own process, after ours, so nothing runs beside them). A case that
 * fails (a tensor too large for the device, a missing framework) becomes a row with its error.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import * as sg from '../index.js';
import * as internal from '../internal.js';
import { runBench, type BenchCase, type BenchOptions, type BenchResult } from './harness.js';
import { MATMUL_SHAPES, microCases, type MatmulShape } from './micro.js';
import { digitsEpochCase } from './digitsEpoch.js';
import { onmCase } from './onm.js';
import { rnnCase } from './rnn.js';
import { runPeers, type PeerOptions, type PeerRow, type SelfCheck } from './peerRows.js';
import { profileStep, type StepProfile } from './profile.js';
import { jitSplit, type JitSplitRow } from './jitSplit.js';
import { makeProblem } from './peers/problem.js';
import { trainCase } from './trainStep.js';
import type { BenchBackend, Mode, Workload } from './workloads.js';
import { torchConvRows } from './conv.js';
import { pythonExecutable } from './peers/python.js';

export interface IterationOptions {
  /** Untimed iterations first (compilation, pools). */
  warmup?: number;
  /** Timed iterations: at least minIters, then more while budgetMs lasts, at most maxIters. */
  minIters?: number;
  maxIters?: number;
  budgetMs?: number;
}

export interface BenchConfig extends IterationOptions {
  workloads: Workload[];
  backends: BenchBackend[];
  /** The backends were named by the user: a missing adapter is then an error, not a note. */
  backendsExplicit?: boolean;
  /** Modes for every workload; default: each workload's own (workloads.ts). */
  modes?: readonly Mode[];
  matmulShapes?: readonly MatmulShape[];
  /** Seed of data and weights (shared with the peers). */
  seed?: number;
  profile?: boolean;
  peers?: PeerOptions | false;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
}

export interface CaseRow {
  kind: Workload['kind'];
  workload: string;
  backend: BenchBackend;
  mode?: Mode;
  kernel?: string;
  shape?: string;
  matmulBound: boolean;
  /** Sizes changed by --steps/--batch. */
  resized?: boolean;
  result?: BenchResult;
  error?: string;
}

export interface ProfileRow {
  workload: string;
  backend: BenchBackend;
  mode: Mode;
  profile?: StepProfile;
  /** Train workloads: host and device time per step, transform.jit replayed against unrecorded (jitSplit.ts). */
  jit?: JitSplitRow[];
  jitError?: string;
  error?: string;
}

export interface EnvInfo {
  date: string;
  node: string;
  platform: string;
  cpu: string;
  cores: number;
  memGiB: number;
  loadAvg: number[];
  webgpu: string | null;
}

export interface BenchReport {
  env: EnvInfo;
  rows: CaseRow[];
  profiles: ProfileRow[];
  peers: PeerRow[];
  checks: SelfCheck[];
  /** The conv workload: PyTorch's CPU convolution on the same shapes, when the Python peers' environment exists. */
  torchConv?: Awaited<ReturnType<typeof torchConvRows>>;
}

/** Iteration defaults per kind: `onm` steps take minutes on a CPU or a software GPU, so one timed step. */
const DEFAULTS: Record<Workload['kind'], Required<IterationOptions>> = {
  train: { warmup: 1, minIters: 3, maxIters: 20, budgetMs: 2000 },
  micro: { warmup: 1, minIters: 3, maxIters: 20, budgetMs: 1000 },
  onm: { warmup: 0, minIters: 1, maxIters: 3, budgetMs: 0 },
  epoch: { warmup: 0, minIters: 1, maxIters: 3, budgetMs: 0 },
  // Step mode at T = 1,000 takes seconds per iteration on a CPU.
  rnn: { warmup: 1, minIters: 3, maxIters: 5, budgetMs: 0 },
};

function benchOptions(kind: Workload['kind'], c: IterationOptions): BenchOptions {
  const d = DEFAULTS[kind];
  return {
    warmup: c.warmup ?? d.warmup, minIterations: c.minIters ?? d.minIters,
    iterations: Math.max(c.maxIters ?? d.maxIters, c.minIters ?? d.minIters), maxTimeMs: c.budgetMs ?? d.budgetMs,
  };
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}

/** The backends to run on; WebGPU's absence is a note unless the user named it. */
async function openBackends(cfg: BenchConfig, log: (l: string) => void): Promise<Map<BenchBackend, sg.Backend>> {
  const out = new Map<BenchBackend, sg.Backend>();
  for (const name of cfg.backends) {
    try {
      out.set(name, await internal.getBackendInstance(name));
    } catch (e) {
      if (cfg.backendsExplicit) throw new sg.SpikegradError(`bench: backend '${name}' is unavailable here: ${message(e)}`);
      log(`bench: ${name} unavailable (${message(e)}); running without it`);
    }
  }
  return out;
}

export function envInfo(webgpu: sg.Backend | undefined): EnvInfo {
  const c = cpus();
  return {
    date: new Date().toISOString(), node: process.version, platform: `${process.platform} ${process.arch}`,
    cpu: c[0]?.model.trim() ?? 'unknown', cores: c.length, memGiB: Math.round(totalmem() / 2 ** 30),
    loadAvg: loadavg().map((x) => Math.round(x * 100) / 100), webgpu: webgpu?.description.replace(/^WebGPU: /, '') ?? null,
  };
}

function casesOf(w: Workload, be: sg.Backend, modes: readonly Mode[], cfg: BenchConfig): { mode?: Mode; c: BenchCase<never> }[] {
  switch (w.kind) {
    case 'train': {
      const problem = makeProblem(w.net, { seed: cfg.seed ?? 0 });
      return modes.map((mode) => ({ mode, c: trainCase(w, be, mode, problem) as unknown as BenchCase<never> }));
    }
    case 'onm':
      return modes.map((mode) => ({ mode, c: onmCase(w, be, mode) as unknown as BenchCase<never> }));
    case 'micro':
      return microCases(w, be, cfg.matmulShapes ?? MATMUL_SHAPES).map((c) => ({ c }));
    case 'epoch':
      return modes.map((mode) => ({ mode, c: digitsEpochCase(w, be, mode) as unknown as BenchCase<never> }));
    case 'rnn':
      return modes.map((mode) => ({ mode, c: rnnCase(w, be, mode) as unknown as BenchCase<never> }));
  }
}

export async function runSuite(cfg: BenchConfig): Promise<BenchReport> {
  const log = cfg.log ?? (() => {});
  const backends = await openBackends(cfg, log);
  const report: BenchReport = { env: envInfo(backends.get('webgpu')), rows: [], profiles: [], peers: [], checks: [] };
  sg.random.seed(cfg.seed ?? 0);
  for (const w of cfg.workloads) {
    for (const [bname, be] of backends) {
      let cases: { mode?: Mode; c: BenchCase<never> }[];
      try {
        cases = casesOf(w, be, w.kind === 'micro' ? [] : cfg.modes ?? w.defaultModes, cfg);
      } catch (e) {
        report.rows.push({ kind: w.kind, workload: w.name, backend: bname, matmulBound: false, error: message(e) });
        continue;
      }
      for (const { mode, c } of cases) {
        const info = c.info as { kernel?: string; shape?: string } | undefined;
        const row: CaseRow = {
          kind: w.kind, workload: w.name, backend: bname, ...(mode ? { mode } : {}),
          ...(info?.kernel ? { kernel: info.kernel } : {}), ...(info?.shape ? { shape: info.shape } : {}),
          matmulBound: w.kind === 'onm' || (w.kind === 'train' && w.matmulBound) || info?.kernel === 'matmul',
          ...(w.resized ? { resized: true } : {}),
        };
        log(`${w.name} ${bname} ${mode ?? info?.kernel ?? ''} ${info?.shape ?? ''}…`.replace(/ +/g, ' '));
        try {
          row.result = await runBench(c, benchOptions(w.kind, cfg));
        } catch (e) {
          row.error = message(e);
          await be.sync().catch(() => undefined);
        }
        report.rows.push(row);
      }
    }
  }
  if (cfg.workloads.some((w) => w.kind === 'micro' && w.name === 'conv')) {
    log('conv: PyTorch CPU convolution on the same shapes…');
    report.torchConv = await torchConvRows(pythonExecutable());
  }
  if (cfg.profile) {
    for (const w of cfg.workloads) {
      if (w.kind === 'micro') continue;
      const mode: Mode = (cfg.modes ?? w.defaultModes).includes('sequence') ? 'sequence' : 'step';
      for (const [bname, be] of backends) {
        log(`profile ${w.name} ${bname} ${mode}…`);
        const row: ProfileRow = { workload: w.name, backend: bname, mode };
        try {
          const c = casesOf(w, be, [mode], cfg)[0]!.c;
          row.profile = await profileStep(c);
        } catch (e) {
          row.error = message(e);
        }
        if (w.kind === 'train') {
          try {
            row.jit = await jitSplit(w, be, mode, makeProblem(w.net, { seed: cfg.seed ?? 0 }));
          } catch (e) {
            row.jitError = message(e);
          }
        }
        report.profiles.push(row);
      }
    }
  }
  if (cfg.peers) {
    const trainWorkloads = cfg.workloads.filter((w) => w.kind === 'train' || w.kind === 'epoch' || w.name === 'rnn');
    if (trainWorkloads.length === 0) log('bench: --peers compares training steps and epochs; no seed, wide, dense or digits among the workloads, so no peer rows');
    const { peers, checks } = await runPeers(trainWorkloads, backends, { ...cfg.peers, seed: cfg.seed ?? 0, log });
    report.peers = peers;
    report.checks = checks;
  }
  return report;
}
