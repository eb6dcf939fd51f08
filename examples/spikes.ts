/**
 * See the spikes: trains the tutorial network (100 → 16 LIF → 2, Arctan) and draws what its hidden layer
 * does before and after training: the spike raster with firing rates, the membrane of three neurons with the
 * threshold, the firing-rate histogram, and the loss curve. Recording (nn.record) copies only the sample and
 * neurons asked for; the plots are SVG strings (plot.*) written as .svg and .png.
 *
 *   npm run example:spikes                  # writes out/spikes/
 *   npm run example:spikes -- --out docs/spikes --epochs 150
 */
import { nn, surrogate, optim, metric, random, transform, init, environ, plot, ParamState, setBackend, shutdown, type Tensor } from 'spikegrad';
import * as u from 'spikegrad/units';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const out = arg('out', 'out/spikes');
const epochs = Number(arg('epochs', '150'));

await setBackend(arg('backend', 'auto') as 'auto');
random.seed(2024);

class SNN extends nn.Module {
  i2r: nn.Sequential; r: nn.LIF; r2o: nn.Linear; o: nn.Expon;
  constructor(nIn: number, nRec: number, nOut: number, spkFun: surrogate.Surrogate) {
    super();
    this.i2r = new nn.Sequential(
      new nn.Linear(nIn, nRec, { wInit: new init.KaimingNormal({ unit: u.mA }), bInit: new init.ZeroInit({ unit: u.mA }) }),
      new nn.Expon(nRec, { tau: u.ms(5), gInitializer: new init.Constant(u.mA(0)) }),
    );
    this.r = new nn.LIF(nRec, { tau: u.ms(20), VRest: u.mV(0), VReset: u.mV(0), VTh: u.mV(1), spkFun });
    this.r2o = new nn.Linear(nRec, nOut, { wInit: new init.KaimingNormal() });
    this.o = new nn.Expon(nOut, { tau: u.ms(10), gInitializer: new init.Constant(0) });
  }
  update(x: Tensor) { return this.o.update(this.r2o.update(this.r.update(this.i2r.update(x)))); }
  override run(xs: Tensor) { return this.o.run(this.r2o.run(this.r.run(this.i2r.run(xs)))); }
}

await environ.context({ dt: u.ms(1) }, async () => {
  const [nRec, B] = [16, 256];
  const net = new SNN(100, nRec, 2, new surrogate.Arctan());
  const x = random.rand([200, B, 100]).lt(u.Hz(5).mul(environ.getDt())).astype('float32');
  const y = random.rand([B]).lt(0.5).astype('int32');
  const opt = new optim.Adam({ lr: 3e-3 });
  opt.registerTrainableWeights(net.states(ParamState));
  const step = transform.jit(() => {
    nn.initAllStates(net, { batchSize: B });
    const [grads, l] = transform.grad(() => metric.softmaxCrossEntropyWithIntegerLabels(net.run(x).mean(0), y).mean(), net.states(ParamState), { returnValue: true })();
    opt.update(grads);
    return l;
  });

  /** One forward pass, recording the hidden layer's spikes (sample 0; all samples for the rates) and 3 membranes. */
  async function look() {
    const rec = nn.record(net, { r: {}, 'r.V': { samples: [0], neurons: [0, 1, 2] } });
    nn.initAllStates(net, { batchSize: B });
    net.run(x).dispose();
    const traces = await rec.read();
    rec.dispose();
    return traces;
  }

  const before = await look();
  const losses: number[] = [];
  for (let e = 0; e < epochs; e++) losses.push(await step().item());
  const after = await look();

  const opts = { rates: true, width: 720 };
  const files: Record<string, string> = {
    'raster.svg': plot.stack([
      plot.raster(before.r!, { ...opts, title: 'hidden layer, sample 0, before training' }),
      plot.raster(after.r!, { ...opts, title: `after ${epochs} epochs (Arctan)` }),
    ]),
    'membrane.svg': plot.membrane(after['r.V']!, { threshold: net.r.VTh, title: `membrane of 3 hidden neurons after training (sample 0)`, width: 720 }),
    'rates.svg': plot.rateHistogram(after.r!, { bins: 12, title: `firing rates of the ${nRec} hidden neurons × ${B} samples after training`, width: 720 }),
    'loss.svg': plot.curves([{ name: 'Arctan', values: losses }], { title: 'training loss', width: 720 }),
  };
  for (const [name, svg] of Object.entries(files)) {
    await plot.save(svg, `${out}/${name}`);
    await plot.save(svg, `${out}/${name.replace('.svg', '.png')}`);
  }
  console.log(`loss ${losses[0]!.toFixed(4)} → ${losses.at(-1)!.toFixed(4)}; wrote ${Object.keys(files).map((f) => `${out}/${f} (.png)`).join(', ')}`);
});
await shutdown();
