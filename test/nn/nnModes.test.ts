/**
 * Sequence mode (`run`, one fused op per layer) against step mode (`forLoop(update)`, primitive ops) for
 * every layer, on the CPU backend: the forward values and final states are bit-identical in float32 (both
 * modes round each operation the same way), and the gradients with respect to the input, the initial states
 * and the parameters agree, including gradients that flow through the final state.
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { expectClose, rng, uniformArray } from '../support/helpers.js';
import { Arctan, ReluGrad, Sigmoid } from '../../surrogate/index.js';

const { nn, transform, HiddenState, ParamState } = sg;
type Dt = 'float32' | 'float64';

interface ModeResult {
  ys: Float64Array;
  finals: Float64Array[];
  grads: Float64Array[];
}

/**
 * Runs `net` over xs in one mode from the given initial hidden values, and differentiates
 * L = Σ ys·u + Σ_states Σ final·w with respect to xs, every initial state and every parameter.
 */
function runMode(net: sg.nn.Module, xs: sg.Tensor, init: Record<string, Float64Array>, mode: 'run' | 'step', seed: number): ModeResult {
  return sg.tidy(() => {
    const hidden = net.states(HiddenState);
    const params = Object.values(net.states(ParamState));
    const r = rng(seed);
    // Read inside f: grad frees everything f allocates except the gradients.
    let ysData = new Float64Array(0);
    let finalsData: Float64Array[] = [];
    const f = (x: sg.Tensor, ...rest: sg.Tensor[]) => {
      Object.values(hidden).forEach((s, i) => { s.value = rest[i]!; });
      const ys = mode === 'run' ? net.run(x) : transform.forLoop(net.update, x);
      const finals = Object.values(hidden).map((s) => s.value);
      ysData = Float64Array.from(ys.dataSync());
      finalsData = finals.map((t) => Float64Array.from(t.dataSync()));
      let loss = sg.sum(sg.mul(ys, sg.tensor(uniformArray(ys.size, -1, 1, r), [...ys.shape], ys.dtype)));
      for (const fin of finals) loss = sg.add(loss, sg.sum(sg.mul(fin, sg.tensor(uniformArray(fin.size, -1, 1, r), [...fin.shape], fin.dtype))));
      return loss;
    };
    // Fresh tensors per run: a State owns its value and frees it when it is replaced.
    const inits = Object.entries(hidden).map(([k, st]) => sg.tensor(init[k]!, [...st.value.shape], xs.dtype));
    const wrt = [xs, ...inits, ...params];
    const g = sg.grad(() => f(xs, ...inits), wrt)();
    return { ys: ysData, finals: finalsData, grads: g.map((t) => Float64Array.from(t.dataSync())) };
  });
}

function compareModes(name: string, make: (dt: Dt) => sg.nn.Module, xRange: [number, number], opts: { T?: number; B?: number; nIn: number; spiking?: boolean }) {
  const { T = 23, B = 3, nIn, spiking = false } = opts;
  for (const dtype of ['float32', 'float64'] as Dt[]) {
    it(`${name} (${dtype}): run equals forLoop(update)`, () => {
      const net = make(dtype);
      nn.initAllStates(net, { batchSize: B, dtype });
      const r = rng(5);
      const xs = sg.tensor(uniformArray(T * B * nIn, xRange[0], xRange[1], r), [T, B, nIn], dtype);
      // Non-zero initial states, so that their gradients are exercised too.
      const init: Record<string, Float64Array> = {};
      for (const [k, s] of Object.entries(net.states(HiddenState))) init[k] = Float64Array.from(sg.tensor(uniformArray(s.value.size, -0.5, 1.2, r), [s.value.size], dtype).dataSync());
      const a = runMode(net, xs, init, 'run', 9);
      const b = runMode(net, xs, init, 'step', 9);
      if (spiking) {
        const rate = a.ys.reduce((p, v) => p + v, 0) / a.ys.length;
        expect(rate, 'the neurons spike, so resets are exercised').toBeGreaterThan(0.05);
        expect(rate).toBeLessThan(0.95);
      }
      if (dtype === 'float32') {
        expect(a.ys).toEqual(b.ys); // bit-identical forward
        a.finals.forEach((f, i) => expect(f).toEqual(b.finals[i]));
      } else {
        expectClose(a.ys, b.ys, { atol: 0, rtol: 0 }, `${name} outputs`);
      }
      const tol = dtype === 'float32' ? 2e-5 : 1e-12;
      a.grads.forEach((g, i) => {
        const scale = Math.max(1e-30, ...Array.from(b.grads[i]!, Math.abs));
        expectClose(g, b.grads[i]!, { atol: tol * scale, rtol: tol }, `${name} gradient ${i}`);
      });
    });
  }
}

describe('each layer: sequence mode equals step mode (CPU)', () => {
  compareModes('Expon', () => new nn.Expon(4, { tau: 5 }), [-1, 1], { nIn: 4 });
  compareModes('DualExpon', () => new nn.DualExpon(4, { tauRise: 2, tauDecay: 7 }), [-1, 1], { nIn: 4 });
  compareModes('LIF soft (ReluGrad)', () => new nn.LIF(5, { tau: 4, spkFun: new ReluGrad() }), [0, 3], { nIn: 5 , spiking: true });
  compareModes('LIF hard (Sigmoid)', () => new nn.LIF(5, { tau: 4, spkFun: new Sigmoid(), spkReset: 'hard' }), [0, 3], { nIn: 5 , spiking: true });
  compareModes('LIF detachReset (Arctan)', () => new nn.LIF(5, { tau: 4, spkFun: new Arctan(), detachReset: true }), [0, 3], { nIn: 5 , spiking: true });
  compareModes('LIF general constants', () => new nn.LIF(5, { tau: 7, R: 2.5, VTh: 0.7, VReset: -0.6, VRest: 0.3, spkFun: new Sigmoid({ alpha: 2 }) }), [0, 2], { nIn: 5 , spiking: true });
  compareModes('IF', () => new nn.IF(3, { tau: 3, VTh: 0.8, spkFun: new ReluGrad() }), [0, 3], { nIn: 3 , spiking: true });
  compareModes('ALIF soft', () => new nn.ALIF(5, { tau: 4, tauA: 9, beta: 0.4, spkFun: new Sigmoid() }), [0, 4], { nIn: 5 , spiking: true });
  compareModes('ALIF hard, detached', () => new nn.ALIF(5, { tau: 4, tauA: 9, beta: 0.4, spkFun: new ReluGrad(), spkReset: 'hard', detachReset: true }), [0, 4], { nIn: 5 , spiking: true });
  compareModes('LeakyRateReadout', (dtype) => new nn.LeakyRateReadout(6, 3, { tau: 4, dtype }), [-1, 1], { nIn: 6 });
  compareModes('Linear', (dtype) => new nn.Linear(6, 3, { dtype }), [-1, 1], { nIn: 6 });
  compareModes('Sequential seed network', (dtype) => new nn.Sequential(
    new nn.Linear(7, 4, { dtype, wInit: new sg.init.Normal({ std: 1.5 }) }),
    new nn.Expon(4, { tau: 5 }),
    new nn.LIF(4, { tau: 6, spkFun: new ReluGrad() }),
    new nn.Linear(4, 2, { dtype }),
    new nn.Expon(2, { tau: 10 }),
  ), [0, 1], { nIn: 7, T: 31 });
});

describe('a custom module', () => {
  class SNN extends nn.Module {
    i2r: sg.nn.Sequential;
    r: sg.nn.LIF;
    r2o: sg.nn.Linear;
    o: sg.nn.Expon;
    constructor() {
      super();
      this.i2r = new nn.Sequential(new nn.Linear(6, 4, { wInit: new sg.init.Normal({ std: 1.5 }) }), new nn.Expon(4, { tau: 5 }));
      this.r = new nn.LIF(4, { tau: 6, spkFun: new ReluGrad() });
      this.r2o = new nn.Linear(4, 2);
      this.o = new nn.Expon(2, { tau: 10 });
    }
    update(x: sg.Tensor): sg.Tensor {
      return this.o.update(this.r2o.update(this.r.update(this.i2r.update(x))));
    }
  }

  it('finds its states by path in declaration order', () => {
    const net = new SNN();
    expect(Object.keys(net.states())).toEqual(['i2r.0.weight', 'i2r.0.bias', 'i2r.1.g', 'r.V', 'r2o.weight', 'r2o.bias', 'o.g']);
    expect(Object.keys(net.states(ParamState))).toEqual(['i2r.0.weight', 'i2r.0.bias', 'r2o.weight', 'r2o.bias']);
    expect(Object.keys(net.states(HiddenState))).toEqual(['i2r.1.g', 'r.V', 'o.g']);
    expect(Object.keys(net.modules())).toEqual(['i2r', 'i2r.0', 'i2r.1', 'r', 'r2o', 'o']);
  });

  it('runs through the default Module.run (a step loop) with the same numbers as the layers chained in sequence mode', () => sg.tidy(() => {
    const net = new SNN();
    const xs = sg.tensor(uniformArray(20 * 3 * 6, 0, 1, rng(2)), [20, 3, 6], 'float32');
    nn.initAllStates(net, { batchSize: 3 });
    const a = net.run(xs).dataSync();
    nn.initAllStates(net, { batchSize: 3 });
    const b = net.o.run(net.r2o.run(net.r.run(net.i2r.run(xs)))).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
  }));
});

describe('state carried across calls', () => {
  it('running a sequence in two chunks without re-initialising gives the same loss and gradients (gradients flow through the final state)', () => {
    const make = () => new nn.Sequential(
      new nn.Linear(5, 4, { dtype: 'float64', wInit: new sg.init.Normal({ std: 1.5 }) }),
      new nn.Expon(4, { tau: 5 }),
      new nn.ALIF(4, { tau: 6, beta: 0.3, spkFun: new Sigmoid() }),
      new nn.DualExpon(4, { tauRise: 2, tauDecay: 6 }),
      new nn.LeakyRateReadout(4, 2, { dtype: 'float64' }),
    );
    sg.random.seed(4);
    const net = make();
    const xs = sg.tensor(uniformArray(24 * 3 * 5, 0, 1, rng(8)), [24, 3, 5], 'float64');
    const u = sg.tensor(uniformArray(24 * 3 * 2, -1, 1, rng(9)), [24, 3, 2], 'float64');
    const lossOf = (chunks: number) => () => {
      nn.initAllStates(net, { batchSize: 3, dtype: 'float64' });
      const T = 24 / chunks;
      const outs = Array.from({ length: chunks }, (_, c) => net.run(xs.slice([c * T, 0, 0], [T, 3, 5])));
      return sg.sum(sg.mul(sg.concat(outs, 0), u));
    };
    const [g1, l1] = sg.grad(lossOf(1), net.states(ParamState), { returnValue: true })();
    const [g3, l3] = sg.grad(lossOf(3), net.states(ParamState), { returnValue: true })();
    expect(l3.dataSync()[0]).toBeCloseTo(l1.dataSync()[0]!, 12);
    for (const k of Object.keys(g1)) expectClose(g3[k]!.dataSync(), g1[k]!.dataSync(), { atol: 1e-12, rtol: 1e-10 }, k);
  });

  it('training steps in sequence mode leave the backend memory flat', () => {
    const be = sg.getBackend();
    const net = new nn.Sequential(new nn.Linear(6, 4), new nn.Expon(4), new nn.LIF(4), new nn.Linear(4, 2), new nn.Expon(2));
    const xs = sg.tensor(uniformArray(30 * 8 * 6, 0, 1, rng(3)), [30, 8, 6], 'float32');
    const step = () => sg.tidy(() => {
      nn.initAllStates(net, { batchSize: 8 });
      const [g, l] = sg.grad(() => net.run(xs).mean(), net.states(ParamState), { returnValue: true })();
      for (const [k, s] of Object.entries(net.states(ParamState))) s.value = s.value.sub(g[k]!.mul(0.1));
      return l.dataSync()[0];
    });
    step();
    const after1 = be.memory();
    step();
    step();
    expect(be.memory().bytesInUse).toBe(after1.bytesInUse);
    expect(be.memory().liveBuffers).toBe(after1.liveBuffers);
  });
});
