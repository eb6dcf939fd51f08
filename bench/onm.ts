/**
 * The Open Neuromorphic benchmark's layer (ANCHORS.md B.2): Linear(n, n) + LIF on input [T=500, B=16, n],
 * forward and backward of output.sum() (gradients of the weight and bias; no optimizer). The published
 * table times this on an RTX 4090 without synchronising; ours waits for the device, so it is the honest
 * figure. At n = 16384 one Linear forward is 4.3 TFLOP and the weight alone is 1 GiB: a job for a real GPU
 * (lavapipe's 128 MiB buffer limit refuses it, with an error row that says so).
 *
 * The input is a dense current, uniform in [0, 1); the LIF keeps nn.LIF's defaults (τ = 5 ms, threshold
 * 1 mV, soft reset, ReluGrad surrogate).
 */
import * as sg from '../index.js';
import type { BenchCase } from './harness.js';
import { onmFlops, type Mode, type OnmWorkload } from './workloads.js';

const { nn, ParamState } = sg;

interface OnmState {
  net: sg.nn.Sequential;
  x: sg.Tensor;
}

export function onmCase(w: OnmWorkload, backend: sg.Backend, mode: Mode): BenchCase<OnmState> {
  return {
    name: `${w.name} ${mode}`,
    backend,
    flops: onmFlops(w),
    info: { workload: w.name, mode, T: w.steps, B: w.batch, n: w.n },
    setup: () => {
      const net = new nn.Sequential(new nn.Linear(w.n, w.n), new nn.LIF(w.n));
      const x = sg.keep(sg.random.rand([w.steps, w.batch, w.n]));
      return { net, x };
    },
    run: ({ net, x }) => {
      const out = () => {
        nn.initAllStates(net, { batchSize: w.batch });
        const spikes = mode === 'sequence' ? net.run(x) : sg.transform.forLoop((xt: sg.Tensor) => net.update(xt), x);
        return spikes.sum();
      };
      return sg.grad(out, net.states(ParamState))();
    },
    teardown: ({ net, x }) => {
      for (const s of Object.values(net.states())) s.dispose();
      x.dispose();
    },
  };
}
