/**
 * The `rnn` workload (issue 14): one recurrent LIF layer, nn.Recurrent(nIn → n LIF, all-to-all W_rec), on Poisson
 * input spikes [T, B, nIn], forward and backward of the mean spike (gradients of W_in, W_rec and the bias; no
 * optimizer), in sequence mode (`run`: the fused recurrentRun op on the CPU) against step mode
 * (`transform.forLoop(update)`). Defaults n = 256, B = 32, T = 1,000, nIn = 64.
 *
 * The layer is the one the Python peers run (snnTorch's RLeaky with β = 0.95, reset by subtraction detached,
 * arctan surrogate; branch rnn-task's bench/peers/rnn.ts has the equations and the nn.LIF options under which
 * nn.Recurrent computes RLeaky's function, repeated here): τ = −1/ln β, R = 1/(1 − β), V_th = 1,
 * V_reset = 1 − 1/β, arctan α = 2/β, detachReset; W_in ~ N(0.02, 0.1²), W_rec ~ N(0, (0.1/√n)²), b = 0; input
 * spikes with p = 0.05 per step (50 Hz). About 5 % of the neurons spike per step.
 */
import * as sg from '../index.js';
import type { BenchCase } from './harness.js';
import type { Mode, RnnWorkload } from './workloads.js';

const { nn, ParamState } = sg;
const BETA = 0.95, INPUT_P = 0.05;

interface RnnState {
  layer: sg.nn.Recurrent;
  xs: sg.Tensor;
}

/** The workload's LIF population of n neurons. */
export function rnnNeuron(n: number): sg.nn.LIF {
  return new nn.LIF(n, { tau: -1 / Math.log(BETA), R: 1 / (1 - BETA), VTh: 1, VReset: 1 - 1 / BETA, spkFun: sg.surrogate.atan({ alpha: 2 / BETA }), detachReset: true });
}

/** The workload's weight initialisers (seed the generator first for the same weights). */
export function rnnLayerOptions(n: number): sg.nn.RecurrentOptions {
  return { wInit: new sg.init.Normal({ mean: 0.02, std: 0.1 }), recInit: new sg.init.Normal({ std: 0.1 / Math.sqrt(n) }), bInit: new sg.init.Constant(0) };
}

/** The workload's input spikes [T, B, nIn]. */
export function rnnInput(w: Pick<RnnWorkload, 'steps' | 'batch' | 'nIn'>): sg.Tensor {
  return sg.random.poissonSpikes(INPUT_P, [w.steps, w.batch, w.nIn]);
}

export function rnnCase(w: RnnWorkload, backend: sg.Backend, mode: Mode): BenchCase<RnnState> {
  return {
    name: `${w.name} ${mode}`,
    backend,
    info: { workload: w.name, mode, T: w.steps, B: w.batch, n: w.n },
    setup: () => ({ layer: new nn.Recurrent(w.nIn, rnnNeuron(w.n), rnnLayerOptions(w.n)), xs: sg.keep(rnnInput(w)) }),
    run: ({ layer, xs }) => {
      const out = () => {
        nn.initAllStates(layer, { batchSize: w.batch });
        return sg.mean(mode === 'sequence' ? layer.run(xs) : sg.transform.forLoop(layer.update, xs));
      };
      return sg.grad(out, layer.states(ParamState))();
    },
    teardown: ({ layer, xs }) => {
      for (const s of Object.values(layer.states())) s.dispose();
      xs.dispose();
    },
  };
}
