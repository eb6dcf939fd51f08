// The WebGPU backward sweeps of the seed step alone (nn.LIF's generated sweep [200, 256·4] with ReluGrad, the decay synapses
// [200, 256·4] and [200, 256·2]), two-float carries (B) against plain float32 chains (A), alternated in one
// process: the median over `steps` dispatches of the three ops, per round (bench/RESULTS.md, "Two-float carries").
//   node scripts/run-ts.mjs bench/experiments/sweepAB.ts [--rounds 8] [--steps 20]
import { parseArgs } from 'node:util';
import * as sg from '../../index.js';
import { runOp } from '../../engine/dispatch.js';
import { sweepTuning } from '../../kernels/flags.js';
import { ReluGrad } from '../../surrogate/index.js';
import { bindSynapse } from '../../dynamics/bind.js';
import { declareSynapse } from '../../dynamics/declaration.js';
import { LEAKY_READOUT } from '../../dynamics/models/leakyReadout.js';

const { values: a } = parseArgs({ options: { rounds: { type: 'string', default: '8' }, steps: { type: 'string', default: '20' } } });
const rounds = Number(a.rounds), steps = Number(a.steps);
const be = await sg.setBackend('webgpu');
sg.random.seed(0);
const T = 200, N = 1024;
// nn.LIF's generated sweep (neuronRunGrad), its state packed [T, K = 1, N].
const attrs = { neuron: new sg.nn.LIF(4, { tau: 20 }).bound('float32'), spkFun: new ReluGrad(), detachReset: false, hasDS: true, hasDStates: false };
const xs = sg.keep(sg.random.rand([T, N])), vs = sg.keep(sg.random.rand([T, 1, N]).mul(1.5)), dS = sg.keep(sg.random.rand([T, N]).mul(1e-3)), v0 = sg.keep(sg.zeros([1, N]));
const dG1 = sg.keep(sg.random.rand([T, N]).mul(1e-3)), dG2 = sg.keep(sg.random.rand([T, N / 2]).mul(1e-3));
/** The generated backward of r ← decay·r + x (the decay synapses' linear sweep) from the states' cotangents dG [T, n]. */
const decaySweep = (dG: sg.Tensor, decay: number) => {
  const synapse = bindSynapse(declareSynapse(LEAKY_READOUT), { decay }, 1, 'float32');
  return runOp('synapseRunGrad', [dG], { synapse, hasDStates: true, hasDOut: false });
};
const once = async () => {
  const outs = [...runOp('neuronRunGrad', [xs, v0, vs, dS], attrs), ...decaySweep(dG1, 0.8), ...decaySweep(dG2, 0.9)];
  await Promise.all(outs.map((t) => t.data()));
  sg.dispose(outs);
};
const median = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)]!;
const times: Record<'A' | 'B', number[]> = { A: [], B: [] };
console.log(`${be.description}; LIF + 2 decay backward sweeps of the seed step, ${rounds} rounds × ${steps} per variant`);
for (let r = 0; r < rounds; r++) {
  for (const v of (r % 2 ? ['B', 'A'] : ['A', 'B']) as ('A' | 'B')[]) {
    sweepTuning.compensated = v === 'B';
    await once(); await once();
    const t: number[] = [];
    for (let s = 0; s < steps; s++) {
      const t0 = performance.now();
      await once();
      t.push(performance.now() - t0);
    }
    times[v].push(median(t));
  }
}
const ratios = times.B.map((b, i) => b / times.A[i]!);
console.log(`A plain: ${Math.min(...times.A).toFixed(2)}–${Math.max(...times.A).toFixed(2)} ms (median ${median(times.A).toFixed(2)}); B two-float: ${Math.min(...times.B).toFixed(2)}–${Math.max(...times.B).toFixed(2)} ms (median ${median(times.B).toFixed(2)})`);
console.log(`fastest rounds B/A ${(Math.min(...times.B) / Math.min(...times.A)).toFixed(3)}; paired round ratios B/A ${ratios.map((x) => x.toFixed(2)).join(' ')}, median ${median(ratios).toFixed(3)}`);
await sg.shutdown();
