/**
 * What the float32 accuracy work costs on WebGPU (issue 11): the seed training step (T = 200, B = 256, sequence
 * mode, forward + BPTT + Adam) with the compensated reductions and bounded matmul slices (B) against plain
 * float32 chains and unbounded slices (A), alternated in one process, each round timing `--steps` steps after
 * a warm-up. The loss kernel's exp/log is not switched (B·C = 512 values per step). `--switch sweeps` switches
 * instead the two-float carries of the LIF and decay-synapse backward sweeps (kernels/neuron/twoFloat.wgsl);
 * `--switch all` both.
 *   node scripts/run-ts.mjs bench/experiments/accuracyAB.ts [--rounds 6] [--steps 10] [--switch reductions|sweeps|all]
 * Prints each round's median step time and, at the end, the ranges, the fastest round of each variant and the
 * median of the rounds' paired B/A ratios (under load, single rounds swing by 2× or more).
 */
import { parseArgs } from 'node:util';
import * as sg from '../../index.js';
import { accuracy } from '../../kernels/matmul/subgroupTile.js';
import { reduceTuning, sweepTuning } from '../../kernels/flags.js';

const { values: a } = parseArgs({ options: { rounds: { type: 'string', default: '6' }, steps: { type: 'string', default: '10' }, switch: { type: 'string', default: 'reductions' } } });
const rounds = Number(a.rounds), steps = Number(a.steps), what = a.switch!;
if (!['reductions', 'sweeps', 'all'].includes(what)) throw new Error(`--switch: expected reductions, sweeps or all, got '${what}'`);
const be = await sg.setBackend('webgpu');
sg.random.seed(0);
const net = new sg.nn.Sequential(
  new sg.nn.Linear(100, 4), new sg.nn.Expon(4, { tau: 5 }), new sg.nn.LIF(4, { tau: 20 }), new sg.nn.Linear(4, 2), new sg.nn.Expon(2, { tau: 10 }),
);
const opt = new sg.optim.Adam({ lr: 3e-3 }).registerTrainableWeights(net.states(sg.ParamState));
const xs = sg.keep(sg.random.rand([200, 256, 100]).lt(0.005).astype('float32'));
const labels = sg.keep(sg.random.rand([256]).lt(0.5).astype('int32'));
const step = async () => {
  const loss = sg.tidy(() => {
    sg.nn.initAllStates(net, { batchSize: 256 });
    const [g, l] = sg.grad(() => sg.softmaxCrossEntropy(net.run(xs).mean(0), labels).mean(), net.states(sg.ParamState), { returnValue: true })();
    opt.update(g);
    return l;
  });
  await loss.item();
  loss.dispose();
};
const setVariant = (accurate: boolean) => {
  const reductions = accurate || what === 'sweeps', sweeps = accurate || what === 'reductions';
  reduceTuning.compensated = reductions;
  accuracy.maxSliceK = reductions ? 256 : Infinity;
  sweepTuning.compensated = sweeps;
};
const median = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)]!;
const times: Record<'A' | 'B', number[]> = { A: [], B: [] };
console.log(`switched: ${what}; ${be.description}; seed step (T=200, B=256, run + BPTT + Adam), ${rounds} rounds × ${steps} steps per variant`);
for (let r = 0; r < rounds; r++) {
  for (const v of (r % 2 ? ['B', 'A'] : ['A', 'B']) as ('A' | 'B')[]) {
    setVariant(v === 'B');
    await step(); await step(); // warm-up: pipelines of this variant, buffers
    const t: number[] = [];
    for (let s = 0; s < steps; s++) {
      const t0 = performance.now();
      await step();
      t.push(performance.now() - t0);
    }
    times[v].push(median(t));
    console.log(`round ${r + 1} ${v === 'A' ? 'A plain  ' : 'B accurate'}: median ${median(t).toFixed(2)} ms/step`);
  }
}
const [ma, mb] = [median(times.A), median(times.B)];
const ratios = times.B.map((b, i) => b / times.A[i]!);
console.log(`A plain chains: ${Math.min(...times.A).toFixed(2)}–${Math.max(...times.A).toFixed(2)} ms (median ${ma.toFixed(2)}); B compensated/bounded: ${Math.min(...times.B).toFixed(2)}–${Math.max(...times.B).toFixed(2)} ms (median ${mb.toFixed(2)})`);
console.log(`fastest rounds B/A ${(Math.min(...times.B) / Math.min(...times.A)).toFixed(3)}; paired round ratios B/A ${ratios.map((r) => r.toFixed(2)).join(' ')}, median ${median(ratios).toFixed(3)}`);
await sg.shutdown();
