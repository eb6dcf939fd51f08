/**
 * The tutorial network as `compare` trains it: the first loss is ln 2 for the three tutorial surrogates at
 * the tutorial's sizes, sequence mode equals step mode, WebGPU follows the CPU, the same seed gives the same
 * weights everywhere, and the built CLI runs its runs on real worker threads.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import * as internal from '../../internal.js';
import { environ, surrogate } from '../../index.js';
import { TUTORIAL_CONFIG, compareSurrogates, type CompareConfig } from '../../train/compare.js';
import { SNN, tutorialTrainer } from '../../train/tutorial.js';
import { describeWebGpu } from '../support/webgpu.js';

const small: CompareConfig = { ...TUTORIAL_CONFIG, nIn: 30, nRec: 6, steps: 40, batch: 32, rateHz: 60, lr: 1e-2, epochs: 6 };

/** Losses of `epochs` train steps of the tutorial trainer (seeded), on the current default backend. */
async function losses(spk: surrogate.Surrogate, c: CompareConfig, seed = 5): Promise<number[]> {
  return environ.context({ dt: c.dt }, async () => {
    sg.random.seed(seed);
    const tr = tutorialTrainer(spk, c);
    const out: number[] = [];
    try {
      for (let e = 0; e < c.epochs; e++) {
        const l = tr.step();
        out.push(await l.item());
        l.dispose();
      }
    } finally {
      tr.dispose();
    }
    return out;
  });
}

describe('the tutorial network', () => {
  it('starts at ln 2 for ReluGrad, Sigmoid and Arctan at the tutorial sizes (no hidden spike at init)', async () => {
    const r = await compareSurrogates({
      epochs: 2,
      surrogates: { ReluGrad: new surrogate.ReluGrad(), Sigmoid: new surrogate.Sigmoid(), Arctan: new surrogate.Arctan() },
    });
    for (const s of r.surrogates) expect(Math.abs(s.first - Math.LN2), s.label).toBeLessThan(1e-4);
    expect(r.config).toMatchObject({ nIn: 100, nRec: 4, nOut: 2, steps: 200, batch: 256, rateHz: 5, lr: 3e-3, mode: 'sequence' });
  });

  it('sequence mode (fused layers) and step mode (forLoop) train along the same curve', async () => {
    const spk = new surrogate.Sigmoid();
    const seq = await losses(spk, { ...small, mode: 'sequence' });
    const step = await losses(spk, { ...small, mode: 'step' });
    for (let e = 0; e < seq.length; e++) expect(Math.abs(seq[e]! - step[e]!), `epoch ${e + 1}`).toBeLessThan(1e-5);
    expect(seq.at(-1)!).toBeLessThan(seq[0]!);
  });

  it('frees every step\'s memory (only the returned loss survives a step)', async () => {
    await environ.context({ dt: 1 }, async () => {
      sg.random.seed(1);
      const be = sg.getBackend();
      const tr = tutorialTrainer(new surrogate.Arctan(), small);
      (await tr.step()).dispose();
      const base = be.memory().bytesInUse;
      for (let i = 0; i < 5; i++) {
        const l = tr.step();
        expect(be.memory().bytesInUse).toBe(base + 4);
        l.dispose();
      }
      tr.dispose();
    });
  });

  it('the same seed gives the same initial weights on every backend (drawn on the host)', async () => {
    const weights = async (be: sg.Backend) => sg.withBackend(be, () => {
      sg.random.seed(77);
      return new SNN(10, 3, 2, new surrogate.ReluGrad());
    }).stateDict();
    const cpu = await weights(await internal.getBackendInstance('cpu'));
    expect(Object.keys(cpu)).toEqual(['i2r.0.weight', 'i2r.0.bias', 'r2o.weight', 'r2o.bias']);
    expect(await weights(await internal.getBackendInstance('cpu'))).toEqual(cpu);
    const { gpuBackend } = await import('../support/webgpu.js');
    if (gpuBackend) expect(await weights(gpuBackend)).toEqual(cpu);
  });
});

describeWebGpu('the tutorial network on WebGPU', (gpu) => {
  it('follows the CPU training curve', async () => {
    const spk = new surrogate.ReluGrad();
    const cpu = await losses(spk, small);
    const onGpu = await sg.withBackend(gpu, () => losses(spk, small));
    for (let e = 0; e < cpu.length; e++) expect(Math.abs(onGpu[e]! - cpu[e]!), `epoch ${e + 1}`).toBeLessThan(1e-4);
  });
});

describe('the built programs', () => {
  it('the example (npm run example) trains the three surrogates from ln 2', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['scripts/run-ts.mjs', 'examples/surrogate-gradients.ts', '--epochs', '3', '--backend', 'cpu'], { timeout: 60_000 });
    for (const name of ['ReluGrad', 'Sigmoid', 'Arctan']) expect(stdout).toMatch(new RegExp(`${name}\\s+first 0\\.6931\\s+last 0\\.\\d{4}`));
  });

  it('runs compare on two worker threads and writes the four files', async () => {
    // Inside the checkout (in the git-ignored .vitest-cache/), so that the bundle finds node_modules.
    await mkdir(join(process.cwd(), '.vitest-cache'), { recursive: true });
    const dir = await mkdtemp(join(process.cwd(), '.vitest-cache', 'e2e-'));
    try {
      // Bundle the CLI from source as scripts/build.mjs does, so the test never runs a stale dist/.
      await build({ entryPoints: { cli: 'cli/main.ts' }, outdir: dir, bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', loader: { '.wgsl': 'text' }, logLevel: 'error' });
      const args = [join(dir, 'cli.js'), 'compare', '--surrogates', 'ReluGrad,Arctan:alpha=2', '--epochs', '3', '--steps', '20', '--batch', '16', '--n-in', '20',
        '--backend', 'cpu', '--jobs', '2', '--no-progress', '--out', join(dir, 'out')];
      const { stdout, stderr } = await promisify(execFile)(process.execPath, args, { timeout: 60_000 });
      expect(stderr).toContain('spikegrad: 2 runs on 2 worker threads');
      expect(stdout).toMatch(/\nReluGrad\s+0\.69\d\d\s/);
      expect(stdout).toMatch(/\nArctan\(alpha=2\)\s+0\.69\d\d\s/);
      for (const f of ['loss-curves.svg', 'loss-curves.png', 'curves.json', 'curves.csv']) expect((await stat(join(dir, 'out', f))).size).toBeGreaterThan(100);
      const json = JSON.parse(await readFile(join(dir, 'out', 'curves.json'), 'utf8'));
      expect(json.surrogates.map((s: { runs: { losses: number[] }[] }) => s.runs[0]!.losses.length)).toEqual([3, 3]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
