/**
 * The recurrent workload of issue 14 on WebGPU: a recurrent LIF layer (a declared LIF, brainpy.state's
 * defaults but τ = 20 ms) with n neurons, batch B, T steps, one training step (forward + backward, until the
 * gradients of W_in and W_rec are read), in sequence mode (one matmul for the input projection, the fused
 * `recurrentRun` op: one dispatch per direction) against step mode (`transform.forLoop(layer.update)` of
 * nn.Recurrent: per step a matmul, an add and the neuron's primitive ops, forward and backward), alternated
 * in one process so that both see the same load; then the sequence mode's peak device memory for T values.
 *   node scripts/run-ts.mjs bench/experiments/recurrentWebgpu.ts [--n 256] [--batch 32] [--steps 1000] [--reps 3]
 *     [--checkpoint 1] [--memory 1000,10000,100000] [--memory-checkpoint 0 (auto: ⌈√T⌉)] [--no-step]
 *     [--stream 10000,100000 --window 1000] [--rows 1,4] [--quads]
 * Prints one line per timed training step, the ranges per mode, and one line per T of --memory: bytes of the
 * largest binding, the backend's peak bytes in use over a training step (inputs included), or why it is refused.
 * --rows times sequence mode once per value of recurrentTuning.softwareRows (batch rows per workgroup) per rep.
 * --quads times sequence mode with the backward reading Wᵀ in vec4 quads and in words, alternated.
 * --stream trains nn.Recurrent (fused) on T steps streamed in chunks of --window steps through
 * transform.truncatedBptt (gradients within a window, states carried on; Adam) and prints the peak bytes in use.
 */
import { parseArgs } from 'node:util';
import * as sg from '../../index.js';
import { runOp } from '../../internal.js';
import { bindNeuron } from '../../dynamics/bind.js';
import { declareNeuron, type NeuronDeclaration } from '../../dynamics/declaration.js';
import type { WebGpuBackend } from '../../kernels/webgpu/backend.js';
import { recurrentTuning } from '../../kernels/flags.js';

const { values: a } = parseArgs({ options: {
  n: { type: 'string', default: '256' }, batch: { type: 'string', default: '32' }, steps: { type: 'string', default: '1000' },
  reps: { type: 'string', default: '3' }, checkpoint: { type: 'string', default: '1' }, memory: { type: 'string', default: '' },
  'memory-checkpoint': { type: 'string', default: '0' }, 'no-step': { type: 'boolean', default: false },
  stream: { type: 'string', default: '' }, window: { type: 'string', default: '1000' }, rows: { type: 'string', default: '' }, quads: { type: 'boolean', default: false },
} });
const n = Number(a.n), B = Number(a.batch), T = Number(a.steps), reps = Number(a.reps), nin = 16;

/** LIF as a declaration (docs/dynamics.md): soft reset by V_th − V_reset, exponential Euler. */
const LIF: NeuronDeclaration = {
  name: 'LIF', input: { unit: 'mA' },
  states: { V: { unit: 'mV', init: 0 } },
  params: { R: { unit: 'ohm', default: 1 }, tau: { unit: 'ms', default: 20 }, V_th: { unit: 'mV', default: 1 }, V_reset: { unit: 'mV', default: 0 }, V_rest: { unit: 'mV', default: 0 } },
  update: { V: { expEuler: '(-V + V_rest + R * I) / tau' } },
  spike: '(V - V_th) / (V_th - V_reset)',
  reset: { V: { subtract: 'V_th - V_reset' } },
};

await sg.setBackend('webgpu');
const be = sg.getBackend() as WebGpuBackend;
const Lif = sg.nn.defineNeuron(LIF);
sg.random.seed(1);
const layer = new sg.nn.Recurrent(nin, new Lif(n), { wInit: new sg.init.Uniform({ low: 0, high: 0.5 }), recInit: new sg.init.Uniform({ low: -0.2, high: 0.2 }) });
const neuron = layer.neuron as unknown as { spkFun: sg.surrogate.Surrogate };
const bound = bindNeuron(declareNeuron(LIF), {}, 1, 'float32');
const params = [layer.weight.value, layer.recWeight.value];

/** Input spikes at rate 0.2, the same on every run (a seeded generator on the host). */
function inputs(steps: number): sg.Tensor {
  let s = 7;
  const next = () => ((s = (s * 48271) % 2147483647) / 2147483647);
  return sg.keep(sg.tensor(Float32Array.from({ length: steps * B * nin }, () => (next() < 0.2 ? 1 : 0)), [steps, B, nin]));
}

/** Sequence mode: the projection as one matmul over T·B rows, then the fused op (what nn.Recurrent.run does). */
function sequenceLoss(xs: sg.Tensor, checkpoint: number) {
  return (w: sg.Tensor, wRec: sg.Tensor) => {
    const steps = xs.shape[0]!;
    const cur = sg.reshape(sg.add(sg.matmul(sg.reshape(xs, [steps * B, nin]), w), layer.bias!.value), [steps, B, n]);
    const [spikes] = runOp('recurrentRun', [cur, wRec, sg.zeros([B, n]), sg.zeros([1, B, n])], { neuron: bound, spkFun: neuron.spkFun, detachReset: false, checkpoint });
    return sg.mean(spikes!);
  };
}

function stepLoss(xs: sg.Tensor) {
  return () => {
    sg.nn.initAllStates(layer, { batchSize: B });
    return sg.mean(sg.transform.forLoop(layer.update, xs));
  };
}

async function trainStep(mode: 'sequence' | 'step', xs: sg.Tensor, checkpoint: number): Promise<{ ms: number; loss: number }> {
  const t0 = performance.now();
  const [grads, loss] = sg.tidy(() => {
    const f = mode === 'sequence' ? sequenceLoss(xs, checkpoint) : stepLoss(xs);
    const [g, l] = sg.grad(f, params, { returnValue: true })(params[0]!, params[1]!);
    return [g.map((x) => sg.keep(x)), sg.keep(l)] as const;
  });
  await Promise.all(grads.map((g) => g.data()));
  const value = (await loss.data())[0]!;
  const ms = performance.now() - t0;
  sg.dispose([...grads, loss]);
  return { ms, loss: value };
}

console.log(`${be.description}; recurrent LIF n=${n}, B=${B}, T=${T}, forward + backward, checkpoint ${a.checkpoint}`);
const xs = inputs(T);
const modes: ('sequence' | 'step')[] = a['no-step'] ? ['sequence'] : ['sequence', 'step'];
const times: Record<string, number[]> = { sequence: [], step: [] };
for (const m of modes) console.log(`warm-up ${m}: ${(await trainStep(m, xs, Number(a.checkpoint))).ms.toFixed(0)} ms`);
for (let r = 0; r < reps; r++) {
  for (const m of modes) {
    const { ms, loss } = await trainStep(m, xs, Number(a.checkpoint));
    times[m]!.push(ms);
    console.log(`${m} rep ${r + 1}: ${ms.toFixed(0)} ms (mean spike ${loss.toFixed(4)})`);
  }
}
const range = (v: number[]) => `${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)} ms`;
for (const m of modes) if (times[m]!.length) console.log(`${m}: ${range(times[m]!)}`);
const rowChoices = a.rows ? a.rows.split(',').map(Number) : [];
const byRows = new Map<number, number[]>(rowChoices.map((r) => [r, []]));
const defaultRows = recurrentTuning.softwareRows;
for (const r of rowChoices) {
  recurrentTuning.softwareRows = r;
  console.log(`warm-up sequence, ${r} rows per workgroup: ${(await trainStep('sequence', xs, Number(a.checkpoint))).ms.toFixed(0)} ms`);
}
for (let rep = 0; rep < reps; rep++) {
  for (const r of rowChoices) {
    recurrentTuning.softwareRows = r;
    const { ms } = await trainStep('sequence', xs, Number(a.checkpoint));
    byRows.get(r)!.push(ms);
    console.log(`sequence, ${r} rows per workgroup, rep ${rep + 1}: ${ms.toFixed(0)} ms`);
  }
}
for (const [r, v] of byRows) console.log(`sequence, ${r} rows per workgroup: ${range(v)}`);
recurrentTuning.softwareRows = defaultRows;
if (a.quads) {
  const byQuads = new Map<boolean, number[]>([[true, []], [false, []]]);
  for (const q of [true, false]) {
    recurrentTuning.quads = q;
    console.log(`warm-up sequence, quads ${q}: ${(await trainStep('sequence', xs, Number(a.checkpoint))).ms.toFixed(0)} ms`);
  }
  for (let rep = 0; rep < reps; rep++) {
    for (const q of [true, false]) {
      recurrentTuning.quads = q;
      const { ms } = await trainStep('sequence', xs, Number(a.checkpoint));
      byQuads.get(q)!.push(ms);
      console.log(`sequence, quads ${q}, rep ${rep + 1}: ${ms.toFixed(0)} ms`);
    }
  }
  for (const [q, v] of byQuads) console.log(`sequence, quads ${q}: ${range(v)}`);
  recurrentTuning.quads = true;
}
if (modes.length === 2 && reps > 0) {
  const ratios = times.step!.map((s, i) => s / times.sequence![i]!);
  console.log(`step / sequence, pairwise: ${Math.min(...ratios).toFixed(1)}–${Math.max(...ratios).toFixed(1)}×`);
}
sg.dispose(xs);

for (const steps of a.memory ? a.memory.split(',').map(Number) : []) {
  const k = Number(a['memory-checkpoint']) || Math.ceil(Math.sqrt(steps));
  const x = inputs(steps);
  be.resetPeak();
  const before = be.memory().bytesInUse;
  try {
    const { ms } = await trainStep('sequence', x, k);
    const peak = be.memory().peakBytesInUse;
    console.log(`memory T=${steps} checkpoint ${k}: peak ${peak} bytes in use (${(peak / 2 ** 20).toFixed(1)} MiB; ${before} before), the largest binding ${steps * B * n * 4} bytes, ${ms.toFixed(0)} ms`);
  } catch (e) {
    console.log(`memory T=${steps} checkpoint ${k}: refused: ${(e as Error).message.split('\n')[0]}`);
  }
  sg.dispose(x);
}
for (const steps of a.stream ? a.stream.split(',').map(Number) : []) {
  const window = Number(a.window);
  const opt = new sg.optim.Adam({ lr: 1e-3 });
  opt.registerTrainableWeights(layer.states(sg.ParamState));
  function* chunks(): Generator<sg.Tensor> {
    for (let t0 = 0; t0 < steps; t0 += window) yield inputs(Math.min(window, steps - t0));
  }
  sg.nn.initAllStates(layer, { batchSize: B });
  be.resetPeak();
  const before = be.memory().bytesInUse;
  const t0 = performance.now();
  const losses = sg.transform.truncatedBptt(layer, chunks(), (chunk) => {
    const [grads, loss] = sg.grad(() => sg.mean(layer.run(chunk)), layer.states(sg.ParamState), { returnValue: true })();
    opt.update(grads);
    chunk.dispose();
    return sg.keep(loss);
  });
  const last = (await losses.at(-1)!.data())[0]!;
  sg.dispose(losses);
  const peak = be.memory().peakBytesInUse;
  console.log(`stream T=${steps} in windows of ${window}: peak ${peak} bytes in use (${(peak / 2 ** 20).toFixed(1)} MiB; ${before} before), ${(performance.now() - t0).toFixed(0)} ms, last window's mean spike ${last.toFixed(4)}`);
}
await sg.shutdown();
