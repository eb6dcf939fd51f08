/**
 * Interoperability with Python: files written by `safetensors.torch.save_file` (fixtures made by
 * test/support/fixtures/make_safetensors.py, committed, so Python is not needed here) load with a name map
 * and PyTorch's [out, in] layout transposed, and compute what torch computed; and a file for Python is
 * written to out/test/io/for-python.safetensors, which `make_safetensors.py check` reads back with numpy and
 * torch (run by hand: see the script).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { expectClose } from '../support/helpers.js';

const { nn, io, State, ParamState } = sg;
const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name: string) => join(root, 'test/support/fixtures', name);

describe('files written by PyTorch', () => {
  it('loads torch.nn.Linear weights into spikegrad layers ([out, in] transposed, names mapped) and computes torch\'s output', async () => {
    // torch: Sequential(Linear(5, 3), Linear(3, 2)); here the same two layers with a synapse between them.
    const net = new nn.Sequential(new nn.Linear(5, 3), new nn.Expon(3), new nn.Linear(3, 2));
    const r = await io.load(net, fixture('torch_linear.safetensors'), { names: { '1.weight': '2.weight', '1.bias': '2.bias', x: null, y: null }, transpose: true });
    expect(r.loaded).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(r.metadata.source).toBe('torch.nn.Sequential(Linear(5, 3), Linear(3, 2))');
    const { tensors } = await io.read(fixture('torch_linear.safetensors'));
    expect(tensors['0.weight']!.shape).toEqual([3, 5]); // PyTorch's layout in the file
    expect(net.states(ParamState)['0.weight']!.value.shape).toEqual([5, 3]);
    const x = sg.tensor(tensors.x!.data as Float32Array, tensors.x!.shape);
    const [l1, l2] = [net.at(0) as sg.nn.Linear, net.at(2) as sg.nn.Linear];
    const y = l2.update(l1.update(x));
    expect(y.shape).toEqual([4, 2]);
    expectClose(await y.data(), tensors.y!.data, { atol: 1e-6, rtol: 1e-6 }, 'torch output');
  });

  it('without the transposition the mismatch is named, with the hint', async () => {
    const net = new nn.Sequential(new nn.Linear(5, 3), new nn.Linear(3, 2));
    await expect(io.load(net, fixture('torch_linear.safetensors'), { strict: false })).rejects.toThrow(
      /io.load: '.*torch_linear.safetensors': tensor '0.weight' is F32 \[3, 5\]; the module's '0.weight' is float32 \[5, 3\] \(a PyTorch \[out, in\] weight\? pass \{ transpose: true \}/);
  });

  it('reads every dtype and odd shape torch wrote: F64 with infinities, I32 extremes, BOOL, a 0-d scalar, an empty tensor', async () => {
    const { tensors, metadata } = await io.read(fixture('torch_dtypes.safetensors'));
    expect(metadata).toEqual({ made_by: 'make_safetensors.py' });
    expect(tensors.f64).toEqual({ dtype: 'F64', shape: [5], data: new Float64Array([1 / 3, -2, 1e-300, Infinity, -Infinity]) });
    expect(tensors.i32).toEqual({ dtype: 'I32', shape: [5], data: new Int32Array([-(2 ** 31), -1, 0, 7, 2 ** 31 - 1]) });
    expect(tensors.flags).toEqual({ dtype: 'BOOL', shape: [5], data: new Uint8Array([1, 0, 1, 1, 0]) });
    expect(tensors.scalar).toEqual({ dtype: 'F32', shape: [], data: new Float32Array([2.5]) });
    expect(tensors.empty).toEqual({ dtype: 'F32', shape: [0, 3], data: new Float32Array(0) });
    expect(tensors.cube!.shape).toEqual([2, 3, 4]);
    expect(Array.from(tensors.cube!.data)).toEqual(Array.from({ length: 24 }, (_, i) => i / 8 - 1));

    // Into States of the matching dtypes.
    const states = {
      f64: new State(sg.zeros([5], 'float64')), i32: new State(sg.zeros([5], 'int32')), flags: new State(sg.zeros([5], 'bool')),
      scalar: new State(sg.zeros([])), cube: new State(sg.zeros([2, 3, 4])),
    };
    const r = await io.load(states, fixture('torch_dtypes.safetensors'), { strict: false });
    expect(r.unexpected).toEqual(['empty']);
    expect(Array.from(await states.f64.value.data())).toEqual([1 / 3, -2, 1e-300, Infinity, -Infinity]);
    expect(Array.from(await states.flags.value.data())).toEqual([1, 0, 1, 1, 0]);
    expect(await states.scalar.value.item()).toBe(2.5);
  });
});

describe('a file for Python', () => {
  it('writes out/test/io/for-python.safetensors (make_safetensors.py check reads it with numpy and torch)', async () => {
    sg.random.seed(3);
    const fc = new nn.Linear(4, 3, { bInit: new sg.init.Normal({ std: 0.5 }) });
    const x = sg.random.randn([2, 4]);
    const states = {
      f32: new State(sg.tensor(Array.from({ length: 6 }, (_, i) => i * 0.25 - 0.5), [2, 3])),
      f64: new State(sg.tensor([1 / 3, -2, 1e-300], [3], 'float64')),
      i32: new State(sg.tensor([-(2 ** 31), -1, 0, 2 ** 31 - 1], [4], 'int32')),
      mask: new State(sg.tensor([true, false, true, true, false], [5], 'bool')),
      'fc.weight': fc.weight, 'fc.bias': fc.bias!, 'fc.x': new State(x), 'fc.y': new State(fc.update(x)),
    };
    const dir = join(root, 'out/test/io');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'for-python.safetensors');
    await io.save(states, path, { transpose: ['fc.weight'], metadata: { for: 'make_safetensors.py check' } });
    const { tensors } = io.decodeSafetensors(new Uint8Array(readFileSync(path)), { where: 't', source: path });
    expect(tensors['fc.weight']!.shape).toEqual([3, 4]);
    expect(Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.dtype]))).toEqual({
      f32: 'F32', f64: 'F64', i32: 'I32', mask: 'BOOL', 'fc.weight': 'F32', 'fc.bias': 'F32', 'fc.x': 'F32', 'fc.y': 'F32',
    });
  });
});
