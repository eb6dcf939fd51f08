/**
 * The convolutional layers (nn/conv.ts): PyTorch's initialisation, batch normalisation against a float64
 * reference (training and evaluation, running statistics), bad arguments, and a small CSNN in nn.Sequential
 * whose sequence mode (`run`: time folded into the batch) equals its step mode (`forLoop(update)`) — outputs
 * and every parameter's gradient — on the CPU and on WebGPU.
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { gradcheck } from '../support/gradcheck.js';
import { cpu, expectClose, rng, uniformArray } from '../support/helpers.js';
import { describeWebGpu } from '../support/webgpu.js';
import { Sigmoid } from '../../surrogate/index.js';

const { nn, transform, ParamState } = sg;

describe('nn.Conv2d', () => {
  it("initialises weight and bias as PyTorch does: uniform in ±1/√fanIn, fanIn = C/groups·KH·KW", async () => {
    sg.random.seed(1);
    const conv = new nn.Conv2d(12, 64, 5);
    expect([...conv.weight.value.shape]).toEqual([64, 12, 5, 5]);
    expect([...conv.bias!.value.shape]).toEqual([64]);
    const bound = 1 / Math.sqrt(12 * 25);
    const w = await conv.weight.value.data();
    const maxAbs = Array.from(w).reduce((p, v) => Math.max(p, Math.abs(v)), 0);
    expect(maxAbs).toBeLessThanOrEqual(bound);
    expect(maxAbs).toBeGreaterThan(0.99 * bound);
    // A uniform on ±b has standard deviation b/√3; 19 200 draws pin it to about 1 %.
    const std = Math.sqrt(Array.from(w).reduce((p, v) => p + v * v, 0) / w.length);
    expect(Math.abs(std / (bound / Math.sqrt(3)) - 1)).toBeLessThan(0.03);
    const grouped = new nn.Conv2d(4, 6, 3, { groups: 2, bInit: null });
    expect([...grouped.weight.value.shape]).toEqual([6, 2, 3, 3]);
    expect(grouped.bias).toBeUndefined();
    expect(String(grouped)).toBe('Conv2d(4→6, 3×3, groups=2, no bias)');
  });

  it('rejects bad arguments and inputs, naming them', () => {
    expect(() => new nn.Conv2d(3, 4, 0)).toThrow("Conv2d: argument 'kernelSize' expected a positive integer or two of them [h, w], got number 0");
    expect(() => new nn.Conv2d(3, 4, 3, { groups: 2 })).toThrow("Conv2d: argument 'groups' expected to divide inChannels (3) and outChannels (4), got 2");
    expect(() => new nn.Conv2d(3, 4, 3, { padding: -1 })).toThrow("Conv2d: argument 'padding' expected a non-negative integer or two of them");
    const conv = new nn.Conv2d(3, 4, 3);
    expect(() => conv.update(sg.zeros([2, 2, 8, 8]))).toThrow('argument \'x\' expected 3 channels (axis 1), got float32 [2, 2, 8, 8]');
    expect(() => conv.run(sg.zeros([2, 3, 8, 8]))).toThrow("argument 'xs' expected a float tensor [T, batch, channels, height, width], got float32 tensor [2, 3, 8, 8]");
  });
});

describe('nn.BatchNorm2d', () => {
  const N = 3, C = 2, H = 4, W = 5;
  const x = uniformArray(N * C * H * W, -2, 3, rng(4));
  /** Per channel: mean and biased variance over the batch and pixels. */
  function stats(): { mu: number[]; v: number[] } {
    const mu = [0, 0], v = [0, 0], cnt = N * H * W;
    for (let i = 0; i < x.length; i++) mu[Math.floor(i / (H * W)) % C]! += x[i]! / cnt;
    for (let i = 0; i < x.length; i++) { const c = Math.floor(i / (H * W)) % C; v[c]! += (x[i]! - mu[c]!) ** 2 / cnt; }
    return { mu, v };
  }

  it('training mode normalises by the batch statistics and moves the running ones (unbiased variance)', async () => {
    const bn = new nn.BatchNorm2d(C, { dtype: 'float64', momentum: 0.25 });
    bn.weight!.value = sg.tensor([2, 0.5], [2], 'float64');
    bn.bias!.value = sg.tensor([-1, 3], [2], 'float64');
    const y = bn.update(sg.tensor(x, [N, C, H, W], 'float64')).dataSync();
    const { mu, v } = stats();
    const ref = Float64Array.from(x, (xv, i) => {
      const c = Math.floor(i / (H * W)) % C;
      return ((xv - mu[c]!) / Math.sqrt(v[c]! + 1e-5)) * [2, 0.5][c]! + [-1, 3][c]!;
    });
    expectClose(y, ref, { atol: 1e-12, rtol: 1e-12 }, 'y');
    const cnt = N * H * W;
    expectClose(bn.runningMean.value.dataSync(), mu.map((m) => 0.25 * m), { atol: 1e-14, rtol: 1e-12 }, 'running mean');
    expectClose(bn.runningVar.value.dataSync(), v.map((vv) => 0.75 + 0.25 * vv * cnt / (cnt - 1)), { atol: 1e-14, rtol: 1e-12 }, 'running var');
  });

  it('evaluation mode (nn.setTraining(net, false)) uses the running statistics and leaves them alone', () => {
    const bn = new nn.BatchNorm2d(C, { dtype: 'float64', affine: false });
    bn.runningMean.value = sg.tensor([0.5, -1], [2], 'float64');
    bn.runningVar.value = sg.tensor([4, 0.25], [2], 'float64');
    const net = new nn.Sequential(bn);
    nn.setTraining(net, false);
    expect(bn.training).toBe(false);
    const y = net.update(sg.tensor(x, [N, C, H, W], 'float64')).dataSync();
    const ref = Float64Array.from(x, (xv, i) => {
      const c = Math.floor(i / (H * W)) % C;
      return (xv - [0.5, -1][c]!) / Math.sqrt([4, 0.25][c]! + 1e-5);
    });
    expectClose(y, ref, { atol: 1e-12, rtol: 1e-12 }, 'y');
    expect(Array.from(bn.runningMean.value.dataSync())).toEqual([0.5, -1]);
    nn.setTraining(net, true);
    expect(bn.training).toBe(true);
  });

  it('sequence mode normalises over all T·B images at once (SpikingJelly multi-step)', () => {
    const bn = new nn.BatchNorm2d(C, { dtype: 'float64' });
    const seq = bn.run(sg.tensor(x, [1, N, C, H, W], 'float64'));
    const bn2 = new nn.BatchNorm2d(C, { dtype: 'float64' });
    const step = bn2.update(sg.tensor(x, [N, C, H, W], 'float64'));
    expect([...seq.shape]).toEqual([1, N, C, H, W]);
    expectClose(seq.dataSync(), step.dataSync(), { atol: 0, rtol: 0 }, 'same numbers');
  });

  it('training-mode gradient against finite differences (float64)', async () => {
    const be = await cpu();
    const bn = new nn.BatchNorm2d(C, { dtype: 'float64' });
    const xt = sg.tensor(x, [N, C, H, W], 'float64', be);
    const g = sg.tensor([1.5, -0.7], [2], 'float64', be), b = sg.tensor([0.2, 0.1], [2], 'float64', be);
    gradcheck((xx, gg, bb) => {
      bn.weight!.value = gg!.add(0);
      bn.bias!.value = bb!.add(0);
      return bn.update(xx!);
    }, [xt, g, b], { rtol: 1e-6, atol: 1e-8 });
  });
});

/** A small CSNN: conv → batch norm (evaluation) → max pool → LIF → conv → average pool → LIF → linear → LIF. */
function makeCsnn(dtype: 'float32' | 'float64'): sg.nn.Module {
  sg.random.seed(7);
  const lif = (n: number) => new nn.LIF(n, { tau: 2, VTh: 0.5, R: 6, detachReset: true, spkFun: new Sigmoid() });
  const bn = new nn.BatchNorm2d(4, { dtype });
  bn.runningMean.value = sg.tensor([0.1, -0.2, 0.3, 0], [4], dtype);
  bn.runningVar.value = sg.tensor([0.5, 2, 1, 1.5], [4], dtype);
  const net = new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1, dtype }), bn, new nn.MaxPool2d(2), new nn.Flatten(), lif(4 * 4 * 4),
    new nn.Unflatten([4, 4, 4]), new nn.Conv2d(4, 6, 3, { dtype }), new nn.AvgPool2d(2), new nn.Flatten(), lif(6),
    new nn.Linear(6, 3, { dtype }), lif(3),
  );
  // Batch statistics differ between one step and a whole sequence by design: compare modes in evaluation.
  return nn.setTraining(net, false);
}

async function csnnModes(dtype: 'float32' | 'float64') {
  const T = 6, B = 2;
  const xv = uniformArray(T * B * 64, 0, 3, rng(8));
  const results: { ys: Float64Array; grads: Float64Array[]; rate: number }[] = [];
  for (const mode of ['run', 'step'] as const) {
    const net = makeCsnn(dtype);
    nn.initAllStates(net, { batchSize: B, dtype });
    const params = Object.values(net.states(ParamState)).map((s) => s.value);
    const xs = sg.tensor(xv, [T, B, 1, 8, 8], dtype);
    const u = sg.tensor(uniformArray(T * B * 3, -1, 1, rng(2)), [T, B, 3], dtype);
    let kept: sg.Tensor | null = null;
    const grads = sg.grad(() => {
      const out = mode === 'run' ? net.run(xs) : transform.forLoop(net.update, xs);
      kept = sg.keep(out.add(0));
      return sg.sum(sg.mul(out, u));
    }, params)();
    const ys = Float64Array.from(await kept!.data());
    // The first LIF's spike rate over the sequence, to know the spiking path is exercised.
    const first = new nn.Sequential(...[...(net as sg.nn.Sequential)].slice(0, 5));
    nn.initAllStates(first, { batchSize: B, dtype });
    const s = await first.run(xs).data();
    const rate = Array.from(s).reduce((p, v) => p + v, 0) / s.length;
    const gradValues = await Promise.all(grads.map(async (g) => Float64Array.from(await g.data())));
    sg.dispose([kept!, xs, u, ...grads]);
    results.push({ ys, grads: gradValues, rate });
  }
  return results;
}

function expectSameModes([a, b]: Awaited<ReturnType<typeof csnnModes>>, tol: number) {
  expect(a!.rate, 'the first LIF layer spikes').toBeGreaterThan(0.05);
  expect(a!.rate).toBeLessThan(0.95);
  expect(a!.ys.some((v) => v !== 0), 'the output layer spikes').toBe(true);
  expectClose(a!.ys, b!.ys, { atol: 0, rtol: 0 }, 'outputs');
  a!.grads.forEach((g, i) => {
    const scale = Math.max(1e-30, ...Array.from(b!.grads[i]!, Math.abs));
    expect(scale, `gradient ${i} is not all zero`).toBeGreaterThan(1e-30);
    expectClose(g, b!.grads[i]!, { atol: tol * scale, rtol: tol }, `gradient ${i}`);
  });
}

describe('a CSNN in nn.Sequential: sequence mode equals step mode (CPU)', () => {
  it('float64', async () => {
    expectSameModes(await csnnModes('float64'), 1e-12);
  });
  it('float32', async () => {
    expectSameModes(await csnnModes('float32'), 2e-5);
  });
});

describeWebGpu('a CSNN in nn.Sequential: sequence mode equals step mode (WebGPU)', (gpu) => {
  it('float32', async () => {
    await sg.setBackend(gpu.name);
    try {
      expectSameModes(await csnnModes('float32'), 2e-5);
    } finally {
      await sg.setBackend('cpu');
    }
  });
});
