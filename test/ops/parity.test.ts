/**
 * Every op case of test/support/cases.ts, plus larger and odd shapes, on WebGPU in float32 against the CPU in float64:
 * forward values and every input gradient (test/support/parity.ts). Tolerances (|error| ≤ atol·scale + rtol·|ref|):
 * - single elementwise ops: rtol 1e-6, atol 1e-7 — a few float32 ulps (u ≈ 6e-8);
 * - the shared table (composites of up to ~5 ops, accumulations over ≤ 65 terms): rtol 1e-5, atol 2e-6,
 *   about 30 ulps, since each op rounds once more and a float32 sum of L terms carries ~log2(L)·u of error;
 * - larger reductions and matmuls: atol grows with the accumulated length L (stated per case below).
 * Gradients get 10× the forward tolerance: a vjp is a chain of several ops.
 */
import { afterAll, it } from 'vitest';
import type { UpdateAttrs } from '../../engine/backend.js';
import * as sg from '../../index.js';
import { DIFFERENTIABLE_CASES, FORWARD_ONLY_CASES, type InputSpec } from '../support/cases.js';
import { ELEMENTWISE_TOL, checkParity, compare, stats, type ParityCase, type ParityTol } from '../support/parity.js';
import { cpu, rng, uniformArray } from '../support/helpers.js';
import { describeWebGpu, webgpuAvailable } from '../support/webgpu.js';
import { elementwiseTuning, matmulTuning, reduceTuning, spanTuning } from '../../kernels/flags.js';

const f = (shape: number[], range?: [number, number]): InputSpec => ({ shape, ...(range ? { range } : {}) });
const int = (shape: number[], values: number[]): InputSpec => ({ shape, values, dtype: 'int32' });
const ints = (n: number, hi: number, lo = 0) => Array.from({ length: n }, (_, i) => lo + ((i * 7919 + 13) % (hi - lo)));

const SHARED_TOL: ParityTol = { rtol: 1e-5, atol: 2e-6 };
/** For an accumulation of L terms: the kernels sum serially within an invocation, so a float32 sum of L terms
 *  of random sign errs by ~u·√L relative to the result's scale (u = 6e-8); 2u·√L, at least 1e-6, bounds it. */
const accumTol = (L: number): ParityTol => ({ rtol: 1e-5, atol: Math.max(1e-6, 2 * 6e-8 * Math.sqrt(L)) });

const single = new Set(['neg', 'abs', 'exp', 'expm1', 'expm1 wide', 'log', 'log1p', 'sqrt', 'sigmoid', 'tanh', 'sin', 'cos',
  'powScalar 3', 'powScalar 0.5', 'powScalar -1.5', 'add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow', 'sign', 'floor']);
const sharedTol = (name: string): ParityTol => (single.has(name.replace(/ \[.*$/, '')) ? ELEMENTWISE_TOL : SHARED_TOL);

/** Odd and larger shapes: 1, 3, 17, 64, 65, 257, 1000 and 4097 elements per axis, broadcasting, SNN shapes. */
const EXTRA: ParityCase[] = [
  // Elementwise: long vectors, odd 2-D shapes, and one dispatch of more than 65535 workgroups (64 invocations each).
  { name: 'exp [4097]', fn: sg.exp, inputs: [f([4097])] },
  { name: 'sigmoid [65,17] wide range', fn: sg.sigmoid, inputs: [f([65, 17], [-60, 60])] },
  { name: 'tanh [257,3] wide range', fn: sg.tanh, inputs: [f([257, 3], [-30, 30])] },
  { name: 'expm1 [1000] tiny', fn: sg.expm1, inputs: [f([1000], [-1e-4, 1e-4])] },
  { name: 'log1p [1000] tiny', fn: sg.log1p, inputs: [f([1000], [-1e-4, 1e-4])] },
  { name: 'expm1 [1000] around ±0.5', fn: sg.expm1, inputs: [f([1000], [-0.7, 0.7])] },
  { name: 'log1p [1000] around ±0.5', fn: sg.log1p, inputs: [f([1000], [-0.7, 0.7])] },
  { name: 'sin [1000] wide range', fn: sg.sin, inputs: [f([1000], [-100, 100])] },
  { name: 'cos [1000] wide range', fn: sg.cos, inputs: [f([1000], [-100, 100])] },
  { name: 'exp over 65536·64+1 elements (> 65535 workgroups)', fn: sg.exp, inputs: [f([65536 * 64 + 1], [-1, 1])] },
  // Broadcasting
  { name: 'add [257,1,3]·[1,64,3]', fn: sg.add, inputs: [f([257, 1, 3]), f([1, 64, 3])] },
  { name: 'mul [1000,17]·[17]', fn: sg.mul, inputs: [f([1000, 17]), f([17])] },
  { name: 'sub [3,4097]·[3,1]', fn: sg.sub, inputs: [f([3, 4097]), f([3, 1])] },
  { name: 'div [65]·[1,64,1]', fn: sg.div, inputs: [f([65]), f([1, 64, 1], [0.5, 2])] },
  {
    name: 'where [65,1]·[65,17]·[17]', fn: (c, a, b) => sg.where(sg.gt(c, 0), a, b), inputs: [f([65, 1]), f([65, 17]), f([17])],
    tol: ELEMENTWISE_TOL,
  },
  // The quad and row-walk paths of the elementwise template (kernels/elementwise/template.ts): float32 quads,
  // rows walked with carries across two leading axes, broadcast last axes (splat), aligned and unaligned slices
  { name: 'add [4,5,40,8]·[4,1,40,8] (quad rows)', fn: sg.add, inputs: [f([4, 5, 40, 8]), f([4, 1, 40, 8])] },
  { name: 'add [5,1,8]·[1,40,8] (quad rows, carry)', fn: sg.add, inputs: [f([5, 1, 8]), f([1, 40, 8])] },
  { name: 'add [33,1024]·[1024] (bias, quad rows)', fn: sg.add, inputs: [f([33, 1024]), f([1024])] },
  { name: 'mul [7,6,8]·[7,6,1] (splat quads)', fn: sg.mul, inputs: [f([7, 6, 8]), f([7, 6, 1])] },
  { name: 'sub [7,19,5]·[7,1,5] (row walk, scalar units)', fn: sg.sub, inputs: [f([7, 19, 5]), f([7, 1, 5])] },
  { name: 'slice [9,16] from [1,4] (quad aligned)', fn: (x) => sg.slice(x, [1, 4], [7, 8]), inputs: [f([9, 16])], tol: ELEMENTWISE_TOL },
  { name: 'slice [9,16] from [1,1] (unaligned)', fn: (x) => sg.slice(x, [1, 1], [7, 8]), inputs: [f([9, 16])], tol: ELEMENTWISE_TOL },
  { name: 'broadcastTo [1,37,8]→[21,37,8]', fn: (x) => sg.broadcastTo(x, [21, 37, 8]), inputs: [f([1, 37, 8])], tol: ELEMENTWISE_TOL },
  // Reductions (tree, split tree, serial loop; on software adapters serial slices, in quads for sums over
  // leading axes), with the accumulated length in the tolerance
  { name: 'sum axis 0 [1000,64] (quad slices)', fn: (x) => sg.sum(x, 0), inputs: [f([1000, 64])], tol: accumTol(1000) },
  { name: 'sum axes [0,1] [3,300,4]', fn: (x) => sg.sum(x, [0, 1]), inputs: [f([3, 300, 4])], tol: accumTol(900) },
  { name: 'sum axis 0 [600,10]', fn: (x) => sg.sum(x, 0), inputs: [f([600, 10])], tol: accumTol(600) },
  { name: 'max axis 0 [700,3]', fn: (x) => sg.max(x, 0), inputs: [f([700, 3])], tol: ELEMENTWISE_TOL },
  { name: 'sum all [4097]', fn: (x) => sg.sum(x), inputs: [f([4097])], tol: accumTol(4097) },
  { name: 'sum axis 0 [1000,65]', fn: (x) => sg.sum(x, 0), inputs: [f([1000, 65])], tol: accumTol(1000) },
  { name: 'sum axis 1 [70000,33] (serial)', fn: (x) => sg.sum(x, 1), inputs: [f([70000, 33])], tol: accumTol(33) },
  { name: 'sum axes [0,2] keepDims [17,3,257]', fn: (x) => sg.sum(x, [0, 2], true), inputs: [f([17, 3, 257])], tol: accumTol(17 * 257) },
  { name: 'sum axis 0 [51200,4] (bias gradient)', fn: (x) => sg.sum(x, 0), inputs: [f([51200, 4])], tol: accumTol(51200) },
  { name: 'mean axis 1 [64,65]', fn: (x) => sg.mean(x, 1), inputs: [f([64, 65])], tol: accumTol(65) },
  { name: 'max axis 1 [65,1000]', fn: (x) => sg.max(x, 1), inputs: [f([65, 1000])], tol: ELEMENTWISE_TOL },
  { name: 'min axis 0 [257,17]', fn: (x) => sg.min(x, 0), inputs: [f([257, 17])], tol: ELEMENTWISE_TOL },
  { name: 'max all [3,4097]', fn: (x) => sg.max(x), inputs: [f([3, 4097])], tol: ELEMENTWISE_TOL },
  { name: 'logsumexp axis 0 [1000,3]', fn: (x) => sg.logsumexp(x, 0), inputs: [f([1000, 3], [-20, 20])], tol: accumTol(1000) },
  // Matmul: tiled, narrow (N or M ≤ 8), split-K, transposes, broadcast batches; K in the tolerance
  { name: 'matmul [65,17]@[17,257]', fn: (a, b) => sg.matmul(a, b), inputs: [f([65, 17]), f([17, 257])], tol: accumTol(17) },
  { name: 'matmul [257,257]@[257,257]', fn: (a, b) => sg.matmul(a, b), inputs: [f([257, 257]), f([257, 257])], tol: accumTol(257) },
  { name: 'matmul [1000,64]@[64,3] (narrow N)', fn: (a, b) => sg.matmul(a, b), inputs: [f([1000, 64]), f([64, 3])], tol: accumTol(64) },
  { name: 'matmul [3,4097]@[4097,17] (narrow M, split K)', fn: (a, b) => sg.matmul(a, b), inputs: [f([3, 4097]), f([4097, 17])], tol: accumTol(4097) },
  {
    name: 'matmul SNN layer [51200,100]@[100,4] (weight gradient [100,51200]@[51200,4])', fn: (a, b) => sg.matmul(a, b),
    inputs: [f([51200, 100], [0, 1]), f([100, 4])], tol: accumTol(100), gradTol: accumTol(51200),
  },
  { name: 'matmul Aᵀ [64,65]ᵀ@[64,257]', fn: (a, b) => sg.matmul(a, b, { transposeA: true }), inputs: [f([64, 65]), f([64, 257])], tol: accumTol(64) },
  { name: 'matmul Bᵀ [65,100]@[17,100]ᵀ', fn: (a, b) => sg.matmul(a, b, { transposeB: true }), inputs: [f([65, 100]), f([17, 100])], tol: accumTol(100) },
  {
    name: 'matmul AᵀBᵀ [100,65]ᵀ@[64,100]ᵀ', fn: (a, b) => sg.matmul(a, b, { transposeA: true, transposeB: true }),
    inputs: [f([100, 65]), f([64, 100])], tol: accumTol(100),
  },
  { name: 'matmul batch broadcast [5,1,33,17]@[3,17,65]', fn: (a, b) => sg.matmul(a, b), inputs: [f([5, 1, 33, 17]), f([3, 17, 65])], tol: accumTol(33 * 5) },
  { name: 'matmul [16,2000]@[2000,16] (few tiles, long K)', fn: (a, b) => sg.matmul(a, b), inputs: [f([16, 2000]), f([2000, 16])], tol: accumTol(2000) },
  // Loss
  {
    name: 'softmaxCrossEntropy [1000,10]', fn: (z, y) => sg.softmaxCrossEntropy(z, y), inputs: [f([1000, 10], [-8, 8]), int([1000], ints(1000, 10))],
    tol: SHARED_TOL,
  },
  {
    name: 'softmaxCrossEntropy mean [256,2]', fn: (z, y) => sg.mean(sg.softmaxCrossEntropy(z, y)), inputs: [f([256, 2]), int([256], ints(256, 2))],
    tol: accumTol(256),
  },
  // Movement
  { name: 'permute [17,3,64]→[2,0,1]', fn: (x) => sg.permute(x, [2, 0, 1]), inputs: [f([17, 3, 64])] },
  { name: 'slice [65,257]', fn: (x) => sg.slice(x, [1, 64], [63, 193]), inputs: [f([65, 257])] },
  { name: 'pad [3,17]', fn: (x) => sg.pad(x, [1, 64], [0, 1]), inputs: [f([3, 17])] },
  { name: 'concat [1000,3]·[1000,17] axis 1', fn: (a, b) => sg.concat([a, b], 1), inputs: [f([1000, 3]), f([1000, 17])] },
  { name: 'broadcastTo [17,1]→[3,17,64]', fn: (x) => sg.broadcastTo(x, [3, 17, 64]), inputs: [f([17, 1])], gradTol: accumTol(192) },
  { name: 'gather [4097,3] by 1000 indices', fn: (x, i) => sg.gather(x, i, 0), inputs: [f([4097, 3]), int([1000], ints(1000, 4097))], gradTol: SHARED_TOL },
  { name: 'argmax [1000,17]', fn: (x) => sg.argmax(x, 1), inputs: [f([1000, 17])], noGrad: true },
  { name: 'oneHot [4097] depth 10', fn: (i) => sg.oneHot(i, 10), inputs: [int([4097], ints(4097, 12, -1))], noGrad: true },
];

describeWebGpu('WebGPU float32 against the CPU float64: the shared op table', (gpu) => {
  for (const c of [...DIFFERENTIABLE_CASES, ...FORWARD_ONLY_CASES]) {
    it(c.name, () => checkParity({ ...c, tol: sharedTol(c.name) }, gpu));
  }
});

describeWebGpu('WebGPU float32 against the CPU float64: odd and large shapes', (gpu) => {
  for (const c of EXTRA) it(c.name, () => checkParity(c, gpu));
});

// On a software adapter the cases above run the elementwise template in quads and 16-row walks; these run
// its GPU configuration (one element and one row per invocation) on the same adapter.
// One element per invocation also makes 'exp over 65536·64+1 elements' need more than 65535 workgroups, so the
// split of a dispatch into a 2-D grid runs under an op here.
const GPU_SHAPED = ['add [257,1,3]', 'mul [1000,17]', 'sub [3,4097]', 'div [65]', 'where', 'add [4,5,40,8]', 'add [5,1,8]', 'add [33,1024]',
  'mul [7,6,8]', 'sub [7,19,5]', 'slice [9,16]', 'broadcastTo', 'exp [4097]', 'exp over 65536·64+1'];
describeWebGpu('the elementwise template as GPUs run it, against the CPU float64', (gpu) => {
  for (const c of EXTRA.filter((e) => GPU_SHAPED.some((n) => e.name.startsWith(n)))) {
    it(c.name, async () => {
      const saved = { ...elementwiseTuning }, span = spanTuning.maxSpan;
      Object.assign(elementwiseTuning, { quads: false, softwareRows: 1 });
      spanTuning.maxSpan = 1;
      try {
        await checkParity(c, gpu);
      } finally {
        Object.assign(elementwiseTuning, saved);
        spanTuning.maxSpan = span;
      }
    });
  }
});

// On a software adapter products go to the lane-tiled and event kernels and reductions to serial slices; these
// run the kernels GPUs get (matmulTiled, matmulNarrow with split K, the workgroup tree and its serial second
// pass) on the same adapter, forward and gradients, so that CI checks them too.
const GPU_KERNEL_CASES: ParityCase[] = [...DIFFERENTIABLE_CASES.map((c) => ({ ...c, tol: sharedTol(c.name) })), ...EXTRA]
  .filter((c) => /^(matmul|linear|sum|mean|max|min|logsumexp|softmax)/.test(c.name));
describeWebGpu('matmul and reductions with the kernels GPUs run, against the CPU float64', (gpu) => {
  for (const c of GPU_KERNEL_CASES) {
    it(c.name, async () => {
      const saved = { matmul: { ...matmulTuning }, reduce: { ...reduceTuning } };
      Object.assign(matmulTuning, { laneTiled: false, events: false });
      reduceTuning.softwareSlices = false;
      try {
        await checkParity(c, gpu);
      } finally {
        Object.assign(matmulTuning, saved.matmul);
        Object.assign(reduceTuning, saved.reduce);
      }
    });
  }
});

type UpdateCase =
  | { name: string; kernel: 'adam'; attrs: Omit<UpdateAttrs['adam'], 'step'> }
  | { name: string; kernel: 'sgd'; attrs: UpdateAttrs['sgd']; slots: number };
const ADAM = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false };
const UPDATES: UpdateCase[] = [
  { name: 'adam', kernel: 'adam', attrs: ADAM },
  { name: 'adam with L2 weight decay', kernel: 'adam', attrs: { ...ADAM, weightDecay: 0.05 } },
  { name: 'adamW (decoupled weight decay)', kernel: 'adam', attrs: { ...ADAM, weightDecay: 0.05, decoupled: true } },
  { name: 'sgd', kernel: 'sgd', attrs: { lr: 0.1, momentum: 0, nesterov: false, weightDecay: 0 }, slots: 0 },
  { name: 'sgd with momentum and weight decay', kernel: 'sgd', attrs: { lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 1e-3 }, slots: 1 },
  { name: 'sgd nesterov', kernel: 'sgd', attrs: { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0 }, slots: 1 },
];

/** Three in-place steps on each backend from the same values; every target compared after the last. */
describeWebGpu('WebGPU in-place optimizer updates against the CPU (float64)', (gpu) => {
  for (const c of UPDATES) {
    it(c.name, async () => {
      const cpuBe = await cpu();
      const n = 1000, rand = rng(5);
      const slots = c.kernel === 'adam' ? 2 : c.slots;
      const init = Array.from({ length: 1 + slots }, (_, k) => Float32Array.from(uniformArray(n, k === 2 ? 0 : -1, 1, rand)));
      const on = (be: sg.Backend, dtype: 'float32' | 'float64') => init.map((v) => sg.tensor(dtype === 'float64' ? Float64Array.from(v) : v, [n], dtype, be));
      const [t64, t32] = [on(cpuBe, 'float64'), on(gpu, 'float32')];
      for (let step = 1; step <= 3; step++) {
        const g = Float32Array.from(uniformArray(n, -1, 1, rand));
        const [g64, g32] = [sg.tensor(Float64Array.from(g), [n], 'float64', cpuBe), sg.tensor(g, [n], 'float32', gpu)];
        if (c.kernel === 'adam') {
          cpuBe.update('adam', t64, [g64], { ...c.attrs, step });
          gpu.update('adam', t32, [g32], { ...c.attrs, step });
        } else {
          cpuBe.update('sgd', t64, [g64], c.attrs);
          gpu.update('sgd', t32, [g32], c.attrs);
        }
        sg.dispose([g64, g32]);
      }
      // Three steps of a few roundings each: float32 against float64 agrees to a few ulps of the values.
      for (let k = 0; k <= slots; k++) compare(await t32[k]!.data(), t64[k]!.dataSync(), { rtol: 1e-5, atol: 1e-6 }, `${c.name}: target ${k}`);
      sg.dispose([t64, t32]);
    });
  }
});

afterAll(() => {
  if (!webgpuAvailable) return;
  const cases = DIFFERENTIABLE_CASES.length + FORWARD_ONLY_CASES.length + EXTRA.length + UPDATES.length;
  console.log(`parity.test.ts: ${cases} parity cases ran on WebGPU: ${stats.forward} forward and ${stats.gradients} gradient ` +
    `comparisons, ${UPDATES.length} optimizer updates; worst error ${(100 * stats.worstRatio).toFixed(0)}% of its tolerance (${stats.worstCase})`);
});
