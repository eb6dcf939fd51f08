/**
 * The tutorial's network and training step (TARGET_USAGE.md), as the `compare` job runs them: a Linear →
 * Expon → LIF → Linear → Expon SNN trained on random Poisson input with random binary labels, full batch,
 * Adam, cross-entropy of the time-averaged output. In 'sequence' mode each layer runs over the whole
 * sequence at once (`run`: one matmul or fused kernel per layer, forward and backward); in 'step' mode the
 * network steps through time with `transform.forLoop(net.update, xs)`. Both compute the same numbers.
 */
import { getBackend, withBackend } from '../engine/backends.js';
import { getDt } from '../engine/environ.js';
import { keep, tidy, dispose } from '../engine/scope.js';
import { ParamState } from '../engine/state.js';
import { noGrad } from '../engine/tape.js';
import type { Tensor } from '../engine/tensor.js';
import { forLoop, grad, jit } from '../engine/transform.js';
import * as random from '../engine/random.js';
import * as nn from '../nn/index.js';
import * as init from '../nn/init.js';
import { Adam } from '../optim/adam.js';
import { accuracy, softmaxCrossEntropyWithIntegerLabels } from '../optim/metric.js';
import type { Surrogate } from '../surrogate/base.js';
import * as u from '../units/index.js';
import type { CompareConfig, Trainer, TrainerFactory } from './compare.js';

/** The tutorial's SNN, verbatim from TARGET_USAGE.md, plus the sequence mode `run`. */
export class SNN extends nn.Module {
  i2r: nn.Sequential;
  r: nn.LIF;
  r2o: nn.Linear;
  o: nn.Expon;

  constructor(nIn: number, nRec: number, nOut: number, spkFun: Surrogate) {
    super();
    this.i2r = new nn.Sequential(
      new nn.Linear(nIn, nRec, {
        wInit: new init.KaimingNormal({ unit: u.mA }),
        bInit: new init.ZeroInit({ unit: u.mA }),
      }),
      new nn.Expon(nRec, { tau: u.ms(5), gInitializer: new init.Constant(u.mA(0)) }),
    );
    this.r = new nn.LIF(nRec, { tau: u.ms(20), VRest: u.mV(0), VReset: u.mV(0), VTh: u.mV(1), spkFun });
    this.r2o = new nn.Linear(nRec, nOut, { wInit: new init.KaimingNormal() });
    this.o = new nn.Expon(nOut, { tau: u.ms(10), gInitializer: new init.Constant(0) });
  }

  update(spike: Tensor): Tensor {
    return this.o.update(this.r2o.update(this.r.update(this.i2r.update(spike))));
  }

  override run(spikes: Tensor): Tensor {
    return this.o.run(this.r2o.run(this.r.run(this.i2r.run(spikes))));
  }
}

/**
 * Builds one run: the network (weights W1, W2 drawn first, as in the tutorial), then the data
 * (x: rand [T, B, nIn] < rate·dt; y: rand [B] < 0.5), the optimizer and the jitted train step.
 */
export const tutorialTrainer: TrainerFactory = (spkFun: unknown, c: CompareConfig): Trainer => {
  const net = new SNN(c.nIn, c.nRec, c.nOut, spkFun as Surrogate);
  const xData = keep(random.rand([c.steps, c.batch, c.nIn]).lt(u.Hz(c.rateHz).mul(getDt())).astype('float32'));
  const yData = keep(random.rand([c.batch]).lt(0.5).astype('int32'));
  const optimizer = new Adam({ lr: c.lr });
  optimizer.registerTrainableWeights(net.states(ParamState));

  const preds = (): Tensor => (c.mode === 'sequence' ? net.run(xData) : forLoop((x: Tensor) => net.update(x), xData)).mean(0);
  const lossFn = () => softmaxCrossEntropyWithIntegerLabels(preds(), yData).mean();
  const trainStep = jit(() => {
    nn.initAllStates(net, { batchSize: c.batch });
    const [grads, l] = grad(lossFn, net.states(ParamState), { returnValue: true })();
    optimizer.update(grads);
    return l;
  });
  // Every step runs on the backend the run was built on, whatever the default is by then.
  const be = getBackend();
  return {
    net,
    step: () => withBackend(be, trainStep),
    accuracy: () => withBackend(be, () => tidy(() => noGrad(() => {
      nn.initAllStates(net, { batchSize: c.batch });
      return accuracy(preds(), yData);
    }))),
    hidden: async () => {
      // nn.record copies only sample 0 of the hidden LIF's output and membrane during one forward pass.
      const rec = nn.record(net, { r: { samples: [0] }, 'r.V': { samples: [0] } });
      try {
        withBackend(be, () => tidy(() => noGrad(() => {
          nn.initAllStates(net, { batchSize: c.batch });
          preds();
        })));
        const traces = await rec.read();
        const plain = (t: nn.Trace) => ({ data: Array.from(t.data), shape: [...t.shape] as [number, number, number] });
        return { spikes: plain(traces.r!), membrane: plain(traces['r.V']!) };
      } finally {
        rec.dispose();
      }
    },
    dispose: () => {
      optimizer.dispose();
      for (const s of Object.values(net.states())) s.dispose();
      dispose([xData, yData]);
    },
  };
};
