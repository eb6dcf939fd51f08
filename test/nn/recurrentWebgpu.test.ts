/**
 * nn.Recurrent on WebGPU, float32: sequence mode against step mode, and both against the CPU backend (spikes,
 * final membrane, gradients of the input and every parameter), with a sparse mask and no self-connections.
 * test/nn/recurrent.test.ts checks the CPU against a hand-written float64 BPTT.
 */
import { expect, it } from 'vitest';
import * as sg from '../../index.js';
import { ReluGrad } from '../../surrogate/index.js';
import { expectClose, rng, uniformArray } from '../support/helpers.js';
import { describeWebGpu } from '../support/webgpu.js';

const { nn, transform, ParamState } = sg;
const NIN = 5, N = 7, B = 3, STEPS = 25;

function mask(): number[][] {
  const r = rng(17);
  return Array.from({ length: N }, () => Array.from({ length: N }, () => (r() < 0.6 ? 1 : 0)));
}

interface Result { ys: Float64Array; vT: Float64Array; grads: Float64Array[] }

async function once(mode: 'run' | 'step', reset: 'soft' | 'hard'): Promise<Result> {
  sg.random.seed(6);
  const l = new nn.Recurrent(NIN, new nn.LIF(N, { tau: 4, VTh: 1.2, VReset: -0.3, VRest: 0.1, R: 1.3, spkReset: reset, spkFun: new ReluGrad({ alpha: 0.7, width: 1.4 }) }), {
    selfConnections: false, mask: mask(), wInit: new sg.init.Uniform({ low: -0.3, high: 0.9 }), recInit: new sg.init.Uniform({ low: -0.8, high: 1.2 }),
  });
  nn.initAllStates(l, { batchSize: B });
  const xs = sg.tensor(uniformArray(STEPS * B * NIN, -0.5, 2.5, rng(3)), [STEPS, B, NIN], 'float32');
  const u = sg.tensor(uniformArray(STEPS * B * N, -1, 1, rng(4)), [STEPS, B, N], 'float32');
  const kept: sg.Tensor[] = [];
  const grads = sg.tidy(() => sg.grad(() => {
    const ys = mode === 'run' ? l.run(xs) : transform.forLoop(l.update, xs);
    const vT = l.neuron.V.value;
    kept.push(sg.keep(ys.add(0)), sg.keep(vT.add(0)));
    return sg.add(sg.sum(sg.mul(ys, u)), sg.sum(vT));
  }, [xs, ...Object.values(l.states(ParamState))])());
  const read = async (t: sg.Tensor) => Float64Array.from(await t.data());
  const [ys, vT] = await Promise.all(kept.map(read));
  const out = { ys: ys!, vT: vT!, grads: await Promise.all(grads.map(read)) };
  sg.dispose([...kept, ...grads, xs, u]);
  return out;
}

function expectSame(a: Result, b: Result, what: string): void {
  expect(a.ys, `${what}: spikes`).toEqual(b.ys);
  expectClose(a.vT, b.vT, { atol: 1e-5, rtol: 1e-5 }, `${what}: final membrane`);
  a.grads.forEach((g, i) => {
    const scale = Math.max(1e-30, ...Array.from(b.grads[i]!, Math.abs));
    expectClose(g, b.grads[i]!, { atol: 2e-5 * scale, rtol: 2e-5 }, `${what}: gradient ${i}`);
  });
}

describeWebGpu('nn.Recurrent on WebGPU (float32)', (gpu) => {
  for (const reset of ['soft', 'hard'] as const) {
    it(`${reset} reset: run equals forLoop(update), and both equal the CPU backend`, async () => {
      await sg.setBackend('cpu');
      const cpuRun = await once('run', reset);
      await sg.setBackend(gpu.name);
      const gpuRun = await once('run', reset), gpuStep = await once('step', reset);
      const rate = gpuRun.ys.reduce((p, v) => p + v, 0) / gpuRun.ys.length;
      expect(rate, 'the neurons spike').toBeGreaterThan(0.1);
      expect(rate).toBeLessThan(0.9);
      expectSame(gpuRun, gpuStep, 'webgpu run vs step');
      expectSame(gpuRun, cpuRun, 'webgpu vs cpu');
    });
  }
});
