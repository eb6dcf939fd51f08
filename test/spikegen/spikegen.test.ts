/**
 * The spike encoders against float64 references written from snnTorch's formulas (spikegen.rate's Bernoulli
 * with the library's generator as the draw source, latency_code with torch.round's half-to-even, delta), the
 * examples of snnTorch's documentation, statistics of the rate code, and bit-identity across backends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import * as internal from '../../internal.js';
import { rng, uniformArray } from '../support/helpers.js';
import { describeWebGpu } from '../support/webgpu.js';
import { wasmKernels } from '../../kernels/flags.js';
import { rateSpikesWasm } from '../../spikegen/rateWasm.js';
import { shutdownPool, threadPool } from '../../kernels/cpu/threadPool.js';
import { sequenceParallel } from '../../kernels/cpu/wasmKernels.js';

const { spikegen, random } = sg;

beforeAll(async () => {
  await sg.setBackend('cpu');
});
afterAll(() => shutdownPool());

function rateReference(x: Float32Array, T: number, gain: number, offset: number, first: number, seed: number): number[] {
  const g = new random.Generator(seed);
  const fr = Math.fround;
  const out: number[] = [];
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < x.length; i++) {
      const p = Math.min(Math.max(fr(fr(x[i]! * fr(gain)) + fr(offset)), 0), 1);
      out.push(t < first ? 0 : g.nextFloat32() < p ? 1 : 0);
    }
  }
  return out;
}

const roundHalfEven = (s: number): number => {
  const f = Math.floor(s);
  const d = s - f;
  return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
};

/** snnTorch's latency_code (float64), with normalize by the latest possible time and delays by firstSpikeTime. */
function latencyReference(x: Float32Array, o: sg.spikegen.LatencyOptions): number[] {
  const T = o.numSteps, theta = o.threshold ?? 0.01, eps = o.epsilon ?? 1e-7, f = o.firstSpikeTime ?? 0;
  let tau = o.tau ?? 1;
  const out = new Array<number>(T * x.length).fill(0);
  for (let i = 0; i < x.length; i++) {
    let s: number;
    if (o.linear) {
      if (o.normalize) tau = T - 1 - f;
      s = Math.min(-tau * (x[i]! - 1), -tau * (theta - 1)) + f;
    } else {
      const xc = Math.max(x[i]!, Math.fround(theta + eps));
      s = tau * Math.log(xc / (xc - theta));
      if (o.normalize) s = (s * (T - 1 - f)) / (tau * Math.log((theta + eps) / eps)) + f;
      else s += f;
    }
    const k = roundHalfEven(s);
    if (o.clip && x[i]! < Math.fround(theta)) continue;
    if (k >= 0 && k <= T - 1) out[k * x.length + i] = 1;
    else if (k < 0) out[i] = 1;
  }
  return out;
}

describe('spikegen.rate', () => {
  const x = Float32Array.from([0, 1, 0.5, -0.3, 1.7, ...uniformArray(95, 0, 1, rng(3))]);

  it('is Bernoulli(clamp(gain·x + offset, 0, 1)) per step with the generator’s uniforms, on the host and the device alike', async () => {
    for (const [gain, offset, first] of [[1, 0, 0], [0.7, 0.1, 2], [2, -0.5, 0]] as const) {
      const ref = rateReference(x, 6, gain, offset, first, 11);
      const dev = spikegen.rate(sg.tensor(x, [4, 25]), { numSteps: 6, gain, offset, firstSpikeTime: first, generator: new random.Generator(11) });
      expect(dev.shape).toEqual([6, 4, 25]);
      expect(Array.from(await dev.data())).toEqual(ref);
      const host = spikegen.rateArray(x, [4, 25], { numSteps: 6, gain, offset, firstSpikeTime: first, generator: new random.Generator(11) });
      expect(host.shape).toEqual([6, 4, 25]);
      expect(Array.from(host.values)).toEqual(ref);
    }
  });

  it('rateArray: the WebAssembly pass and its JavaScript twin give the reference bits and leave the generator in the same state', () => {
    // 103 inputs (not a multiple of 4), a first spike time, 1–3 threads, and a scratch region so small that the
    // pass runs in several calls (the state carried from call to call)
    const xs = Float32Array.from([...x, 0.25, 0.75, 1]);
    const saved = wasmKernels.scratchBytes, savedThreads = threadPool.threads, savedMin = sequenceParallel.minElements;
    sequenceParallel.minElements = 0; // this small batch on the pool too: each chunk starts from a jumped state
    try {
      for (const [scratch, threads] of [[saved, 1], [saved, 2], [saved, 3], [4 * 103 * 3 + 4 * 103 + 2 * 16 * 16 + 64, 2]] as const) {
        wasmKernels.scratchBytes = scratch;
        threadPool.threads = threads;
        const ref = rateReference(xs, 9, 0.9, 0.05, 1, 21);
        const states: number[][] = [];
        for (const wasm of [true, false]) {
          wasmKernels.enabled = wasm;
          const g = new random.Generator(21);
          const host = spikegen.rateArray(xs, [103], { numSteps: 9, gain: 0.9, offset: 0.05, firstSpikeTime: 1, generator: g });
          expect(Array.from(host.values)).toEqual(ref);
          states.push(g.getState());
        }
        expect(states[0]).toEqual(states[1]);
        const g = new random.Generator(21); // 8 steps of 103 draws: the stream continues where they end
        g.fillFloat32(new Float32Array(8 * 103));
        expect(states[0]).toEqual(g.getState());
        // and the pass did run (not its twin twice): it says so
        wasmKernels.enabled = true;
        expect(rateSpikesWasm(new random.Generator(1), new Float32Array(103), new Float32Array(8 * 103), 0, 8)).toBe(true);
      }
    } finally {
      wasmKernels.enabled = true;
      wasmKernels.scratchBytes = saved;
      threadPool.threads = savedThreads;
      sequenceParallel.minElements = savedMin;
    }
  });

  it('fires at the rate p: always at p = 1, never at p = 0, and p·T·n ± 4σ spikes for p = 0.3', async () => {
    const T = 200, n = 500;
    const s = await spikegen.rate(sg.full([n], 0.3), { numSteps: T, generator: new random.Generator(1) }).data();
    const count = Array.from(s).reduce((a, v) => a + v, 0);
    const sd = Math.sqrt(T * n * 0.3 * 0.7);
    expect(Math.abs(count - 0.3 * T * n)).toBeLessThan(4 * sd);
    const ends = await spikegen.rate(sg.tensor([0, 1]), { numSteps: 50 }).data();
    for (let t = 0; t < 50; t++) expect([ends[2 * t], ends[2 * t + 1]]).toEqual([0, 1]);
  });

  it('timeVarInput draws once per element of a [T, …] input; the global generator follows random.seed', async () => {
    const xt = sg.tensor(Float32Array.from(x.subarray(0, 12)), [3, 4]);
    const a = await spikegen.rate(xt, { timeVarInput: true, generator: new random.Generator(2) }).data();
    const ref = rateReference(x.subarray(0, 12), 1, 1, 0, 0, 2);
    expect(Array.from(a)).toEqual(ref);
    random.seed(42);
    const b = await spikegen.rate(xt, { numSteps: 3 }).data();
    random.seed(42);
    expect(Array.from(await spikegen.rate(xt, { numSteps: 3 }).data())).toEqual(Array.from(b));
  });

  it('rejects parameters out of range before drawing', () => {
    const t = sg.tensor([0.5]);
    expect(() => spikegen.rate(t, { numSteps: 0 })).toThrow(/spikegen.rate: argument 'numSteps' expected a positive integer, got number 0/);
    expect(() => spikegen.rate(t, { numSteps: 4, firstSpikeTime: 4 })).toThrow(/argument 'firstSpikeTime' expected an integer in \[0, 3\]/);
    expect(() => spikegen.rate(t, { numSteps: 4, gain: NaN })).toThrow(/argument 'gain' expected a finite number/);
    expect(() => spikegen.rate(sg.tensor([1], [1], 'int32'), { numSteps: 4 })).toThrow(/argument 'data' expected a float tensor/);
    expect(() => spikegen.rateArray(new Float32Array(3), [2], { numSteps: 1 })).toThrow(/argument 'shape' \[2\] needs 2 values, got 3/);
  });
});

describe('spikegen.latency', () => {
  it('reproduces snnTorch’s documented example', async () => {
    const s = await spikegen.latency(sg.tensor([0.02, 0.5, 1]), { numSteps: 5, normalize: true, linear: true }).data();
    expect(Array.from(s)).toEqual([0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0]);
  });

  const edges = [0, 0.01, 0.0100001, 1, 0.875, 0.625, 0.5, 0.375, 0.125, 1e-9, 0.999];
  const x = Float32Array.from([...edges, ...uniformArray(189, 0, 1, rng(5))]);
  const variants: sg.spikegen.LatencyOptions[] = [
    { numSteps: 25 },
    { numSteps: 25, tau: 5 },
    { numSteps: 25, tau: 5, normalize: true },
    { numSteps: 25, tau: 5, normalize: true, clip: true, threshold: 0.2 },
    { numSteps: 10, linear: true, normalize: true },
    { numSteps: 5, linear: true, normalize: true }, // exact halves: 0.875 → 0.5 → step 0, 0.625 → 1.5 → step 2
    { numSteps: 25, linear: true, tau: 20, clip: true, firstSpikeTime: 3 },
    { numSteps: 8, tau: 2, firstSpikeTime: 2, epsilon: 1e-4, threshold: 0.05 },
  ];

  it('spikes once at round(s(x)), half to even, for log and linear codes with every option (float64 reference)', async () => {
    for (const o of variants) {
      const got = await spikegen.latency(sg.tensor(x, [10, 20]), o).data();
      expect(Array.from(got), JSON.stringify(o)).toEqual(latencyReference(x, o));
    }
  });

  it('rejects parameters out of range', () => {
    const t = sg.tensor([0.5]);
    expect(() => spikegen.latency(t, { numSteps: 5, threshold: 1 })).toThrow(/argument 'threshold' expected a number in \(0, 1\), got number 1/);
    expect(() => spikegen.latency(t, { numSteps: 5, tau: 0 })).toThrow(/argument 'tau' expected a positive number/);
    expect(() => spikegen.latency(t, { numSteps: 0 })).toThrow(/argument 'numSteps' expected a positive integer/);
    expect(() => spikegen.latency(t, { numSteps: 5, firstSpikeTime: 7 })).toThrow(/argument 'firstSpikeTime' expected an integer in \[0, 4\]/);
  });

  it('delta reproduces snnTorch’s formula on its documented examples and a reference on random signals', async () => {
    const a = sg.tensor([1, 2, 2.9, 3, 3.9]), b = sg.tensor([1, 2, 0, 2, 2.9]);
    // snnTorch's docstring shows [1, 1, 0, 1, 0] for `a`, but its formula (and this one) gives a spike only where the
    // step is >= 1: 3 − 2.9 = 0.1 is not. The examples with `b` agree with the formula.
    expect(Array.from(await spikegen.delta(a, { threshold: 1 }).data())).toEqual([1, 1, 0, 0, 0]);
    expect(Array.from(await spikegen.delta(a, { threshold: 1, padding: true }).data())).toEqual([0, 1, 0, 0, 0]);
    expect(Array.from(await spikegen.delta(b, { threshold: 1, offSpike: true }).data())).toEqual([1, 1, -1, 1, 0]);
    expect(Array.from(await spikegen.delta(b, { threshold: 1, padding: true, offSpike: true }).data())).toEqual([0, 1, -1, 1, 0]);
    const sig = Float32Array.from(uniformArray(7 * 6, -1, 1, rng(8)));
    const got = await spikegen.delta(sg.tensor(sig, [7, 2, 3]), { threshold: 0.4, offSpike: true }).data();
    const fr = Math.fround;
    const ref = Array.from(sig, (v, i) => {
      const d = fr(v - (i >= 6 ? sig[i - 6]! : 0));
      return (d >= fr(0.4) ? 1 : 0) - (d <= fr(-0.4) ? 1 : 0);
    });
    expect(Array.from(got)).toEqual(ref);
    expect(() => spikegen.delta(a, { threshold: 0 })).toThrow(/argument 'threshold' expected a positive number/);
    expect(() => spikegen.delta(sg.scalar(1))).toThrow(/expected a time series \[T, \.\.\.\], got \[\]/);
  });
});

describeWebGpu('spike encoders on WebGPU', (gpu) => {
  it('give the same spikes as the CPU, bit for bit', async () => {
    const cpu = await internal.getBackendInstance('cpu');
    const x = Float32Array.from([0, 0.01, 1, 0.875, 0.5, ...uniformArray(395, -0.2, 1.2, rng(12))]);
    const on = (be: sg.Backend) => sg.tensor(x, [8, 50], 'float32', be);
    const pairs: [string, (be: sg.Backend) => sg.Tensor][] = [
      ['rate', (be) => spikegen.rate(on(be), { numSteps: 9, gain: 0.8, offset: 0.05, generator: new random.Generator(4) })],
      ['latency log', (be) => spikegen.latency(on(be), { numSteps: 25, tau: 5, normalize: true, clip: true })],
      ['latency linear', (be) => spikegen.latency(on(be), { numSteps: 6, linear: true, normalize: true })],
      ['delta', (be) => spikegen.delta(on(be), { threshold: 0.1, offSpike: true, padding: true })],
    ];
    for (const [name, f] of pairs) expect(Array.from(await f(gpu).data()), name).toEqual(Array.from(await f(cpu).data()));
  });
});
