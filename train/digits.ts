/**
 * The digit classifier (issue 13): a feed-forward SNN 784 → hidden LIF → 10 trained with Adam on data.digits()
 * (or data.fashion()), inputs rate- or latency-coded over T steps, in sequence mode (each layer's `run`: one
 * matmul or fused kernel per layer, forward and backward). What `spikegrad train digits` and
 * examples/digits.ts run.
 *
 * The neurons are snnTorch's Leaky(beta = 0.95) in brainpy.state's terms: nn.LIF with τ = −dt/ln β (19.5 ms at
 * dt = 1 ms) and R = 1/(1 − β) = 20 Ω, so that V ← βV + I as in snnTorch; threshold 1, soft reset with the
 * reset detached (snnTorch's default), the arctan surrogate of snnTorch (surrogate.atan(), α = 2).
 * The output layer is a LIF layer for the count losses and a leaky readout (nn.LeakyRateReadout, the
 * "membrane") for the membrane losses.
 *
 * With `sequential` ('rows' or 'pixels') the image is instead a time series fed to a recurrent network
 * (sequential MNIST, issue 14): row by row (T = 28 steps of 28 inputs) or pixel by pixel (T = 784 steps of one
 * input), the intensities as input currents (data.imageSequence), into nn.Recurrent over LIF or ALIF neurons
 * (DigitsRSNN), with the same readouts and losses.
 *
 * Per epoch: the mean training loss, the training accuracy (counted on the training batches as they are
 * trained), the test accuracy (a forward pass over the held-out set) and, for spiking outputs, the test
 * accuracy by first spike. At the end: the test set's confusion matrix.
 */
import { argmax, cast, max, mean, relu, sum, tensor } from '../engine/api.js';
import { getBackend, withBackend } from '../engine/backends.js';
import { context as envContext } from '../engine/environ.js';
import { SpikegradError } from '../engine/errors.js';
import { Generator } from '../engine/random.js';
import * as random from '../engine/random.js';
import { dispose, keep, tidy } from '../engine/scope.js';
import { ParamState } from '../engine/state.js';
import { noGrad } from '../engine/tape.js';
import type { Tensor } from '../engine/tensor.js';
import { grad, jit } from '../engine/transform.js';
import { randomShift } from '../data/augment.js';
import { readDigitsCheckpoint, restoreDigitsCheckpoint, saveDigitsCheckpoint, type DigitsResumePoint } from './digitsCheckpoint.js';
import { ArrayDataset } from '../data/dataset.js';
import { SEQUENCE_ORDERS, imageSequence, sequenceShape, type SequenceOrder } from '../data/sequence.js';
import { digits, fashion, type ImageSets } from '../data/images.js';
import { DataLoader } from '../data/loader.js';
import * as nn from '../nn/index.js';
import { KaimingUniform } from '../nn/init.js';
import { Adam } from '../optim/adam.js';
import { cosineLR } from '../optim/schedule.js';
import { softmaxCrossEntropyWithIntegerLabels } from '../optim/metric.js';
import {
  ceCountLoss, ceMaxMembraneLoss, ceMeanMembraneLoss, ceRateLoss, confusionMatrix, mseCountLoss, predictByCount, predictByFirstSpike,
} from '../optim/spikeMetric.js';
import { atan } from '../surrogate/aliases.js';
import { latency, rateArray } from '../spikegen/index.js';
import { DigitsCSNN } from './csnn.js';
import * as u from '../units/index.js';

export const LOSSES = ['ce-count', 'ce-rate', 'mse-count', 'ce-max-membrane', 'ce-mean-membrane'] as const;
export type DigitsLoss = (typeof LOSSES)[number];
/** 'direct' (for --model csnn): the analog pixels at every step, SpikingJelly's CSNN encoding (the first layer encodes). */
export const ENCODERS = ['rate', 'latency', 'direct'] as const;
export type DigitsEncoder = (typeof ENCODERS)[number];
export const MODELS = ['snn', 'mlp', 'csnn'] as const;
/** The neurons of the recurrent network of a `sequential` run: LIF, or ALIF (adaptive threshold, the LSNN's). */
export const SEQUENTIAL_NEURONS = ['lif', 'alif'] as const;
export type SequentialNeuron = (typeof SEQUENTIAL_NEURONS)[number];

export interface DigitsConfig {
  dataset: 'digits' | 'fashion';
  /**
   * 'snn' (default), 'mlp': the same layer sizes, ReLU, on the raw pixels (no time axis), for scale, or 'csnn':
   * the convolutional SNN of train/csnn.ts (snnTorch's tutorial 7, 12C5-MP2-64C5-MP2-FC10; `hidden` unused).
   */
  model: (typeof MODELS)[number];
  hidden: number;
  steps: number;
  epochs: number;
  batch: number;
  lr: number;
  encoder: DigitsEncoder;
  loss: DigitsLoss;
  seed: number;
  /** snnTorch's β of the LIF layers (τ = −dt/ln β, R = 1/(1 − β)). */
  beta: number;
  /** Learning rate over the run: 'constant', or 'cosine' (from lr down to 0 at the last step). */
  schedule: 'constant' | 'cosine';
  /**
   * Augmentation: each training image moved by up to `shift` pixels along each axis (data.randomShift, a
   * fresh draw per image and epoch); 0 trains on the images as they are. The test images are never shifted.
   */
  shift: number;
  /** Use only the first n training / test images of each class (quick runs, tests). */
  trainPerClass?: number;
  testPerClass?: number;
  cacheDir?: string;
  /** --model csnn: the channels of its two convolutions (default [12, 64]). */
  channels?: [number, number];
  /**
   * Sequential digits: feed each image to a recurrent SNN (DigitsRSNN) one row per step ('rows': T = the
   * image's height, its width as inputs) or one pixel per step ('pixels': T = its pixel count, 1 input), the
   * intensities as input currents. Needs model 'snn' and encoder 'direct'; `steps` is not used (T is the
   * image's). Unset: the feed-forward SNN.
   */
  sequential?: SequenceOrder;
  /** The recurrent network's neurons with `sequential` (default 'lif'). */
  neuron?: SequentialNeuron;
}

export const DIGITS_DEFAULTS: DigitsConfig = {
  dataset: 'digits', model: 'snn', hidden: 128, steps: 25, epochs: 10, batch: 128, lr: 2e-3,
  encoder: 'rate', loss: 'ce-mean-membrane', seed: 0, beta: 0.95, schedule: 'constant', shift: 2,
};

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testAccuracy: number;
  /** Spiking outputs: test accuracy when the class that spikes first wins. */
  testAccuracyFirstSpike: number | null;
  /** Wall time of the epoch's training (without the test pass). */
  trainMs: number;
  testMs: number;
}

export interface DigitsResult {
  config: DigitsConfig;
  backend: string;
  trainSize: number;
  testSize: number;
  epochs: EpochRecord[];
  /** Test set, after the last epoch: rows true class, columns predicted. */
  confusion: number[][];
  classNames: readonly string[];
  cacheFile: string | null;
  wallMs: number;
}

export interface DigitsHooks {
  /** Before the first epoch: the data is loaded and checked. */
  onStart?(info: { train: number; test: number; batches: number; cacheFile: string | null }): void;
  onBatch?(epoch: number, batch: number, batches: number, loss: number): void;
  onEpoch?(r: EpochRecord): void;
}

export interface DigitsRunOptions extends DigitsHooks {
  /** Node: write a checkpoint to this file after each epoch (atomically; see train/digitsCheckpoint.ts). */
  save?: string;
  /** Node: continue the run a checkpoint holds (a path, or what readDigitsCheckpoint returned). */
  resume?: string | DigitsResumePoint;
}

/** Checks a full configuration: a SpikegradError naming the first bad argument, before any work. */
export function checkDigitsConfig(c: DigitsConfig): void {
  const fn = 'trainDigits';
  const posInt = (name: keyof DigitsConfig, v: unknown) => {
    if (!Number.isInteger(v) || (v as number) < 1) throw new SpikegradError(`${fn}: argument '${name}' expected a positive integer, got ${String(v)}`);
  };
  (['hidden', 'steps', 'epochs', 'batch'] as const).forEach((k) => posInt(k, c[k]));
  if (!(c.lr > 0 && Number.isFinite(c.lr))) throw new SpikegradError(`${fn}: argument 'lr' expected a positive number, got ${c.lr}`);
  if (!(c.beta > 0 && c.beta < 1)) throw new SpikegradError(`${fn}: argument 'beta' expected a number in (0, 1), got ${c.beta}`);
  if (!LOSSES.includes(c.loss)) throw new SpikegradError(`${fn}: argument 'loss' expected one of ${LOSSES.join(', ')}, got '${c.loss}'`);
  if (!ENCODERS.includes(c.encoder)) throw new SpikegradError(`${fn}: argument 'encoder' expected one of ${ENCODERS.join(', ')}, got '${c.encoder}'`);
  if (!MODELS.includes(c.model)) throw new SpikegradError(`${fn}: argument 'model' expected one of ${MODELS.join(', ')}, got '${c.model}'`);
  if (c.schedule !== 'constant' && c.schedule !== 'cosine') throw new SpikegradError(`${fn}: argument 'schedule' expected 'constant' or 'cosine', got '${String(c.schedule)}'`);
  if (!Number.isInteger(c.shift) || c.shift < 0 || c.shift > 8) throw new SpikegradError(`${fn}: argument 'shift' expected an integer from 0 to 8 (pixels), got ${String(c.shift)}`);
  if (!Number.isInteger(c.seed)) throw new SpikegradError(`${fn}: argument 'seed' expected an integer, got ${c.seed}`);
  if (c.sequential !== undefined) {
    if (!SEQUENCE_ORDERS.includes(c.sequential)) throw new SpikegradError(`${fn}: argument 'sequential' expected 'rows' or 'pixels', got ${JSON.stringify(c.sequential)}`);
    if (c.model !== 'snn') throw new SpikegradError(`${fn}: argument 'sequential' ('${c.sequential}') trains the recurrent SNN and expected model 'snn', got model '${c.model}'`);
    // Each pixel is seen at one step only: its intensity is the input current (a rate code would keep one
    // Bernoulli draw of it, a latency code has no time axis of its own to use).
    if (c.encoder !== 'direct') throw new SpikegradError(`${fn}: argument 'encoder' expected 'direct' with sequential '${c.sequential}' (each pixel is one step's input current), got '${c.encoder}'`);
  }
  if (c.neuron !== undefined) {
    if (!SEQUENTIAL_NEURONS.includes(c.neuron)) throw new SpikegradError(`${fn}: argument 'neuron' expected one of ${SEQUENTIAL_NEURONS.join(', ')}, got ${JSON.stringify(c.neuron)}`);
    if (c.neuron !== 'lif' && c.sequential === undefined) throw new SpikegradError(`${fn}: argument 'neuron' '${c.neuron}' is for the recurrent network of a sequential run; without 'sequential' the SNN is LIF`);
  }
  if (c.trainPerClass !== undefined) posInt('trainPerClass', c.trainPerClass);
  if (c.testPerClass !== undefined) posInt('testPerClass', c.testPerClass);
}

const isMembraneLoss = (l: DigitsLoss) => l === 'ce-max-membrane' || l === 'ce-mean-membrane';

/** snnTorch's Leaky(beta) as nn.LIF options at dt = 1 ms: τ = −1/ln β, R = 1/(1 − β), threshold 1, soft reset detached, arctan surrogate. */
function leakyOptions(beta: number) {
  return { tau: u.ms(-1 / Math.log(beta)), R: u.ohm(1 / (1 - beta)), VTh: u.mV(1), VReset: u.mV(0), spkFun: atan(), detachReset: true };
}

/** The output layers of the digits SNNs: a leaky readout (membrane losses), or Linear → LIF (count losses). */
function outputLayers(hidden: number, classes: number, beta: number, readout: boolean): { fc2: nn.Linear | null; out: nn.LIF | nn.LeakyRateReadout } {
  return readout
    ? { fc2: null, out: new nn.LeakyRateReadout(hidden, classes, { tau: u.ms(-1 / Math.log(beta)) }) }
    : { fc2: new nn.Linear(hidden, classes), out: new nn.LIF(classes, leakyOptions(beta)) };
}

/** The SNN: Linear → LIF → Linear → LIF (count losses) or LeakyRateReadout (membrane losses). */
export class DigitsSNN extends nn.Module {
  fc1: nn.Linear;
  lif1: nn.LIF;
  fc2: nn.Linear | null;
  out: nn.LIF | nn.LeakyRateReadout;

  constructor(nIn: number, hidden: number, classes: number, opts: { beta: number; readout: boolean }) {
    super();
    this.fc1 = new nn.Linear(nIn, hidden);
    this.lif1 = new nn.LIF(hidden, leakyOptions(opts.beta));
    ({ fc2: this.fc2, out: this.out } = outputLayers(hidden, classes, opts.beta, opts.readout));
  }

  update(x: Tensor): Tensor {
    const h = this.lif1.update(this.fc1.update(x));
    return this.out.update(this.fc2 ? this.fc2.update(h) : h);
  }

  /** xs [T, B, 784] → output sequence [T, B, classes] (spikes, or the readout's membrane). */
  override run(xs: Tensor): Tensor {
    const h = this.lif1.run(this.fc1.run(xs));
    return this.out.run(this.fc2 ? this.fc2.run(h) : h);
  }
}

/**
 * The recurrent SNN of sequential digits: nn.Recurrent(inputs → hidden, LIF or ALIF) → the output layers of
 * DigitsSNN. The LIF neurons are DigitsSNN's (snnTorch's Leaky(β)); the ALIF neurons have the same membrane
 * and an adaptive threshold 1 mV + 0.5 mV·a, with a += 1 per spike decaying with τ_a = the sequence's length
 * (LSNN, Bellec et al. 2018: an adaptation time constant of the order of the task's duration, so that the
 * threshold carries what a neuron did earlier in the sequence).
 */
export class DigitsRSNN extends nn.Module {
  rec: nn.Recurrent<nn.LIF | nn.ALIF>;
  fc2: nn.Linear | null;
  out: nn.LIF | nn.LeakyRateReadout;

  /** `inputs` per step, `hidden` recurrent neurons, `classes` outputs; `steps` (T) sets the ALIF's τ_a. */
  constructor(inputs: number, hidden: number, classes: number, opts: { beta: number; readout: boolean; neuron: SequentialNeuron; steps: number }) {
    super();
    const lif = leakyOptions(opts.beta);
    const neuron = opts.neuron === 'alif' ? new nn.ALIF(hidden, { ...lif, tauA: u.ms(opts.steps), beta: u.mV(0.5) }) : new nn.LIF(hidden, lif);
    // W_in ~ U(±3/√inputs), three times PyTorch's default: a row of 28 pixels has few bright ones, and at the
    // default bound the hidden layer starts near 5 % activity and trained slower (bench/RESULTS.md,
    // "Sequential digits"). KaimingUniform's bound is √(3·scale/fan_in).
    this.rec = new nn.Recurrent(inputs, neuron, { wInit: new KaimingUniform({ scale: 3 }) });
    ({ fc2: this.fc2, out: this.out } = outputLayers(hidden, classes, opts.beta, opts.readout));
  }

  update(x: Tensor): Tensor {
    const h = this.rec.update(x);
    return this.out.update(this.fc2 ? this.fc2.update(h) : h);
  }

  /** xs [T, B, inputs] → output sequence [T, B, classes] (spikes, or the readout's membrane). */
  override run(xs: Tensor): Tensor {
    const h = this.rec.run(xs);
    return this.out.run(this.fc2 ? this.fc2.run(h) : h);
  }
}

/** The non-spiking MLP of the same sizes, for scale. */
export class DigitsMLP extends nn.Module {
  fc1: nn.Linear;
  fc2: nn.Linear;
  constructor(nIn: number, hidden: number, classes: number) {
    super();
    this.fc1 = new nn.Linear(nIn, hidden);
    this.fc2 = new nn.Linear(hidden, classes);
  }
  update(x: Tensor): Tensor {
    return this.fc2.update(relu(this.fc1.update(x)));
  }
}

function lossOf(c: DigitsConfig, out: Tensor, y: Tensor): Tensor {
  switch (c.loss) {
    case 'ce-count': return ceCountLoss(out, y);
    case 'ce-rate': return ceRateLoss(out, y);
    case 'mse-count': return mseCountLoss(out, y, { correctRate: 0.8, incorrectRate: 0.2 });
    case 'ce-max-membrane': return ceMaxMembraneLoss(out, y);
    case 'ce-mean-membrane': return ceMeanMembraneLoss(out, y);
  }
}

/** Predicted classes of an output sequence (or of MLP logits). */
function predict(c: DigitsConfig, out: Tensor): Tensor {
  if (c.model === 'mlp') return argmax(out, -1);
  if (c.loss === 'ce-max-membrane') return argmax(max(out, 0), -1);
  if (c.loss === 'ce-mean-membrane') return argmax(mean(out, 0), -1);
  return predictByCount(out);
}

/** Loads the images (data.digits or data.fashion) and takes the per-class subsets the config asks for. */
export async function loadDigitsData(c: Pick<DigitsConfig, 'dataset' | 'seed' | 'trainPerClass' | 'testPerClass' | 'cacheDir'>): Promise<ImageSets> {
  const load = c.dataset === 'fashion' ? fashion : digits;
  const sets = await load({ ...(c.cacheDir ? { cacheDir: c.cacheDir } : {}) });
  return {
    ...sets,
    train: c.trainPerClass ? sets.train.perClass(c.trainPerClass) : sets.train,
    test: c.testPerClass ? sets.test.perClass(c.testPerClass) : sets.test,
  };
}

export interface DigitsTrainer {
  config: DigitsConfig;
  /** The network being trained (to save it: io.save(trainer.net, file)). */
  net: nn.Module;
  optimizer: Adam;
  /** The generators a run draws from besides the default one (by name, as a checkpoint saves them). */
  generators: Record<'encoder' | 'augment', Generator>;
  trainLoader: DataLoader;
  testLoader: DataLoader;
  /** One training step on a batch: [loss, correct predictions] (the second kept: dispose both after reading). */
  step(x: Tensor, y: Tensor): [Tensor, Tensor];
  /** Test accuracy (and by first spike, for spiking outputs) and the confusion matrix [C·C], row-major. */
  evaluate(): Promise<{ acc: number; accFirst: number | null; confusion: Float32Array }>;
  /** One epoch of training, synchronously, without reading anything back (the benchmark's unit of work). */
  epochSync(epoch: number): void;
  dispose(): void;
}

/**
 * Builds the network, optimizer and loaders for `train` and `test` on the current backend (with dt = 1 ms).
 * Call it inside environ.context({ dt: u.ms(1) }) when stepping in step mode; sequence mode reads dt at
 * construction and in each `run`.
 */
export function createDigitsTrainer(partial: Partial<DigitsConfig>, train: ArrayDataset, test: ArrayDataset): DigitsTrainer {
  const c: DigitsConfig = { ...DIGITS_DEFAULTS, ...partial };
  checkDigitsConfig(c);
  if (train.featureSize !== test.featureSize) throw new SpikegradError(`trainDigits: train and test samples differ in size (${train.featureSize} and ${test.featureSize})`);
  const F = train.featureSize, C = train.classes;
  random.seed(c.seed);
  const snn = c.model !== 'mlp';
  const seq = c.sequential === undefined ? null : sequenceOf(c.sequential, train.featureShape);
  const net: nn.Module = c.model === 'csnn' ? csnnFor(F, C, c)
    : seq ? new DigitsRSNN(seq.inputs, c.hidden, C, { beta: c.beta, readout: isMembraneLoss(c.loss), neuron: c.neuron ?? 'lif', steps: seq.steps })
      : snn ? new DigitsSNN(F, c.hidden, C, { beta: c.beta, readout: isMembraneLoss(c.loss) }) : new DigitsMLP(F, c.hidden, C);
  const batches = c.batch >= train.length ? 1 : Math.ceil(train.length / c.batch);
  const optimizer = new Adam({ lr: c.schedule === 'cosine' ? cosineLR({ lr: c.lr, steps: batches * c.epochs }) : c.lr });
  optimizer.registerTrainableWeights(net.states(ParamState));
  const encGen = new Generator(c.seed + 1);
  const augmentGen = new Generator(c.seed + 2);
  const flat = (v: Float32Array, shape: number[]) => ({ values: v, shape: [shape[0]!, F] });
  const encodeHost = !snn ? flat
    : seq ? imageSequence({ order: seq.order })
    : c.encoder === 'rate' ? (v: Float32Array, shape: number[]) => rateArray(v, [shape[0]!, F], { numSteps: c.steps, generator: encGen })
      : c.encoder === 'direct' ? (v: Float32Array, shape: number[]) => repeatSteps(v, shape[0]!, F, c.steps)
        : flat;
  const encode = snn && c.encoder === 'latency'
    ? (x: Tensor) => latency(x, { numSteps: c.steps, tau: 5, threshold: 0.01, linear: true, normalize: true, clip: true })
    : undefined;
  const loaderOpts = { encodeHost, ...(encode ? { encode } : {}) };
  if (c.shift > 0 && train.featureShape.length < 2) {
    throw new SpikegradError(`trainDigits: argument 'shift' ${c.shift} moves images, but the training samples have the shape [${train.featureShape.join(', ')}]; give them an image shape (data.fromArrays(x, y, { shape: [28, 28] })) or pass shift: 0`);
  }
  const augment = c.shift > 0 ? { augment: randomShift({ maxShift: c.shift, generator: augmentGen }) } : {};
  const trainLoader = new DataLoader(train, { batchSize: c.batch, seed: c.seed, shuffle: true, ...loaderOpts, ...augment });
  const testLoader = new DataLoader(test, { batchSize: Math.max(c.batch, 256), shuffle: false, ...loaderOpts });

  const forward = (x: Tensor): Tensor => (snn ? net.run(x) : (net as DigitsMLP).update(x));
  const step = jit((x: Tensor, y: Tensor) => {
    if (snn) nn.initAllStates(net, { batchSize: y.shape[0]! });
    let hit: Tensor | null = null; // correct predictions of this batch, counted from the same forward pass
    const [grads, l] = grad(() => {
      const out = forward(x);
      hit = keep(noGrad(() => sum(cast(predict(c, out).eq(y), 'float32'))));
      return snn ? lossOf(c, out, y) : softmaxCrossEntropyWithIntegerLabels(out, y).mean();
    }, net.states(ParamState), { returnValue: true })();
    optimizer.update(grads);
    return [l, hit!];
  });
  const evaluate = async (): Promise<{ acc: number; accFirst: number | null; confusion: Float32Array }> => {
    let correct = 0, correctFirst = 0, n = 0;
    const cm = new Float32Array(C * C);
    for await (const { x, y } of testLoader.epoch(0)) {
      const [hit, hitFirst, m] = tidy(() => noGrad(() => {
        if (snn) nn.initAllStates(net, { batchSize: y.shape[0]! });
        const out = forward(x);
        const pred = predict(c, out);
        const first = snn && !isMembraneLoss(c.loss) ? sum(cast(predictByFirstSpike(out).eq(y), 'float32')) : tensor(0);
        return [sum(cast(pred.eq(y), 'float32')), first, confusionMatrix(pred, y, C)];
      }));
      correct += await hit.item();
      correctFirst += await hitFirst.item();
      const mv = await m.data();
      for (let i = 0; i < cm.length; i++) cm[i]! += mv[i]!;
      dispose([hit, hitFirst, m]);
      n += y.shape[0]!;
    }
    return { acc: correct / n, accFirst: snn && !isMembraneLoss(c.loss) ? correctFirst / n : null, confusion: cm };
  };
  return {
    config: c, net, optimizer, generators: { encoder: encGen, augment: augmentGen }, trainLoader, testLoader, evaluate,
    step: (x, y) => step(x, y) as [Tensor, Tensor],
    epochSync: (e) => {
      for (const { x, y } of trainLoader.epochSync(e)) dispose(step(x, y));
    },
    dispose: () => {
      optimizer.dispose();
      for (const st of Object.values(net.states())) st.dispose();
    },
  };
}

/** 'direct' encoding: the same analog image at each of T steps, [T, B, F]. */
function repeatSteps(v: Float32Array, B: number, F: number, T: number): { values: Float32Array; shape: number[] } {
  const out = new Float32Array(T * B * F);
  for (let t = 0; t < T; t++) out.set(v.subarray(0, B * F), t * B * F);
  return { values: out, shape: [T, B, F] };
}

/** The sequence a `sequential` run reads from images of shape `featureShape` ([H, W] or [H, W, 1]). */
function sequenceOf(order: SequenceOrder, featureShape: readonly number[]): { order: SequenceOrder; steps: number; inputs: number } {
  if (!(featureShape.length === 2 || (featureShape.length === 3 && featureShape[2] === 1))) {
    throw new SpikegradError(`trainDigits: argument 'sequential' '${order}' reads one-channel images [height, width], but the samples have the shape [${featureShape.join(', ')}]; give them an image shape (data.fromArrays(x, y, { shape: [28, 28] }))`);
  }
  return { order, ...sequenceShape(order, featureShape[0]!, featureShape[1]!) };
}

/** --model csnn: the convolutional SNN of train/csnn.ts on square one-channel images. */
function csnnFor(F: number, C: number, c: DigitsConfig): nn.Module {
  const side = Math.round(Math.sqrt(F));
  if (side * side !== F) throw new SpikegradError(`trainDigits: --model csnn expected square images, got ${F} pixels per image`);
  if (c.channels && !(c.channels.length === 2 && c.channels.every((n) => Number.isInteger(n) && n > 0))) {
    throw new SpikegradError(`trainDigits: argument 'channels' expected two positive integers, got [${String(c.channels)}]`);
  }
  return new DigitsCSNN(side, C, { beta: c.beta, readout: isMembraneLoss(c.loss), ...(c.channels ? { channels: c.channels } : {}) });
}

/** Trains and evaluates; `data` defaults to loadDigitsData(config). */
export async function trainDigits(partial: Partial<DigitsConfig> = {}, hooks: DigitsRunOptions = {}, data?: { train: ArrayDataset; test: ArrayDataset; cacheFile?: string | null }): Promise<DigitsResult> {
  const c: DigitsConfig = { ...DIGITS_DEFAULTS, ...partial };
  checkDigitsConfig(c);
  if (hooks.save !== undefined && (typeof hooks.save !== 'string' || hooks.save === '')) throw new SpikegradError(`trainDigits: argument 'save' expected a file path, got ${JSON.stringify(hooks.save)}`);
  const resume = typeof hooks.resume === 'string' ? await readDigitsCheckpoint(hooks.resume, c) : hooks.resume;
  const t0 = performance.now();
  const sets = data ?? (await loadDigitsData(c));
  const { train, test } = sets;
  const be = getBackend();
  return envContext({ dt: u.ms(1) }, () => withBackend(be, async () => {
    const trainer = createDigitsTrainer(c, train, test);
    const { trainLoader } = trainer;
    hooks.onStart?.({ train: train.length, test: test.length, batches: trainLoader.length, cacheFile: sets.cacheFile ?? null });
    const C = train.classes;
    const epochs: EpochRecord[] = [];
    let confusion: Float32Array = new Float32Array(C * C);
    try {
      if (resume) {
        await restoreDigitsCheckpoint(resume, trainer);
        epochs.push(...resume.history);
      }
      for (let e = epochs.length + 1; e <= c.epochs; e++) {
        const te = performance.now();
        let lossSum = 0, correct = 0, seen = 0;
        for await (const { x, y, index } of trainLoader.epoch(e - 1)) {
          const [l, hit] = trainer.step(x, y);
          const lv = await l.item();
          correct += await hit.item();
          dispose([l, hit]);
          if (!Number.isFinite(lv)) throw new SpikegradError(`trainDigits: the loss became ${lv} in epoch ${e}, batch ${index + 1} (lower --lr)`);
          lossSum += lv * y.shape[0]!;
          seen += y.shape[0]!;
          hooks.onBatch?.(e, index + 1, trainLoader.length, lv);
        }
        const trainMs = performance.now() - te;
        const tt = performance.now();
        const ev = await trainer.evaluate();
        confusion = ev.confusion;
        const rec: EpochRecord = {
          epoch: e, trainLoss: lossSum / seen, trainAccuracy: correct / seen, testAccuracy: ev.acc, testAccuracyFirstSpike: ev.accFirst,
          trainMs, testMs: performance.now() - tt,
        };
        epochs.push(rec);
        if (hooks.save !== undefined) await saveDigitsCheckpoint(hooks.save, trainer, epochs, be.name);
        hooks.onEpoch?.(rec);
      }
    } finally {
      trainer.dispose();
    }
    const rows = Array.from({ length: C }, (_, i) => Array.from(confusion.subarray(i * C, (i + 1) * C)));
    return {
      config: c, backend: be.name, trainSize: train.length, testSize: test.length, epochs, confusion: rows,
      classNames: train.classNames ?? Array.from({ length: C }, (_, i) => String(i)), cacheFile: sets.cacheFile ?? null,
      wallMs: performance.now() - t0,
    };
  }));
}
