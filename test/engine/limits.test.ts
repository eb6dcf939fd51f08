/**
 * What the API boundary refuses before any work: unknown dtypes, and tensors larger than a backend can hold
 * (checked before the allocation, with the shape, the bytes and the limit in the message). Before these
 * checks, 'float16' crashed deep in a CPU kernel or generated WGSL with array<undefined>, and a huge shape
 * failed with a raw "RangeError: Invalid typed array length" (or allocated many GB first).
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import type { CpuBackend } from '../../kernels/cpu/backend.js';
import { describeWebGpu } from '../support/webgpu.js';

const DTYPE_ERROR = (fn: string) => `${fn}: argument 'dtype' expected a dtype ('float32', 'float64', 'int32', 'bool'), got string 'float16'`;
const f16 = 'float16' as sg.DType;

describe('dtypes are checked where they enter', () => {
  it('every creation function and cast names itself and the bad dtype', () => {
    const be = sg.getBackend();
    const before = be.memory().bytesInUse;
    expect(() => sg.tensor([1, 2], [2], f16)).toThrow(DTYPE_ERROR('tensor'));
    expect(() => sg.scalar(1, f16)).toThrow(DTYPE_ERROR('tensor'));
    expect(() => sg.zeros([2], f16)).toThrow(DTYPE_ERROR('full'));
    expect(() => sg.ones([2], f16)).toThrow(DTYPE_ERROR('full'));
    expect(() => sg.arange(3, f16)).toThrow(DTYPE_ERROR('arange'));
    const x = sg.tensor([1, 2]), labels = sg.tensor([0, 1], [2], 'int32');
    expect(() => sg.oneHot(labels, 2, f16)).toThrow(DTYPE_ERROR('oneHot'));
    expect(() => x.astype(f16)).toThrow(DTYPE_ERROR('cast'));
    expect(() => sg.cast(x, 42 as never)).toThrow("cast: argument 'dtype' expected a dtype ('float32', 'float64', 'int32', 'bool'), got number 42");
    expect(() => sg.random.rand([2], { dtype: f16 })).toThrow("random.uniform: argument 'dtype' expected 'float32' or 'float64', got 'float16'");
    sg.dispose([x, labels]);
    expect(be.memory().bytesInUse).toBe(before);
  });

  it('arange wants a non-negative integer count', () => {
    expect(() => sg.arange(-1)).toThrow("arange: argument 'n' expected a non-negative integer, got number -1");
    expect(() => sg.arange(2.5)).toThrow("arange: argument 'n' expected a non-negative integer, got number 2.5");
  });
});

describe('sizes are checked before allocation on the CPU backend', () => {
  const cpu = () => sg.getBackend() as CpuBackend;
  const saved = { tensor: 0, total: 0 };
  afterEach(() => {
    if (saved.tensor) cpu().maxTensorBytes = saved.tensor;
    if (saved.total) cpu().maxBytesInUse = saved.total;
  });

  it('a tensor beyond the per-tensor bound: shape, bytes and limit in the message, nothing allocated', () => {
    const before = cpu().memory();
    // The shape `compare --steps 1e9` asks for: 2.56e13 elements.
    expect(() => sg.random.rand([1e9, 256, 100])).toThrow(
      'random.uniform: a float32 tensor [1000000000, 256, 100] needs 102,400,000,000,000 bytes (95367.4 GiB), more than the cpu backend allows for one tensor (4,294,967,296 bytes (4.0 GiB), backend.maxTensorBytes)');
    expect(() => sg.zeros([2 ** 31], 'float64')).toThrow(/^fill: a float64 tensor \[2147483648\] needs 17,179,869,184 bytes \(16\.0 GiB\), more than the cpu backend allows for one tensor/);
    expect(() => sg.random.bernoulli(0.5, [2 ** 33])).toThrow(/^random\.bernoulli: a bool tensor \[8589934592\] needs 8,589,934,592 bytes/);
    expect(() => sg.random.randint(0, 3, [2 ** 31])).toThrow(/^random\.randint: an int32 tensor \[2147483648\] needs 8,589,934,592 bytes/);
    expect(() => sg.arange(2 ** 31)).toThrow(/^arange: an int32 tensor \[2147483648\] needs 8,589,934,592 bytes/);
    expect(() => sg.tidy(() => sg.matmul(sg.ones([70000, 1]), sg.ones([1, 70000])))).toThrow(/^matmul: a float32 tensor \[70000, 70000\] needs 19,600,000,000 bytes/);
    expect(cpu().memory().bytesInUse).toBe(before.bytesInUse);
  });

  it('the bounds are the backend\'s settings: one tensor, and all tensors together', () => {
    saved.tensor = cpu().maxTensorBytes;
    saved.total = cpu().maxBytesInUse;
    expect(saved.tensor).toBe(2 ** 32);
    expect(saved.total).toBeGreaterThan(2 ** 28); // 3/4 of the machine's memory
    cpu().maxTensorBytes = 64;
    expect(() => sg.tensor(new Float32Array(17))).toThrow('tensor: a float32 tensor [17] needs 68 bytes, more than the cpu backend allows for one tensor (64 bytes, backend.maxTensorBytes)');
    sg.tensor(new Float32Array(16)).dispose();
    cpu().maxTensorBytes = saved.tensor;
    const inUse = cpu().memory().bytesInUse;
    cpu().maxBytesInUse = inUse + 1000;
    const a = sg.zeros([200]); // 800 bytes: fits
    expect(() => sg.add(a, a)).toThrow(`add: a float32 tensor [200] needs 800 bytes, but the cpu backend already holds ${(inUse + 800).toLocaleString('en-US')} bytes and its limit is ${(inUse + 1000).toLocaleString('en-US')} bytes (backend.maxBytesInUse: 3/4 of this machine's memory by default)`);
    a.dispose();
  });
});

describeWebGpu('sizes are checked before allocation on WebGPU', (gpu) => {
  it('a random draw larger than the device allows in one buffer fails before the host array is made', () => {
    const before = gpu.memory().bytesInUse;
    // 2³³ elements: the host Float32Array alone used to fail with "Invalid typed array length".
    expect(() => sg.random.rand([2 ** 33], { backend: gpu })).toThrow(/^random\.uniform: output float32 \[8589934592\] needs 34359738368 bytes, more than this device allows in one buffer \(\d+ bytes, the smaller of maxStorageBufferBindingSize and maxBufferSize\)/);
    expect(() => sg.tensor([1, 2], [2], f16, gpu)).toThrow(DTYPE_ERROR('tensor'));
    expect(() => sg.zeros([2], f16, gpu)).toThrow(DTYPE_ERROR('full'));
    const x = sg.zeros([2], 'float32', gpu);
    expect(() => x.astype(f16)).toThrow(DTYPE_ERROR('cast'));
    x.dispose();
    expect(gpu.memory().bytesInUse).toBe(before);
  });
});

describe('tensor() values', () => {
  it('refuses what is not a number or a boolean, naming where it is', () => {
    expect(() => sg.tensor([1, null as never, 3])).toThrow("tensor: argument 'values' expected numbers or booleans, got null at [1]");
    expect(() => sg.tensor([[1, 2], [3, 'abc' as never]])).toThrow("tensor: argument 'values' expected numbers or booleans, got string 'abc' at [1, 1]");
    expect(() => sg.tensor([[1], [undefined as never]])).toThrow("tensor: argument 'values' expected numbers or booleans, got undefined at [1, 0]");
    expect(() => sg.tensor(null as never)).toThrow("tensor: argument 'values' expected numbers or booleans, got null");
    expect(() => sg.tensor('7' as never)).toThrow("tensor: argument 'values' expected numbers or booleans, got string '7'");
    expect(() => sg.tensor([{}] as never)).toThrow("tensor: argument 'values' expected numbers or booleans, got Object at [0]");
  });

  it('refuses int32 values that would wrap or be truncated, naming the first and where', () => {
    expect(() => sg.tensor([1, 2 ** 31], [2], 'int32')).toThrow('tensor: int32 values must be integers in [-2147483648, 2147483647], got 2147483648 at [1]');
    expect(() => sg.tensor([[0, 1], [-(2 ** 31) - 1, 0]], [2, 2], 'int32')).toThrow('got -2147483649 at [1, 0]');
    expect(() => sg.tensor(new Float32Array([0, 1.5]), [1, 2], 'int32')).toThrow('tensor: int32 values must be integers in [-2147483648, 2147483647], got 1.5 at [0, 1] (round or truncate it first, or use float32)');
    expect(() => sg.tensor([NaN], [1], 'int32')).toThrow('got NaN at [0]');
    expect(() => sg.tensor([Infinity], [1], 'int32')).toThrow('got Infinity at [0]');
  });

  it('still takes numbers, booleans, the int32 extremes and typed arrays as they are', async () => {
    const a = sg.tensor([[true, 0], [2.5, -1]] as never);
    expect(Array.from(await a.data())).toEqual([1, 0, 2.5, -1]);
    const b = sg.tensor([-(2 ** 31), 2 ** 31 - 1], [2], 'int32');
    expect(Array.from(await b.data())).toEqual([-(2 ** 31), 2 ** 31 - 1]);
    const c = sg.tensor(new Float32Array([NaN, 1]));
    expect(Number.isNaN((await c.data())[0])).toBe(true); // NaN is a float value like any other
    const d = sg.tensor(7);
    expect(d.shape).toEqual([]);
    sg.dispose([a, b, c, d]);
  });
});
