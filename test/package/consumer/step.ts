// A consumer of the packed spikegrad: three Adam steps of a small spiking network on the CPU backend, in the
// README tutorial's calls. Prints one JSON line: the losses and whether the weights moved.
import { environ, metric, nn, optim, random, setBackend, shutdown, surrogate, transform, ParamState, type Tensor } from 'spikegrad';
import * as u from 'spikegrad/units';

async function main(): Promise<void> {
  await setBackend('cpu');
  random.seed(7);
  const losses: number[] = await environ.context({ dt: u.ms(1) }, async () => {
    const net = new nn.Sequential(
      new nn.Linear(12, 16), new nn.Expon(16, { tau: u.ms(5) }), new nn.LIF(16, { tau: u.ms(10), spkFun: new surrogate.Sigmoid() }),
      new nn.Linear(16, 2), new nn.Expon(2, { tau: u.ms(10) }),
    );
    const xs: Tensor = random.rand([20, 8, 12]).lt(0.3).astype('float32');
    const ys: Tensor = random.rand([8]).lt(0.5).astype('int32');
    const opt = new optim.Adam({ lr: 2e-2 });
    opt.registerTrainableWeights(net.states(ParamState));
    const step = () => {
      nn.initAllStates(net, { batchSize: 8 });
      const [grads, l] = transform.grad(() => metric.softmaxCrossEntropyWithIntegerLabels(net.run(xs).mean(0), ys).mean(), net.states(ParamState), { returnValue: true })();
      opt.update(grads);
      return l;
    };
    const out: number[] = [];
    for (let i = 0; i < 4; i++) out.push(await step().item());
    return out;
  });
  await shutdown();
  console.log(JSON.stringify({ losses }));
}

void main();
