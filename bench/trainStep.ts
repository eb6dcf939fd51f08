/**
 * spikegrad's side of the training workloads: the tutorial network (train/tutorial.ts, the one users train)
 * built on one backend with the weights and data of a peer `Problem`, so spikegrad and every peer start from
 * the same numbers; one step is forward over all T steps, BPTT and an Adam update, in `sequence` mode (each
 * layer over the whole sequence, fused ops) or `step` mode (`forLoop(net.update)`, the tutorial's loop).
 *
 * The same network answers the peers' correctness check (`spikegradModel`: the PeerModel interface), so the
 * rows of the peers table are known to compute the same loss and gradients.
 */
import * as sg from '../index.js';
import { ReluGrad } from '../surrogate/index.js';
import { SNN } from '../train/tutorial.js';
import type { BenchCase } from './harness.js';
import type { PeerModel } from './peers/model.js';
import { PARAM_NAMES, paramShapes, type ParamName, type Params, type Problem } from './peers/problem.js';
import { trainStepFlops, type Mode, type TrainWorkload } from './workloads.js';

const { nn, ParamState } = sg;

/** Where each peer parameter lives in the tutorial network. */
const PATHS: Record<ParamName, string> = { w1: 'i2r.0.weight', b1: 'i2r.0.bias', w2: 'r2o.weight', b2: 'r2o.bias' };

interface Built {
  net: SNN;
  x: sg.Tensor;
  labels: sg.Tensor;
  loss: () => sg.Tensor;
  dispose: () => void;
}

/** The network with the problem's parameters, its data, and the loss; on the current backend. */
function build(p: Problem, mode: Mode): Built {
  const w = p.workload;
  const net = new SNN(w.nIn, w.nRec, w.nOut, new ReluGrad());
  const shapes = paramShapes(w);
  net.loadStateDict(Object.fromEntries(PARAM_NAMES.map((k) => [PATHS[k], { shape: shapes[k], data: p.params[k] }])));
  const x = sg.keep(sg.tensor(p.x, [w.steps, p.batch, w.nIn]));
  const labels = sg.keep(sg.tensor(p.labels, [p.batch], 'int32'));
  const loss = () => {
    nn.initAllStates(net, { batchSize: p.batch });
    const out = mode === 'sequence' ? net.run(x) : sg.transform.forLoop((xt: sg.Tensor) => net.update(xt), x);
    return sg.metric.softmaxCrossEntropyWithIntegerLabels(out.mean(0), labels).mean();
  };
  const dispose = () => {
    for (const s of Object.values(net.states())) s.dispose();
    sg.dispose([x, labels]);
  };
  return { net, x, labels, loss, dispose };
}

interface TrainState {
  built: Built;
  optimizer: sg.optim.Adam;
  step: sg.transform.Jitted<[], sg.Tensor>;
}

/** One timed case: a full training step of `w` on `backend` in `mode`. */
export function trainCase(w: TrainWorkload, backend: sg.Backend, mode: Mode, problem: Problem, jitOptions: sg.transform.JitOptions = {}): BenchCase<TrainState> {
  return {
    name: `${w.name} ${mode}${jitOptions.record === false ? ' (jit unrecorded)' : ''}`,
    backend,
    flops: trainStepFlops(w.net),
    info: { workload: w.name, mode, T: w.net.steps, B: w.net.batch, nIn: w.net.nIn, nRec: w.net.nRec, nOut: w.net.nOut },
    setup: () => {
      const built = build(problem, mode);
      const optimizer = new sg.optim.Adam({ lr: w.net.lr });
      optimizer.registerTrainableWeights(built.net.states(ParamState));
      const step = sg.transform.jit(() => {
        const [grads, l] = sg.grad(built.loss, built.net.states(ParamState), { returnValue: true })();
        optimizer.update(grads);
        return l;
      }, jitOptions);
      return { built, optimizer, step };
    },
    run: (s) => s.step(),
    teardown: (s) => {
      s.optimizer.dispose();
      s.built.dispose();
    },
  };
}

/** spikegrad as a PeerModel on `backend`, for the same correctness check the peers pass (check.ts). */
export function spikegradModel(problem: Problem, backend: sg.Backend, mode: Mode = 'sequence'): PeerModel {
  const built = sg.withBackend(backend, () => build(problem, mode));
  const params = built.net.states(ParamState);
  const optimizer = new sg.optim.Adam({ lr: problem.workload.lr });
  optimizer.registerTrainableWeights(params);
  return {
    async lossAndGrads() {
      const [g, l] = sg.withBackend(backend, () => sg.tidy(() => sg.grad(built.loss, params, { returnValue: true })()));
      const grads = {} as Params;
      for (const k of PARAM_NAMES) grads[k] = (await g[PATHS[k]]!.data()) as Float32Array;
      const loss = await l.item();
      sg.dispose([l, ...Object.values(g)]);
      return { loss, grads };
    },
    async trainStep() {
      const l = sg.withBackend(backend, () => sg.tidy(() => {
        const [grads, loss] = sg.grad(built.loss, params, { returnValue: true })();
        optimizer.update(grads);
        return loss;
      }));
      const v = await l.item();
      l.dispose();
      return v;
    },
    dispose() {
      optimizer.dispose();
      built.dispose();
    },
  };
}
