/**
 * The surrogate-gradient tutorial (BrainPy's "surrogate gradients" notebook; TARGET_USAGE.md), written
 * against spikegrad: the same 100 → 4 → 2 spiking network trained with three surrogate gradients, printing
 * how each loss curve went.
 *
 * Run it with `npm run example` (options after `--`: `--epochs 40`, `--backend webgpu`, `--step-mode`).
 *
 * The one departure from the tutorial's text: the loss runs the network with `net.run(xData)`, which steps
 * each layer through the whole sequence in one fused op (SNN.run below). `--step-mode` runs the tutorial's
 * `transform.forLoop((x) => net.update(x), xData)` instead: the same numbers, step by step, ~50× slower.
 */
import { nn, surrogate, optim, metric, random, transform, init, environ, ParamState, setBackend, shutdown, type Tensor } from 'spikegrad';
import * as u from 'spikegrad/units';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};

await setBackend(arg('backend', 'auto') as 'auto');
random.seed(2024);

class SNN extends nn.Module {
  i2r: nn.Sequential; r: nn.LIF; r2o: nn.Linear; o: nn.Expon;
  constructor(nIn: number, nRec: number, nOut: number, spkFun: surrogate.Surrogate) {
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
  /** The whole [T, B, nIn] sequence, layer by layer (each layer one fused op over time). */
  override run(spikes: Tensor): Tensor {
    return this.o.run(this.r2o.run(this.r.run(this.i2r.run(spikes))));
  }
}

const stepMode = process.argv.includes('--step-mode');

async function train(spkFun: surrogate.Surrogate, nEpoch = 150): Promise<number[]> {
  return environ.context({ dt: u.ms(1) }, async () => {
    const [nIn, nRec, nOut] = [100, 4, 2];
    const [numStep, numSample] = [200, 256];
    const net = new SNN(nIn, nRec, nOut, spkFun);
    const xData = random.rand([numStep, numSample, nIn]).lt(u.Hz(5).mul(environ.getDt())).astype('float32');
    const yData = random.rand([numSample]).lt(0.5).astype('int32');

    const optimizer = new optim.Adam({ lr: 3e-3 });
    optimizer.registerTrainableWeights(net.states(ParamState));

    const lossFn = () => {
      const preds = (stepMode ? transform.forLoop((x) => net.update(x), xData) : net.run(xData)).mean(0);
      return metric.softmaxCrossEntropyWithIntegerLabels(preds, yData).mean();
    };

    const trainStep = transform.jit(() => {
      nn.initAllStates(net, { batchSize: numSample });
      const [grads, l] = transform.grad(lossFn, net.states(ParamState), { returnValue: true })();
      optimizer.update(grads);
      return l;
    });

    const losses = [];
    for (let i = 0; i < nEpoch; i++) losses.push(await trainStep().item());
    return losses;
  });
}

const surrogates = {
  ReluGrad: new surrogate.ReluGrad(),
  Sigmoid: new surrogate.Sigmoid(),
  Arctan: new surrogate.Arctan(),
};
const nEpoch = Number(arg('epochs', '150'));
const curves: Record<string, number[]> = {};
for (const [name, fn] of Object.entries(surrogates)) {
  const t0 = performance.now();
  curves[name] = await train(fn, nEpoch);
  const c = curves[name]!;
  console.log(`${name.padEnd(8)}  first ${c[0]!.toFixed(4)}  last ${c.at(-1)!.toFixed(4)}  min ${Math.min(...c).toFixed(4)}  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
await shutdown();
