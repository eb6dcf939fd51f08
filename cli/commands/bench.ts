/**
 * `spikegrad bench`: times full training steps (and kernels) on the CPU and WebGPU backends, in sequence and
 * step mode, and with `--peers` TF.js and jax-js (and, when bench/peers/python's environment exists, PyTorch,
 * snnTorch and BrainPy) on the same workloads in the same run. The work is in
 * bench/ (suite.ts runs it, benchReport.ts prints it); workloads are documented in bench/README.md.
 */
import type { Command } from 'commander';
import { SpikegradError, describeValue } from '../../engine/errors.js';
import { formatReport, jsonLines } from '../../bench/benchReport.js';
import { MATMUL_SHAPES, parseMatmulShape } from '../../bench/micro.js';
import { PEERS, type PeerId } from '../../bench/peers/job.js';
import { runSuite, type BenchConfig } from '../../bench/suite.js';
import { BACKENDS, DEFAULT_WORKLOADS, MODES, resolveWorkloads, type BenchBackend, type Mode } from '../../bench/workloads.js';

export interface BenchCliOptions {
  workloads: string;
  backends?: string;
  modes?: string;
  steps?: string;
  batch?: string;
  warmup?: string;
  minIters?: string;
  maxIters?: string;
  budget?: string;
  matmulShapes?: string;
  seed: string;
  profile?: boolean;
  peers?: string | boolean;
  recheck?: boolean;
  peerTimeout: string;
  json?: boolean;
  markdown?: boolean;
  targets?: boolean;
}

function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

function choices<T extends string>(option: string, value: string, allowed: readonly T[]): T[] {
  const items = list(value);
  const bad = items.find((v) => !allowed.includes(v as T));
  if (items.length === 0 || bad !== undefined) {
    throw new SpikegradError(`bench: argument '${option}' expected a comma-separated list of ${allowed.join(', ')}, got ${describeValue(bad ?? value)}`);
  }
  return [...new Set(items)] as T[];
}

function integer(option: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new SpikegradError(`bench: argument '${option}' expected an integer ≥ ${min}, got ${describeValue(value)}`);
  return n;
}

function peerIds(value: string | boolean | undefined): PeerId[] | 'all' | undefined {
  if (value === undefined || value === true || value === false) return undefined;
  if (value === 'all') return 'all';
  return choices('--peers', value, Object.keys(PEERS) as PeerId[]);
}

/** Parses and checks every option before any work starts. */
export function benchConfig(o: BenchCliOptions, log?: (line: string) => void): BenchConfig {
  const steps = integer('--steps', o.steps, 1), batch = integer('--batch', o.batch, 1);
  const workloads = resolveWorkloads(list(o.workloads), { ...(steps ? { steps } : {}), ...(batch ? { batch } : {}) });
  const backends = choices<BenchBackend>('--backends', o.backends ?? BACKENDS.join(','), BACKENDS);
  const modes = o.modes === undefined ? undefined : choices<Mode>('--modes', o.modes, MODES);
  const minIters = integer('--min-iters', o.minIters, 1), maxIters = integer('--max-iters', o.maxIters, 1);
  if (minIters !== undefined && maxIters !== undefined && maxIters < minIters) {
    throw new SpikegradError(`bench: argument '--max-iters' expected at least --min-iters (${minIters}), got ${maxIters}`);
  }
  const optional = <K extends string>(k: K, v: number | undefined) => (v === undefined ? {} : { [k]: v } as Record<K, number>);
  const ids = peerIds(o.peers);
  return {
    workloads, backends, backendsExplicit: o.backends !== undefined, ...(modes ? { modes } : {}),
    ...optional('warmup', integer('--warmup', o.warmup, 0)), ...optional('minIters', minIters), ...optional('maxIters', maxIters),
    ...optional('budgetMs', integer('--budget', o.budget, 0)),
    matmulShapes: o.matmulShapes ? list(o.matmulShapes).map(parseMatmulShape) : MATMUL_SHAPES,
    seed: integer('--seed', o.seed, 0)!,
    profile: !!o.profile,
    peers: o.peers ? {
      ...(ids ? { ids } : {}), recheck: !!o.recheck, timeoutS: integer('--peer-timeout', o.peerTimeout, 1)!,
      ...optional('warmup', integer('--warmup', o.warmup, 0)), ...optional('minIters', minIters), ...optional('maxIters', maxIters),
      ...optional('budgetMs', integer('--budget', o.budget, 0)),
    } : false,
    ...(log ? { log } : {}),
  };
}

export function register(program: Command): void {
  program
    .command('bench')
    .description('time training steps and kernels on the CPU and WebGPU backends (and, with --peers, TF.js, jax-js, PyTorch, snnTorch and BrainPy)')
    .option('--workloads <names>', 'comma-separated: seed, wide, dense, onm (= onm-4096, onm-16384), onm-<n>, matmul, lif, spike, conv, digits, rnn, or the groups train, micro, all', DEFAULT_WORKLOADS.join(','))
    .option('--backends <names>', 'comma-separated: cpu, webgpu (default both; a missing adapter is then only a note)')
    .option('--modes <names>', 'comma-separated: sequence (fused, each layer over all T), step (the forLoop of update); default: both for seed, sequence for the others')
    .option('--steps <n>', 'override T of every workload')
    .option('--batch <n>', 'override B of every workload')
    .option('--warmup <n>', 'untimed iterations first (default 1; onm 0)')
    .option('--min-iters <n>', 'timed iterations at least (default 3; onm 1)')
    .option('--max-iters <n>', 'timed iterations at most (default 20; onm 3)')
    .option('--budget <ms>', 'keep timing past --min-iters while this much time (ms) is not spent (default 2000 train, 1000 kernels)')
    .option('--matmul-shapes <list>', 'matmul microbenchmark shapes, comma-separated MxKxN (default: squares 128–1024 and the seed/dense layers)')
    .option('--seed <n>', 'seed of data and weights (shared with the peers)', '0')
    .option('--profile', 'per-op profile of one step of each training workload on each backend')
    .option('--peers [ids]', `also time TF.js and jax-js (development checkout) on seed/wide/dense, PyTorch and BrainPy on seed/wide, snnTorch on digits (Python: bench/peers/python/setup.sh): 'all' or ${Object.keys(PEERS).join(', ')}`)
    .option('--recheck', 'check the peers against the float64 reference again instead of using the cached verdict')
    .option('--peer-timeout <s>', 'kill a peer process after this many seconds', '300')
    .option('--json', 'print one JSON object per line instead of tables')
    .option('--markdown', 'print the tables in Markdown (for bench/RESULTS.md)')
    .option('--targets', "also judge the project's development targets (issue 7) against the rows, as bench/RESULTS.md records them")
    .action(async (opts: BenchCliOptions) => {
      const cfg = benchConfig(opts, (line) => process.stderr.write(`${line}\n`));
      const report = await runSuite(cfg);
      const shown = { targets: opts.targets ?? false };
      console.log(opts.json ? jsonLines(report, shown).join('\n') : formatReport(report, opts.markdown ? 'markdown' : 'text', shown));
      const failed = [...report.checks, ...report.peers].some((c) => c.check && !c.check.ok);
      if (failed) process.exitCode = 1;
    });
}
