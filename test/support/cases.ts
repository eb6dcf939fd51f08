/**
 * The op cases, one line each (tinygrad's helper_test_op / JAX's grad_test_spec): which public op, on which
 * input shapes and ranges. ops.test.ts checks each on the CPU in float64 (forward against an independent
 * reference where one is given, every float input's gradient against finite differences); parity.test.ts
 * runs the same table on WebGPU in float32 against the CPU float64 result.
 *
 * Ranges keep inputs away from kinks (|x| at 0, ties of max) where a derivative is not defined.
 */
import * as sg from '../../index.js';
import * as internal from '../../internal.js';
import * as nd from './ndReference.js';

export interface InputSpec {
  shape: number[];
  /** Uniform range of float inputs (default [-2, 2]). */
  range?: [number, number];
  /** Keep |x| ≥ this (for abs, relu, …). */
  awayFromZero?: number;
  /** Fixed values (int32 indices, labels, bool masks). */
  values?: number[];
  dtype?: 'float' | 'int32' | 'bool';
}

export interface OpCase {
  name: string;
  fn: (...xs: sg.Tensor[]) => sg.Tensor;
  inputs: InputSpec[];
  /** Independent float64 reference of the forward value, elementwise over broadcast inputs. */
  elementwise?: (...v: number[]) => number;
  /** Independent float64 reference of a one-input op along its last axis: each row in, that row's outputs out. */
  lastAxis?: (row: number[]) => number[];
  /** Independent float64 reference of the whole forward value (ndReference.ts), for ops that are neither. */
  reference?: (...xs: nd.Arr[]) => nd.Arr;
  /** Skip the gradient check (the op is documented as non-differentiable). */
  noGrad?: boolean;
}

const f = (shape: number[], range?: [number, number], awayFromZero?: number): InputSpec => ({
  shape, ...(range ? { range } : {}), ...(awayFromZero ? { awayFromZero } : {}),
});
const int = (shape: number[], values: number[]): InputSpec => ({ shape, values, dtype: 'int32' });
const bool = (shape: number[], values: number[]): InputSpec => ({ shape, values, dtype: 'bool' });

const unaryShapes = [[1], [3, 17], [2, 3, 5]];
/** log Σ exp, written the textbook way in float64 around the row's max (an independent reference). */
const logSumExpRef = (r: number[]) => { const m = Math.max(...r); return m + Math.log(r.reduce((p, v) => p + Math.exp(v - m), 0)); };
const softmaxRef = (r: number[]) => { const l = logSumExpRef(r); return r.map((v) => Math.exp(v - l)); };
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function unaryCases(name: string, fn: (x: sg.Tensor) => sg.Tensor, ref: (x: number) => number, spec: Omit<InputSpec, 'shape'> = {}): OpCase[] {
  return unaryShapes.map((shape) => ({ name: `${name} [${shape}]`, fn, inputs: [{ shape, ...spec }], elementwise: ref }));
}

/** Broadcasting pairs: equal, both sides broadcast, trailing vector, scalar, size-1 axes, odd sizes. */
const binaryShapes: [number[], number[]][] = [
  [[3, 4], [3, 4]], [[3, 1], [1, 4]], [[2, 3, 4], [4]], [[], [3, 5]], [[17], [1]], [[2, 1, 3], [4, 1]],
];

function binaryCases(name: string, fn: (a: sg.Tensor, b: sg.Tensor) => sg.Tensor, ref: (a: number, b: number) => number,
  ra: [number, number] = [-2, 2], rb: [number, number] = [-2, 2]): OpCase[] {
  return binaryShapes.map(([a, b]) => ({ name: `${name} [${a}]·[${b}]`, fn, inputs: [f(a, ra), f(b, rb)], elementwise: ref }));
}

export const DIFFERENTIABLE_CASES: OpCase[] = [
  ...unaryCases('neg', sg.neg, (x) => -x),
  ...unaryCases('abs', sg.abs, Math.abs, { awayFromZero: 0.1 }),
  ...unaryCases('exp', sg.exp, Math.exp),
  ...unaryCases('expm1', sg.expm1, Math.expm1, { range: [-1e-3, 1e-3] }),
  ...unaryCases('expm1 wide', sg.expm1, Math.expm1),
  ...unaryCases('log', sg.log, Math.log, { range: [0.1, 3] }),
  ...unaryCases('log1p', sg.log1p, Math.log1p, { range: [-0.5, 3] }),
  ...unaryCases('sqrt', sg.sqrt, Math.sqrt, { range: [0.1, 3] }),
  ...unaryCases('sigmoid', sg.sigmoid, sigmoid, { range: [-8, 8] }),
  ...unaryCases('tanh', sg.tanh, Math.tanh),
  ...unaryCases('sin', sg.sin, Math.sin),
  ...unaryCases('cos', sg.cos, Math.cos),
  ...unaryCases('square', sg.square, (x) => x * x),
  ...unaryCases('relu', sg.relu, (x) => Math.max(x, 0), { awayFromZero: 0.1 }),
  ...unaryCases('powScalar 3', (x) => sg.powScalar(x, 3), (x) => x ** 3),
  ...unaryCases('powScalar 0.5', (x) => sg.powScalar(x, 0.5), Math.sqrt, { range: [0.1, 3] }),
  ...unaryCases('powScalar -1.5', (x) => sg.powScalar(x, -1.5), (x) => x ** -1.5, { range: [0.2, 3] }),
  ...binaryCases('add', sg.add, (a, b) => a + b),
  ...binaryCases('sub', sg.sub, (a, b) => a - b),
  ...binaryCases('mul', sg.mul, (a, b) => a * b),
  ...binaryCases('div', sg.div, (a, b) => a / b, [-2, 2], [0.5, 2]),
  ...binaryCases('maximum', sg.maximum, Math.max),
  ...binaryCases('minimum', sg.minimum, Math.min),
  ...binaryCases('pow', sg.pow, Math.pow, [0.2, 2], [-1.5, 1.5]),
  { name: 'add with a number', fn: (x) => sg.add(x, 2.5), inputs: [f([3, 4])], elementwise: (x) => x + 2.5 },
  { name: 'rsub via sub(number, x)', fn: (x) => sg.sub(1, x), inputs: [f([5])], elementwise: (x) => 1 - x },
  {
    name: 'where broadcast', fn: (c, a, b) => sg.where(c, a, b),
    inputs: [bool([3, 1], [1, 0, 1]), f([3, 4]), f([4])], elementwise: (c, a, b) => (c ? a : b),
  },
  {
    name: 'where full', fn: (c, a, b) => sg.where(c, a, b),
    inputs: [bool([2, 3], [1, 0, 0, 1, 1, 0]), f([2, 3]), f([2, 3])], elementwise: (c, a, b) => (c ? a : b),
  },

  // Reductions (keepDims both ways, single, multiple and all axes)
  { name: 'sum all', fn: (x) => sg.sum(x), inputs: [f([3, 4, 5])], reference: (x) => nd.reduce(x, 'sum') },
  { name: 'sum axis 0', fn: (x) => sg.sum(x, 0), inputs: [f([17, 3])], reference: (x) => nd.reduce(x, 'sum', 0) },
  { name: 'sum axes [0,2] keepDims', fn: (x) => sg.sum(x, [0, 2], true), inputs: [f([2, 3, 4])], reference: (x) => nd.reduce(x, 'sum', [0, 2], true) },
  { name: 'sum axis -1', fn: (x) => sg.sum(x, -1), inputs: [f([3, 65])], reference: (x) => nd.reduce(x, 'sum', -1) },
  { name: 'mean axis 1', fn: (x) => sg.mean(x, 1), inputs: [f([4, 7, 2])], reference: (x) => nd.reduce(x, 'mean', 1) },
  { name: 'mean all keepDims', fn: (x) => sg.mean(x, undefined, true), inputs: [f([3, 3])], reference: (x) => nd.reduce(x, 'mean', undefined, true) },
  { name: 'max axis 1', fn: (x) => sg.max(x, 1), inputs: [f([5, 9])], reference: (x) => nd.reduce(x, 'max', 1) },
  { name: 'max all', fn: (x) => sg.max(x), inputs: [f([4, 6])], reference: (x) => nd.reduce(x, 'max') },
  { name: 'max axes [0,2] keepDims', fn: (x) => sg.max(x, [0, 2], true), inputs: [f([3, 2, 4])], reference: (x) => nd.reduce(x, 'max', [0, 2], true) },
  { name: 'min axis 0', fn: (x) => sg.min(x, 0), inputs: [f([6, 3])], reference: (x) => nd.reduce(x, 'min', 0) },
  { name: 'logsumexp axis -1', fn: (x) => sg.logsumexp(x, -1), inputs: [f([4, 5], [-30, 30])], lastAxis: (r) => [logSumExpRef(r)] },
  // Stability: exp of these overflows float64 (and float32 far sooner); the ops subtract the row's max first.
  { name: 'logsumexp axis -1, |x| up to 1000', fn: (x) => sg.logsumexp(x, -1), inputs: [f([3, 4], [-1000, 1000])], lastAxis: (r) => [logSumExpRef(r)] },
  { name: 'logsumexp all keepDims', fn: (x) => sg.logsumexp(x, undefined, true), inputs: [f([3, 4])], reference: (x) => nd.reduce(x, 'logsumexp', undefined, true) },
  { name: 'softmax axis -1', fn: (x) => sg.softmax(x, -1), inputs: [f([4, 5], [-10, 10])], lastAxis: softmaxRef },
  { name: 'softmax axis -1, |x| up to 1000', fn: (x) => sg.softmax(x, -1), inputs: [f([3, 4], [-1000, 1000])], lastAxis: softmaxRef },
  { name: 'softmax axis 0', fn: (x) => sg.softmax(x, 0), inputs: [f([3, 2])], reference: (x) => nd.softmax(x, 0) },
  { name: 'logSoftmax', fn: (x) => sg.logSoftmax(x, 1), inputs: [f([3, 6])], lastAxis: (r) => r.map((v) => v - logSumExpRef(r)) },
  { name: 'logSoftmax, |x| up to 1000', fn: (x) => sg.logSoftmax(x, 1), inputs: [f([3, 6], [-1000, 1000])], lastAxis: (r) => r.map((v) => v - logSumExpRef(r)) },
  // cast is differentiable float → float (the gradient cast back); to an integer dtype it is forward only
  // (to the input's own float dtype: float64 in the gradient checks, float32 on WebGPU)
  { name: 'cast float → float', fn: (x) => sg.cast(x, x.dtype).mul(3), inputs: [f([3, 5])], elementwise: (v) => 3 * v },

  // Movement
  { name: 'reshape', fn: (x) => sg.reshape(x, [4, -1]), inputs: [f([2, 3, 2])], reference: (x) => nd.reshape(x, [4, -1]) },
  { name: 'permute [2,0,1]', fn: (x) => sg.permute(x, [2, 0, 1]), inputs: [f([2, 3, 4])], reference: (x) => nd.permute(x, [2, 0, 1]) },
  { name: 'transpose 2-D', fn: (x) => sg.transpose(x), inputs: [f([3, 17])], reference: (x) => nd.permute(x, [1, 0]) },
  { name: 'broadcastTo', fn: (x) => sg.broadcastTo(x, [2, 3, 4]), inputs: [f([3, 1])], reference: (x) => nd.broadcastTo(x, [2, 3, 4]) },
  { name: 'slice', fn: (x) => sg.slice(x, [1, 0, 2], [2, 3, -1]), inputs: [f([4, 3, 5])], reference: (x) => nd.slice(x, [1, 0, 2], [2, 3, -1]) },
  { name: 'pad', fn: (x) => sg.pad(x, [1, 0], [2, 3]), inputs: [f([2, 3])], reference: (x) => nd.pad(x, [1, 0], [2, 3]) },
  { name: 'concat axis 1', fn: (a, b, c) => sg.concat([a, b, c], 1), inputs: [f([2, 1, 3]), f([2, 4, 3]), f([2, 2, 3])], reference: (a, b, c) => nd.concat([a!, b!, c!], 1) },
  { name: 'concat axis 0', fn: (a, b) => sg.concat([a, b], 0), inputs: [f([3]), f([5])], reference: (a, b) => nd.concat([a!, b!], 0) },
  { name: 'stack axis 1', fn: (a, b) => sg.stack([a, b], 1), inputs: [f([3, 2]), f([3, 2])], reference: (a, b) => nd.stack([a!, b!], 1) },
  { name: 'index', fn: (x) => sg.index(x, -2, 1), // element −2 along axis 1
    inputs: [f([2, 5, 3])], reference: (x) => nd.index(x, 1, -2) },
  { name: 'expandDims + squeeze', fn: (x) => sg.squeeze(sg.expandDims(x, 1), 1), inputs: [f([3, 4])], reference: (x) => x },
  { name: 'gather axis 0 (repeats)', fn: (x, i) => sg.gather(x, i, 0), inputs: [f([5, 3]), int([4], [4, 0, 4, 2])], reference: (x, i) => nd.gather(x, i!, 0) },
  { name: 'gather axis 1 (2-D indices)', fn: (x, i) => sg.gather(x, i, 1), inputs: [f([2, 4, 3]), int([2, 2], [3, 1, 1, 0])], reference: (x, i) => nd.gather(x, i!, 1) },

  // Linear algebra
  { name: 'matmul [3,4]@[4,5]', fn: (a, b) => sg.matmul(a, b), inputs: [f([3, 4]), f([4, 5])], reference: (a, b) => nd.matmul(a, b!) },
  { name: 'matmul Aᵀ', fn: (a, b) => sg.matmul(a, b, { transposeA: true }), inputs: [f([4, 3]), f([4, 5])], reference: (a, b) => nd.matmul(a, b!, true) },
  { name: 'matmul Bᵀ', fn: (a, b) => sg.matmul(a, b, { transposeB: true }), inputs: [f([3, 4]), f([5, 4])], reference: (a, b) => nd.matmul(a, b!, false, true) },
  { name: 'matmul AᵀBᵀ', fn: (a, b) => sg.matmul(a, b, { transposeA: true, transposeB: true }), inputs: [f([4, 3]), f([5, 4])], reference: (a, b) => nd.matmul(a, b!, true, true) },
  { name: 'matmul batched', fn: (a, b) => sg.matmul(a, b), inputs: [f([2, 3, 4]), f([2, 4, 5])], reference: (a, b) => nd.matmul(a, b!) },
  { name: 'matmul broadcast batch', fn: (a, b) => sg.matmul(a, b), inputs: [f([2, 3, 4]), f([4, 5])], reference: (a, b) => nd.matmul(a, b!) },
  { name: 'matmul batch 1 vs 2', fn: (a, b) => sg.matmul(a, b, { transposeB: true }), inputs: [f([1, 3, 4]), f([2, 2, 4])], reference: (a, b) => nd.matmul(a, b!, false, true) },
  { name: 'matmul odd [17,1]@[1,3]', fn: (a, b) => sg.matmul(a, b), inputs: [f([17, 1]), f([1, 3])], reference: (a, b) => nd.matmul(a, b!) },
  { name: 'matmul tall-skinny [65,33]@[33,4]', fn: (a, b) => sg.matmul(a, b), inputs: [f([65, 33]), f([33, 4])], reference: (a, b) => nd.matmul(a, b!) },
  { name: 'matmul blocked [40,50]@[50,36]', fn: (a, b) => sg.matmul(a, b), inputs: [f([40, 50]), f([50, 36])], reference: (a, b) => nd.matmul(a, b!) },
  { name: 'linear [7,5]@[5,3]+[3]', fn: (x, w, b) => sg.linear(x, w, b), inputs: [f([7, 5]), f([5, 3]), f([3])], reference: (x, w, b) => nd.linear(x, w!, b!) },
  { name: 'linear thin [33,4]@[4,2]+[2]', fn: (x, w, b) => sg.linear(x, w, b), inputs: [f([33, 4]), f([4, 2]), f([2])], reference: (x, w, b) => nd.linear(x, w!, b!) },
  { name: 'linear blocked [40,50]@[50,36]+[36]', fn: (x, w, b) => sg.linear(x, w, b), inputs: [f([40, 50]), f([50, 36]), f([36])], reference: (x, w, b) => nd.linear(x, w!, b!) },
  // linear(x, W, b) = x·W + b (engine/opsLinear.ts), as nn.Linear runs it
  { name: 'linear [3,4]@[4,5]+[5]', fn: (x, w, b) => internal.runOp('linear', [x, w, b], {})[0]!, inputs: [f([3, 4]), f([4, 5]), f([5])], reference: (x, w, b) => nd.linear(x, w!, b!) },
  { name: 'linear odd [17,1]@[1,3]+[3]', fn: (x, w, b) => internal.runOp('linear', [x, w, b], {})[0]!, inputs: [f([17, 1]), f([1, 3]), f([3])], reference: (x, w, b) => nd.linear(x, w!, b!) },
  { name: 'linear tall-skinny [65,33]@[33,4]+[4]', fn: (x, w, b) => internal.runOp('linear', [x, w, b], {})[0]!, inputs: [f([65, 33]), f([33, 4]), f([4])], reference: (x, w, b) => nd.linear(x, w!, b!) },

  // Losses
  {
    name: 'softmaxCrossEntropy', fn: (z, y) => sg.softmaxCrossEntropy(z, y),
    inputs: [f([5, 3], [-4, 4]), int([5], [0, 2, 1, 1, 0])], reference: (z, y) => nd.softmaxCrossEntropy(z, y!),
  },
  {
    name: 'softmaxCrossEntropy large logits', fn: (z, y) => sg.mean(sg.softmaxCrossEntropy(z, y)),
    inputs: [f([4, 2], [-200, 200]), int([4], [1, 0, 1, 1])], reference: (z, y) => nd.reduce(nd.softmaxCrossEntropy(z, y!), 'mean'),
  },
];

/** Ops documented as non-differentiable: forward only. */
export const FORWARD_ONLY_CASES: OpCase[] = [
  { name: 'sign', fn: sg.sign, inputs: [f([3, 5], undefined, 0.1)], elementwise: Math.sign, noGrad: true },
  { name: 'floor', fn: sg.floor, inputs: [f([3, 5], [-5, 5])], elementwise: Math.floor, noGrad: true },
  ...(['lt', 'le', 'gt', 'ge', 'eq', 'ne'] as const).map((op): OpCase => ({
    name: op, fn: (a, b) => sg[op](a, b), inputs: [f([3, 4]), f([4])], noGrad: true,
    elementwise: { lt: (a: number, b: number) => +(a < b), le: (a: number, b: number) => +(a <= b), gt: (a: number, b: number) => +(a > b),
      ge: (a: number, b: number) => +(a >= b), eq: (a: number, b: number) => +(a === b), ne: (a: number, b: number) => +(a !== b) }[op],
  })),
  { name: 'argmax', fn: (x) => sg.argmax(x, 1), inputs: [f([4, 7])], noGrad: true, reference: (x) => nd.argmax(x, 1) },
  { name: 'cast float → int32 (truncates)', fn: (x) => sg.cast(x, 'int32'), inputs: [f([3, 5], [-5, 5])], elementwise: Math.trunc, noGrad: true },
  { name: 'oneHot', fn: (i) => sg.oneHot(i, 4), inputs: [int([5], [0, 3, 1, 7, -1])], noGrad: true, reference: (i) => nd.oneHot(i, 4) },
];
