// Two builds of spikegrad (each `node scripts/build.mjs` in its own checkout) loaded into one process and
// timed alternately on the same neuron layers: forward + backward of `run` over xs [T, B, N], float32, per
// layer and round, wall and process CPU time (the CPU time adds the worker threads'). Each build has its own
// engine, arena and thread pool; they take turns, never run at once.
//   node bench/experiments/bundleAB.mjs <A/dist/index.js> <B/dist/index.js> [rounds=7] [T=100] [B=32] [N=256] [backend=cpu]
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const [pathA, pathB, rounds = '7', T = '100', Bs = '32', N = '256', backend = 'cpu'] = process.argv.slice(2);
if (!pathA || !pathB) throw new Error('usage: node bench/experiments/bundleAB.mjs <A/dist/index.js> <B/dist/index.js> [rounds] [T] [B] [N] [backend]');
const [t, b, n, r] = [Number(T), Number(Bs), Number(N), Number(rounds)];
const load = async (p) => import(pathToFileURL(resolve(p)).href);
const builds = { A: await load(pathA), B: await load(pathB) };

const layers = {
  'LIF soft': (sg) => new sg.nn.LIF(n, { tau: 20 }),
  'LIF hard, R, V_rest': (sg) => new sg.nn.LIF(n, { tau: 20, R: 1.5, VRest: 0.1, VReset: -0.2, spkReset: 'hard' }),
  IF: (sg) => new sg.nn.IF(n),
  ALIF: (sg) => new sg.nn.ALIF(n),
};

async function timeIt(sg, make) {
  await sg.setBackend(backend);
  const layer = make(sg);
  sg.random.seed(1);
  const x = sg.random.uniform([t, b, n], 0, 0.6);
  const loss = (xs) => {
    sg.nn.initAllStates(layer, { batchSize: b, backend: x.backend });
    return sg.sum(layer.run(xs));
  };
  const c0 = process.cpuUsage(), t0 = performance.now();
  const g = sg.tidy(() => sg.grad(loss, [x])(x)[0]);
  await g.data();
  const ms = performance.now() - t0, cpu = process.cpuUsage(c0);
  sg.dispose([g, x]);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const range = (v) => `${Math.min(...v).toFixed(1)}–${Math.max(...v).toFixed(1)}`;
for (const [name, make] of Object.entries(layers)) {
  for (const k of ['A', 'B']) { await timeIt(builds[k], make); await timeIt(builds[k], make); } // warm-up: compile, JIT
  const res = { A: [], B: [] };
  for (let i = 0; i < r; i++) {
    for (const k of i % 2 ? ['B', 'A'] : ['A', 'B']) res[k].push(await timeIt(builds[k], make));
  }
  const ratio = res.B.map((v, i) => v.ms / res.A[i].ms), cpuRatio = res.B.map((v, i) => v.cpuMs / res.A[i].cpuMs);
  console.log(`${backend} ${name} [${t}, ${b}, ${n}] fwd+bwd ms: A ${range(res.A.map((v) => v.ms))} (CPU ${range(res.A.map((v) => v.cpuMs))}), `
    + `B ${range(res.B.map((v) => v.ms))} (CPU ${range(res.B.map((v) => v.cpuMs))}); B/A per round: wall ${range(ratio.map((v) => v * 100))} %, CPU ${range(cpuRatio.map((v) => v * 100))} %`);
}
process.exit(0);
