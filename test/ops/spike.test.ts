/**
 * The spike ops in the engine (CPU backend, float64 for gradients): the Heaviside forward, one tape node
 * and one kernel each way, the surrogate gradient through small networks against a hand-derived float64
 * reference, and gradcheck against finite differences through each smooth function (whose backward is the
 * very same spikeGrad kernel).
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import * as internal from '../../internal.js';
import { gradcheck } from '../support/gradcheck.js';
import { expectClose, makeInputs, rng, uniformArray } from '../support/helpers.js';
import { REFERENCE } from '../support/surrogateReference.js';

const { surrogate } = sg;
const f64 = (a: ArrayLike<number>, shape: number[]) => sg.tensor(Float64Array.from(a), shape, 'float64');

describe('the spike op', () => {
  const s = new surrogate.ReluGrad();
  it('is H(x) in the dtype of x: x = 0 spikes, NaN does not', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const y = s.spike(sg.tensor([-2, -0, 0, 1e-30, NaN, Infinity, -Infinity], [7], dtype));
      expect(y.dtype).toBe(dtype);
      expect(Array.from(y.dataSync())).toEqual([0, 1, 1, 1, 0, 1, 0]);
    }
    expect(s.spike(sg.tensor(0.5)).shape).toEqual([]);
    expect(s.spike(sg.zeros([0, 3])).shape).toEqual([0, 3]);
  });
  it('rejects non-float input before any kernel runs', () => {
    const x = sg.tensor([1, 2], [2], 'int32');
    expect(() => s.spike(x)).toThrow(/spike: argument 'x' expected a float32 or float64 tensor, got int32 \[2\]/);
    expect(() => s.grad(x)).toThrow(/surrogateGrad: argument 'x'/);
    expect(() => internal.runOp('spikeGrad', [sg.tensor([1, 2]), sg.tensor([1, 2, 3])], { surrogate: s })).toThrow(/spikeGrad: argument 'dy' expected float32 \[2\] like 'x', got float32 \[3\]/);
    expect(() => internal.runOp('surrogateFun', [sg.tensor([1])], { surrogate: s })).toThrow(/ReluGrad\(alpha=0.3, width=1\) has no smooth function/);
    expect(() => internal.runOp('spike', [sg.tensor([1])], { surrogate: {} as never })).toThrow(/attribute 'surrogate' expected a Surrogate/);
  });
  it('forward() carries no gradient; spike() does', () => {
    const x = f64([0.2, -0.4], [2]);
    expect(Array.from(sg.grad((v: sg.Tensor) => s.forward(v).sum(), x)(x).dataSync())).toEqual([0, 0]);
    expect(Array.from(sg.grad((v: sg.Tensor) => s.spike(v).sum(), x)(x).dataSync())).toEqual([0.3 * 0.8, 0.3 * 0.6]);
  });
  it('is one op forward and one op backward', () => {
    const be = sg.getBackend();
    const x = f64([0.1, 0.5, -0.3], [3]), u = f64([1, 2, 3], [3]);
    const count = (f: (v: sg.Tensor) => sg.Tensor) => {
      const before = be.counters.ops;
      sg.grad((v: sg.Tensor) => f(v).mul(u).sum(), x)(x);
      return be.counters.ops - before;
    };
    expect(count((v) => s.spike(v)) - count((v) => v)).toBe(2);
  });
  it('its gradient is exactly dy·σ\'(x), and surrogate.grad(x) is σ\'(x)', () => {
    for (const e of surrogate.CATALOG) {
      const sur = e.create();
      const r = rng(3);
      const xs = uniformArray(50, -3, 3, r), us = uniformArray(50, -1, 1, r);
      const x = f64(xs, [5, 10]), u = f64(us, [5, 10]);
      const g = sg.grad((v: sg.Tensor) => sur.spike(v).mul(u).sum(), x)(x).dataSync();
      const ref = REFERENCE[e.name]!;
      expectClose(g, xs.map((v, i) => us[i]! * ref.grad(v, { ...sur.params })), { atol: 1e-12, rtol: 1e-12 }, `${sur} spike vjp`);
      expectClose(sur.grad(x).dataSync(), xs.map((v) => ref.grad(v, { ...sur.params })), { atol: 1e-12, rtol: 1e-12 }, `${sur}.grad`);
    }
  });
});

/** X [4,3] → h = X W1 [4,5] → s = spike(h) → y = s W2 [4,2] → L = Σ y ⊙ U. */
function tinyNetwork(spk: (h: sg.Tensor) => sg.Tensor) {
  return (X: sg.Tensor, W1: sg.Tensor, W2: sg.Tensor, U: sg.Tensor) => spk(X.matmul(W1)).matmul(W2).mul(U).sum();
}

describe('gradients through a tiny network', () => {
  const [X, W1, W2, U] = makeInputs([{ shape: [4, 3] }, { shape: [3, 5] }, { shape: [5, 2] }, { shape: [4, 2] }], 'float64', sg.getBackend(), 11);
  const xs = X!.dataSync(), w1 = W1!.dataSync(), w2 = W2!.dataSync(), us = U!.dataSync();

  it('spike(): dW1 = Xᵀ((U W2ᵀ) ⊙ σ\'(X W1)) and dW2 = H(X W1)ᵀ U, by hand in float64, for all 18', () => {
    for (const e of surrogate.CATALOG) {
      const sur = e.create();
      const sp = REFERENCE[e.name]!.grad;
      const [gW1, gW2] = sg.grad(tinyNetwork((h) => sur.spike(h)), [W1!, W2!])(X!, W1!, W2!, U!);
      const dW1 = new Float64Array(15), dW2 = new Float64Array(10);
      for (let b = 0; b < 4; b++) {
        for (let j = 0; j < 5; j++) {
          let h = 0, back = 0;
          for (let i = 0; i < 3; i++) h += xs[b * 3 + i]! * w1[i * 5 + j]!;
          for (let k = 0; k < 2; k++) back += us[b * 2 + k]! * w2[j * 2 + k]!;
          const dh = back * sp(h, { ...sur.params });
          for (let i = 0; i < 3; i++) dW1[i * 5 + j]! += xs[b * 3 + i]! * dh;
          for (let k = 0; k < 2; k++) dW2[j * 2 + k]! += (h >= 0 ? 1 : 0) * us[b * 2 + k]!;
        }
      }
      expectClose(gW1!.dataSync(), dW1, { atol: 1e-12, rtol: 1e-10 }, `${sur} dW1`);
      expectClose(gW2!.dataSync(), dW2, { atol: 1e-12, rtol: 1e-10 }, `${sur} dW2`);
    }
  });

  it('fun(): every input gradient against float64 finite differences (gradcheck), for the 13 smooth surrogates', () => {
    for (const e of surrogate.CATALOG) {
      const sur = e.create();
      if (!sur.fun) continue;
      gradcheck(tinyNetwork((h) => sur.fun!(h)), [X!, W1!, W2!, U!], { wrt: [0, 1, 2], rtol: 1e-6, atol: 1e-8 });
    }
  });

  it('fun(): through a recurrent soft-reset neuron over 6 steps (reset not detached), gradcheck', () => {
    // V_t = d·(V_{t−1} − s_{t−1}) + I_t, s_t = σ(V_t − 1): the shape of docs/numerics.md §1's LIF step.
    for (const sur of [new surrogate.Sigmoid(), new surrogate.Arctan(), new surrogate.SoftSign({ alpha: 2 }), new surrogate.ERF()]) {
      const [I] = makeInputs([{ shape: [6, 3], range: [0, 1.5] }], 'float64', sg.getBackend(), 5);
      const run = (inp: sg.Tensor) => {
        let v = sg.zeros([3], 'float64'), s = sg.zeros([3], 'float64'), total = sg.zeros([3], 'float64');
        for (let t = 0; t < 6; t++) {
          v = v.sub(s).mul(0.9).add(inp.index(t));
          s = sur.fun!(v.sub(1));
          total = total.add(s.mul(t + 1));
        }
        return total;
      };
      gradcheck(run, [I!], { rtol: 1e-6, atol: 1e-9 });
    }
  });
});

describe('custom surrogates', () => {
  const tri = surrogate.custom({ name: 'Triangle', params: { gamma: 0.3 }, grad: 'gamma * max(1 - abs(x), 0)' });
  it('work like the built-ins: print, evaluate, spike, differentiate', () => {
    expect(String(tri)).toBe('Triangle(gamma=0.3)');
    expect(tri.gradScalar(0.5)).toBeCloseTo(0.15, 15);
    const x = f64([-0.5, 0, 2], [3]);
    expect(Array.from(tri.spike(x).dataSync())).toEqual([0, 1, 1]);
    expect(Array.from(sg.grad((v: sg.Tensor) => tri.spike(v).sum(), x)(x).dataSync())).toEqual([0.3 * 0.5, 0.3, 0]);
  });
  it('can be built with the expression builders or from the parameters', () => {
    const { x, mul, max, sub, abs } = surrogate.expr;
    const built = surrogate.custom({ name: 'Triangle', params: { gamma: 0.3 }, grad: ({ gamma }) => mul(gamma!, max(sub(1, abs(x)), 0)) });
    expect(built.key).toBe(tri.key);
    expect([-2, -0.5, 0.25].map(built.gradScalar)).toEqual([-2, -0.5, 0.25].map(tri.gradScalar));
  });
  it('with a smooth function: fun is differentiable and passes gradcheck', () => {
    const fast = surrogate.custom({ name: 'FastSigmoid', params: { k: 5 }, grad: 'k/2 / (1 + k*abs(x))^2', fun: '0.5 + 0.5 * x / (1/k + abs(x))' });
    const [X] = makeInputs([{ shape: [7], awayFromZero: 0.05 }], 'float64', sg.getBackend(), 2);
    gradcheck((v) => fast.fun!(v), [X!]);
  });
  it('key on the formula: same name and parameters with another formula never share compiled code', () => {
    const other = surrogate.custom({ name: 'Triangle', params: { gamma: 0.3 }, grad: 'gamma * max(1 - abs(x), 0)^2' });
    expect(other.key).not.toBe(tri.key);
    const x = f64([0.5], [1]);
    expect(tri.grad(x).dataSync()[0]).toBeCloseTo(0.15, 15);
    expect(other.grad(x).dataSync()[0]).toBeCloseTo(0.075, 15);
  });
  it('the examples of surrogate/README.md construct and agree with their formulas', () => {
    const fast = surrogate.custom({ name: 'FastSigmoid', params: { k: 10 }, grad: 'k/2 / (1 + k*abs(x))^2', fun: '0.5 + 0.5 * x / (1/k + abs(x))' });
    const asym = surrogate.custom({ name: 'Asym', params: { a: 4, b: 1 }, grad: 'x < 0 ? a*dsigmoid(a*x) : b/(x + 1)' });
    expect(fast.gradScalar(0.2)).toBeCloseTo(5 / 9, 15);
    expect(asym.gradScalar(-0.5)).toBeCloseTo(new surrogate.S2NN().gradScalar(-0.5), 15);
    expect(asym.gradScalar(0.5)).toBeCloseTo(1 / 1.5, 15);
  });
  it('reject bad definitions with a message naming the problem', () => {
    const bad: [() => unknown, RegExp][] = [
      [() => surrogate.custom({ name: 'bad name', grad: 'x' }), /argument 'name' expected an identifier/],
      [() => surrogate.custom({ name: 'A', grad: 'x', params: { x: 1 } }), /parameter name 'x' is not allowed/],
      [() => surrogate.custom({ name: 'A', grad: 'x', params: { exp: 1 } }), /parameter name 'exp' is not allowed/],
      [() => surrogate.custom({ name: 'A', grad: 'k*x', params: { k: NaN } }), /A: parameter 'k' expected a finite float32 number/],
      [() => surrogate.custom({ name: 'A' } as never), /argument 'grad' is required/],
      [() => surrogate.custom({ name: 'A', grad: 'x * k' }), /A grad: unknown name 'k'/],
      [() => surrogate.custom({ name: 'A', grad: 42 as never }), /expected a string, an expression or a function/],
      // The probe: NaN or Infinity anywhere, in float64 or float32, is refused before any kernel exists.
      [() => surrogate.custom({ name: 'Inv', grad: '1/x' }), /Inv\(\): the derivative is -?Infinity at x = -?0 in float64/],
      [() => surrogate.custom({ name: 'Grow', grad: 'exp(x)' }), /the derivative is Infinity at x = 100 in float32/],
      [() => surrogate.custom({ name: 'Sq', grad: '1/(1 + x^2) * x^2' }), /the derivative is NaN at x = 1e\+20 in float32/],
      [() => surrogate.custom({ name: 'Log', grad: '1', fun: 'log(abs(x) + 1)' }), /Log\(\): fun is not the antiderivative of grad: d\/dx fun = .* but grad = 1.00000 at x = /],
      [() => surrogate.custom({ name: 'Log', grad: '1/(abs(x) + 1)', fun: 'log(x)' }), /the smooth function is NaN at x = -1e-45/],
    ];
    for (const [make, msg] of bad) {
      expect(make).toThrow(sg.SpikegradError);
      expect(make).toThrow(msg);
    }
  });
});
