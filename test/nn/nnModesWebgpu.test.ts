/**
 * Sequence mode (`run`, one fused kernel per layer) against step mode (`forLoop(update)`, primitive ops) for
 * every layer on WebGPU, float32: outputs, final states and the gradients with respect to the input, the
 * initial states and the parameters (test/nn/nnModes.test.ts does the same on the CPU, bit for bit). A LIF with a
 * custom surrogate runs here too, and against the CPU backend, since its derivative is spliced into the fused
 * kernels' WGSL.
 */
import { expect, it } from 'vitest';
import * as sg from '../../index.js';
import { expectClose, rng, uniformArray } from '../support/helpers.js';
import { describeWebGpu } from '../support/webgpu.js';
import { Arctan, ReluGrad, Sigmoid } from '../../surrogate/index.js';

const { nn, transform, HiddenState, ParamState } = sg;

interface ModeResult {
  ys: Float64Array;
  finals: Float64Array[];
  grads: Float64Array[];
}

const triangle = () => sg.surrogate.custom({ name: 'Triangle', params: { a: 2 }, grad: 'max(1 - a*abs(x), 0) * a' });

/**
 * On the current backend: runs a fresh `make()` over xs from the given initial hidden values in one mode and
 * differentiates L = Σ ys·u + Σ_states Σ final·w with respect to xs, every initial state and every parameter
 * (the same seeded u, w in both modes).
 */
async function runMode(make: () => sg.nn.Module, x: Float64Array, shape: number[], init: Float64Array[], mode: 'run' | 'step'): Promise<ModeResult> {
  sg.random.seed(3); // the same parameters in both modes and on both backends
  const net = make();
  nn.initAllStates(net, { batchSize: shape[1]! });
  const hidden = Object.values(net.states(HiddenState));
  const params = Object.values(net.states(ParamState));
  const r = rng(9);
  const kept: sg.Tensor[] = [];
  const xs = sg.tensor(x, shape, 'float32');
  const inits = hidden.map((s, i) => sg.tensor(init[i]!, [...s.value.shape], 'float32'));
  const grads = sg.tidy(() => sg.grad(() => {
    hidden.forEach((s, i) => { s.value = inits[i]!; });
    const ys = mode === 'run' ? net.run(xs) : transform.forLoop(net.update, xs);
    const finals = hidden.map((s) => s.value);
    kept.push(...[ys, ...finals].map((t) => sg.keep(t.add(0))));
    let loss = sg.sum(sg.mul(ys, sg.tensor(uniformArray(ys.size, -1, 1, r), [...ys.shape], 'float32')));
    for (const fin of finals) loss = sg.add(loss, sg.sum(sg.mul(fin, sg.tensor(uniformArray(fin.size, -1, 1, r), [...fin.shape], 'float32'))));
    return loss;
  }, [xs, ...inits, ...params])());
  const read = async (t: sg.Tensor) => Float64Array.from(await t.data());
  const [ys, ...finals] = await Promise.all(kept.map(read));
  const out = { ys: ys!, finals, grads: await Promise.all(grads.map(read)) };
  sg.dispose([...kept, ...grads, xs, ...inits]);
  return out;
}

/** Initial hidden values for `make()`'s states at batch B, non-zero so that their gradients are exercised. */
function initialStates(make: () => sg.nn.Module, B: number, r: () => number): Float64Array[] {
  const net = make();
  nn.initAllStates(net, { batchSize: B });
  return Object.values(net.states(HiddenState)).map((s) => uniformArray(s.value.size, -0.5, 1.2, r));
}

/** Gradients agree to 2e-5 of their largest magnitude (float32 on both sides, different operation order). */
function expectSameGrads(a: Float64Array[], b: Float64Array[], name: string): void {
  a.forEach((g, i) => {
    const scale = Math.max(1e-30, ...Array.from(b[i]!, Math.abs));
    expectClose(g, b[i]!, { atol: 2e-5 * scale, rtol: 2e-5 }, `${name} gradient ${i}`);
  });
}

const LAYERS: { name: string; make: () => sg.nn.Module; x: [number, number]; nIn: number; spiking?: boolean }[] = [
  { name: 'Expon', make: () => new nn.Expon(4, { tau: 5 }), x: [-1, 1], nIn: 4 },
  { name: 'DualExpon', make: () => new nn.DualExpon(4, { tauRise: 2, tauDecay: 7 }), x: [-1, 1], nIn: 4 },
  { name: 'LIF soft (ReluGrad)', make: () => new nn.LIF(5, { tau: 4, spkFun: new ReluGrad() }), x: [0, 3], nIn: 5, spiking: true },
  { name: 'LIF hard (Sigmoid)', make: () => new nn.LIF(5, { tau: 4, spkFun: new Sigmoid(), spkReset: 'hard' }), x: [0, 3], nIn: 5, spiking: true },
  { name: 'LIF detachReset (Arctan)', make: () => new nn.LIF(5, { tau: 4, spkFun: new Arctan(), detachReset: true }), x: [0, 3], nIn: 5, spiking: true },
  { name: 'LIF custom surrogate (Triangle)', make: () => new nn.LIF(5, { tau: 4, spkFun: triangle() }), x: [0, 3], nIn: 5, spiking: true },
  { name: 'IF', make: () => new nn.IF(3, { tau: 3, VTh: 0.8, spkFun: new ReluGrad() }), x: [0, 3], nIn: 3, spiking: true },
  { name: 'ALIF soft', make: () => new nn.ALIF(5, { tau: 4, tauA: 9, beta: 0.4, spkFun: new Sigmoid() }), x: [0, 4], nIn: 5, spiking: true },
  { name: 'ALIF hard, detached', make: () => new nn.ALIF(5, { tau: 4, tauA: 9, beta: 0.4, spkFun: new ReluGrad(), spkReset: 'hard', detachReset: true }), x: [0, 4], nIn: 5, spiking: true },
  { name: 'LeakyRateReadout', make: () => new nn.LeakyRateReadout(6, 3, { tau: 4 }), x: [-1, 1], nIn: 6 },
];

describeWebGpu('each layer: sequence mode equals step mode (WebGPU, float32)', (gpu) => {
  const T = 23, B = 3;
  for (const layer of LAYERS) {
    it(`${layer.name}: run equals forLoop(update)`, async () => {
      await sg.setBackend(gpu.name);
      const r = rng(5);
      const x = uniformArray(T * B * layer.nIn, layer.x[0], layer.x[1], r);
      const init = initialStates(layer.make, B, r);
      const a = await runMode(layer.make, x, [T, B, layer.nIn], init, 'run');
      const b = await runMode(layer.make, x, [T, B, layer.nIn], init, 'step');
      if (layer.spiking) {
        const rate = a.ys.reduce((p, v) => p + v, 0) / a.ys.length;
        expect(rate, 'the neurons spike, so resets are exercised').toBeGreaterThan(0.05);
        expect(rate).toBeLessThan(0.95);
        expect(a.ys).toEqual(b.ys); // spikes are 0 or 1: the same spikes in both modes
      } else {
        expectClose(a.ys, b.ys, { atol: 1e-6, rtol: 1e-5 }, `${layer.name} outputs`);
      }
      a.finals.forEach((f, i) => expectClose(f, b.finals[i]!, { atol: 1e-6, rtol: 1e-5 }, `${layer.name} final state ${i}`));
      expectSameGrads(a.grads, b.grads, layer.name);
    });
  }

  it('LIF with a custom surrogate: the fused kernels on WebGPU equal the CPU backend', async () => {
    const make = () => new nn.LIF(5, { tau: 4, spkFun: triangle() });
    const r = rng(11);
    const x = uniformArray(T * B * 5, 0, 3, r);
    const init = initialStates(make, B, r);
    await sg.setBackend('cpu');
    const cpu = await runMode(make, x, [T, B, 5], init, 'run');
    await sg.setBackend(gpu.name);
    const webgpu = await runMode(make, x, [T, B, 5], init, 'run');
    expect(webgpu.ys).toEqual(cpu.ys);
    expectSameGrads(webgpu.grads, cpu.grads, 'custom LIF');
  });
});
