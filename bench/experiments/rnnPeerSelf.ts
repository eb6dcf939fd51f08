/**
 * spikegrad's nn.Recurrent(nn.LIF) on the `rnn` peer workload (bench/peers/rnn.ts), as it is today: the float32
 * loss and gradients on the peers' check problem against the float64 reference (the check the Python peers
 * pass), then the forward + backward of the mean spike on the workload's problem (T = 1,000, B = 32, n = 256),
 * in sequence mode (`run`), timed. Context for the peers' rows until `spikegrad bench --workloads rnn` has
 * spikegrad's own (issue 14, branch rnn-cpu).
 *   node scripts/run-ts.mjs bench/experiments/rnnPeerSelf.ts [cpu|webgpu] [reps]
 */
import * as sg from '../../index.js';
import * as u from '../../units/index.js';
import { CHECK_MARGIN, compareGrads } from '../peers/check.js';
import { findRnnCheckProblem, makeRnnProblem, rnnSpikegradLif, RNN_PARAM_NAMES, RNN_PEER_WORKLOAD, type RnnProblem } from '../peers/rnn.js';

const [backend = 'cpu', repS = '3'] = process.argv.slice(2);
if (backend !== 'cpu' && backend !== 'webgpu') throw new Error(`rnnPeerSelf: argument 1 expected cpu or webgpu, got '${backend}'`);
const reps = Number(repS);
if (!Number.isInteger(reps) || reps < 1) throw new Error(`rnnPeerSelf: argument 2 expected a positive integer, got '${repS}'`);
await sg.setBackend(backend);
const w = RNN_PEER_WORKLOAD;

/** The layer holding the problem's weights, and one forward + backward of the mean spike. */
function model(p: RnnProblem) {
  const layer = new sg.nn.Recurrent(w.nIn, new sg.nn.LIF(w.nRec, rnnSpikegradLif(w.beta, (o) => sg.surrogate.atan(o))));
  layer.weight.value = sg.tensor(p.params.w_in, [w.nIn, w.nRec]);
  layer.bias!.value = sg.tensor(p.params.b, [w.nRec]);
  layer.recWeight.value = sg.tensor(p.params.w_rec, [w.nRec, w.nRec]);
  const xs = sg.keep(sg.tensor(p.x, [p.steps, p.batch, w.nIn]));
  return async () => {
    const out = sg.tidy(() => {
      sg.nn.initAllStates(layer, { batchSize: p.batch });
      const [g, loss] = sg.grad(() => sg.mean(layer.run(xs)), [layer.weight, layer.bias!, layer.recWeight], { returnValue: true })();
      return [loss, ...g];
    });
    const [loss, ...grads] = await Promise.all(out.map((t) => t.data()));
    sg.dispose(out);
    return { loss: loss![0]!, grads: { w_in: grads[0]!, b: grads[1]!, w_rec: grads[2]! } };
  };
}

try {
  await sg.environ.context({ dt: u.ms(1) }, async () => {
    const { problem, reference } = findRnnCheckProblem(w, 0, CHECK_MARGIN);
    const check = compareGrads(RNN_PARAM_NAMES, await model(problem)(), reference, problem);
    console.log(`check (B=${problem.batch}, T=${problem.steps}, seed ${problem.seed}): ${check.ok ? 'ok' : 'FAIL'}, worst relative gradient error ${check.worstRelErr.toExponential(2)}, loss ${check.lossPeer} vs ${check.lossRef}`);
    const step = model(makeRnnProblem(w, { seed: 0 }));
    const times: number[] = [];
    for (let i = 0; i <= reps; i++) {
      const t0 = performance.now();
      await step();
      if (i > 0) times.push(performance.now() - t0); // the first call is the warm-up
    }
    const sorted = [...times].sort((a, b) => a - b);
    console.log(`nn.Recurrent(LIF) ${w.nIn}→${w.nRec}, T=${w.steps}, B=${w.batch}, ${backend}, run + backward of the mean spike: median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms [${times.map((t) => t.toFixed(0)).join(', ')}]`);
  });
} finally {
  await sg.shutdown();
}
