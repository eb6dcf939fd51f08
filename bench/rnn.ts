/**
 * The `rnn` workload (issue 14): one recurrent LIF layer, nn.Recurrent(nIn → n LIF, all-to-all W_rec), on Poisson
 * input spikes [T, B, nIn], forward and backward of output.mean() (gradients of W_in, W_rec and the bias; no
 * optimizer), in sequence mode (`run`: the fused recurrentRun op on the CPU) against step mode
 * (`transform.forLoop(update)`). Defaults n = 256, B = 32, T = 1,000, nIn = 64; input spikes with p = 0.1 per
 * step; LIF τ = 20 ms (threshold 1 mV, soft reset, ReluGrad); W_in ~ U(−0.1, 0.5), W_rec ~ U(−0.1, 0.12), which
 * keeps the layer spiking at about 4 % per step. The Python peers (snnTorch RLeaky, JAX lax.scan) run the same
 * layer and sizes (RNN_PEER_WORKLOAD in bench/peers/python.ts).
 */
import * as sg from '../index.js';
import type { BenchCase } from './harness.js';
import type { Mode, RnnWorkload } from './workloads.js';

const { nn, ParamState } = sg;

interface RnnState {
  layer: sg.nn.Recurrent;
  xs: sg.Tensor;
}

/** The layer of the workload (seeded by the caller); shared with the peers' description. */
export function rnnLayer(w: Pick<RnnWorkload, 'nIn' | 'n'>): sg.nn.Recurrent {
  return new nn.Recurrent(w.nIn, new nn.LIF(w.n, { tau: 20 }), {
    wInit: new sg.init.Uniform({ low: -0.1, high: 0.5 }), recInit: new sg.init.Uniform({ low: -0.1, high: 0.12 }),
  });
}

export function rnnCase(w: RnnWorkload, backend: sg.Backend, mode: Mode): BenchCase<RnnState> {
  return {
    name: `${w.name} ${mode}`,
    backend,
    info: { workload: w.name, mode, T: w.steps, B: w.batch, n: w.n },
    setup: () => ({ layer: rnnLayer(w), xs: sg.keep(sg.random.poissonSpikes(0.1, [w.steps, w.batch, w.nIn])) }),
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
