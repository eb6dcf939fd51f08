/**
 * Every op's CPU kernel. Typed against the op table: an op without a kernel here fails `tsc`.
 * (reshape has none on any backend: it is metadata only, handled in engine/dispatch.ts.)
 */
import { neuronRunGradKernel, neuronRunKernel } from '../neuron/sequenceCpu.js';
import { recurrentRunGradKernel, recurrentRunKernel } from '../neuron/recurrentCpu.js';
import type { UpdateAttrs, UpdateName } from '../../engine/backend.js';
import { BINARY_OPS, UNARY_OPS, type BinaryOp, type OpAttrs, type OpName, type UnaryOp } from '../../engine/ops.js';
import { binaryKernel, castKernel, fillKernel, powScalarKernel, unaryKernel, whereKernel } from '../elementwise/cpu.js';
import { softmaxCrossEntropyGradKernel, softmaxCrossEntropyKernel } from '../loss/cpu.js';
import { linearKernel, matmulKernel } from '../matmul/cpu.js';
import { conv2dGradInputKernel, conv2dGradWeightKernel, conv2dKernel, maxPool2dGradKernel, maxPool2dKernel } from '../conv/cpu.js';
import { synapseRunGradKernel, synapseRunKernel } from '../synapse/sequenceCpu.js';
import { broadcastToKernel, concatKernel, gatherKernel, oneHotKernel, padKernel, permuteKernel, sliceKernel } from '../movement/cpu.js';
import { adamUpdateKernel, sgdUpdateKernel } from '../optim/cpu.js';
import { argmaxKernel, maxKernel, minKernel, sumKernel } from '../reduce/cpu.js';
import { spikeGradKernel, spikeKernel, surrogateFunKernel, surrogateGradKernel } from '../spike/cpu.js';
import type { CpuKernel, CpuUpdateKernel } from './types.js';

type KernelTable = { [K in Exclude<OpName, 'reshape'>]: CpuKernel<OpAttrs[K]> };

const elementwise = {
  ...Object.fromEntries(UNARY_OPS.map((op) => [op, unaryKernel(op)])),
  ...Object.fromEntries(BINARY_OPS.map((op) => [op, binaryKernel(op)])),
} as Record<UnaryOp | BinaryOp, CpuKernel<Record<string, never>>>;

export const CPU_KERNELS = {
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
  linear: linearKernel,
  conv2d: conv2dKernel,
  conv2dGradInput: conv2dGradInputKernel,
  conv2dGradWeight: conv2dGradWeightKernel,
  maxPool2d: maxPool2dKernel,
  maxPool2dGrad: maxPool2dGradKernel,
  softmaxCrossEntropy: softmaxCrossEntropyKernel,
  softmaxCrossEntropyGrad: softmaxCrossEntropyGradKernel,
  spike: spikeKernel,
  spikeGrad: spikeGradKernel,
  surrogateGrad: surrogateGradKernel,
  surrogateFun: surrogateFunKernel,
  neuronRun: neuronRunKernel,
  neuronRunGrad: neuronRunGradKernel,
  recurrentRun: recurrentRunKernel,
  recurrentRunGrad: recurrentRunGradKernel,
  synapseRun: synapseRunKernel,
  synapseRunGrad: synapseRunGradKernel,
} satisfies KernelTable;

export const CPU_UPDATES = {
  adam: adamUpdateKernel,
  sgd: sgdUpdateKernel,
} satisfies { [K in UpdateName]: CpuUpdateKernel<UpdateAttrs[K]> };
