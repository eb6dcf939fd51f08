/**
 * Kernel microbenchmarks, each one op timed on its own (harness.ts waits for the device after each):
 * - matmul by shape, in GFLOP/s: square sizes, the dense workload's input layer, and the seed network's input
 *   layer and weight gradient, whose left operand is 5 Hz spikes (0.5 % ones, uploaded: the CPU backend's
 *   event-driven path exploits that, and so does WebGPU's on software adapters, kernels/matmul/events.ts);
 * - the fused LIF over a sequence [T, B, n]: the generated `neuronRun` forward and `neuronRunGrad` backward of
 *   nn.LIF's declaration, in GB/s of the tensors each must read and write (forward: x in, spikes and V out;
 *   backward: x, V and dSpikes in, dx out);
 * - the spike op H(x) and its surrogate backward `spikeGrad`, in GB/s, for ReluGrad (the tutorial's) and
 *   Sigmoid (SpikingJelly's default, an exp per element).
 */
import * as sg from '../index.js';
import { runOp, run1 } from '../engine/dispatch.js';
import type { NeuronSeqAttrs } from '../engine/opsNeuron.js';
import { SpikegradError, describeValue } from '../engine/errors.js';
import { ReluGrad, Sigmoid, type Surrogate } from '../surrogate/index.js';
import type { BenchCase } from './harness.js';
import type { MicroWorkload } from './workloads.js';
import { convCases } from './conv.js';

export interface MatmulShape {
  label: string;
  /** [M, K] @ [K, N]; with transposeA the left operand is stored [K, M]. */
  m: number;
  k: number;
  n: number;
  transposeA?: boolean;
  /** Left operand is 0/1 spikes at 5 Hz instead of uniform [-1, 1). */
  spikes?: boolean;
}

const sq = (n: number): MatmulShape => ({ label: `${n}×${n}×${n}`, m: n, k: n, n });

/** The default shapes: as bench/RESULTS.md has reported them since the WebGPU runtime landed. */
export const MATMUL_SHAPES: readonly MatmulShape[] = [
  sq(128), sq(256), sq(512), sq(1024),
  { label: 'dense layer [12800,256]@[256,1024]', m: 12800, k: 256, n: 1024 },
  // The digit classifier's input layer and weight gradient (784 → 128, T·B = 25·128): dense enough (rate-coded
  // pixels) that the dense kernel runs; uniform values here, so the dense kernel always does.
  { label: 'digits input layer [3200,784]@[784,128]', m: 3200, k: 784, n: 128 },
  { label: 'digits weight gradient [3200,784]ᵀ@[3200,128]', m: 784, k: 3200, n: 128, transposeA: true },
  { label: 'seed input layer [51200,100]@[100,4], spikes', m: 51200, k: 100, n: 4, spikes: true },
  { label: 'seed weight gradient [51200,100]ᵀ@[51200,4], spikes', m: 100, k: 51200, n: 4, transposeA: true, spikes: true },
];

/** "MxKxN" (e.g. 512x512x512) → a dense shape. */
export function parseMatmulShape(text: string): MatmulShape {
  const m = /^(\d+)[x×](\d+)[x×](\d+)$/.exec(text.trim());
  const dims = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [];
  if (!m || dims.some((d) => !(d >= 1))) {
    throw new SpikegradError(`bench: argument '--matmul-shapes' expected comma-separated MxKxN sizes (e.g. 512x512x512), got ${describeValue(text)}`);
  }
  const [M, K, N] = dims as [number, number, number];
  return { label: `${M}×${K}×${N}`, m: M, k: K, n: N };
}

const SPIKE_P = 0.005; // 5 Hz at dt = 1 ms

interface Pair {
  a: sg.Tensor;
  b: sg.Tensor;
}

export function matmulCase(s: MatmulShape, backend: sg.Backend): BenchCase<Pair> {
  const aShape = s.transposeA ? [s.k, s.m] : [s.m, s.k];
  return {
    name: `matmul ${s.label}`,
    backend,
    flops: 2 * s.m * s.k * s.n,
    info: { kernel: 'matmul', shape: s.label, m: s.m, k: s.k, n: s.n, transposeA: !!s.transposeA, spikes: !!s.spikes },
    setup: () => ({
      a: sg.keep(s.spikes ? sg.random.poissonSpikes(SPIKE_P, aShape) : sg.random.uniform(aShape, -1, 1)),
      b: sg.keep(sg.random.uniform([s.k, s.n], -1, 1)),
    }),
    run: ({ a, b }) => sg.matmul(a, b, { transposeA: !!s.transposeA }),
    teardown: ({ a, b }) => sg.dispose([a, b]),
  };
}

/** The tutorial's LIF (τ = 20 ms, threshold 1, soft reset, not detached) as the generated op's attributes. */
function lifAttrs(spkFun: Surrogate): NeuronSeqAttrs {
  return { neuron: new sg.nn.LIF(1, { tau: 20 }).bound('float32'), spkFun, detachReset: false };
}

interface Seq {
  x: sg.Tensor;
  v0: sg.Tensor;
  /** neuronRun's states output [T, K = 1, B, n], and the membrane as [T, B, n]. */
  states: sg.Tensor;
  vs: sg.Tensor;
  dy: sg.Tensor;
}

function seqState(w: MicroWorkload): Seq {
  const shape = [w.steps, w.batch, w.n];
  // Input current around the threshold, so neurons fire now and then and the surrogate is nonzero somewhere.
  const x = sg.keep(sg.random.uniform(shape, 0, 2.5));
  const v0 = sg.keep(sg.zeros([1, ...shape.slice(1)])); // the one state, packed [K = 1, B, n]
  const [, vs] = runOp('neuronRun', [x, v0], lifAttrs(new ReluGrad()));
  return { x, v0, states: sg.keep(vs!), vs: sg.keep(sg.reshape(vs!, shape)), dy: sg.keep(sg.random.uniform(shape, -1, 1)) };
}

const shapeLabel = (w: MicroWorkload) => `[${w.steps},${w.batch},${w.n}]`;

export function lifCases(w: MicroWorkload, backend: sg.Backend): BenchCase<Seq>[] {
  const n = w.steps * w.batch * w.n;
  const attrs = lifAttrs(new ReluGrad());
  const base = { backend, setup: () => seqState(w), teardown: (s: Seq) => sg.dispose(Object.values(s)) };
  return [
    { ...base, name: 'neuronRun LIF', bytes: 3 * 4 * n, info: { kernel: 'neuronRun LIF', shape: shapeLabel(w) }, run: (s) => runOp('neuronRun', [s.x, s.v0], attrs) },
    {
      ...base, name: 'neuronRunGrad LIF', bytes: 4 * 4 * n, info: { kernel: 'neuronRunGrad LIF', shape: shapeLabel(w) },
      run: (s) => runOp('neuronRunGrad', [s.x, s.v0, s.states, s.dy], { ...attrs, hasDS: true, hasDStates: false }),
    },
  ];
}

export function spikeCases(w: MicroWorkload, backend: sg.Backend): BenchCase<Seq>[] {
  const n = w.steps * w.batch * w.n;
  const base = { backend, setup: () => seqState(w), teardown: (s: Seq) => sg.dispose(Object.values(s)) };
  const relu = new ReluGrad(), sigmoid = new Sigmoid();
  return [
    { ...base, name: 'spike', bytes: 2 * 4 * n, info: { kernel: 'spike', shape: shapeLabel(w) }, run: (s) => run1('spike', [s.vs], { surrogate: relu }) },
    ...[relu, sigmoid].map((surrogate): BenchCase<Seq> => ({
      ...base, name: `spikeGrad ${surrogate.name}`, bytes: 3 * 4 * n, info: { kernel: `spikeGrad ${surrogate.name}`, shape: shapeLabel(w) },
      run: (s) => run1('spikeGrad', [s.vs, s.dy], { surrogate }),
    })),
  ];
}

export function microCases(w: MicroWorkload, backend: sg.Backend, matmulShapes: readonly MatmulShape[] = MATMUL_SHAPES): BenchCase<never>[] {
  if (w.name === 'conv') return convCases(backend);
  const cases = w.name === 'matmul' ? matmulShapes.map((s) => matmulCase(s, backend)) : w.name === 'lif' ? lifCases(w, backend) : spikeCases(w, backend);
  return cases as unknown as BenchCase<never>[];
}
