/**
 * The numerics debug mode: with checkNumerics on, the first op (or optimizer update) whose float output holds
 * a NaN or ±Infinity is an error naming the op, the layer, the time step and the jit call; off, nothing is
 * checked. Before it, a NaN input stayed in a LIF membrane for the rest of training without a word.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as sg from '../../index.js';
import { numerics } from '../../engine/numerics.js';
import { describeWebGpu } from '../support/webgpu.js';

const { nn, environ, transform, init } = sg;
const u = sg.units;

/** Linear → Expon → LIF → Linear, stepped through time; the paths are i2r.0, i2r.1, r, r2o. */
class Net extends nn.Module {
  i2r: sg.nn.Sequential;
  r: sg.nn.LIF;
  r2o: sg.nn.Linear;
  constructor(backend?: sg.Backend) {
    super();
    const opts = backend ? { backend } : {};
    this.i2r = new nn.Sequential(new nn.Linear(3, 4, { wInit: new init.Constant(0.5), ...opts }), new nn.Expon(4, { tau: u.ms(5) }));
    this.r = new nn.LIF(4, { tau: u.ms(10), VTh: u.mV(1) });
    this.r2o = new nn.Linear(4, 2, { wInit: new init.Constant(0.25), ...opts });
  }
  update(x: sg.Tensor): sg.Tensor {
    return this.r2o.update(this.r.update(this.i2r.update(x)));
  }
}

/** [T=6, B=2, 3] ones, with `bad` at (t, 1, 2) when given. */
function inputs(t?: number, bad = NaN, backend?: sg.Backend): sg.Tensor {
  const x = new Float32Array(6 * 2 * 3).fill(1);
  if (t !== undefined) x[t * 6 + 1 * 3 + 2] = bad;
  return sg.tensor(x, [6, 2, 3], 'float32', backend);
}

/** A training-like step of `net` over `data()`, jitted. */
function stepper(net: Net, data: () => sg.Tensor) {
  return transform.jit(() => {
    nn.initAllStates(net, { batchSize: 2 });
    return transform.forLoop(net.update, data()).sum();
  });
}

const on = <T>(fn: () => T): T => environ.context({ dt: 1, checkNumerics: true }, fn);

afterEach(() => {
  environ.set({ checkNumerics: false });
});

describe('checkNumerics', () => {
  it('is off by default: a NaN passes through every op silently, and the hot path sees one false flag', async () => {
    expect(environ.getCheckNumerics()).toBe(false);
    expect(numerics.on).toBe(false);
    const y = sg.log(sg.tensor([1, 0, -1]));
    expect(Array.from(await y.data())).toEqual([0, -Infinity, NaN]);
    y.dispose();
  });

  it('names the op, the value and the element', () => {
    const x = sg.tensor([1, 0, 2]);
    expect(() => on(() => sg.log(x))).toThrow("checkNumerics: op 'log' produced -Infinity (output 0, float32 [3], element 1 of 3)");
    expect(() => on(() => sg.div(x, 0))).toThrow("checkNumerics: op 'div' produced Infinity (output 0, float32 [3], element 0 of 3)");
    expect(() => on(() => sg.sqrt(sg.neg(x)))).toThrow("checkNumerics: op 'sqrt' produced NaN (output 0, float32 [3], element 0 of 3)");
    expect(() => on(() => sg.exp(x).mul(1e38))).toThrow("checkNumerics: op 'mul' produced Infinity"); // float32 overflow
    expect(numerics.on).toBe(false); // the contexts closed
    x.dispose();
  });

  it('a NaN input: the time step of the forLoop and the jit call where it is first read', () => {
    const net = new Net();
    let data = inputs();
    const step = stepper(net, () => data);
    on(() => step().dispose()); // call 1: clean
    data = inputs(3);
    expect(() => on(() => step())).toThrow(
      "checkNumerics: op 'slice' produced NaN (output 0, float32 [1, 2, 3], element 5 of 6) at time step 3 of a forLoop, in call 2 of a transform.jit function");
    // The LIF layer on its own, in sequence mode: the fused kernel's states output (the membrane, [T, K = 1, …]).
    const lif = new nn.LIF(3, { tau: u.ms(10) });
    expect(() => on(() => {
      nn.initAllStates(lif, { batchSize: 2 });
      return lif.run(data);
    })).toThrow(/^checkNumerics: op 'neuronRun' produced NaN \(output 1, float32 \[6, 1, 2, 3\], element 23 of 36\) in LIF\.run$/);
  });

  it('a NaN made inside a layer: the layer by its path in the network', () => {
    const net = new Net();
    const step = stepper(net, () => xs);
    const xs = inputs();
    net.r2o.weight.value = sg.tensor([1, 1, NaN, 1, 1, 1, 1, 1], [4, 2]);
    expect(() => on(() => step())).toThrow(
      "checkNumerics: op 'linear' produced NaN (output 0, float32 [2, 2], element 0 of 4) in layer 'r2o' (Linear.update), at time step 0 of a forLoop, in call 1 of a transform.jit function");
    net.r2o.weight.value = sg.tensor([1, 1, 1, 1, 1, 1, 1, 1], [4, 2]);
    net.states(sg.ParamState)['i2r.0.weight']!.value = sg.tensor([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -Infinity], [3, 4]);
    expect(() => on(() => step())).toThrow(/ produced -Infinity .* in layer 'i2r\.0' \(Linear\.update\), at time step 0 of a forLoop, in call 2 of/);
  });

  it('in the backward pass: the op computing a gradient, and where its forward op ran', () => {
    class Root extends nn.Module {
      update(x: sg.Tensor): sg.Tensor {
        return sg.sqrt(x);
      }
    }
    const m = new Root();
    const xs = sg.tensor([1, 4, 0, 9], [2, 2]); // sqrt(0) = 0 forward; its gradient 1/(2·0) = Infinity
    expect(() => on(() => sg.grad(() => transform.forLoop(m.update, xs).sum(), xs)())).toThrow(
      "checkNumerics: op 'div' in the backward pass (the gradient of op 'sqrt' in Root.update, at time step 1 of a forLoop) produced Infinity (output 0, float32 [2], element 0 of 2)");
  });

  it('an optimizer update that makes a parameter NaN', () => {
    const w = new sg.ParamState(sg.tensor([1, 2]));
    const opt = new sg.optim.Adam({ lr: 0.1 }).registerTrainableWeights({ w });
    const g = sg.tensor([Infinity, 1]); // made outside the check: the update's Inf/Inf is what is caught
    expect(() => on(() => opt.update({ w: g }))).toThrow("checkNumerics: Adam.update of 'w' produced NaN (the parameter, float32 [2], element 0 of 2)");
    opt.dispose();
  });

  it('the global setting, an async context, and the environment variable', async () => {
    environ.set({ checkNumerics: true });
    expect(numerics.on).toBe(true);
    expect(() => sg.log(sg.tensor([0]))).toThrow("checkNumerics: op 'log' produced -Infinity");
    // A context can turn it off inside.
    environ.context({ checkNumerics: false }, () => sg.log(sg.tensor([0])).dispose());
    environ.set({ checkNumerics: false });
    expect(numerics.on).toBe(false);
    // An async context keeps checking across its awaits, and stops when it settles.
    await expect(environ.context({ checkNumerics: true }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      expect(numerics.on).toBe(true);
      return sg.log(sg.tensor([-1]));
    })).rejects.toThrow("checkNumerics: op 'log' produced NaN");
    expect(numerics.on).toBe(false);
    expect(() => environ.set({ checkNumerics: 'yes' as never })).toThrow("environ: argument 'checkNumerics' expected true or false, got string 'yes'");
    vi.resetModules();
    vi.stubEnv('SPIKEGRAD_CHECK_NUMERICS', '1');
    try {
      const fresh = await import('../../engine/environ.js');
      const freshFlag = (await import('../../engine/numerics.js')).numerics;
      expect(fresh.getCheckNumerics()).toBe(true);
      expect(freshFlag.on).toBe(true);
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });
});

describeWebGpu('checkNumerics on WebGPU', (gpu) => {
  it('the first bad op fails the next readback (and sync) with the same message; then reading works again', async () => {
    const x = sg.tensor([1, 0, 2], [3], 'float32', gpu);
    const y = on(() => sg.add(sg.log(x), 1)); // log(0) = -Infinity; the add keeps it: log is named, not add
    await expect(y.data()).rejects.toThrow(
      "checkNumerics: op 'log' produced -Infinity (output 0, float32 [3]) (found at the first readback after it)");
    expect(Array.from(await y.data())).toEqual([1, -Infinity, 1 + Math.log(2)].map(Math.fround)); // unchecked now
    on(() => sg.sqrt(sg.neg(x)).dispose());
    await expect(gpu.sync()).rejects.toThrow("checkNumerics: op 'sqrt' produced NaN");
    await gpu.sync();
    sg.dispose([x, y]);
  });

  it('a NaN made inside a layer in step mode: layer, time step and call, at the readback of the loss', async () => {
    const net = sg.withBackend(gpu, () => new Net(gpu));
    const xs = inputs(undefined, NaN, gpu);
    net.r2o.weight.value = sg.tensor([1, 1, NaN, 1, 1, 1, 1, 1], [4, 2], 'float32', gpu);
    const step = stepper(net, () => xs);
    const loss = on(() => sg.withBackend(gpu, () => step()));
    await expect(loss.item()).rejects.toThrow(
      "checkNumerics: op 'linear' produced NaN (output 0, float32 [2, 2]) in layer 'r2o' (Linear.update), at time step 0 of a forLoop, in call 1 of a transform.jit function (found at the first readback after it)");
  });
});
