/** The tape's bookkeeping: reuse, unused inputs, accumulation, noGrad, grad-free outputs, states, lifetimes. */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { expectClose } from '../support/helpers.js';

const t = (v: number[] | number[][], dtype: sg.DType = 'float64') => sg.tensor(v, undefined, dtype);
const tol = { atol: 1e-12, rtol: 1e-12 };

describe('tape', () => {
  it('an input used twice gets the sum of both paths', () => {
    const x = t([1, -2, 3]);
    const g = sg.grad((a: sg.Tensor) => sg.sum(sg.mul(a, a)), x)(x);
    expectClose(g.dataSync(), [2, -4, 6], tol);
  });

  it('gradients accumulate over many uses, including through broadcasting', () => {
    const x = t([1, 2]);
    const b = t([[1, 1], [1, 1], [1, 1]]);
    // y = Σ (x + x + 2x) + Σ_rows (b + x) → dy/dx = 4·1 + 3 (three broadcast rows)
    const g = sg.grad((a: sg.Tensor) => sg.add(sg.sum(sg.add(sg.add(a, a), sg.mul(a, 2))), sg.sum(sg.add(b, a))), x)(x);
    expectClose(g.dataSync(), [7, 7], tol);
  });

  it('inputs the function never uses get zero gradients of their own shape', () => {
    const x = t([1, 2]), unused = t([[1, 2, 3]]);
    const [gx, gu] = sg.grad((a: sg.Tensor) => sg.sum(a), [x, unused])(x);
    expectClose(gx!.dataSync(), [1, 1], tol);
    expect([...gu!.shape]).toEqual([1, 3]);
    expectClose(gu!.dataSync(), [0, 0, 0], tol);
  });

  it('an output that does not depend on the inputs gives zeros', () => {
    const x = t([1, 2, 3]);
    const g = sg.grad(() => sg.sum(t([5, 6])), x)();
    expectClose(g.dataSync(), [0, 0, 0], tol);
  });

  it('noGrad and stopGradient cut the graph', () => {
    const x = t([2, 3]);
    // f = Σ x · c with c = 3x computed without gradient → df/dx = c = 3x, not 6x
    const g1 = sg.grad((a: sg.Tensor) => sg.sum(sg.mul(a, sg.noGrad(() => sg.mul(a, 3)))), x)(x);
    expectClose(g1.dataSync(), [6, 9], tol);
    const g2 = sg.grad((a: sg.Tensor) => sg.sum(sg.mul(a, sg.stopGradient(sg.mul(a, 3)))), x)(x);
    expectClose(g2.dataSync(), [6, 9], tol);
  });

  it('repeated grad calls do not accumulate stale gradients', () => {
    const x = t([1, 2]);
    const f = sg.grad((a: sg.Tensor) => sg.sum(sg.exp(a)), x);
    const a = f(x).dataSync(), b = f(x).dataSync();
    expectClose(b, a, tol);
    expectClose(a, [Math.E, Math.exp(2)], tol);
  });

  it('returns the value on request, and works for records of States', () => {
    const w = new sg.ParamState(t([[1, 2], [3, 4]]));
    const bias = new sg.ParamState(t([0.5, -0.5]));
    const x = t([[1, 1]]);
    const loss = () => sg.sum(sg.add(sg.matmul(x, w.value), bias.value));
    const [grads, value] = sg.grad(loss, { w, bias }, { returnValue: true })();
    expect(value.dataSync()[0]).toBe(10);
    expectClose(grads.w.dataSync(), [1, 1, 1, 1], tol);
    expectClose(grads.bias.dataSync(), [1, 1], tol);
  });

  it('differentiates with respect to the value a State holds at call time', () => {
    const s = new sg.HiddenState(t([1, 2]));
    const x0 = s.value;
    const g = sg.grad(() => {
      const y = sg.mul(s.value, 3);
      s.value = y; // state updates inside the function are ordinary traced values
      return sg.sum(sg.mul(s.value, s.value));
    }, s)();
    // L = Σ (3·s0)² → dL/ds0 = 18·s0
    expectClose(g.dataSync(), [18, 36], tol);
    expect(x0.isDisposed).toBe(true); // the replaced value went back to grad's tidy
    expect(s.value.isDisposed).toBe(false);
  });

  it('tensors the function disposes are still available to backward', () => {
    const x = t([1, 2, 3]);
    const g = sg.grad((a: sg.Tensor) => {
      const e = sg.exp(a);
      const y = sg.sum(sg.mul(e, e));
      e.dispose(); // the tape holds its own handle on what mul saved
      return y;
    }, x)(x);
    expectClose(g.dataSync(), [1, 2, 3].map((v) => 2 * Math.exp(2 * v)), tol);
  });

  it('frees every intermediate: memory returns to the baseline', () => {
    const be = sg.getBackend();
    const w = new sg.ParamState(sg.random.randn([8, 4], { dtype: 'float64' }));
    const x = sg.random.randn([16, 8], { dtype: 'float64' });
    const before = be.memory().bytesInUse;
    for (let i = 0; i < 20; i++) {
      sg.tidy(() => {
        const [grads] = sg.grad(() => sg.mean(sg.tanh(sg.matmul(x, w.value))), { w }, { returnValue: true })();
        w.value = sg.sub(w.value, sg.mul(grads.w, 0.1));
      });
    }
    expect(be.memory().bytesInUse).toBe(before);
  });

  it('rejects non-scalar outputs and integer inputs with clear messages', () => {
    const x = t([1, 2]);
    expect(() => sg.grad((a: sg.Tensor) => sg.mul(a, 2), x)(x)).toThrow(/must return a float scalar.*\[2\]/);
    const i = sg.tensor([1, 2], [2], 'int32');
    expect(() => sg.grad(() => sg.sum(x), i)()).toThrow(/cannot differentiate with respect to a int32 tensor/);
    expect(() => sg.grad(() => sg.sum(x), [5 as unknown as sg.Tensor])()).toThrow(/argument 'wrt'\[0\] expected a Tensor or a State, got number 5/);
  });

  it('non-differentiable ops pass no gradient (comparisons, argmax, casts to int)', () => {
    const x = t([0.5, -1, 2]);
    const g = sg.grad((a: sg.Tensor) => sg.add(sg.sum(sg.cast(sg.gt(a, 0), 'float64')), sg.sum(sg.mul(a, 0))), x)(x);
    expectClose(g.dataSync(), [0, 0, 0], tol);
  });
});
