/**
 * A/B of issue 12's generated neuron kernels against the hand-written ones, in one process, alternating:
 * nn.LIF / nn.ALIF (lifRun / alifRun: WebAssembly SIMD and generated JS for LIF, a plain loop for ALIF) versus
 * the same models declared for nn.defineNeuron (neuronRun: JS generated from the declaration). CPU backend,
 * float32, forward + backward of `run` over xs [T, B, N] (default 100 × 32 × 256). Prints ms per
 * forward+backward, each round's pair, and the ranges.
 *   node scripts/run-ts.mjs bench/dynamicsAB.ts [rounds=7] [T=100] [B=32] [N=256] [backend=cpu]
 */
import * as sg from 'spikegrad';

const [rounds = 7, T = 100, B = 32, N = 256] = process.argv.slice(2, 6).map(Number);
const backend = (process.argv[6] ?? 'cpu') as 'cpu' | 'webgpu';
const { nn } = sg;

const LIF_DECL = {
  name: 'DeclaredLIF', input: { unit: 'mA' }, states: { V: { unit: 'mV' } },
  params: {
    R: { unit: 'ohm', default: 1 }, tau: { unit: 'ms', default: 5, positive: true },
    V_th: { unit: 'mV', default: 1 }, V_reset: { unit: 'mV', default: 0 }, V_rest: { unit: 'mV', default: 0 },
  },
  update: { V: { expEuler: '(-V + V_rest + R * I) / tau' } },
  spike: '(V - V_th) / (V_th - V_reset)',
  reset: { V: { subtract: 'V_th - V_reset' } },
};
const ALIF_DECL = {
  ...LIF_DECL, name: 'DeclaredALIF', states: { V: { unit: 'mV' }, a: {} },
  params: { ...LIF_DECL.params, tau_a: { unit: 'ms', default: 100, positive: true }, beta: { unit: 'mV', default: 0.1 } },
  update: { V: { expEuler: '(-V + V_rest + R * I) / tau' }, a: { expEuler: '(-a) / tau_a' } },
  spike: '((V - V_th) - beta * a) / (V_th - V_reset)',
  reset: { V: { subtract: 'V_th - V_reset' }, a: { add: '1' } },
};

await sg.setBackend(backend);
const x = sg.random.uniform([T, B, N], 0, 0.6);
async function timeIt(layer: sg.nn.Layer): Promise<number> {
  const loss = (xs: sg.Tensor) => {
    nn.initAllStates(layer, { batchSize: B, backend: x.backend });
    return sg.sum(layer.run(xs));
  };
  const t0 = performance.now();
  const g = sg.tidy(() => sg.grad(loss, [x])(x)[0]!);
  await g.data(); // the readback waits for the GPU
  const ms = performance.now() - t0;
  g.dispose();
  return ms;
}

const pairs: [string, sg.nn.Layer, sg.nn.Layer][] = [
  ['LIF', new nn.LIF(N), new (nn.defineNeuron(LIF_DECL as sg.nn.NeuronDeclaration))(N)],
  ['ALIF', new nn.ALIF(N), new (nn.defineNeuron(ALIF_DECL as sg.nn.NeuronDeclaration))(N, { VInitializer: 0 })],
];
for (const [name, hand, gen] of pairs) {
  await timeIt(hand); await timeIt(gen); // warm-up: compile, JIT
  const h: number[] = [], g: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) { h.push(await timeIt(hand)); g.push(await timeIt(gen)); } else { g.push(await timeIt(gen)); h.push(await timeIt(hand)); }
  }
  const fmt = (v: number[]) => `${Math.min(...v).toFixed(1)}–${Math.max(...v).toFixed(1)} ms`;
  const ratios = h.map((v, i) => g[i]! / v);
  console.log(`${backend} ${name} [${T}, ${B}, ${N}] fwd+bwd: hand-written ${fmt(h)}, generated ${fmt(g)}, generated/hand per round ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`);
}
await sg.shutdown();
