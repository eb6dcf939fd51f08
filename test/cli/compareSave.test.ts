/**
 * `spikegrad compare --save DIR`: each run's trained tutorial network is written (in this thread and from
 * worker threads), its metadata says how it was trained, and loaded into a network rebuilt from that
 * metadata it scores the accuracy the run reported, on the same regenerated training data.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { channelWorker } from '../support/channelWorker.js';
import { registerWith, savedNetworkFile } from '../../cli/commands/compare.js';
import { CLASSES } from '../../surrogate/catalog.js';
import type { CompareConfig } from '../../train/compare.js';
import type { Module } from '../../nn/module.js';
import { tutorialTrainer } from '../../train/tutorial.js';

const catalog = CLASSES as unknown as Record<string, never>;

async function cli(args: string[], workers: boolean): Promise<string[]> {
  const out: string[] = [];
  const program = new Command().exitOverride();
  registerWith(program, async () => ({ catalog, trainer: tutorialTrainer, out: (s) => out.push(s), err: () => {}, ...(workers ? { spawnWorker: channelWorker } : {}) }));
  await program.parseAsync(['node', 'spikegrad', 'compare', ...args]);
  return out;
}

describe('compare --save', () => {
  it('names the files after the surrogates (file-name safe), with the seed when there are several', () => {
    expect(savedNetworkFile('d', 'Sigmoid', 2024, 1)).toBe(join('d', 'Sigmoid.safetensors'));
    expect(savedNetworkFile('d', 'Sigmoid(alpha=8)', 7, 3)).toBe(join('d', 'Sigmoid-alpha=8-seed7.safetensors'));
    expect(savedNetworkFile('d', 'a/../b c', 1, 1)).toBe(join('d', 'a-..-b-c.safetensors'));
  });

  it.each([[false], [true]])('writes each trained network, loadable and scoring the reported accuracy (worker threads: %s)', async (workers) => {
    const dir = await mkdtemp(join(tmpdir(), 'spikegrad-save-'));
    try {
      const nets = join(dir, 'nets');
      const args = ['--surrogates', 'Sigmoid,Arctan:alpha=3', '--epochs', '4', '--seeds', '2', '--n-in', '10', '--n-rec', '3', '--steps', '20', '--batch', '16',
        '--rate', '40', '--lr', '0.05', '--backend', 'cpu', '--out', dir, '--save', nets, '--no-progress', '--jobs', workers ? '2' : '1', '--json'];
      const result = JSON.parse((await cli(args, workers)).join('')) as { surrogates: { label: string; runs: { seed: number; accuracy: number; losses: number[]; savedTo: string }[] }[]; config: CompareConfig };
      expect((await readdir(nets)).sort()).toEqual(['Arctan-alpha=3-seed2024.safetensors', 'Arctan-alpha=3-seed2025.safetensors', 'Sigmoid-seed2024.safetensors', 'Sigmoid-seed2025.safetensors']);
      for (const s of result.surrogates) {
        for (const run of s.runs) {
          expect(run.savedTo).toBe(savedNetworkFile(nets, s.label, run.seed, 2));
          const { metadata } = await sg.io.read(run.savedTo);
          expect(metadata).toMatchObject({ 'compare.label': s.label, 'compare.seed': String(run.seed), 'compare.accuracy': String(run.accuracy), 'spikegrad.format': 'weights' });
          expect(Number(metadata['compare.lastLoss'])).toBe(run.losses.at(-1));
          // Rebuild the run's network and data from the metadata alone (as the browser example does), load, score.
          const spec = JSON.parse(metadata['compare.spec']!) as { name: string; params: Record<string, number> };
          const config = JSON.parse(metadata['compare.config']!) as CompareConfig;
          expect(config).toEqual(result.config);
          const trainer = await sg.environ.context({ dt: config.dt }, async () => {
            sg.random.seed(Number(metadata['compare.seed']));
            const t = tutorialTrainer(new (CLASSES as unknown as Record<string, new (p: unknown) => unknown>)[spec.name]!(spec.params), config);
            const initial = await (t.net as Module).states(sg.ParamState)['i2r.0.weight']!.value.data();
            await sg.io.load(t.net!, run.savedTo);
            // The file holds the trained weights, not the initial ones this seed gives.
            expect(await (t.net as Module).states(sg.ParamState)['i2r.0.weight']!.value.data()).not.toEqual(initial);
            expect(await t.accuracy().item()).toBe(run.accuracy);
            return t;
          });
          trainer.dispose();
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('fails before training when the folder cannot be made', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spikegrad-save-'));
    try {
      await writeFile(join(dir, 'file'), 'x');
      await expect(cli(['--surrogates', 'Sigmoid', '--epochs', '1', '--out', dir, '--save', join(dir, 'file'), '--no-progress'], false))
        .rejects.toThrow(/--save: cannot create the folder '.*file': EEXIST/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
