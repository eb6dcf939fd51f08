/**
 * Convolutional layers over NCHW images (PyTorch's names and defaults): nn.Conv2d, nn.MaxPool2d,
 * nn.AvgPool2d, nn.BatchNorm2d, nn.Flatten and nn.Unflatten. Stateless in time, so sequence mode folds time
 * into the batch (SpikingJelly's multi-step mode): `run` on [T, B, C, H, W] is one op over T·B images (the
 * reshapes around it are free), and `update` on [B, C, H, W] is the same op on one step. They compose in
 * nn.Sequential with the spiking layers, which take [batch, size] (and [T, batch, size]): put an nn.Flatten
 * before a spiking layer and an nn.Unflatten([C, H, W]) after it to go back to images.
 *
 * Initialisation is PyTorch's (torch.nn.Conv2d.reset_parameters): weight and bias uniform in ±1/√fanIn with
 * fanIn = C/groups·KH·KW (kaiming_uniform with a = √5 gives exactly that bound). BrainPy's brainstate
 * Conv2d draws XavierNormal weights and zero biases and stores the kernel [KH, KW, C, O] (channels last);
 * pass wInit/bInit to match it (the weight's shape here is always PyTorch's [O, C/groups, KH, KW]).
 */
import { avgPool2d, conv2d, maxPool2d, mean, reshape, sqrt, type Size2 } from '../engine/api.js';
import { isFloat } from '../engine/dtype.js';
import { SpikegradError, describeValue, fmtShape } from '../engine/errors.js';
import { ParamState, RunningState } from '../engine/state.js';
import { noGrad } from '../engine/tape.js';
import { Tensor } from '../engine/tensor.js';
import type { FloatDType } from './expEuler.js';
import { Constant, Uniform, toInitializer, type InitLike } from './init.js';
import { checkSize } from './layer.js';
import { Module } from './module.js';

function pair(where: string, name: string, v: unknown, min: number): [number, number] {
  const p = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? v : null;
  if (!p || !p.every((e) => Number.isInteger(e) && e >= min)) {
    throw new SpikegradError(`${where}: argument '${name}' expected ${min === 0 ? 'a non-negative' : 'a positive'} integer or two of them [h, w], got ${describeValue(v)}`);
  }
  return p as [number, number];
}

/** Checks an image batch [B, C, H, W] (step) or sequence [T, B, C, H, W] (run) and gives it as [N, C, H, W]. */
function asImages(where: string, x: unknown, seq: boolean, channels?: number): { images: Tensor; lead: number[] } {
  const rank = seq ? 5 : 4;
  const want = seq ? '[T, batch, channels, height, width]' : '[batch, channels, height, width]';
  if (!(x instanceof Tensor) || !isFloat(x.dtype) || x.rank !== rank) {
    throw new SpikegradError(`${where}: argument '${seq ? 'xs' : 'x'}' expected a float tensor ${want}, got ${describeValue(x)}`);
  }
  if (channels !== undefined && x.shape[rank - 3] !== channels) {
    throw new SpikegradError(`${where}: argument '${seq ? 'xs' : 'x'}' expected ${channels} channels (axis ${rank - 3}), got ${x.dtype} ${fmtShape(x.shape)}`);
  }
  const lead = x.shape.slice(0, rank - 3);
  return { images: seq ? reshape(x, [-1, ...x.shape.slice(2)]) : x, lead };
}

const unfold = (y: Tensor, lead: number[]): Tensor => (lead.length === 2 ? reshape(y, [...lead, ...y.shape.slice(1)]) : y);

/** Options of `nn.Conv2d`: stride, padding, dilation, channel groups, weight and bias initializers (bInit null: no bias), precision. */
export interface Conv2dLayerOptions {
  stride?: Size2;
  padding?: Size2;
  dilation?: Size2;
  groups?: number;
  /** Weight initializer (default PyTorch's: Uniform(±1/√fanIn)). */
  wInit?: InitLike;
  /** Bias initializer (default PyTorch's: Uniform(±1/√fanIn)); null for no bias. */
  bInit?: InitLike | null;
  dtype?: FloatDType;
}

/** 2-D convolution, PyTorch's torch.nn.Conv2d: weight [O, C/groups, KH, KW], bias [O]. */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  readonly weight: ParamState;
  readonly bias: ParamState | undefined;

  constructor(inChannels: number, outChannels: number, kernelSize: Size2, opts: Conv2dLayerOptions = {}) {
    super();
    this.inChannels = checkSize('Conv2d', 'inChannels', inChannels);
    this.outChannels = checkSize('Conv2d', 'outChannels', outChannels);
    this.kernelSize = pair('Conv2d', 'kernelSize', kernelSize, 1);
    this.stride = pair('Conv2d', 'stride', opts.stride ?? 1, 1);
    this.padding = pair('Conv2d', 'padding', opts.padding ?? 0, 0);
    this.dilation = pair('Conv2d', 'dilation', opts.dilation ?? 1, 1);
    this.groups = checkSize('Conv2d', 'groups', opts.groups ?? 1);
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new SpikegradError(`Conv2d: argument 'groups' expected to divide inChannels (${inChannels}) and outChannels (${outChannels}), got ${this.groups}`);
    }
    const dtype = opts.dtype ?? 'float32';
    const fanIn = (inChannels / this.groups) * this.kernelSize[0] * this.kernelSize[1];
    const bound = 1 / Math.sqrt(fanIn);
    const torchInit = new Uniform({ low: -bound, high: bound });
    const wInit = toInitializer('Conv2d', 'wInit', opts.wInit ?? torchInit);
    this.weight = new ParamState(wInit.create([outChannels, inChannels / this.groups, ...this.kernelSize], { dtype, where: 'Conv2d', name: 'wInit' }), 'weight');
    if (opts.bInit !== null) {
      const bInit = toInitializer('Conv2d', 'bInit', opts.bInit ?? torchInit);
      this.bias = new ParamState(bInit.create([outChannels], { dtype, where: 'Conv2d', name: 'bInit' }), 'bias');
    } else this.bias = undefined;
  }

  /** x [B, C, H, W] → [B, O, OH, OW]. */
  update(x: Tensor): Tensor {
    return this.apply(x, false);
  }

  /** xs [T, B, C, H, W] → [T, B, O, OH, OW]: one convolution over the T·B images. */
  override run(xs: Tensor): Tensor {
    return this.apply(xs, true);
  }

  private apply(x: Tensor, seq: boolean): Tensor {
    const { images, lead } = asImages(`${this}.${seq ? 'run' : 'update'}`, x, seq, this.inChannels);
    const y = conv2d(images, this.weight.value, this.bias?.value ?? null, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
    return unfold(y, lead);
  }

  override toString(): string {
    const extra = [
      this.stride.some((s) => s !== 1) ? `stride=${this.stride}` : '', this.padding.some((s) => s !== 0) ? `padding=${this.padding}` : '',
      this.dilation.some((s) => s !== 1) ? `dilation=${this.dilation}` : '', this.groups !== 1 ? `groups=${this.groups}` : '', this.bias ? '' : 'no bias',
    ].filter(Boolean);
    return `Conv2d(${this.inChannels}→${this.outChannels}, ${this.kernelSize.join('×')}${extra.length ? `, ${extra.join(', ')}` : ''})`;
  }
}

/** Options of the pooling layers (`nn.MaxPool2d`, `nn.AvgPool2d`): stride and padding. */
export interface Pool2dLayerOptions {
  /** Default: the kernel size. */
  stride?: Size2;
  padding?: Size2;
}

/** Max pooling, PyTorch's torch.nn.MaxPool2d (floor mode). */
export class MaxPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];

  constructor(kernelSize: Size2, opts: Pool2dLayerOptions & { dilation?: Size2 } = {}) {
    super();
    this.kernelSize = pair('MaxPool2d', 'kernelSize', kernelSize, 1);
    this.stride = pair('MaxPool2d', 'stride', opts.stride ?? this.kernelSize, 1);
    this.padding = pair('MaxPool2d', 'padding', opts.padding ?? 0, 0);
    this.dilation = pair('MaxPool2d', 'dilation', opts.dilation ?? 1, 1);
  }
  update(x: Tensor): Tensor {
    const { images, lead } = asImages(`${this}.update`, x, false);
    return unfold(maxPool2d(images, this.kernelSize, { stride: this.stride, padding: this.padding, dilation: this.dilation }), lead);
  }
  override run(xs: Tensor): Tensor {
    const { images, lead } = asImages(`${this}.run`, xs, true);
    return unfold(maxPool2d(images, this.kernelSize, { stride: this.stride, padding: this.padding, dilation: this.dilation }), lead);
  }
  override toString(): string {
    return `MaxPool2d(${this.kernelSize.join("×")}, stride ${this.stride.join("×")})`;
  }
}

/** Average pooling, PyTorch's torch.nn.AvgPool2d (count_include_pad = true, floor mode). */
export class AvgPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];

  constructor(kernelSize: Size2, opts: Pool2dLayerOptions = {}) {
    super();
    this.kernelSize = pair('AvgPool2d', 'kernelSize', kernelSize, 1);
    this.stride = pair('AvgPool2d', 'stride', opts.stride ?? this.kernelSize, 1);
    this.padding = pair('AvgPool2d', 'padding', opts.padding ?? 0, 0);
  }
  update(x: Tensor): Tensor {
    const { images, lead } = asImages(`${this}.update`, x, false);
    return unfold(avgPool2d(images, this.kernelSize, { stride: this.stride, padding: this.padding }), lead);
  }
  override run(xs: Tensor): Tensor {
    const { images, lead } = asImages(`${this}.run`, xs, true);
    return unfold(avgPool2d(images, this.kernelSize, { stride: this.stride, padding: this.padding }), lead);
  }
  override toString(): string {
    return `AvgPool2d(${this.kernelSize.join("×")}, stride ${this.stride.join("×")})`;
  }
}

/** [B, C, H, W] → [B, C·H·W] (step) and [T, B, C, H, W] → [T, B, C·H·W] (run): images to spiking layers. */
export class Flatten extends Module {
  update(x: Tensor): Tensor {
    if (!(x instanceof Tensor) || x.rank < 2) throw new SpikegradError(`Flatten.update: argument 'x' expected a tensor [batch, ...], got ${describeValue(x)}`);
    return reshape(x, [x.shape[0]!, -1]);
  }
  override run(xs: Tensor): Tensor {
    if (!(xs instanceof Tensor) || xs.rank < 3) throw new SpikegradError(`Flatten.run: argument 'xs' expected a tensor [T, batch, ...], got ${describeValue(xs)}`);
    return reshape(xs, [xs.shape[0]!, xs.shape[1]!, -1]);
  }
}

/** [B, C·H·W] → [B, C, H, W] (step) and [T, B, C·H·W] → [T, B, C, H, W] (run): spiking layers back to images. */
export class Unflatten extends Module {
  readonly shape: number[];
  constructor(shape: readonly number[]) {
    super();
    if (!Array.isArray(shape) || shape.length === 0) throw new SpikegradError(`Unflatten: argument 'shape' expected a non-empty array such as [C, H, W], got ${describeValue(shape)}`);
    this.shape = shape.map((d, i) => checkSize('Unflatten', `shape[${i}]`, d));
  }
  private check(x: unknown, rank: number, method: string): Tensor {
    const n = this.shape.reduce((p, d) => p * d, 1);
    if (!(x instanceof Tensor) || x.rank !== rank || x.shape.at(-1) !== n) {
      throw new SpikegradError(`Unflatten.${method}: argument 'x' expected a tensor [${rank === 3 ? 'T, ' : ''}batch, ${n}], got ${describeValue(x)}`);
    }
    return x;
  }
  update(x: Tensor): Tensor {
    return reshape(this.check(x, 2, 'update'), [x.shape[0]!, ...this.shape]);
  }
  override run(xs: Tensor): Tensor {
    return reshape(this.check(xs, 3, 'run'), [xs.shape[0]!, xs.shape[1]!, ...this.shape]);
  }
  override toString(): string {
    return `Unflatten([${this.shape.join(', ')}])`;
  }
}

export { RunningState };

/** Options of `nn.BatchNorm2d`: epsilon, momentum of the running statistics, a learned scale and shift, precision. */
export interface BatchNorm2dOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Weight of the newest batch in the running statistics (default 0.1). */
  momentum?: number;
  /** Learn a per-channel scale (init 1) and shift (init 0) (default true). */
  affine?: boolean;
  dtype?: FloatDType;
}

/**
 * Batch normalisation over the channels of NCHW images, PyTorch's torch.nn.BatchNorm2d: in training mode
 * each channel is normalised by the mean and (biased) variance over the batch and the pixels — in sequence
 * mode over all T·B images at once, as SpikingJelly's multi-step CSNN does — and the running statistics move
 * toward them (the unbiased variance, as PyTorch); in evaluation mode (`nn.setTraining(net, false)`) the
 * running statistics are used. The running statistics are RunningStates, read with `net.states(RunningState)`;
 * `net.stateDict()`, io.save and io.saveCheckpoint hold them beside the parameters, so a model saved while
 * training normalises the same way once loaded for evaluation.
 */
export class BatchNorm2d extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number;
  /** Training mode (default true); nn.setTraining switches it for every layer of a network. */
  training = true;
  readonly weight: ParamState | undefined;
  readonly bias: ParamState | undefined;
  readonly runningMean: RunningState;
  readonly runningVar: RunningState;

  constructor(numFeatures: number, opts: BatchNorm2dOptions = {}) {
    super();
    this.numFeatures = checkSize('BatchNorm2d', 'numFeatures', numFeatures);
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    if (!(this.eps > 0)) throw new SpikegradError(`BatchNorm2d: argument 'eps' expected a positive number, got ${describeValue(opts.eps)}`);
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new SpikegradError(`BatchNorm2d: argument 'momentum' expected a number in [0, 1], got ${describeValue(opts.momentum)}`);
    const dtype = opts.dtype ?? 'float32';
    const shape = [numFeatures];
    const make = (v: number, name: string) => new Constant(v).create(shape, { dtype, where: 'BatchNorm2d', name });
    if (opts.affine ?? true) {
      this.weight = new ParamState(make(1, 'weight'), 'weight');
      this.bias = new ParamState(make(0, 'bias'), 'bias');
    }
    this.runningMean = new RunningState(make(0, 'runningMean'), 'runningMean');
    this.runningVar = new RunningState(make(1, 'runningVar'), 'runningVar');
  }

  update(x: Tensor): Tensor {
    return this.apply(x, false);
  }
  override run(xs: Tensor): Tensor {
    return this.apply(xs, true);
  }

  private apply(x: Tensor, seq: boolean): Tensor {
    const { images, lead } = asImages(`${this}.${seq ? 'run' : 'update'}`, x, seq, this.numFeatures);
    const C = this.numFeatures;
    const bc = (t: Tensor) => reshape(t, [1, C, 1, 1]);
    let mu: Tensor, v: Tensor;
    if (this.training) {
      mu = mean(images, [0, 2, 3], true);
      const centred = images.sub(mu);
      v = mean(centred.mul(centred), [0, 2, 3], true);
      const count = images.size / C;
      if (count < 2) throw new SpikegradError(`${this}: training mode needs more than one value per channel, got input ${fmtShape(x.shape)}`);
      noGrad(() => {
        const m = this.momentum;
        this.runningMean.value = this.runningMean.value.mul(1 - m).add(reshape(mu, [C]).mul(m));
        this.runningVar.value = this.runningVar.value.mul(1 - m).add(reshape(v, [C]).mul(m * count / (count - 1)));
      });
    } else {
      mu = bc(this.runningMean.value);
      v = bc(this.runningVar.value);
    }
    let y = images.sub(mu).div(sqrt(v.add(this.eps)));
    if (this.weight && this.bias) y = y.mul(bc(this.weight.value)).add(bc(this.bias.value));
    return unfold(y, lead);
  }

  override toString(): string {
    return `BatchNorm2d(${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}${this.weight ? '' : ', affine=false'})`;
  }
}

/**
 * Switches every layer of `net` that has a training mode (nn.BatchNorm2d) to training (true) or evaluation
 * (false), PyTorch's net.train() / net.eval().
 * @example nn.setTraining(net, false); const out = net.run(xs); nn.setTraining(net, true);
 */
export function setTraining<M extends Module>(net: M, training: boolean): M {
  if (!(net instanceof Module)) throw new SpikegradError(`setTraining: argument 'net' expected an nn.Module, got ${describeValue(net)}`);
  if (typeof training !== 'boolean') throw new SpikegradError(`setTraining: argument 'training' expected true or false, got ${describeValue(training)}`);
  for (const m of [net, ...Object.values(net.modules())]) if (m instanceof BatchNorm2d) m.training = training;
  return net;
}
