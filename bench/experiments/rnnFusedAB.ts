// The rnn workload's layer (bench/rnn.ts), forward + backward (bench/RESULTS.md, "rnn-cpu: the fused recurrent op"): the fused
// recurrentRun op (sequence mode `run`, and step mode `update`, which runs the same op one step at a time) against
// the per-step composition of tape ops that nn.Recurrent ran before it (still its path for layers the op cannot
// run, reached here by hiding the LIF behind a plain Layer), alternated in one process; wall and CPU ms.
//   node scripts/run-ts.mjs bench/experiments/rnnFusedAB.ts [T] [reps] [modes: fused-seq,fused-step,composed-seq,composed-step]
import * as sg from '../../index.js';
import { rnnInput, rnnLayerOptions, rnnNeuron } from '../rnn.js';

const [tS = '1000', repS = '2', modeS = 'fused-seq,fused-step,composed-seq,composed-step'] = process.argv.slice(2);
const T = Number(tS), reps = Number(repS), modes = modeS.split(',');
const w = { n: 256, nIn: 64, batch: 32 };
await sg.setBackend('cpu');

/** The LIF behind a plain Layer: nn.Recurrent cannot fuse it, so it composes tape ops per step. */
class Opaque extends sg.nn.Layer {
  constructor(readonly inner: sg.nn.LIF) { super(inner.size); }
  update(x: sg.Tensor): sg.Tensor { return this.inner.update(x); }
}

function make(mode: string): sg.nn.Recurrent {
  sg.random.seed(0); // the same weights in every mode
  const neuron = rnnNeuron(w.n);
  return new sg.nn.Recurrent(w.nIn, mode.startsWith('composed') ? new Opaque(neuron) : neuron, rnnLayerOptions(w.n));
}

const layers = Object.fromEntries(modes.map((m) => [m, make(m)]));
sg.random.seed(1);
const xs = sg.keep(rnnInput({ steps: T, batch: w.batch, nIn: w.nIn }));
const once = (mode: string) => {
  const l = layers[mode]!;
  const c0 = process.cpuUsage(), t0 = performance.now();
  let rate = 0;
  sg.tidy(() => {
    sg.nn.initAllStates(l, { batchSize: w.batch });
    const g = sg.grad(() => {
      const ys = mode.endsWith('seq') ? l.run(xs) : sg.transform.forLoop(l.update, xs);
      const m = sg.mean(ys);
      rate = m.dataSync()[0]!;
      return m;
    }, l.states(sg.ParamState))();
    Object.values(g).forEach((t) => t.dataSync());
  });
  const c = process.cpuUsage(c0);
  return { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000, rate };
};
const res: Record<string, { wall: number[]; cpu: number[]; rate: number }> = {};
for (const m of modes) { once(m); res[m] = { wall: [], cpu: [], rate: 0 }; } // warm-up
for (let r = 0; r < reps; r++) {
  for (const m of modes) {
    const o = once(m);
    res[m]!.wall.push(o.wall); res[m]!.cpu.push(o.cpu); res[m]!.rate = o.rate;
  }
}
const fmt = (a: number[]) => `${Math.min(...a).toFixed(0)}–${Math.max(...a).toFixed(0)}`;
console.log(`rnn workload layer (LIF 64→256) B=32 T=${T}, forward+backward, ${reps} alternated reps after a warm-up each; load ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`);
for (const m of modes) console.log(`${m.padEnd(14)} wall ms ${fmt(res[m]!.wall).padEnd(14)} cpu ms ${fmt(res[m]!.cpu).padEnd(14)} spike rate ${(res[m]!.rate * 100).toFixed(1)} %`);
await sg.shutdown();
