// Peak bytes of a recurrent training step (forward + backward) by sequence length and checkpoint interval
// (bench/RESULTS.md, "rnn-cpu"; docs/memory.md has the model): nn.Recurrent(64 → 256 ALIF), B = 32, float32,
// CPU backend; the backend's peak bytes in use (tensors; the kernels' segment scratch is not among them) and
// the kept state rows.
//   node scripts/run-ts.mjs bench/experiments/rnnMemory.ts [T,…]
import * as sg from '../../index.js';

const Ts = (process.argv[2] ?? '1000,10000').split(',').map(Number);
await sg.setBackend('cpu');
const n = 256, B = 32, nIn = 64;
for (const T of Ts) {
  sg.random.seed(0);
  const xs = sg.keep(sg.random.poissonSpikes(0.1, [T, B, nIn]));
  for (const k of [1, Math.ceil(Math.sqrt(T))]) {
    sg.random.seed(0);
    const l = new sg.nn.Recurrent(nIn, new sg.nn.ALIF(n, { tau: 20, tauA: 200 }), {
      wInit: new sg.init.Uniform({ low: -0.1, high: 0.5 }), recInit: new sg.init.Uniform({ low: -0.1, high: 0.12 }),
    });
    const be = sg.getBackend();
    const base = be.memory().bytesInUse;
    be.resetPeak();
    const c0 = process.cpuUsage();
    sg.tidy(() => {
      sg.nn.initAllStates(l, { batchSize: B });
      const g = sg.grad(() => sg.mean(l.run(xs, { checkpoint: k })), l.states(sg.ParamState))();
      Object.values(g).forEach((t) => t.dataSync());
    });
    const c = process.cpuUsage(c0);
    const peak = be.memory().peakBytesInUse - base;
    const rows = Math.ceil(T / k);
    console.log(`T=${T} k=${k}: peak ${(peak / 2 ** 20).toFixed(1)} MiB above the input; kept states ${rows} rows = ${(rows * 2 * B * n * 4 / 2 ** 20).toFixed(1)} MiB; cpu ${((c.user + c.system) / 1000).toFixed(0)} ms`);
    for (const s of Object.values(l.states())) s.dispose();
  }
  xs.dispose();
}
await sg.shutdown();
