/**
 * Modules, states and their errors: units of parameters, initAllStates and what forgetting it does, input
 * checks, state dicts, and the initializers (their statistics, units and seeding).
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import * as u from '../../units/index.js';
import { ReluGrad } from '../../surrogate/index.js';

const { nn, init, random, HiddenState, ParamState } = sg;
const spkFun = new ReluGrad();

describe('units of layer parameters', () => {
  it('rejects a wrong dimension, naming the argument, the expected and the given dimension', () => {
    expect(() => new nn.LIF(4, { tau: u.mV(20), spkFun })).toThrow(/LIF: argument 'tau' expected a time \(in ms\), got 20 mV \(a voltage\)/);
    expect(() => new nn.LIF(4, { VTh: u.ms(1), spkFun })).toThrow(/LIF: argument 'VTh' expected a voltage \(in mV\), got 1 ms \(a time\)/);
    expect(() => new nn.LIF(4, { R: u.mV(1), spkFun })).toThrow(/LIF: argument 'R' expected a resistance/);
    expect(() => new nn.Expon(4, { tau: u.mA(5) })).toThrow(/Expon: argument 'tau' expected a time \(in ms\), got 5 mA \(a current\)/);
    expect(() => new nn.ALIF(4, { beta: u.ms(1), spkFun })).toThrow(/ALIF: argument 'beta' expected a voltage/);
    expect(() => new nn.DualExpon(4, { tauRise: u.Hz(1) })).toThrow(/DualExpon: argument 'tauRise' expected a time/);
  });

  it('reads plain numbers in the documented unit and converts quantities', () => {
    const a = new nn.LIF(4, { tau: 20, VTh: 1, R: 1, spkFun });
    const b = new nn.LIF(4, { tau: u.s(0.02), VTh: u.V(0.001), R: u.kohm(0.001), spkFun });
    expect([b.tau, b.VTh, b.R]).toEqual([a.tau, a.VTh, a.R]);
    expect(new nn.Expon(3, { tau: u.ms(5) }).tau).toBe(5);
  });

  it('accepts a dimensionless quantity wherever a number is', () => {
    const dimless = u.Hz(200).mul(u.ms(100)); // 20
    expect(new nn.LIF(4, { tau: dimless, spkFun }).tau).toBe(20);
    expect(new nn.DualExpon(3, { A: u.Hz(5).mul(u.ms(200)) }).amp).toBeCloseTo((10 - 1) / 1 / 10, 12);
  });

  it('checks the values too', () => {
    expect(() => new nn.LIF(4, { tau: -1, spkFun })).toThrow(/argument 'tau' expected a positive value in ms, got -1/);
    expect(() => new nn.LIF(4, { VTh: 0, VReset: 0.5, spkFun })).toThrow(/argument 'VTh' expected a threshold above VReset \(0.5 mV\), got 0 mV/);
    expect(() => new nn.LIF(4, { spkFun: {} as never })).toThrow(/argument 'spkFun' expected a surrogate/);
    expect(() => new nn.LIF(4, { spkFun, spkReset: 'zero' as never })).toThrow(/argument 'spkReset' expected 'soft' or 'hard', got string 'zero'/);
    expect(() => new nn.LIF(0, { spkFun })).toThrow(/LIF: argument 'size' expected a positive integer, got number 0/);
    expect(() => new nn.IF(3, { VReset: 1 } as never)).toThrow(/IF: 'VReset' and 'VRest' are fixed at 0 mV/);
    expect(() => new nn.DualExpon(3, { tauRise: 4, tauDecay: 4 })).toThrow(/both 4 ms/);
  });

  it('checks the unit of a state initializer against the state', () => {
    const lif = new nn.LIF(2, { VInitializer: new init.Constant(u.V(0.01)), spkFun });
    nn.initAllStates(lif, { batchSize: 1 });
    expect(Array.from(lif.V.value.dataSync())).toEqual([10, 10]); // 0.01 V = 10 mV
    const bad = new nn.LIF(2, { VInitializer: new init.Constant(u.mA(0)), spkFun });
    expect(() => nn.initAllStates(bad, { batchSize: 1 })).toThrow(/LIF\(2\): argument 'VInitializer' expected values in a voltage \(in mV\), got Constant\(value=0, unit=mA\) in mA \(a current\)/);
  });
});

describe('initAllStates and the errors it prevents', () => {
  const x = (shape: number[]) => sg.ones(shape);

  it('(re)creates every hidden state with the batch shape', () => {
    const net = new nn.Sequential(new nn.Linear(3, 4), new nn.Expon(4), new nn.LIF(4, { spkFun }));
    nn.initAllStates(net, { batchSize: 5 });
    expect(Object.values(net.states(HiddenState)).map((s) => s.value.shape)).toEqual([[5, 4], [5, 4]]);
    nn.initAllStates(net);
    expect(Object.values(net.states(HiddenState)).map((s) => s.value.shape)).toEqual([[4], [4]]);
    expect(() => nn.initAllStates(net, { batchSize: 2.5 })).toThrow(/argument 'batchSize' expected a positive integer, got number 2.5/);
    expect(() => nn.initAllStates({} as never)).toThrow(/argument 'net' expected an nn.Module/);
  });

  it('forgetting it is a clear error in both modes, naming the state by its path', () => {
    const net = new nn.Sequential(new nn.Expon(4), new nn.LIF(4, { spkFun }));
    expect(() => net.update(x([2, 4]))).toThrow(/Expon\(4\): hidden state 'g' is not initialized; call nn.initAllStates\(net, \{ batchSize \}\)/);
    net.states(); // paths are assigned on traversal
    expect(() => net.at(1).update(x([2, 4]))).toThrow(/LIF\(4\): hidden state '1.V' is not initialized/);
    expect(() => net.run(x([7, 2, 4]))).toThrow(/hidden state '0.g' is not initialized/);
  });

  it('a state from another batch size is an error, not a broadcast or a stale value', () => {
    const lif = new nn.LIF(4, { spkFun });
    nn.initAllStates(lif, { batchSize: 8 });
    expect(() => lif.update(x([3, 4]))).toThrow(/LIF\(4\): input \[3, 4\] does not match hidden state 'V' \[8, 4\]; call nn.initAllStates\(net, \{ batchSize: 3 \}\)/);
    expect(() => lif.run(x([10, 3, 4]))).toThrow(/input \[3, 4\] \(per time step\) does not match hidden state 'V' \[8, 4\]/);
    expect(() => lif.update(x([8, 4]).astype('float64'))).toThrow(/hidden state 'V' is float32 but the input is float64; pass \{ dtype: 'float64' \}/);
  });

  it('a wrong input width names the layer and both sizes', () => {
    const lin = new nn.Linear(100, 4);
    expect(() => lin.update(x([2, 99]))).toThrow(/Linear\(100→4\).update: argument 'x' expected last dimension 100 \(in features\), got \[2, 99\]/);
    expect(() => lin.run(x([5]))).toThrow(/Linear\(100→4\).run: argument 'xs' expected a sequence/);
    const lif = new nn.LIF(4, { spkFun });
    nn.initAllStates(lif, { batchSize: 2 });
    expect(() => lif.update(x([2, 5]))).toThrow(/LIF\(4\).update: argument 'x' expected last dimension 4 \(the layer's size\), got float32 \[2, 5\]/);
    expect(() => lif.run(x([9, 2, 5]))).toThrow(/LIF\(4\).run: argument 'xs' expected last dimension 4 \(the layer's size\), got \[9, 2, 5\]/);
    expect(() => lif.run(x([2, 4]).astype('int32'))).toThrow(/LIF\(4\).run: argument 'xs' expected a float tensor \[T, batch, 4\], got int32 tensor \[2, 4\]/);
    expect(() => lif.update(3 as never)).toThrow(/argument 'x' expected a float tensor \[batch, 4\], got number 3/);
  });

  it('a step input broadcasts over the batch (a constant current)', () => {
    const lif = new nn.LIF(2, { tau: 1, spkFun });
    nn.initAllStates(lif, { batchSize: 3 });
    expect(lif.update(sg.tensor([5, 0])).shape).toEqual([3, 2]);
  });

  it('after run, the hidden states hold the final state (the same as after the step loop)', () => {
    const lif = new nn.LIF(2, { tau: 3, spkFun });
    const xs = sg.tensor(Float32Array.from({ length: 12 }, (_, i) => (i % 5) * 0.7), [6, 1, 2]);
    nn.initAllStates(lif, { batchSize: 1 });
    lif.run(xs);
    const afterRun = Array.from(lif.V.value.dataSync());
    nn.initAllStates(lif, { batchSize: 1 });
    for (let t = 0; t < 6; t++) lif.update(xs.index(t));
    expect(afterRun).toEqual(Array.from(lif.V.value.dataSync()));
  });
});

describe('state dicts', () => {
  const make = () => new nn.Sequential(new nn.Linear(3, 2), new nn.Expon(2), new nn.Linear(2, 1, { bInit: null }));

  it('round-trips the parameters by path', async () => {
    random.seed(1);
    const a = make();
    random.seed(2);
    const b = make();
    const dict = await a.stateDict();
    expect(Object.keys(dict)).toEqual(['0.weight', '0.bias', '2.weight']);
    expect(dict['0.weight']!.shape).toEqual([3, 2]);
    expect(dict['0.weight']!.data).toBeInstanceOf(Float32Array);
    b.loadStateDict(dict);
    expect(Array.from(await b.states(ParamState)['0.weight']!.value.data())).toEqual(Array.from(dict['0.weight']!.data));
    // Plain arrays are accepted too.
    b.loadStateDict({ ...dict, '2.weight': { shape: [2, 1], data: [0.5, -1] } });
    expect(Array.from(b.states(ParamState)['2.weight']!.value.dataSync())).toEqual([0.5, -1]);
  });

  it('rejects a missing, mis-shaped or unknown entry before writing anything', async () => {
    const net = make();
    const dict = await net.stateDict();
    const before = Array.from(net.states(ParamState)['0.weight']!.value.dataSync());
    const { ['0.bias']: _dropped, ...missing } = dict;
    expect(() => net.loadStateDict(missing)).toThrow(/loadStateDict: missing entry '0.bias' \(expected float32 \[2\]\)/);
    expect(() => net.loadStateDict({ ...dict, '0.weight': { shape: [2, 3], data: new Float32Array(6) } })).toThrow(/entry '0.weight' has shape \[2, 3\], expected \[3, 2\]/);
    expect(() => net.loadStateDict({ ...dict, '0.weight': { shape: [3, 2], data: new Float32Array(5) } })).toThrow(/entry '0.weight' has 5 values, its shape \[3, 2\] needs 6/);
    expect(() => net.loadStateDict({ ...dict, '0.weight': { shape: [3, 2], data: new Float32Array(6) }, 'extra.w': { shape: [1], data: [1] } }))
      .toThrow(/unexpected entry 'extra.w'; the module's parameters are '0.weight', '0.bias', '2.weight'/);
    expect(Array.from(net.states(ParamState)['0.weight']!.value.dataSync())).toEqual(before);
    net.loadStateDict({ ...dict, 'extra.w': { shape: [1], data: [1] } }, { strict: false });
  });
});

describe('initializers', () => {
  const stats = (t: sg.Tensor) => {
    const d = Float64Array.from(t.dataSync());
    const mean = d.reduce((a, v) => a + v, 0) / d.length;
    const std = Math.sqrt(d.reduce((a, v) => a + (v - mean) ** 2, 0) / d.length);
    return { mean, std, min: Math.min(...d), max: Math.max(...d) };
  };

  it('KaimingNormal has std sqrt(2/fan_in) (docs/numerics.md decision 5), legacy (sqrt(2)/fan_in)^0.5', () => {
    random.seed(0);
    const s = stats(new init.KaimingNormal().create([100, 400]));
    expect(Math.abs(s.mean)).toBeLessThan(0.003);
    expect(s.std / Math.sqrt(2 / 100)).toBeCloseTo(1, 1);
    expect(new init.KaimingNormal().std([100, 4])).toBeCloseTo(0.1414214, 7);
    expect(new init.KaimingNormal().std([4, 2])).toBeCloseTo(0.7071068, 7);
    expect(new init.KaimingNormal({ legacy: true }).std([100, 4])).toBeCloseTo(0.1189207, 7);
    expect(new init.KaimingNormal({ legacy: true }).std([4, 2])).toBeCloseTo(0.5946036, 7);
    expect(() => new init.KaimingNormal({ legacy: true, scale: 2 })).toThrow(/either 'legacy' or 'scale'/);
  });

  it('the uniform and Xavier variants have their bounds and variances', () => {
    random.seed(0);
    const ku = stats(new init.KaimingUniform().create([50, 200]));
    const bound = Math.sqrt(6 / 50);
    expect(ku.max).toBeLessThanOrEqual(bound);
    expect(ku.min).toBeGreaterThanOrEqual(-bound);
    expect(ku.std / (bound / Math.sqrt(3))).toBeCloseTo(1, 1);
    expect(new init.XavierNormal().std([30, 10])).toBeCloseTo(Math.sqrt(2 / 40), 12);
    const xu = stats(new init.XavierUniform().create([30, 10]));
    expect(xu.max).toBeLessThanOrEqual(Math.sqrt(6 / 40));
    const n = stats(new init.Normal({ mean: 2, std: 0.5 }).create([20000]));
    expect(n.mean).toBeCloseTo(2, 1);
    expect(n.std).toBeCloseTo(0.5, 1);
    const un = stats(new init.Uniform({ low: -3, high: -1 }).create([5000]));
    expect(un.min).toBeGreaterThanOrEqual(-3);
    expect(un.max).toBeLessThan(-1);
    expect(Array.from(new init.Constant(1.5).create([3]).dataSync())).toEqual([1.5, 1.5, 1.5]);
    expect(Array.from(new init.ZeroInit({ unit: u.mA }).create([2]).dataSync())).toEqual([0, 0]);
  });

  it('draw from the seeded generator: the same seed gives the same weights', () => {
    random.seed(42);
    const a = new nn.Linear(10, 3).weight.value.dataSync();
    random.seed(42);
    const b = new nn.Linear(10, 3).weight.value.dataSync();
    random.seed(42);
    const c = random.normal([10, 3], 0, Math.sqrt(2 / 10)).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).toEqual(Array.from(c));
  });

  it('carry and check units; print like braintools', () => {
    expect(new init.KaimingNormal({ unit: u.mA }).unit).toBe(u.mA);
    expect(String(new init.Normal({ mean: u.mV(-65), std: u.mV(2) }))).toBe('Normal(mean=-65, std=2, unit=mV)');
    expect(() => new init.Normal({ mean: u.mV(-65), std: u.ms(2) })).toThrow(/Normal: argument 'std' expected a voltage \(in mV\), got 2 ms \(a time\)/);
    expect(() => new nn.Linear(3, 2, { wInit: 'kaiming' as never })).toThrow(/Linear: argument 'wInit' expected an initializer/);
    expect(String(new init.KaimingNormal())).toBe('KaimingNormal(scale=2, mode=fan_in)');
  });
});
