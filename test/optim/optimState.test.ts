/**
 * Optimizer state export and import: stateDict() names each slot (Adam's mu and nu against optax's formulas
 * after one step, SGD's trace), loadStateDict continues a run bit for bit, and every mismatch is refused
 * before the optimizer changes.
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { optim } from '../../index.js';
import { expectClose, rng, uniformArray } from '../support/helpers.js';

/** A small model whose gradients change from step to step; the same `seed` gives the same start. */
function makeModel(seed = 3) {
  const r = rng(seed);
  const x = sg.keep(sg.tensor(uniformArray(12, -1, 1, r), [4, 3], 'float32'));
  const states = {
    'layer.weight': new sg.ParamState(sg.tensor(uniformArray(15, -1, 1, r), [3, 5], 'float32')),
    'layer.bias': new sg.ParamState(sg.tensor(uniformArray(5, -0.5, 0.5, r), [5], 'float32')),
  };
  const loss = () => sg.sum(sg.square(sg.tanh(sg.add(sg.matmul(x, states['layer.weight'].value), states['layer.bias'].value))));
  return { states, gradFn: sg.grad(loss, states) };
}

const bitsOf = (a: sg.TypedArray) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.byteLength / 4));

const makers: [string, () => optim.Optimizer][] = [
  ['Adam', () => new optim.Adam({ lr: 1e-2 })],
  ['AdamW with a cosine schedule', () => new optim.AdamW({ lr: optim.cosineLR({ lr: 2e-2, steps: 5 }), weightDecay: 0.1 })],
  ['SGD with Nesterov momentum', () => new optim.SGD({ lr: 0.1, momentum: 0.9, nesterov: true })],
  ['plain SGD (no slots)', () => new optim.SGD({ lr: 0.1 })],
];

describe('optimizer state', () => {
  it.each(makers)('%s: 3 steps, state moved to a fresh optimizer, 3 more steps = 6 steps straight', async (_name, make) => {
    const straight = makeModel();
    const o1 = make().registerTrainableWeights(straight.states);
    for (let s = 0; s < 6; s++) sg.tidy(() => o1.update(straight.gradFn()));

    const first = makeModel();
    const o2 = make().registerTrainableWeights(first.states);
    for (let s = 0; s < 3; s++) sg.tidy(() => o2.update(first.gradFn()));
    const state = await o2.stateDict();
    expect(state.stepCount).toBe(3);
    const params = await first.states['layer.weight'].value.data();
    const bias = await first.states['layer.bias'].value.data();

    // A fresh model with the same parameters, a fresh optimizer, the state loaded: the rest of the run.
    const second = makeModel(); // same input; the parameters are then set to the trained ones
    second.states['layer.weight'].value = sg.tensor(params, [3, 5]);
    second.states['layer.bias'].value = sg.tensor(bias, [5]);
    const o3 = make().registerTrainableWeights(second.states);
    o3.loadStateDict(state);
    expect(o3.stepCount).toBe(3);
    expect(o3.lr).toBe(o2.lr);
    for (let s = 0; s < 3; s++) sg.tidy(() => o3.update(second.gradFn()));
    for (const k of ['layer.weight', 'layer.bias'] as const) {
      expect(bitsOf(await second.states[k].value.data())).toEqual(bitsOf(await straight.states[k].value.data()));
      for (let i = 0; i < o1.slotNames.length; i++) expect(bitsOf(await o3.slots(k)[i]!.data())).toEqual(bitsOf(await o1.slots(k)[i]!.data()));
    }
  });

  it('names the slots: Adam\'s mu and nu after one step are (1−b1)·g and (1−b2)·g²; SGD\'s trace is g', async () => {
    const m = makeModel();
    const g = await m.gradFn()['layer.bias'].data();
    const adam = new optim.Adam({ lr: 1e-3, betas: [0.8, 0.99] }).registerTrainableWeights(m.states);
    expect(adam.slotNames).toEqual(['mu', 'nu']);
    sg.tidy(() => adam.update(m.gradFn()));
    const s = await adam.stateDict();
    expect(s).toMatchObject({ kind: 'Adam', stepCount: 1, slotNames: ['mu', 'nu'] });
    expect(Object.keys(s.slots)).toEqual(['layer.weight', 'layer.bias']);
    expect(s.slots['layer.bias']!.mu!.shape).toEqual([5]);
    expectClose(s.slots['layer.bias']!.mu!.data, Array.from(g, (v) => 0.2 * v), { atol: 1e-7, rtol: 1e-6 }, 'mu');
    expectClose(s.slots['layer.bias']!.nu!.data, Array.from(g, (v) => 0.01 * v * v), { atol: 1e-9, rtol: 1e-5 }, 'nu');

    const m2 = makeModel();
    const sgd = new optim.SGD({ lr: 0.1, momentum: 0.5 }).registerTrainableWeights(m2.states);
    sg.tidy(() => sgd.update(m2.gradFn()));
    const t = await sgd.stateDict();
    expect(t.slotNames).toEqual(['trace']);
    expectClose(t.slots['layer.bias']!.trace!.data, g, { atol: 1e-7, rtol: 1e-6 }, 'trace');
    expect((await new optim.SGD().registerTrainableWeights(m2.states).stateDict()).slots['layer.bias']).toEqual({});
  });

  it('refuses a state that does not fit, and keeps its own', async () => {
    const m = makeModel();
    const adam = new optim.Adam({ lr: 1e-2 }).registerTrainableWeights(m.states);
    sg.tidy(() => adam.update(m.gradFn()));
    const good = await adam.stateDict();
    const other = makeModel(5);
    const target = new optim.Adam().registerTrainableWeights(other.states);
    sg.tidy(() => target.update(other.gradFn()));
    const before = await target.stateDict();
    const { ['layer.bias']: _b, ...lessSlots } = good.slots;
    const bad: [Partial<optim.OptimizerStateDict> | null, RegExp][] = [
      [null, /Adam.loadStateDict: argument 'state' expected an optimizer state \(as stateDict\(\) returns\), got null/],
      [{ ...good, kind: 'SGD' }, /Adam.loadStateDict: the state was saved by SGD; this optimizer is Adam/],
      [{ ...good, stepCount: -1 }, /the step count expected a non-negative integer, got number -1/],
      [{ ...good, stepCount: 2.5 }, /the step count expected a non-negative integer, got number 2.5/],
      [{ ...good, slots: lessSlots }, /the state has no slots for the registered parameter 'layer.bias'/],
      [{ ...good, slots: { ...good.slots, 'layer.extra': {} } }, /the state has slots for 'layer.extra', which this optimizer does not train \(registered: 'layer.weight', 'layer.bias'\)/],
      [{ ...good, slots: { ...good.slots, 'layer.bias': { mu: good.slots['layer.bias']!.mu! } } }, /the state has no slot 'nu' for 'layer.bias'/],
      [{ ...good, slots: { ...good.slots, 'layer.bias': { ...good.slots['layer.bias']!, trace: good.slots['layer.bias']!.mu! } } }, /the slots of 'layer.bias' include 'trace'; Adam keeps 'mu', 'nu'/],
      [{ ...good, slots: { ...good.slots, 'layer.bias': { ...good.slots['layer.bias']!, nu: { shape: [4], dtype: 'float32', data: new Float32Array(4) } } } }, /slot 'nu' of 'layer.bias' is float32 \[4\] with 4 values; the parameter is float32 \[5\]/],
      [{ ...good, slots: { ...good.slots, 'layer.bias': { ...good.slots['layer.bias']!, nu: { shape: [5], dtype: 'float64', data: new Float64Array(5) } } } }, /slot 'nu' of 'layer.bias' is float64 \[5\] with 5 values; the parameter is float32 \[5\]/],
    ];
    for (const [state, message] of bad) expect(() => target.loadStateDict(state as optim.OptimizerStateDict)).toThrow(message);
    const after = await target.stateDict();
    expect(after.stepCount).toBe(before.stepCount);
    expect(after.slots).toEqual(before.slots);
    target.loadStateDict(good);
    expect((await target.stateDict()).slots).toEqual(good.slots);
  });
});
