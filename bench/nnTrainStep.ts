/**
 * One training step of the seed network (SPEC §0: 100→4→2, B=256) in sequence mode (`net.run`, fused ops) and
 * step mode (`forLoop(net.update)`), at two sequence lengths, on each available backend, measured side by
 * side in one process. A step is: initAllStates, loss and gradients, an SGD update, and the loss readback
 * (which waits for the GPU). Prints one JSON line per case (median and p90 ms, ops and dispatches per step)
 * and the ratios the claims rest on: sequence mode over step mode, and T = 200 over T = 50.
 *
 * Run: npx esbuild bench/nnTrainStep.ts --bundle --platform=node --format=esm --loader:.wgsl=text \
 *        --external:webgpu --outfile=out/nnTrainStep.mjs && node out/nnTrainStep.mjs [--budget-ms 3000]
 */
import * as sg from '../index.js';
import { ReluGrad } from '../surrogate/index.js';

const { nn, random, transform, ParamState } = sg;

interface Case { backend: 'cpu' | 'webgpu'; mode: 'run' | 'step'; T: number }
interface Result extends Case { medianMs: number; p90Ms: number; iters: number; opsPerStep: number; dispatchesPerStep: number; loss: number }

const budgetMs = Number(process.argv[process.argv.indexOf('--budget-ms') + 1] ?? 0) || 3000;

function seedNet() {
  return new nn.Sequential(
    new nn.Linear(100, 4), new nn.Expon(4, { tau: 5 }), new nn.LIF(4, { tau: 20, spkFun: new ReluGrad() }),
    new nn.Linear(4, 2), new nn.Expon(2, { tau: 10 }),
  );
}

async function measure(c: Case): Promise<Result> {
  const be = await sg.setBackend(c.backend);
  random.seed(0);
  const net = seedNet();
  const xs = random.rand([c.T, 256, 100]).lt(0.005).astype('float32');
  const labels = random.rand([256]).lt(0.5).astype('int32');
  const step = () => sg.tidy(() => {
    nn.initAllStates(net, { batchSize: 256 });
    const lossFn = () => {
      const out = c.mode === 'run' ? net.run(xs) : transform.forLoop(net.update, xs);
      return sg.softmaxCrossEntropy(out.mean(0), labels).mean();
    };
    const [g, l] = sg.grad(lossFn, net.states(ParamState), { returnValue: true })();
    for (const [k, s] of Object.entries(net.states(ParamState))) s.value = s.value.sub(g[k]!.mul(1e-3));
    return l;
  });
  const times: number[] = [];
  let loss = NaN, ops = 0, dispatches = 0;
  for (let i = 0; ; i++) {
    const [o0, d0] = [be.counters.ops, be.counters.dispatches];
    const t0 = performance.now();
    const l = step();
    loss = await l.item();
    const dt = performance.now() - t0;
    l.dispose();
    [ops, dispatches] = [be.counters.ops - o0, be.counters.dispatches - d0];
    if (i >= 2) times.push(dt); // two warm-up steps (JIT, pipeline compilation)
    const spent = times.reduce((a, b) => a + b, 0);
    if (times.length >= 30 || (times.length >= 3 && spent > budgetMs)) break;
  }
  sg.dispose([xs, labels]);
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
  return { ...c, medianMs: q(0.5), p90Ms: q(0.9), iters: times.length, opsPerStep: ops, dispatchesPerStep: dispatches, loss };
}

const backends: ('cpu' | 'webgpu')[] = ['cpu'];
try {
  const gpu = await sg.getBackendInstance('webgpu');
  backends.push('webgpu');
  console.error(`webgpu: ${gpu.description}`);
} catch (e) {
  console.error(`webgpu: unavailable (${e instanceof Error ? e.message : e})`);
}

const results: Result[] = [];
for (const backend of backends) {
  for (const T of [50, 200]) {
    for (const mode of ['run', 'step'] as const) {
      const r = await measure({ backend, mode, T });
      results.push(r);
      console.log(JSON.stringify({ bench: 'nnTrainStep', ...r }));
    }
  }
}
const find = (b: string, m: string, T: number) => results.find((r) => r.backend === b && r.mode === m && r.T === T)!;
for (const b of backends) {
  for (const T of [50, 200]) {
    console.log(`${b} T=${T}: sequence mode ${find(b, 'run', T).medianMs.toFixed(1)} ms, step mode ${find(b, 'step', T).medianMs.toFixed(1)} ms → ${(find(b, 'step', T).medianMs / find(b, 'run', T).medianMs).toFixed(1)}× faster`);
  }
  console.log(`${b} sequence mode T=200 / T=50: ${(find(b, 'run', 200).medianMs / find(b, 'run', 50).medianMs).toFixed(2)}× time, dispatches ${find(b, 'run', 50).dispatchesPerStep} → ${find(b, 'run', 200).dispatchesPerStep}, ops ${find(b, 'run', 50).opsPerStep} → ${find(b, 'run', 200).opsPerStep}`);
}
await sg.shutdown();
