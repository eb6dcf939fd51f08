/**
 * snnTorch's CSNN tutorial network (12C5-MP2-64C5-MP2-1024FC10, T = 50 direct-coded steps, batch 128, β = 0.5,
 * Adam lr 1e-2, rate cross-entropy) trained on the digits by spikegrad's CPU backend, its WebGPU backend and
 * snnTorch (bench/peers/python/peer.py, workload 'csnn', torch on 2 threads), taken in turns in one run:
 * each round times `batches` training batches on each (a part of an epoch, so that a loaded machine gets
 * through it), after one untimed warm-up pass of the same batches. Wall and CPU time (spikegrad: the whole
 * process, all threads; snnTorch: time.process_time) per 128 images; × 62 for an epoch of the 8,000 images.
 * WebGPU trains the same images in batches of 64 (see below: lavapipe's largest buffer).
 *
 *   node scripts/run-ts.mjs bench/experiments/csnnEpoch.ts [batches=3] [rounds=2] [backends=cpu,webgpu,snntorch]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as sg from '../../index.js';
import { digits } from '../../data/images.js';
import { createDigitsTrainer, type DigitsConfig } from '../../train/digits.js';
import * as u from '../../units/index.js';
import { digitsFile, pythonExecutable, pythonPeersDir } from '../peers/python.js';

const batches = Number(process.argv[2] ?? 3), rounds = Number(process.argv[3] ?? 2);
const which = (process.argv[4] ?? 'cpu,webgpu,snntorch').split(',');
const config: Partial<DigitsConfig> = { model: 'csnn', encoder: 'direct', loss: 'ce-rate', steps: 50, batch: 128, lr: 1e-2, beta: 0.5, shift: 0, seed: 0 };
const { train, test } = await digits({ log: () => {} });
const part = train.subset(Int32Array.from({ length: batches * config.batch! }, (_, i) => i));
const dir = mkdtempSync(join(tmpdir(), 'sg-csnn-'));
const dataFile = await digitsFile(dir);
const python = pythonExecutable();

const results: Record<string, { wall: number[]; cpu: number[] }> = {};
const record = (k: string, wall: number, cpu: number) => {
  results[k] ??= { wall: [], cpu: [] };
  results[k]!.wall.push(wall / batches);
  results[k]!.cpu.push(cpu / batches);
};

async function spikegrad(name: 'cpu' | 'webgpu'): Promise<void> {
  await sg.setBackend(name);
  const backend = sg.getBackend();
  // On WebGPU the first convolution's output for 128 images × 50 steps, [6400, 12, 24, 24] float32 (177 MB), is
  // more than lavapipe allows in one buffer (128 MiB): batches of 64 there, the same images per timing.
  const c = name === 'webgpu' ? { ...config, batch: 64 } : config;
  const trainer = sg.environ.context({ dt: u.ms(1) }, () => createDigitsTrainer(c, part, test.subset(Int32Array.from({ length: 128 }, (_, i) => i))));
  try {
    for (let e = 0; e < 2; e++) {
      const c0 = process.cpuUsage(), t0 = performance.now();
      sg.environ.context({ dt: u.ms(1) }, () => trainer.epochSync(e));
      await backend.sync();
      const c = process.cpuUsage(c0);
      if (e === 1) record(`spikegrad ${name}`, performance.now() - t0, (c.user + c.system) / 1000);
    }
  } finally {
    trainer.dispose();
  }
}

function snntorch(): void {
  if (!python) throw new Error('no Python peers environment (bench/peers/python/setup.sh)');
  const job = { framework: 'snntorch', workload: { name: 'csnn', steps: config.steps, batch: config.batch, lr: config.lr, beta: config.beta }, dataFile, batches, epochs: 2, testImages: 128, threads: 2 };
  const out = execFileSync(python, [join(pythonPeersDir(), 'peer.py'), JSON.stringify(job)], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '2' }, maxBuffer: 1 << 24 });
  const msgs = out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; times?: number[]; cpuMs?: number[]; message?: string; device?: string });
  const res = msgs.find((m) => m.type === 'result');
  if (!res) throw new Error(`snnTorch peer: ${msgs.map((m) => m.message ?? m.type).join('; ')}`);
  if (!results['snntorch']) console.log(`snnTorch: ${msgs.find((m) => m.type === 'ready')?.device}`);
  record('snntorch', res.times![1]!, res.cpuMs![1]!);
}

/** The 1-, 5- and 15-minute load averages (Linux). */
function load(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return '?';
  }
}

console.log(`${batches} batches of 128 (T = 50) per timing, ${rounds} rounds; load ${load()} at ${new Date().toISOString()}`);
for (let r = 0; r < rounds; r++) {
  for (const b of which) {
    if (b === 'snntorch') snntorch();
    else await spikegrad(b as 'cpu' | 'webgpu');
    const k = b === 'snntorch' ? 'snntorch' : `spikegrad ${b}`;
    console.log(`round ${r + 1} ${k}: ${results[k]!.wall.at(-1)!.toFixed(0)} ms wall, ${results[k]!.cpu.at(-1)!.toFixed(0)} ms CPU per batch (load ${load()})`);
  }
}
const fmt = (v: number[]) => `${(Math.min(...v) / 1000).toFixed(1)}–${(Math.max(...v) / 1000).toFixed(1)}`;
console.log('| | s per batch (wall) | s per batch (CPU) | epoch of 62 batches, wall (min) |');
for (const [k, v] of Object.entries(results)) console.log(`| ${k} | ${fmt(v.wall)} | ${fmt(v.cpu)} | ${((Math.min(...v.wall) * 62) / 60000).toFixed(1)}–${((Math.max(...v.wall) * 62) / 60000).toFixed(1)} |`);
console.log(`load ${load()} at ${new Date().toISOString()}`);
rmSync(dir, { recursive: true, force: true });
await sg.shutdown();
process.exit(0);
