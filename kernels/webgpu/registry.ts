/**
 * Every op's WebGPU kernel, typed against the op table: an op without a kernel here fails `tsc`
 * (reshape has none on any backend: it is metadata only, handled in engine/dispatch.ts).
 */
import { neuronRunGpu, neuronRunGradGpu } from '../neuron/sequenceWebgpu.js';
import { recurrentRunGpu, recurrentRunGradGpu } from '../neuron/recurrentWebgpu.js';
import type { UpdateAttrs, UpdateName } from '../../engine/backend.js';
import { BINARY_OPS, UNARY_OPS, type BinaryOp, type OpAttrs, type OpName, type UnaryOp } from '../../engine/ops.js';
import { binaryKernel, castKernel, fillKernel, powScalarKernel, unaryKernel, whereKernel } from '../elementwise/webgpu.js';
import { softmaxCrossEntropyGradKernel, softmaxCrossEntropyKernel } from '../loss/webgpu.js';
import { matmulKernel } from '../matmul/webgpu.js';
import { linearGpu } from '../matmul/linearWebgpu.js';
import { conv2dGpu, conv2dGradInputGpu, conv2dGradWeightGpu, maxPool2dGpu, maxPool2dGradGpu } from '../conv/webgpu.js';
import { synapseRunGpu, synapseRunGradGpu } from '../synapse/sequenceWebgpu.js';
import { broadcastToKernel, concatKernel, gatherKernel, oneHotKernel, padKernel, permuteKernel, sliceKernel } from '../movement/webgpu.js';
import { adamUpdateKernel, sgdUpdateKernel } from '../optim/webgpu.js';
import { argmaxKernel, maxKernel, minKernel, sumKernel } from '../reduce/webgpu.js';
import { spikeGradKernel, spikeKernel, surrogateFunKernel, surrogateGradKernel } from '../spike/webgpu.js';
import type { GpuKernel, GpuUpdateKernel } from './types.js';
type KernelTable = { [K in Exclude<OpName, 'reshape'>]: GpuKernel<OpAttrs[K]> };

const elementwise = {
  ...Object.fromEntries(UNARY_OPS.map((op) => [op, unaryKernel(op)])),
  ...Object.fromEntries(BINARY_OPS.map((op) => [op, binaryKernel(op)])),
} as Record<UnaryOp | BinaryOp, GpuKernel<Record<string, never>>>;

export const WEBGPU_KERNELS = {
  ...elementwise,
  powScalar: powScalarKernel,
  cast: castKernel,
  where: whereKernel,
  fill: fillKernel,
  sum: sumKernel,
  max: maxKernel,
  min: minKernel,
  argmax: argmaxKernel,
  permute: permuteKernel,
  broadcastTo: broadcastToKernel,
  slice: sliceKernel,
  pad: padKernel,
  concat: concatKernel,
  gather: gatherKernel,
  oneHot: oneHotKernel,
  matmul: matmulKernel,
  linear: linearGpu,
  conv2d: conv2dGpu,
  conv2dGradInput: conv2dGradInputGpu,
  conv2dGradWeight: conv2dGradWeightGpu,
  maxPool2d: maxPool2dGpu,
  maxPool2dGrad: maxPool2dGradGpu,
  softmaxCrossEntropy: softmaxCrossEntropyKernel,
  softmaxCrossEntropyGrad: softmaxCrossEntropyGradKernel,
  spike: spikeKernel,
  spikeGrad: spikeGradKernel,
  surrogateGrad: surrogateGradKernel,
  surrogateFun: surrogateFunKernel,
  neuronRun: neuronRunGpu,
  neuronRunGrad: neuronRunGradGpu,
  recurrentRun: recurrentRunGpu,
  recurrentRunGrad: recurrentRunGradGpu,
  synapseRun: synapseRunGpu,
  synapseRunGrad: synapseRunGradGpu,
} satisfies KernelTable;

export const WEBGPU_UPDATES = {
  adam: adamUpdateKernel,
  sgd: sgdUpdateKernel,
} satisfies { [K in UpdateName]: GpuUpdateKernel<UpdateAttrs[K]> };
