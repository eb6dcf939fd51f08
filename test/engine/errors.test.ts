/** Bad input is rejected before any backend work, with a message naming the op, the argument, expected and actual. */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';

const z = (shape: number[], dtype: sg.DType = 'float32') => sg.zeros(shape, dtype);

describe('clear errors', () => {
  it('shape mismatches name the op and both shapes', () => {
    expect(() => sg.add(z([2, 3]), z([4]))).toThrow('add: shapes [2, 3] and [4] cannot be broadcast together (axis -1 has 3 vs 4)');
    expect(() => sg.matmul(z([2, 3]), z([4, 5]))).toThrow('matmul: inner dimensions differ: [2, 3] @ [4, 5] contracts 3 with 4');
    expect(() => sg.matmul(z([3]), z([3, 1]))).toThrow('matmul: both operands need rank >= 2, got [3] and [3, 1]');
    expect(() => sg.reshape(z([2, 3]), [4, 2])).toThrow('reshape: cannot reshape [2, 3] (6 elements) to [4, 2] (8 elements)');
    expect(() => sg.concat([z([2, 3]), z([3, 3])], 1)).toThrow('concat: tensor 1 has shape [3, 3], incompatible with [2, 3] along axis 1');
    expect(() => sg.where(sg.tensor([true, false], [2], 'bool'), z([3]), z([3]))).toThrow(/where: shapes \[2\] and \[3\] and \[3\] cannot be broadcast/);
    expect(() => sg.broadcastTo(z([3, 2]), [3, 3])).toThrow(/broadcastTo: shapes \[3, 2\] and \[3, 3\] cannot be broadcast together/);
  });

  it('wrong dtypes name the argument and the dtype', () => {
    expect(() => sg.add(z([2]), z([2], 'int32'))).toThrow('add: operands must have the same dtype, got float32 [2] and int32 [2] (use .astype())');
    expect(() => sg.exp(z([2], 'int32'))).toThrow("exp: argument 'x' expected a float32 or float64 tensor, got int32 [2]");
    expect(() => sg.gather(z([3]), z([1]))).toThrow("gather: argument 'indices' expected an int32 tensor, got float32 [1]");
    expect(() => sg.where(z([2]), z([2]), z([2]))).toThrow("where: argument 'condition' expected a bool tensor, got float32 [2]");
    expect(() => sg.softmaxCrossEntropy(z([4, 2]), z([4]))).toThrow("softmaxCrossEntropy: argument 'labels' expected an int32 tensor, got float32 [4]");
    expect(() => sg.softmaxCrossEntropy(z([4, 2]), sg.zeros([3], 'int32'))).toThrow("softmaxCrossEntropy: argument 'labels' expected shape [4], got [3]");
    expect(() => sg.add(z([2]), 'a' as unknown as number)).toThrow("add: expected a Tensor, a number or a dimensionless quantity, got string 'a'");
  });

  it('axes out of range name the valid range', () => {
    expect(() => sg.sum(z([2, 3]), 2)).toThrow("sum: argument 'axis' expected an integer in [-2, 1] for a rank-2 tensor, got 2");
    expect(() => sg.softmax(z([2, 3]), -3)).toThrow("softmax: argument 'axis' expected an integer in [-2, 1] for a rank-2 tensor, got -3");
    expect(() => sg.index(z([2, 3]), 3, 1)).toThrow("index: argument 'i' expected an integer in [-3, 2] for axis 1 of [2, 3], got 3");
    expect(() => sg.slice(z([4, 3]), [2, 0], [3, 3])).toThrow('slice: axis 0 range [2, 5) is outside [0, 4) of [4, 3]');
    expect(() => sg.permute(z([2, 3]), [0, 0])).toThrow("permute: argument 'perm' expected a permutation of [0..1], got [0, 0]");
  });

  it('creation errors name the argument', () => {
    expect(() => sg.tensor([1, 2, 3], [2, 2])).toThrow("tensor: argument 'shape' [2, 2] needs 4 values, got 3");
    expect(() => sg.tensor([[1, 2], [3]])).toThrow('tensor: ragged nested array (axis 1 has lengths 2 and 1)');
    expect(() => sg.zeros([2, -1])).toThrow("full: argument 'shape' expected a shape (array of non-negative integers), got [2,-1]");
    expect(() => sg.random.uniform([2], 1, 0)).toThrow("random.uniform: argument 'high' expected >= low (1), got 0");
    expect(() => sg.random.bernoulli(1.5, [2])).toThrow("random.bernoulli: argument 'p' expected a probability in [0, 1], got 1.5");
  });

  it('a disposed tensor cannot be used', () => {
    const x = z([2]);
    x.dispose();
    expect(() => sg.exp(x)).toThrow('exp: input 0 (float32) was used after dispose()');
    expect(() => x.dataSync()).toThrow('Tensor [2] float32 was used after dispose()');
  });

  it('a State without a value says how to fix it', () => {
    const s = new sg.HiddenState(undefined, 'r.V');
    expect(() => s.value).toThrow("HiddenState 'r.V' has no value yet (for hidden states, call nn.initAllStates(net, { batchSize }) first)");
  });

  it('item() needs exactly one element', async () => {
    await expect(z([2]).item()).rejects.toThrow('item: expected a tensor with one element, got [2]');
  });
});
