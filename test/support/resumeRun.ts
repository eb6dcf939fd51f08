/**
 * A small training run for the resume test (test/io/checkpoint.test.ts and its child process): a tutorial-
 * shaped SNN trained with AdamW on a cosine schedule with gradient clipping, on Poisson input drawn afresh
 * from the default generator every epoch, so that the parameters, the moments, the step count (the schedule's
 * position) and the generator state all shape the next epoch: leaving any of them out of a checkpoint changes
 * the numbers after a resume.
 */
import * as sg from '../../index.js';
import * as u from '../../units/index.js';

const { nn, init, optim, random, metric, transform, ParamState } = sg;

export const RUN_CONFIG = { nIn: 12, nRec: 6, nOut: 2, steps: 25, batch: 16, rate: 0.15, lr: 3e-2, epochs: 10, seed: 7 };

class SNN extends nn.Module {
  i2r: sg.nn.Sequential; r: sg.nn.LIF; r2o: sg.nn.Linear; o: sg.nn.Expon;
  constructor(c: typeof RUN_CONFIG) {
    super();
    this.i2r = new nn.Sequential(new nn.Linear(c.nIn, c.nRec, { wInit: new init.KaimingNormal({ unit: u.mA }), bInit: new init.Normal({ std: 0.2 }) }), new nn.Expon(c.nRec, { tau: u.ms(5) }));
    this.r = new nn.LIF(c.nRec, { tau: u.ms(20), VTh: u.mV(0.5), spkFun: new sg.surrogate.Sigmoid() });
    this.r2o = new nn.Linear(c.nRec, c.nOut);
    this.o = new nn.Expon(c.nOut, { tau: u.ms(10) });
  }
  update(x: sg.Tensor) { return this.o.update(this.r2o.update(this.r.update(this.i2r.update(x)))); }
  override run(xs: sg.Tensor) { return this.o.run(this.r2o.run(this.r.run(this.i2r.run(xs)))); }
}

export function makeRun(c = RUN_CONFIG) {
  random.seed(c.seed);
  const net = new SNN(c);
  const labels = sg.keep(random.randint(0, c.nOut, [c.batch]));
  const optimizer = new optim.AdamW({ lr: optim.cosineLR({ lr: c.lr, steps: c.epochs }), weightDecay: 0.01, gradClipNorm: 1 });
  optimizer.registerTrainableWeights(net.states(ParamState));
  const step = transform.jit(() => {
    const xs = random.rand([c.steps, c.batch, c.nIn]).lt(c.rate).astype('float32');
    nn.initAllStates(net, { batchSize: c.batch });
    const loss = () => metric.softmaxCrossEntropyWithIntegerLabels(net.run(xs).mean(0), labels).mean();
    const [grads, l] = transform.grad(loss, net.states(ParamState), { returnValue: true })();
    optimizer.update(grads);
    return l;
  });
  return { net, optimizer, config: c, trainEpoch: async () => step().item() };
}

const bits = (a: sg.TypedArray) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.byteLength / 4));

/** Everything that must agree between a straight run and a resumed one, as bit patterns. */
export async function snapshot(run: ReturnType<typeof makeRun>, losses: number[]) {
  const params: Record<string, number[]> = {};
  for (const [p, s] of Object.entries(run.net.states(ParamState))) params[p] = bits(await s.value.data());
  const st = await run.optimizer.stateDict();
  const slots: Record<string, number[]> = {};
  for (const [p, rec] of Object.entries(st.slots)) for (const [n, e] of Object.entries(rec)) slots[`${p}.${n}`] = bits(e.data);
  return { losses: bits(Float32Array.from(losses)), params, slots, stepCount: st.stepCount, generator: random.getState() };
}
