/**
 * A bad declaration fails before any code exists, naming the field; random expression trees and strings either
 * fail that way or give a model whose kernels run (and agree with step mode): never anything executed from
 * the input. The generated kernels and the interpreter used where eval is forbidden give the same bits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { declareNeuron, type NeuronDeclaration } from '../../dynamics/declaration.js';
import { bindNeuron } from '../../dynamics/bind.js';
import { neuronSources } from '../../kernels/neuron/sequenceCpu.js';
import { neuronWgsl } from '../../kernels/neuron/sequenceWebgpu.js';
import { codegen } from '../../surrogate/compileJs.js';
import { rng } from '../support/helpers.js';

const { nn } = sg;

const BASE: NeuronDeclaration = {
  name: 'Base', input: { unit: 'mA' },
  states: { V: { unit: 'mV', init: 0 }, w: { unit: 'mA', init: 0 } },
  params: { tau: { unit: 'ms', default: 5, positive: true }, R: { unit: 'ohm', default: 1 }, V_th: { unit: 'mV', default: 1 }, b: { unit: 'mA', default: 0.1 } },
  update: { V: { expEuler: '(-V + R * (I - w)) / tau' }, w: 'w * 0.9' },
  spike: '(V - V_th) / V_th',
  reset: { V: { to: '0' }, w: { add: 'b' } },
};

const bad = (patch: Partial<Record<keyof NeuronDeclaration, unknown>>) => () => declareNeuron({ ...BASE, ...patch } as NeuronDeclaration);

describe('declareNeuron rejects a bad declaration, naming the field', () => {
  const cases: [string, Partial<Record<keyof NeuronDeclaration, unknown>>, RegExp][] = [
    ['unknown state in update', { update: { U: 'V' } }, /update\.U: unknown state 'U'/],
    ['unknown name in an expression', { update: { V: 'V + Q' } }, /update\.V.*unknown name 'Q'/],
    ['unknown state in reset', { reset: { Z: { to: '0' } } }, /reset\.Z: unknown state 'Z'/],
    ['unit mismatch (mV + ms)', { update: { V: 'V + tau' } }, /update\.V: unit mismatch in add '\(V \+ tau\)': 'mV' and 'ms'/],
    ['unit mismatch of an assignment', { update: { V: 'R * I * 2 + w * R * 0 + I' } }, /update\.V: unit mismatch/],
    ['unit mismatch of a drift', { update: { V: { expEuler: '-V + R * I' } } }, /update\.V\.expEuler: unit mismatch: the drift of 'V' must be in 'mV\/ms'/],
    ['a dimensionful spike condition', { spike: 'V - V_th' }, /spike: unit mismatch: the spike condition must be dimensionless/],
    ['a dimensionful exp argument', { update: { V: 'V * exp(V)' } }, /update\.V: unit mismatch: 'exp\(V\)' needs a dimensionless argument, got 'mV'/],
    ['a non-differentiable step (floor)', { update: { V: 'floor(V)' } }, /update\.V.*(unknown function 'floor'|'floor' is not allowed)/],
    ['a name clash (state and parameter)', { params: { ...BASE.params, V: { default: 1 } } }, /params\.V: name clash: 'V' is also declared in states\.V/],
    ['a reserved name', { states: { dt: { init: 0 } } }, /states\.dt: 'dt' is reserved/],
    ['a reset value depending on a state', { reset: { V: { to: 'V' } } }, /reset\.V\.to.*unknown name 'V'/],
    ['a reset of two kinds', { reset: { V: { to: '0', add: '1' } } }, /reset\.V: expected exactly one of/],
    ['an unknown key', { spikes: 'V' } as never, /declaration: unknown key 'spikes'/],
    ['a non-finite default', { params: { tau: { default: Infinity } } }, /params\.tau\.default: expected a finite number/],
    ['an unknown unit', { states: { V: { unit: 'mVolt' } } }, /states\.V\.unit: unknown unit 'mVolt'/],
    ['a condition as a value', { update: { V: 'V > 0' } }, /update\.V.*condition/],
    ['no state in the spike condition', { spike: 'V_th / V_th' }, /spike: the spike condition depends on no state/],
    ['a forged node kind', { spike: { kind: 'code', src: 'process.exit()' } }, /spike: unknown expression node kind .*code/],
    ['a forged operation', { spike: { kind: 'op', op: 'constructor', args: [] } }, /spike: unknown operation "constructor"/],
    ['a forged variable', { spike: { kind: 'var', name: 'globalThis' } }, /spike: unknown name "globalThis"/],
    ['a NaN literal node', { spike: { kind: 'num', value: NaN } }, /spike: expected a finite number, got number NaN/],
  ];
  for (const [what, patch, msg] of cases) it(what, () => expect(bad(patch)).toThrow(msg));

  it('a state named like a layer member', () => {
    expect(() => nn.defineNeuron({ ...BASE, states: { run: { init: 0 } }, update: { run: 'run' }, spike: 'run - 1', reset: {} })).toThrow(/states\.run: name clash with the layer's member 'run'/);
  });
  it('layer options: unknown option, wrong unit, non-positive time constant', () => {
    const Base = nn.defineNeuron(BASE);
    expect(() => new Base(3, { taus: 2 })).toThrow(/Base: unknown option 'taus'/);
    expect(() => new Base(3, { tau: sg.units.mV(2) })).toThrow(/tau/);
    expect(() => new Base(3, { tau: -1 })).toThrow(/Base: argument 'tau' expected a positive value in ms, got -1/);
    const Log = nn.defineNeuron({ ...BASE, name: 'Log', params: { ...BASE.params, k: { default: 2 } }, update: { V: 'V * log(k)', w: 'w' } });
    expect(() => new Log(3, { k: -1 })).toThrow(/Log \(dt=1, tau=5, R=1, V_th=1, b=0.1, k=-1\): the constant 'log\(k\)' is NaN in float32/);
  });
});

describe('random declarations: a clear error, or kernels that run', () => {
  const VALID = ['V', 'w', 'tau', 'R', 'V_th', 'b', 'I', 'dt', 'spike'];
  const INVALID = ['x', 'zz', 'constructor', '__proto__'];
  const leaf = fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('num'), value: fc.double({ min: -4, max: 4, noNaN: true }) }) },
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('var'), name: fc.constantFrom(...VALID) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('var'), name: fc.constantFrom(...INVALID) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('num'), value: fc.constantFrom(NaN, Infinity) }) },
    { weight: 1, arbitrary: fc.anything() },
  );
  const node: fc.Memo<unknown> = fc.memo((d) => (d <= 1 ? leaf : fc.oneof(
    { weight: 2, arbitrary: leaf },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('op'), op: fc.constantFrom('neg', 'exp', 'tanh', 'log', 'sqrt', 'abs', 'expm1', 'exprel', 'floor', 'eval'), args: fc.tuple(node(d - 1)) }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('op'), op: fc.constantFrom('add', 'sub', 'mul', 'div', 'max', 'min', 'pow', 'lt'), args: fc.tuple(node(d - 1), node(d - 1)) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('op'), op: fc.constant('select'), args: fc.tuple(fc.record({ kind: fc.constant('op'), op: fc.constantFrom('lt', 'ge'), args: fc.tuple(node(d - 1), node(d - 1)) }), node(d - 1), node(d - 1)) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('op', 'x', 'bogus'), op: fc.constantFrom('add', 'select', 'constructor'), args: fc.array(node(d - 1), { maxLength: 3 }) }) },
  )));
  const text = fc.array(fc.constantFrom('V', 'w', 'tau', '*', '+', '-', '/', '(', ')', '0.5', 'exp(', 'I', ',', '?', ':', '<', 'b', 'x', ';', '`', 'alert(1)', ' '), { maxLength: 14 }).map((t) => t.join(''));

  // Without units, so that random expressions are accepted often enough to run their kernels.
  const FREE: NeuronDeclaration = {
    name: 'Free', states: { V: { init: 0.3 }, w: { init: 0 } },
    params: { tau: { default: 5, positive: true }, R: { default: 1.5 }, V_th: { default: 1 }, b: { default: 0.1 } },
    update: { V: 'V' }, spike: '(V - V_th) / V_th', reset: { V: { to: '0' }, w: { add: 'b' } },
  };
  const seen = { accepted: 0, rejected: 0 };
  const attempt = (update: unknown, spike: unknown): void => {
    let Cls: sg.nn.DeclaredNeuronClass;
    try {
      Cls = nn.defineNeuron({ ...FREE, update: { V: update, w: 'w * 0.9' }, spike } as NeuronDeclaration);
    } catch (e) {
      expect(e).toBeInstanceOf(sg.SpikegradError);
      // the field, or (a constant that is not finite with the default parameters) the model and the constant
      expect((e as Error).message).toMatch(/^defineNeuron: (update\.V|spike|Free \(dt=1,.*\): .* is (NaN|-?Infinity) in float(32|64))/);
      seen.rejected++;
      return;
    }
    seen.accepted++;
    // Accepted: the generated code and step mode must run and agree on the CPU.
    const l = new Cls(3), m = new Cls(3);
    nn.initAllStates(l, { batchSize: 2 });
    nn.initAllStates(m, { batchSize: 2 });
    const x = sg.tensor(Float32Array.from({ length: 12 }, (_, i) => Math.sin(i)), [2, 2, 3]);
    const seq = l.run(x).dataSync();
    const steps = [...m.update(sg.index(x, 0)).dataSync(), ...m.update(sg.index(x, 1)).dataSync()];
    expect(Array.from(seq)).toEqual(steps);
  };

  it('expression trees', () => {
    fc.assert(fc.property(node(4), node(3), (u, s) => attempt(u, s)), { numRuns: 300, seed: 42 });
  });
  it('expression strings', () => {
    fc.assert(fc.property(text, text, (u, s) => attempt(u, s)), { numRuns: 300, seed: 43 });
  });
  it('the property reaches both outcomes (a run kernel, a clear error)', () => {
    const before = { ...seen };
    attempt('V * 0.5 + I', '(V - V_th) / V_th');
    attempt('V * zz', '(V - V_th) / V_th');
    expect(seen.accepted - before.accepted).toBe(1);
    expect(seen.rejected - before.rejected).toBe(1);
    // and random trees are accepted too, not only rejected
    const trees = fc.sample(node(3), { numRuns: 200, seed: 7 });
    const start = seen.accepted;
    for (const t of trees) attempt(t, '(V - V_th) / V_th');
    expect(seen.accepted - start).toBeGreaterThan(0);
  });
});

describe('generated code', () => {
  it('names no declared identifier: the source holds only generator-chosen names and numbers', () => {
    const m = declareNeuron({ ...BASE, states: { weird_Name1: { unit: 'mV' }, w: { unit: 'mA' } }, update: { weird_Name1: { expEuler: '(-weird_Name1 + R * (I - w)) / tau' } }, spike: '(weird_Name1 - V_th) / V_th', reset: {} });
    const b = bindNeuron(m, {}, 1, 'float32');
    const js = neuronSources.forward(b) + neuronSources.backward(b, { neuron: b, spkFun: new sg.surrogate.Sigmoid(), detachReset: false, hasDS: true, hasDStates: true });
    const wgsl = neuronWgsl.forward(b).element + neuronWgsl.backward(b, { neuron: b, spkFun: new sg.surrogate.Sigmoid(), detachReset: false, hasDS: true, hasDStates: true }).element;
    for (const src of [js, wgsl]) expect(src).not.toMatch(/weird_Name1|V_th|tau/);
  });

  it('the interpreter (eval forbidden) gives the generated kernels\' bits, forward and backward', () => {
    const r = rng(9);
    const x = sg.tensor(Float32Array.from({ length: 6 * 2 * 5 }, () => 3 * r() - 0.5), [6, 2, 5]);
    const outcome = () => {
      const l = new nn.AdExIF(5, { V_th: -52, VInitializer: -52 });
      const loss = (xs: sg.Tensor) => {
        nn.initAllStates(l, { batchSize: 2 });
        return sg.sum(sg.mul(l.run(sg.mul(xs, 9)), sg.add(xs, 2)));
      };
      const [[g], v] = sg.grad(loss, [x], { returnValue: true })(x);
      return [v.dataSync()[0], Array.from(g!.dataSync()), Array.from((l as unknown as { w: sg.HiddenState }).w.value.dataSync())];
    };
    const generated = outcome();
    codegen.enabled = false;
    try {
      expect(outcome()).toEqual(generated);
    } finally {
      codegen.enabled = true;
    }
  });
});

describe('the README example (Custom neurons)', () => {
  it('defines, runs and trains an Izhikevich layer', () => {
    const { surrogate } = sg;
    const Izh = nn.defineNeuron({
      name: 'Izh',
      input: { unit: 'mV/ms' },
      states: { V: { unit: 'mV', init: -65 }, u: { unit: 'mV/ms', init: 0 } },
      params: { a: { unit: '1/ms', default: 0.02 }, b: { unit: '1/ms', default: 0.2 },
        c: { unit: 'mV', default: -65 }, d: { unit: 'mV/ms', default: 8 }, V_th: { unit: 'mV', default: 30 } },
      update: {
        V: { expEuler: '0.04 * V * V + 5 * V + 140 - u + I' },
        u: { expEuler: 'a * (b * V - u)' },
      },
      spike: '(V - V_th) / V_th',
      reset: { V: { to: 'c' }, u: { add: 'd' } },
    });
    const layer = new Izh(128, { a: 0.03, spkFun: new surrogate.Sigmoid() });
    nn.initAllStates(layer, { batchSize: 2 });
    const x = sg.mul(sg.ones([60, 2, 128]), 12);
    const [[g], count] = sg.grad((xs: sg.Tensor) => sg.sum(layer.run(xs)), [x], { returnValue: true })(x);
    expect(count.dataSync()[0]).toBe(2 * 128); // under 12 mV/ms each neuron fires once in 60 ms
    expect(Array.from(g!.dataSync()).some((v) => v !== 0)).toBe(true);
    expect(String(layer)).toMatch(/^Izh\(128, a=0\.03, b=0\.2/);
  });
});
