/**
 * conv2d, maxPool2d and avgPool2d (engine/opsConv.ts, kernels/conv): forward values and every gradient on
 * the CPU (float64 and float32, dense and event-driven paths) against the naive float64 loops of
 * ./reference.ts, central finite differences in float64 (test/support/gradcheck.ts), the WebGPU kernels in
 * float32 against the CPU in float64 (the parity suite's checkParity), and the bad-input errors.
 * Odd shapes on purpose: kernel 1 and 7, strides above 1 and unequal, padding that does not divide, one
 * channel, dilation, groups and depthwise, sizes that are not multiples of any tile.
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { gradcheck } from '../support/gradcheck.js';
import { cpu, expectClose, makeInputs, rng, uniformArray } from '../support/helpers.js';
import { checkParity, type ParityCase } from '../support/parity.js';
import { describeWebGpu } from '../support/webgpu.js';
import { CONV_EVENT_DENSITY } from '../../kernels/conv/cpu.js';
import { convGpuTuning } from '../../kernels/conv/webgpu.js';
import { avgPool2dRef, conv2dRef, maxPool2dRef, type ConvGeom, type PoolGeom } from './reference.js';

interface ConvCase {
  name: string;
  x: number[];
  w: number[];
  bias: boolean;
  geom: ConvGeom;
}

const geom = (stride: [number, number] = [1, 1], padding: [number, number] = [0, 0], dilation: [number, number] = [1, 1], groups = 1): ConvGeom =>
  ({ stride, padding, dilation, groups });

const CONV_CASES: ConvCase[] = [
  { name: '3×3 pad 1 with bias', x: [2, 3, 7, 6], w: [4, 3, 3, 3], bias: true, geom: geom([1, 1], [1, 1]) },
  { name: 'kernel 1', x: [1, 2, 5, 5], w: [3, 2, 1, 1], bias: false, geom: geom() },
  { name: 'kernel 7, stride 2, padding 2 that does not divide', x: [1, 1, 9, 8], w: [2, 1, 7, 7], bias: true, geom: geom([2, 2], [2, 2]) },
  { name: 'unequal strides [2, 3], padding [1, 0], kernel 3×2', x: [2, 2, 8, 9], w: [3, 2, 3, 2], bias: true, geom: geom([2, 3], [1, 0]) },
  { name: 'one channel, dilation 2', x: [3, 1, 10, 10], w: [2, 1, 3, 3], bias: false, geom: geom([1, 1], [1, 1], [2, 2]) },
  { name: 'groups 2', x: [2, 4, 6, 5], w: [6, 2, 3, 3], bias: true, geom: geom([1, 1], [1, 1], [1, 1], 2) },
  { name: 'depthwise (groups = channels), stride 2', x: [1, 3, 7, 7], w: [3, 1, 3, 3], bias: true, geom: geom([2, 2], [1, 1], [1, 1], 3) },
  { name: 'digits conv2 shape 12→8 5×5', x: [3, 12, 12, 12], w: [8, 12, 5, 5], bias: true, geom: geom() },
];

const convFn = (c: ConvCase) => (x: sg.Tensor, w: sg.Tensor, b?: sg.Tensor) =>
  sg.conv2d(x, w, b ?? null, { stride: c.geom.stride, padding: c.geom.padding, dilation: c.geom.dilation, groups: c.geom.groups });

const inputsOf = (c: ConvCase) => [{ shape: c.x }, { shape: c.w }, ...(c.bias ? [{ shape: [c.w[0]!] }] : [])];

/** conv2d forward and the gradients of ⟨u, y⟩ on the CPU in `dtype`, beside the naive reference. */
async function runConvOnCpu(c: ConvCase, dtype: 'float32' | 'float64', xValues?: Float64Array) {
  const be = await cpu();
  const ins = makeInputs(inputsOf(c), dtype, be, 11);
  if (xValues) { ins[0]!.dispose(); ins[0] = sg.tensor(xValues, c.x, dtype, be); }
  const [xd, wd, bd] = ins.map((t) => Float64Array.from(t.dataSync()));
  const f = convFn(c);
  const y = f(ins[0]!, ins[1]!, ins[2]);
  const u = Float64Array.from(Float32Array.from(uniformArray(y.size, -1, 1, rng(5))));
  const ut = sg.tensor(u, [...y.shape], dtype, be);
  const grads = sg.grad((...v: sg.Tensor[]) => sg.sum(sg.mul(f(v[0]!, v[1]!, v[2]), ut)), ins)(...ins);
  const ref = conv2dRef(xd!, c.x, wd!, c.w, bd ?? null, c.geom, u);
  const out = { y: y.dataSync(), shape: [...y.shape], grads: grads.map((g) => g.dataSync()), ref };
  sg.dispose([y, ut, ...grads, ...ins]);
  return out;
}

describe('conv2d on the CPU against a naive float64 convolution', () => {
  for (const c of CONV_CASES) {
    it(`${c.name}: float64 forward and gradients of x, w${c.bias ? ', b' : ''}`, async () => {
      const r = await runConvOnCpu(c, 'float64');
      expect(r.shape).toEqual(r.ref.shape);
      const tol = { atol: 1e-12, rtol: 1e-12 };
      expectClose(r.y, r.ref.y, tol, 'y');
      expectClose(r.grads[0]!, r.ref.dx, tol, 'dx');
      expectClose(r.grads[1]!, r.ref.dw, tol, 'dw');
      if (c.bias) expectClose(r.grads[2]!, r.ref.db, tol, 'db');
    });
  }

  it('float32: each output is its exact sum rounded once (dense path)', async () => {
    const c = CONV_CASES[0]!;
    const r = await runConvOnCpu(c, 'float32');
    // float64 sum then one rounding, plus the bias in float32: within 2 ulps of the float64 value.
    expectClose(r.y, r.ref.y, { atol: 1e-6, rtol: 3e-7 }, 'y');
    expectClose(r.grads[0]!, r.ref.dx, { atol: 1e-6, rtol: 3e-7 }, 'dx');
    expectClose(r.grads[1]!, r.ref.dw, { atol: 1e-6, rtol: 3e-7 }, 'dw');
  });

  for (const c of [CONV_CASES[3]!, CONV_CASES[5]!, CONV_CASES[7]!]) {
    it(`${c.name}: spike inputs take the event-driven path and give the same values`, async () => {
      // Binary inputs at ~4 % density, below CONV_EVENT_DENSITY: the path that scatters each spike's patch.
      const n = c.x.reduce((p, d) => p * d, 1);
      const rand = rng(3);
      const spikes = Float64Array.from({ length: n }, () => (rand() < 0.04 ? 1 : 0));
      const density = spikes.reduce((p, v) => p + v, 0) / n;
      expect(density).toBeLessThan(CONV_EVENT_DENSITY);
      expect(density).toBeGreaterThan(0);
      for (const dtype of ['float64', 'float32'] as const) {
        const r = await runConvOnCpu(c, dtype, spikes);
        const tol = dtype === 'float64' ? { atol: 1e-12, rtol: 1e-12 } : { atol: 1e-6, rtol: 3e-7 };
        expectClose(r.y, r.ref.y, tol, `${dtype} y`);
        expectClose(r.grads[1]!, r.ref.dw, tol, `${dtype} dw`);
      }
    });
  }
});

const POOL_CASES: { name: string; x: number[]; g: PoolGeom }[] = [
  { name: '2×2 stride 2', x: [2, 3, 8, 8], g: { kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1] } },
  { name: '3×3 stride 2 padding 1 (overlapping, odd size)', x: [1, 2, 7, 9], g: { kernel: [3, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 1] } },
  { name: '3×2 stride [1, 2] that does not divide', x: [2, 1, 5, 7], g: { kernel: [3, 2], stride: [1, 2], padding: [0, 1], dilation: [1, 1] } },
];

describe('pooling on the CPU against naive float64 loops', () => {
  for (const c of POOL_CASES) {
    it(`maxPool2d ${c.name}: forward and gradient`, async () => {
      const be = await cpu();
      const [x] = makeInputs([{ shape: c.x }], 'float64', be, 21);
      const xd = Float64Array.from(x!.dataSync());
      const f = (t: sg.Tensor) => sg.maxPool2d(t, c.g.kernel, { stride: c.g.stride, padding: c.g.padding });
      const y = f(x!);
      const u = uniformArray(y.size, -1, 1, rng(9));
      const ref = maxPool2dRef(xd, c.x, c.g, u);
      expect([...y.shape]).toEqual(ref.shape);
      expectClose(y.dataSync(), ref.y, { atol: 0, rtol: 0 }, 'y');
      const ut = sg.tensor(u, [...y.shape], 'float64', be);
      const [dx] = sg.grad((t: sg.Tensor) => sg.sum(sg.mul(f(t), ut)), [x!])(x!);
      expectClose(dx!.dataSync(), ref.dx, { atol: 1e-15, rtol: 1e-15 }, 'dx');
      sg.dispose([x!, y, ut, dx!]);
    });
    it(`avgPool2d ${c.name}: forward and gradient`, async () => {
      const be = await cpu();
      const [x] = makeInputs([{ shape: c.x }], 'float64', be, 22);
      const xd = Float64Array.from(x!.dataSync());
      const f = (t: sg.Tensor) => sg.avgPool2d(t, c.g.kernel, { stride: c.g.stride, padding: c.g.padding });
      const y = f(x!);
      const u = uniformArray(y.size, -1, 1, rng(10));
      const ref = avgPool2dRef(xd, c.x, c.g, u);
      expect([...y.shape]).toEqual(ref.shape);
      expectClose(y.dataSync(), ref.y, { atol: 1e-14, rtol: 1e-14 }, 'y');
      const ut = sg.tensor(u, [...y.shape], 'float64', be);
      const [dx] = sg.grad((t: sg.Tensor) => sg.sum(sg.mul(f(t), ut)), [x!])(x!);
      expectClose(dx!.dataSync(), ref.dx, { atol: 1e-14, rtol: 1e-14 }, 'dx');
      sg.dispose([x!, y, ut, dx!]);
    });
  }

  it('maxPool2d: ties send the gradient to the first maximum of the window, as PyTorch does', async () => {
    const be = await cpu();
    const x = sg.tensor([[[[1, 3], [3, 0]]]], [1, 1, 2, 2], 'float64', be);
    const [dx] = sg.grad((t: sg.Tensor) => sg.sum(sg.maxPool2d(t, 2)), [x])(x);
    expect(Array.from(dx!.dataSync())).toEqual([0, 1, 0, 0]);
  });
});

describe('gradients against float64 finite differences', () => {
  for (const c of CONV_CASES.slice(0, 7)) {
    it(`conv2d ${c.name}`, async () => {
      const be = await cpu();
      const ins = makeInputs(inputsOf(c), 'float64', be, 31);
      gradcheck((x, w, b) => convFn(c)(x!, w!, b), ins, { eps: 1e-6, rtol: 1e-7, atol: 1e-9 });
      sg.dispose(ins);
    });
  }
  for (const c of POOL_CASES) {
    it(`maxPool2d and avgPool2d ${c.name}`, async () => {
      const be = await cpu();
      // Distinct values a grid apart, so that no ±ε step changes a window's maximum.
      const n = c.x.reduce((p, d) => p * d, 1);
      const perm = Array.from({ length: n }, (_, i) => (i * 7919) % n);
      const x = sg.tensor(Float64Array.from(perm, (v) => v / n), c.x, 'float64', be);
      gradcheck((t) => sg.maxPool2d(t!, c.g.kernel, { stride: c.g.stride, padding: c.g.padding }), [x], { eps: 1e-7 });
      gradcheck((t) => sg.avgPool2d(t!, c.g.kernel, { stride: c.g.stride, padding: c.g.padding }), [x]);
      x.dispose();
    });
  }
});

describe('bad input is rejected before any kernel runs, naming the argument', () => {
  const f32 = (shape: number[]) => sg.zeros(shape);
  const cases: [string, () => unknown, RegExp][] = [
    ['kernel larger than the padded input', () => sg.conv2d(f32([1, 1, 4, 4]), f32([1, 1, 7, 7]), null, { padding: 1 }), /conv2d: kernel height 7 is larger than the padded input height 4 \+ 2·1 = 6/],
    ['dilated kernel larger than the input', () => sg.conv2d(f32([1, 1, 5, 5]), f32([1, 1, 3, 3]), null, { dilation: 3 }), /kernel height 3 \(dilated to 7\) is larger/],
    ['channels that do not match', () => sg.conv2d(f32([2, 3, 8, 8]), f32([4, 2, 3, 3])), /argument 'w' expected 3 input channels per group .*got w \[4, 2, 3, 3\]/],
    ['groups that do not divide the input channels', () => sg.conv2d(f32([1, 3, 8, 8]), f32([4, 1, 3, 3]), null, { groups: 2 }), /argument 'groups' \(2\) expected to divide the input channels, got 3/],
    ['groups that do not divide the output channels', () => sg.conv2d(f32([1, 4, 8, 8]), f32([3, 2, 3, 3]), null, { groups: 2 }), /divide the output channels, got 3/],
    ['negative stride', () => sg.conv2d(f32([1, 1, 8, 8]), f32([1, 1, 3, 3]), null, { stride: -1 }), /argument 'stride' expected two positive integers \[h, w\], got \[-1, -1\]/],
    ['non-integer padding', () => sg.conv2d(f32([1, 1, 8, 8]), f32([1, 1, 3, 3]), null, { padding: [0.5, 1] }), /argument 'padding' expected two non-negative integers \[h, w\], got \[0.5, 1\]/],
    ['zero dilation', () => sg.conv2d(f32([1, 1, 8, 8]), f32([1, 1, 3, 3]), null, { dilation: 0 }), /argument 'dilation' expected two positive integers/],
    ['an empty output (batch 0)', () => sg.conv2d(f32([0, 1, 8, 8]), f32([1, 1, 3, 3])), /the output \[0, 1, 6, 6\] would be empty/],
    ['a bias of the wrong length', () => sg.conv2d(f32([1, 1, 8, 8]), f32([2, 1, 3, 3]), f32([3])), /argument 'b' expected float32 \[2\] .*got float32 \[3\]/],
    ['a 3-D input', () => sg.conv2d(f32([1, 8, 8]), f32([1, 1, 3, 3])), /argument 'x' expected a float tensor \[batch, channels, height, width\], got float32 \[1, 8, 8\]/],
    ['pool padding above half the kernel', () => sg.maxPool2d(f32([1, 1, 8, 8]), 2, { padding: 2 }), /maxPool2d: argument 'padding' expected at most half the kernel size \[1, 1\], got \[2, 2\]/],
    ['pool window larger than the input', () => sg.avgPool2d(f32([1, 1, 3, 3]), 4), /avgPool2d: kernel height 4 is larger than the padded input height 3/],
    ['pool kernel 0', () => sg.maxPool2d(f32([1, 1, 3, 3]), 0), /maxPool2d: argument 'kernelSize' expected two positive integers \[h, w\], got \[0, 0\]/],
  ];
  for (const [what, fn, msg] of cases) {
    it(what, () => {
      expect(fn).toThrow(sg.SpikegradError);
      expect(fn).toThrow(msg);
    });
  }
});

describeWebGpu('conv2d and pooling on WebGPU (float32) against the CPU (float64)', (gpu) => {
  // Each output sums L = C/g·KH·KW products serially in float32: errors ~u·√L of the scale.
  const convTol = { rtol: 1e-5, atol: 2e-6 };
  for (const c of CONV_CASES) {
    it(`conv2d ${c.name}`, async () => {
      const pc: ParityCase = { name: `conv2d ${c.name}`, fn: (x, w, b) => convFn(c)(x!, w!, b), inputs: inputsOf(c), tol: convTol, gradTol: { rtol: 1e-4, atol: 2e-5 } };
      await checkParity(pc, gpu);
    });
  }
  it("the register tiles' edges: 9 channels (two full blocks of 4 and one of 1), 11 columns (a partial quad), stride and groups", async () => {
    for (const c of [
      { name: '9 channels, 11 columns', x: [2, 2, 5, 11], w: [9, 2, 3, 3], bias: true, geom: geom([1, 1], [1, 1]) },
      { name: 'groups 3 of 5 channels, stride [1, 2]', x: [1, 6, 7, 13], w: [15, 2, 3, 2], bias: false, geom: geom([1, 2], [0, 1], [1, 1], 3) },
      { name: '9 input channels, stride 2, dilation 2', x: [2, 9, 11, 10], w: [6, 9, 3, 3], bias: true, geom: geom([2, 2], [2, 1], [2, 2]) },
    ] as ConvCase[]) {
      await checkParity({ name: `conv2d ${c.name}`, fn: (x, w, b) => convFn(c)(x!, w!, b), inputs: inputsOf(c), tol: convTol, gradTol: { rtol: 1e-4, atol: 2e-5 } }, gpu);
    }
  });
  for (const variant of [{ inputGradient: 'taps' }, { inputGradient: 'rows' }, { forward: 'direct', weightGradient: 'direct' }] as const) {
    it(`the earlier kernels kept for the bench's A/B (${JSON.stringify(variant)}) on every case`, async () => {
      const saved = { ...convGpuTuning };
      Object.assign(convGpuTuning, variant);
      try {
        for (const c of CONV_CASES) {
          await checkParity({ name: `conv2d ${c.name} ${JSON.stringify(variant)}`, fn: (x, w, b) => convFn(c)(x!, w!, b), inputs: inputsOf(c), tol: convTol, gradTol: { rtol: 1e-4, atol: 2e-5 } }, gpu);
        }
      } finally {
        Object.assign(convGpuTuning, saved);
      }
    });
  }
  it('conv2dGradWeight over many images (the chunked partial sums)', async () => {
    const c: ConvCase = { name: 'many images', x: [67, 2, 9, 9], w: [3, 2, 3, 3], bias: true, geom: geom([1, 1], [1, 1]) };
    await checkParity({ name: c.name, fn: (x, w, b) => convFn(c)(x!, w!, b), inputs: inputsOf(c), tol: convTol, gradTol: { rtol: 1e-4, atol: 2e-5 } }, gpu);
  });
  for (const c of POOL_CASES) {
    it(`maxPool2d and avgPool2d ${c.name}`, async () => {
      const opts = { stride: c.g.stride, padding: c.g.padding };
      await checkParity({ name: `maxPool2d ${c.name}`, fn: (x) => sg.maxPool2d(x!, c.g.kernel, opts), inputs: [{ shape: c.x }] }, gpu);
      await checkParity({ name: `avgPool2d ${c.name}`, fn: (x) => sg.avgPool2d(x!, c.g.kernel, opts), inputs: [{ shape: c.x }], tol: convTol }, gpu);
    });
  }
});
