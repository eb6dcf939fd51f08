/**
 * nn.Recurrent (LIF, all-to-all W_rec) forward + backward, sequence mode (`run`) against step mode
 * (`transform.forLoop(update)`), one backend: median wall time of alternated calls after one warm-up each.
 * Not a `spikegrad bench` workload yet (issue 14 asks for `--workloads rnn` with n = 256, B = 32, T = 1000).
 *   node scripts/run-ts.mjs bench/rnnModes.ts [cpu|webgpu] [n] [B] [T] [nIn] [reps]
 */
import * as sg from '../index.js';

const [backend = 'cpu', nS = '256', bS = '32', tS = '100', inS = '64', repS = '3'] = process.argv.slice(2);
const [n, B, T, nIn, reps] = [nS, bS, tS, inS, repS].map(Number) as [number, number, number, number, number];
for (const [k, v] of Object.entries({ n, B, T, nIn, reps })) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`rnnModes: argument '${k}' expected a positive integer, got ${v}`);
}
if (backend !== 'cpu' && backend !== 'webgpu') throw new Error(`rnnModes: argument 1 expected cpu or webgpu, got '${backend}'`);
await sg.setBackend(backend);
try {
  sg.random.seed(0);
  const layer = new sg.nn.Recurrent(nIn, new sg.nn.LIF(n, { tau: 20 }), { wInit: new sg.init.Uniform({ low: -0.1, high: 0.5 }), recInit: new sg.init.Uniform({ low: -0.1, high: 0.12 }) });
  const xs = sg.keep(sg.random.poissonSpikes(0.1, [T, B, nIn]));
  let rate = 0;
  const step = async (mode: 'run' | 'step') => {
    const t0 = performance.now();
    const grads = sg.tidy(() => {
      sg.nn.initAllStates(layer, { batchSize: B });
      const [g, loss] = sg.grad(() => {
        const ys = mode === 'run' ? layer.run(xs) : sg.transform.forLoop(layer.update, xs);
        return sg.mean(ys);
      }, layer.states(sg.ParamState), { returnValue: true })();
      return [...Object.values(g), loss];
    });
    const vals = await Promise.all(grads.map((g) => g.data()));
    rate = vals.at(-1)![0]!;
    sg.dispose(grads);
    return performance.now() - t0;
  };
  const times: Record<'run' | 'step', number[]> = { run: [], step: [] };
  await step('run');
  await step('step');
  for (let i = 0; i < reps; i++) for (const m of ['run', 'step'] as const) times[m].push(await step(m));
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  console.log(`nn.Recurrent(LIF) n=${n} B=${B} T=${T} in=${nIn}, ${backend}, forward+backward, median of ${reps}; spike rate ${(rate * 100).toFixed(1)}%`);
  console.log(`sequence (run)     ${med(times.run).toFixed(0)} ms   [${times.run.map((t) => t.toFixed(0)).join(', ')}]`);
  console.log(`step (forLoop)     ${med(times.step).toFixed(0)} ms   [${times.step.map((t) => t.toFixed(0)).join(', ')}]`);
  console.log(`step / sequence    ${(med(times.step) / med(times.run)).toFixed(2)}×`);
} finally {
  await sg.shutdown();
}
