/** The seed network (docs/numerics.md §0) built with spikegrad's nn layers, with weights and data from a test seed. */
import * as sg from '../../index.js';
import type { SpikeFunction } from '../../nn/spikeFunction.js';
import { rng } from './helpers.js';
import type { SeedParams } from './nnReference.js';

const { nn } = sg;

export function seedNet(spkFun: SpikeFunction, opts: { dtype?: 'float32' | 'float64'; reset?: 'soft' | 'hard'; nIn?: number; nRec?: number; nOut?: number } = {}) {
  const { dtype = 'float32', reset = 'soft', nIn = 100, nRec = 4, nOut = 2 } = opts;
  return new nn.Sequential(
    new nn.Linear(nIn, nRec, { dtype }),
    new nn.Expon(nRec, { tau: 5 }),
    new nn.LIF(nRec, { tau: 20, VTh: 1, VReset: 0, VRest: 0, spkFun, spkReset: reset }),
    new nn.Linear(nRec, nOut, { dtype }),
    new nn.Expon(nOut, { tau: 10 }),
  );
}

/** Normal-ish weights from a seeded test generator, float32-representable (so both precisions see the same). */
export function randomParams(nIn: number, nRec: number, nOut: number, seed: number, w1Std: number, w2Std: number, bStd: number): SeedParams {
  const r = rng(seed);
  const normal = (n: number, std: number) => Float64Array.from({ length: n }, () => {
    const u = Math.max(r(), 1e-12), v = r();
    return Math.fround(std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  });
  return { nIn, nRec, nOut, W1: normal(nIn * nRec, w1Std), b1: normal(nRec, bStd), W2: normal(nRec * nOut, w2Std), b2: normal(nOut, bStd) };
}

export function loadParams(net: sg.nn.Sequential, p: SeedParams): void {
  net.loadStateDict({
    '0.weight': { shape: [p.nIn, p.nRec], data: p.W1 },
    '0.bias': { shape: [p.nRec], data: p.b1 },
    '3.weight': { shape: [p.nRec, p.nOut], data: p.W2 },
    '3.bias': { shape: [p.nOut], data: p.b2 },
  });
}

/** Bernoulli(rate) 0/1 inputs [T, B, nIn] and 0/1 labels from a seeded test generator. */
export function randomData(T: number, B: number, nIn: number, rate: number, seed: number): { x: Float64Array; labels: Int32Array } {
  const r = rng(seed);
  const x = Float64Array.from({ length: T * B * nIn }, () => (r() < rate ? 1 : 0));
  const labels = Int32Array.from({ length: B }, () => (r() < 0.5 ? 1 : 0));
  return { x, labels };
}

/** The training loss of docs/numerics.md §0 in sequence mode (`run`) or step mode (`forLoop(net.update)`). */
export function seedLoss(net: sg.nn.Module, xs: sg.Tensor, labels: sg.Tensor, mode: 'run' | 'step'): sg.Tensor {
  const out = mode === 'run' ? net.run(xs) : sg.transform.forLoop(net.update, xs);
  return sg.softmaxCrossEntropy(out.mean(0), labels).mean();
}

/** Loss and parameter gradients (by path) of one training step from fresh states. */
export function seedGrads(net: sg.nn.Module, xs: sg.Tensor, labels: sg.Tensor, mode: 'run' | 'step') {
  const B = xs.shape[1]!;
  sg.nn.initAllStates(net, { batchSize: B, dtype: xs.dtype as 'float32' | 'float64' });
  return sg.grad(() => seedLoss(net, xs, labels, mode), net.states(sg.ParamState), { returnValue: true })();
}
