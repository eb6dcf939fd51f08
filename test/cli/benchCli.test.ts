/**
 * `spikegrad bench` plumbing: every bad argument is refused before any work with a message naming it; a tiny
 * run end to end on both backends gives the JSON lines and tables the docs promise (fields, speedups, rates,
 * profiles); workload names and groups resolve.
 */
import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { benchConfig, register, type BenchCliOptions } from '../../cli/commands/bench.js';
import { resolveWorkloads, trainStepFlops } from '../../bench/workloads.js';
import * as sg from '../../index.js';
import { REQUIRE_WEBGPU } from '../support/helpers.js';
import { webgpuAvailable } from '../support/webgpu.js';

/** Runs `spikegrad bench …` in-process; returns what it printed on stdout. */
async function bench(args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  register(program);
  const out: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out.push(a.join(' ')); });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await program.parseAsync(['node', 'spikegrad', 'bench', ...args]);
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
  return out.join('\n');
}

const defaults: BenchCliOptions = { workloads: 'seed', seed: '0', peerTimeout: '300' };

describe('arguments', () => {
  it.each([
    [{ workloads: 'seed,nope' }, /--workloads' expected names among seed, wide, dense, .*got string 'nope'/],
    [{ workloads: ',' }, /--workloads' expected at least one name/],
    [{ backends: 'cpu,tpu' }, /--backends' expected a comma-separated list of cpu, webgpu, got string 'tpu'/],
    [{ modes: 'fused' }, /--modes' expected a comma-separated list of sequence, step, got string 'fused'/],
    [{ warmup: '-1' }, /--warmup' expected an integer ≥ 0, got string '-1'/],
    [{ minIters: '2.5' }, /--min-iters' expected an integer ≥ 1, got string '2.5'/],
    [{ minIters: '5', maxIters: '2' }, /--max-iters' expected at least --min-iters \(5\), got 2/],
    [{ steps: '0' }, /--steps' expected an integer ≥ 1, got string '0'/],
    [{ budget: 'soon' }, /--budget' expected an integer ≥ 0, got string 'soon'/],
    [{ matmulShapes: '64x64' }, /--matmul-shapes' expected comma-separated MxKxN sizes .*got string '64x64'/],
    [{ peers: 'tfjs-wasm,pytorch' }, /--peers' expected a comma-separated list of tfjs-cpu, .*got string 'pytorch'/],
    [{ seed: 'x' }, /--seed' expected an integer ≥ 0, got string 'x'/],
  ])('%o is refused', (o, message) => {
    expect(() => benchConfig({ ...defaults, ...o } as BenchCliOptions)).toThrow(sg.SpikegradError);
    expect(() => benchConfig({ ...defaults, ...o } as BenchCliOptions)).toThrow(message);
  });

  it('the command refuses them too, before any output', async () => {
    await expect(bench(['--workloads', 'seeed'])).rejects.toThrow(/'--workloads' expected names among .* got string 'seeed'/);
  });

  it('resolves names, groups and sizes', () => {
    expect(resolveWorkloads(['onm', 'seed', 'micro', 'seed']).map((w) => w.name)).toEqual(['onm-4096', 'onm-16384', 'seed', 'matmul', 'lif', 'spike']);
    expect(resolveWorkloads(['all']).map((w) => w.name)).toEqual(['seed', 'wide', 'dense', 'matmul', 'lif', 'spike', 'onm-4096', 'onm-16384']);
    const [seed, onm] = resolveWorkloads(['seed', 'onm-64'], { steps: 7 });
    expect(seed).toMatchObject({ kind: 'train', resized: true, net: { steps: 7, batch: 256, nRec: 4 } });
    expect(onm).toMatchObject({ kind: 'onm', n: 64, steps: 7, batch: 16, resized: true });
    // 2 FLOPs per multiply-add: input layer forward + weight gradient, readout forward + both gradients.
    const dense = resolveWorkloads(['dense'])[0]!;
    if (dense.kind !== 'train') throw new Error('dense is a training workload');
    expect(trainStepFlops(dense.net)).toBe(2 * 100 * 128 * (2 * 256 * 1024 + 3 * 1024 * 10));
  });

  it('per-workload default modes unless --modes is given', () => {
    const c = benchConfig({ ...defaults, workloads: 'seed,dense' });
    expect(c.modes).toBeUndefined();
    expect(c.workloads.map((w) => (w.kind === 'train' ? w.defaultModes : []))).toEqual([['sequence', 'step'], ['sequence']]);
    expect(benchConfig({ ...defaults, modes: 'step' }).modes).toEqual(['step']);
  });
});

interface Line {
  kind: string;
  [k: string]: unknown;
}

const tinyArgs = ['--steps', '6', '--batch', '4', '--warmup', '0', '--min-iters', '2', '--max-iters', '2', '--matmul-shapes', '8x8x8,16x4x2'];

describe('a tiny run end to end', () => {
  const backends = webgpuAvailable || REQUIRE_WEBGPU ? ['cpu', 'webgpu'] : ['cpu'];

  it('prints JSON lines: env, every case on every backend and mode, targets (with --targets)', async () => {
    const text = await bench(['--workloads', 'seed,onm-32,micro', '--backends', backends.join(','), '--modes', 'sequence,step', ...tinyArgs, '--json', '--targets']);
    const lines = text.split('\n').map((l) => JSON.parse(l) as Line);
    expect(new Set(lines.map((l) => l.kind))).toEqual(new Set(['env', 'case', 'target']));
    expect(lines[0]).toMatchObject({ kind: 'env', cores: expect.any(Number), node: process.version });
    const cases = lines.filter((l) => l.kind === 'case');
    for (const be of backends) {
      for (const workload of ['seed', 'onm-32']) {
        for (const mode of ['sequence', 'step']) {
          const r = cases.find((l) => l.workload === workload && l.backend === be && l.mode === mode);
          expect(r, `${workload} ${be} ${mode}`).toBeDefined();
          expect(r!.error).toBeUndefined();
          expect(r).toMatchObject({ iterations: 2, T: 6, B: 4, resized: true });
          expect(r!.medianMs as number).toBeGreaterThan(0);
          expect(r!.p90Ms as number).toBeGreaterThanOrEqual(r!.medianMs as number);
          expect(r!.peakBytes as number).toBeGreaterThan(0);
          expect(r!.ops as number).toBeGreaterThan(0);
          if (be === 'webgpu') expect(r!.dispatches as number).toBeGreaterThan(0);
          else expect(r!.dispatches).toBe(0);
          if (mode === 'sequence') expect(r!.seqSpeedup).toBeCloseTo((cases.find((l) => l.workload === workload && l.backend === be && l.mode === 'step')!.medianMs as number) / (r!.medianMs as number), 6);
          if (be === 'webgpu') expect(r!.gpuSpeedup).toBeGreaterThan(0);
        }
      }
      // Sequence mode does a constant number of ops per step; step mode a number that grows with T.
      const ops = (w: string, m: string) => cases.find((l) => l.workload === w && l.backend === be && l.mode === m)!.ops as number;
      expect(ops('seed', 'step')).toBeGreaterThan(3 * ops('seed', 'sequence'));
      expect(cases.find((l) => l.workload === 'onm-32' && l.backend === be && l.mode === 'sequence')!.gflops).toBeGreaterThan(0);
      const kernels = cases.filter((l) => l.type === 'micro' && l.backend === be);
      expect(kernels.map((k) => `${String(k.kernel)} ${String(k.shape)}`)).toEqual([
        'matmul 8×8×8', 'matmul 16×4×2', 'neuronRun LIF [6,4,1024]', 'neuronRunGrad LIF [6,4,1024]', 'spike [6,4,1024]',
        'spikeGrad ReluGrad [6,4,1024]', 'spikeGrad Sigmoid [6,4,1024]',
      ]);
      for (const k of kernels) expect(k.kernel === 'matmul' ? k.gflops : k.gbps).toBeGreaterThan(0);
    }
    // The targets speak of the workloads at their own sizes: resized rows measure none of them.
    const targets = lines.filter((l) => l.kind === 'target');
    expect(targets.map((t) => t.id)).toEqual(['seed-sequence-vs-step-webgpu', 'seed-vs-best-peer', 'dense-vs-best-peer', 'dense-webgpu-gflops']);
    for (const t of targets) expect(t.value).toBeUndefined();
  });

  it('prints readable tables with the speedups, and a per-op profile', async () => {
    const text = await bench(['--workloads', 'seed,spike', '--backends', backends.join(','), '--profile', ...tinyArgs]);
    expect(text).toMatch(/^spikegrad bench — /);
    expect(text).toMatch(/Training steps .*\n.*workload +backend +mode +T×B +median ms +p90 ms +first ms +steps +dispatches +peak MiB +GFLOP\/s +seq vs step +GPU vs CPU/);
    expect(text).toMatch(/\nseed +cpu +sequence +6×4 +[\d.]+ .* [\d.]+× +—\n/);
    expect(text).toMatch(/Kernels:\n.*kernel +shape +backend +median ms +rate/);
    expect(text).toMatch(/spikeGrad Sigmoid +\[6,4,1024\] +cpu +[\d.]+ +[\d.]+ GB\/s/);
    for (const be of backends) {
      const block = text.split('\n\n').find((b) => b.startsWith(`profile: seed, ${be}, sequence mode`));
      expect(block, `profile on ${be}`).toBeDefined();
      expect(block).toMatch(/\nneuronRun +1 /);
      expect(block).toMatch(/\nlinear \[24,100\]@\[100,4\]\+\[4\] +1 /); // nn.Linear's x·W + b
      expect(block).toMatch(/\nmatmul \[24,100\]ᵀ@\[24,4\] +1 /); // its weight gradient
      expect(block).toMatch(/\nadam +4 /);
      if (be === 'webgpu') expect(block).toMatch(/device ms \(replayed alone\)/);
      // The transform.jit split (bench/jitSplit.ts): the same step unrecorded and replayed, host time apart.
      expect(block).toMatch(new RegExp(`\ntransform\\.jit: seed, ${be}, sequence mode, medians of \\d+ alternated steps — host time [\\d.]+× lower replayed\n`));
      expect(block).toMatch(be === 'webgpu' ? /\nreplayed +[\d.]+ +[\d.]+ +[\d.]+ +\d+ +\d+ +1\n?/ : /\nreplayed +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+ +\d+ +0 +0/);
      expect(block).toMatch(/\nunrecorded +[\d.]+ /);
    }
    // The project's development targets are for bench/RESULTS.md (--targets), not for users.
    expect(text).not.toMatch(/Targets|issue 7/);
  });

  it('an explicitly requested backend that is missing is an error; otherwise a note', async () => {
    if (webgpuAvailable) return; // nothing to test where the adapter exists
    await expect(bench(['--workloads', 'spike', '--backends', 'webgpu', ...tinyArgs])).rejects.toThrow(/backend 'webgpu' is unavailable here/);
  });
});
