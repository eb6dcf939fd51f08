/**
 * The tutorial trained in step mode on WebGPU (`spikegrad compare --mode step --backend webgpu`, one
 * surrogate), with the process's resident memory and the backend's bind-group counter after every epoch:
 * the check that step mode runs its 150 epochs with flat memory (issue 11; bench/RESULTS.md has a run).
 *   node scripts/run-ts.mjs bench/experiments/stepModeMemory.ts [--epochs 150] [--surrogate Sigmoid] [--every 10]
 * Prints one line per `--every` epochs and a summary: RSS after the warm-up epochs, its range and its
 * least-squares slope per epoch over the rest, and the bind groups created after the warm-up (0 expected).
 */
import { parseArgs } from 'node:util';
import { getBackend, setBackend, shutdown } from '../../index.js';
import type { WebGpuBackend } from '../../kernels/webgpu/backend.js';
import { CLASSES } from '../../surrogate/catalog.js';
import { compareSurrogates } from '../../train/compare.js';

const { values: a } = parseArgs({ options: { epochs: { type: 'string', default: '150' }, surrogate: { type: 'string', default: 'Sigmoid' }, every: { type: 'string', default: '10' }, warmup: { type: 'string', default: '5' } } });
const epochs = Number(a.epochs), every = Number(a.every), warmup = Number(a.warmup);
const Cls = (CLASSES as Record<string, new () => object>)[a.surrogate!];
if (!Cls) throw new Error(`unknown surrogate '${a.surrogate}'`);
await setBackend('webgpu');
const be = getBackend() as WebGpuBackend;
// Bind groups counted at the device (a spy), so that the script measures code without the backend's counter too.
let created = 0;
const device = be.device as unknown as { createBindGroup(d: GPUBindGroupDescriptor): GPUBindGroup };
const createBindGroup = device.createBindGroup;
device.createBindGroup = function (d) {
  created++;
  return createBindGroup.call(this, d);
};
console.log(`${be.description}; step mode, tutorial network (T=200, B=256), ${epochs} epochs of ${a.surrogate}`);
const mib = (b: number) => b / 2 ** 20;
const rss: number[] = [];
let createdAtWarmup = 0, createdAtEnd = 0;
const t0 = performance.now();
await compareSurrogates({ surrogates: { [a.surrogate!]: new Cls() }, epochs, mode: 'step', hooks: {
  onEpoch: (_l, _k, e, loss) => {
    rss.push(mib(process.memoryUsage().rss));
    const bg = (be.stats() as Partial<ReturnType<WebGpuBackend['stats']>>).bindGroups;
    if (e === warmup) createdAtWarmup = created;
    if (e === epochs) createdAtEnd = created;
    if (e % every === 0 || e === 1 || e === epochs) {
      console.log(`epoch ${String(e).padStart(3)}  loss ${loss.toFixed(4)}  rss ${rss.at(-1)!.toFixed(0)} MiB  bind groups created ${created}${bg ? ` (cached ${bg.cached}, evicted ${bg.evicted})` : ''}  gpu bytes in use ${mib(be.memory().bytesInUse).toFixed(1)} MiB  ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
  },
} });
const after = rss.slice(warmup);
const n = after.length, xm = (n - 1) / 2, ym = after.reduce((s, v) => s + v, 0) / n;
const slope = after.reduce((s, v, i) => s + (i - xm) * (v - ym), 0) / after.reduce((s, _v, i) => s + (i - xm) ** 2, 0);
console.log(`after epoch ${warmup}: RSS ${Math.min(...after).toFixed(0)}–${Math.max(...after).toFixed(0)} MiB over ${n} epochs, slope ${slope.toFixed(3)} MiB/epoch; bind groups created since: ${createdAtEnd - createdAtWarmup}`);
await shutdown();
