/**
 * The `linear` op (engine/opsLinear.ts): bad input is refused naming the argument, and on the CPU it is
 * exactly matmul then add (the same float32 roundings), which is what nn.Linear computed before it used the
 * op. Gradients and WebGPU parity: test/support/cases.ts (gradcheck, parity) and test/kernels/matmulSubgroup.test.ts.
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import * as internal from '../../internal.js';
import { cpu, rng, uniformArray } from '../support/helpers.js';

describe('linear op', () => {
  it('refuses bad input before any work, naming the argument', async () => {
    const be = await cpu();
    const t = (shape: number[], dtype: 'float32' | 'float64' | 'int32' = 'float32') => sg.zeros(shape, dtype, be);
    const lin = (x: sg.Tensor, w: sg.Tensor, b: sg.Tensor) => internal.runOp('linear', [x, w, b], {});
    expect(() => lin(t([2, 3, 4]), t([4, 5]), t([5]))).toThrow(/linear: argument 'x' expected a float matrix \[rows, in\], got float32 \[2, 3, 4\]/);
    expect(() => lin(t([3, 4], 'int32'), t([4, 5]), t([5]))).toThrow(/argument 'x'/);
    expect(() => lin(t([3, 4]), t([5, 5]), t([5]))).toThrow(/linear: argument 'W' expected float32 \[4, out\] \(x is \[3, 4\]\), got float32 \[5, 5\]/);
    expect(() => lin(t([3, 4]), t([4, 5], 'float64'), t([5]))).toThrow(/argument 'W' expected float32/);
    expect(() => lin(t([3, 4]), t([4, 5]), t([1, 5]))).toThrow(/linear: argument 'b' expected float32 \[5\] \(W is \[4, 5\]\), got float32 \[1, 5\]/);
    expect(() => internal.runOp('linear', [t([3, 4]), t([4, 5])], {})).toThrow(/linear: expected 3 inputs \(x, W, b\), got 2/);
  });

  it('is exactly matmul then add on the CPU in float32', async () => {
    const be = await cpu();
    const r = rng(4);
    const x = sg.tensor(Float32Array.from(uniformArray(70 * 33, -2, 2, r)), [70, 33], 'float32', be);
    const w = sg.tensor(Float32Array.from(uniformArray(33 * 9, -2, 2, r)), [33, 9], 'float32', be);
    const b = sg.tensor(Float32Array.from(uniformArray(9, -2, 2, r)), [9], 'float32', be);
    const fused = internal.runOp('linear', [x, w, b], {})[0]!.dataSync();
    const twoOps = sg.add(sg.matmul(x, w), b).dataSync();
    expect([...fused]).toEqual([...twoOps]);
  });
});
