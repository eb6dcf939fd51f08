/**
 * `spikegrad compare --raster`: per surrogate, raster-<label>.svg/.png with the hidden layer's spikes for the
 * first training sample before and after training. The "before" spikes equal those of the tutorial network
 * rebuilt from the seed and run by hand; the SVG has one mark per recorded spike; recording changes no loss;
 * the same from worker threads.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { channelWorker } from '../support/channelWorker.js';
import { registerWith } from '../../cli/commands/compare.js';
import { CLASSES } from '../../surrogate/catalog.js';
import { SNN, tutorialTrainer } from '../../train/tutorial.js';
import { decodePng, inkFraction } from '../support/png.js';

const catalog = CLASSES as unknown as Record<string, never>;

interface Run { seed: number; losses: number[]; raster?: { before: { data: number[]; shape: number[] }; after: { data: number[]; shape: number[] } } }
async function cli(args: string[], workers: boolean): Promise<{ label: string; runs: Run[] }[]> {
  const out: string[] = [];
  const program = new Command().exitOverride();
  registerWith(program, async () => ({ catalog, trainer: tutorialTrainer, out: (s) => out.push(s), err: () => {}, ...(workers ? { spawnWorker: channelWorker } : {}) }));
  await program.parseAsync(['node', 'spikegrad', 'compare', ...args, '--json', '--no-progress', '--backend', 'cpu', '--jobs', workers ? '2' : '1']);
  return (JSON.parse(out.join('')) as { surrogates: { label: string; runs: Run[] }[] }).surrogates;
}

const [nIn, nRec, T, B] = [20, 6, 40, 8];
const base = ['--surrogates', 'Sigmoid,Arctan:alpha=3', '--epochs', '5', '--n-in', String(nIn), '--n-rec', String(nRec), '--steps', String(T), '--batch', String(B), '--rate', '300', '--lr', '0.05'];

/** The hidden spikes of sample 0 of the untrained tutorial network, rebuilt from the seed (draws in the trainer's order). */
async function untrainedSpikes(seed: number, spk: sg.surrogate.Surrogate): Promise<number[]> {
  await sg.setBackend('cpu');
  return sg.environ.context({ dt: 1 }, async () => {
    sg.random.seed(seed);
    const net = new SNN(nIn, nRec, 2, spk);
    const x = sg.random.rand([T, B, nIn]).lt(sg.units.Hz(300).mul(sg.environ.getDt())).astype('float32');
    sg.nn.initAllStates(net, { batchSize: B });
    const s = await net.r.run(net.i2r.run(x)).data();
    return Array.from({ length: T * nRec }, (_, k) => s[(Math.floor(k / nRec) * B) * nRec + (k % nRec)]!);
  });
}

describe('compare --raster', () => {
  it.each([[false], [true]])('writes each surrogate\'s raster before and after training, drawn from the recorded spikes (worker threads: %s)', async (workers) => {
    const dir = await mkdtemp(join(tmpdir(), 'spikegrad-raster-'));
    try {
      const result = await cli([...base, '--out', dir, '--raster'], workers);
      expect((await readdir(dir)).filter((f) => f.startsWith('raster-')).sort()).toEqual(['raster-Arctan-alpha=3.png', 'raster-Arctan-alpha=3.svg', 'raster-Sigmoid.png', 'raster-Sigmoid.svg']);
      const plain = await cli([...base, '--out', join(dir, 'plain')], workers);
      for (const [i, s] of result.entries()) {
        const run = s.runs[0]!;
        expect(run.losses).toEqual(plain[i]!.runs[0]!.losses); // recording changes nothing
        expect(run.raster!.before.shape).toEqual([T, 1, nRec]);
        const spk = s.label === 'Sigmoid' ? new sg.surrogate.Sigmoid() : new sg.surrogate.Arctan({ alpha: 3 });
        expect(run.raster!.before.data).toEqual(await untrainedSpikes(run.seed, spk));
        const count = (d: number[]) => d.filter((v) => v > 0.5).length;
        expect(count(run.raster!.before.data)).toBeGreaterThan(3);
        const file = `raster-${s.label === 'Sigmoid' ? 'Sigmoid' : 'Arctan-alpha=3'}`;
        const svg = await readFile(join(dir, `${file}.svg`), 'utf8');
        expect(svg.match(/class="spike"/g)?.length).toBe(count(run.raster!.before.data) + count(run.raster!.after.data));
        expect(svg).toContain(`${s.label}: after 5 epochs`);
        const png = decodePng(await readFile(join(dir, `${file}.png`)));
        expect(inkFraction(png)).toBeGreaterThan(0.01);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
