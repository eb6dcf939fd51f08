/**
 * The spike ops on WebGPU against the CPU, for all 18 surrogates (defaults and variants) and a custom one:
 * forward H(x), σ'(x), σ(x), and the spike's gradient ⟨u, spike(x)⟩ → u·σ'(x), on a dense grid with every
 * breakpoint and the extreme inputs, in an odd shape. The CPU runs in float64 on the same float32 values.
 */
import { afterAll, expect, it } from 'vitest';
import * as sg from '../../index.js';
import * as internal from '../../internal.js';
import { cpu, rng, uniformArray } from '../support/helpers.js';
import { REFERENCE, gridFor } from '../support/surrogateReference.js';
import { describeWebGpu } from '../support/webgpu.js';

const { surrogate } = sg;
const F32_MAX = 3.4028234663852886e38;
const EXTREMES = [0, -0, 1e-45, -1e-45, 1e30, -1e30, F32_MAX, -F32_MAX, Infinity, -Infinity];
const TOL = { atol: 2e-6, rtol: 2e-5 };

const INSTANCES = [
  ...surrogate.CATALOG.flatMap((e) => [undefined, ...REFERENCE[e.name]!.variants].map((opts) => e.create(opts))),
  surrogate.custom({ name: 'Triangle', params: { gamma: 0.3 }, grad: 'gamma * max(1 - abs(x), 0)', fun: 'x < -1 ? 0 : x > 1 ? 0.6 : 0.3 + gamma*x*(1 - abs(x)/2)' }),
];

/** The same float32 values on both backends, in an odd shape [n/…]: grid, breakpoints, extremes, random. */
function points(s: sg.surrogate.Surrogate): Float32Array {
  const ref = REFERENCE[s.name];
  const base = ref ? gridFor(ref, { ...s.params }) : [-2, -1, -0.5, 0, 0.5, 1, 2];
  const r = rng(9);
  const xs = Float32Array.from([...base, ...EXTREMES, ...uniformArray(1155 - base.length - EXTREMES.length, -4, 4, r)]);
  return xs;
}

let worst = { ratio: 0, where: '' };
function compare(gpu: ArrayLike<number>, ref: ArrayLike<number>, what: string): void {
  let scale = 1;
  for (let i = 0; i < ref.length; i++) if (Number.isFinite(ref[i]!)) scale = Math.max(scale, Math.abs(ref[i]!));
  for (let i = 0; i < ref.length; i++) {
    const ratio = Math.abs(gpu[i]! - ref[i]!) / (TOL.atol * scale + TOL.rtol * Math.abs(ref[i]!));
    expect(ratio <= 1, `${what}[${i}]: WebGPU ${gpu[i]}, CPU ${ref[i]}`).toBe(true);
    if (ratio > worst.ratio) worst = { ratio, where: `${what}[${i}]` };
  }
}

describeWebGpu('spike ops: WebGPU against the CPU', (gpuBe) => {
  afterAll(() => console.log(`spikeParity: largest error ${(worst.ratio * 100).toFixed(0)}% of tolerance (${worst.where})`));

  for (const s of INSTANCES) {
    it(`${s}`, async () => {
      const cpuBe = await cpu();
      const xs = points(s);
      const us = Float32Array.from(uniformArray(xs.length, -1, 1, rng(4)));
      const shape = [3, 5, 77];
      const [xg, ug] = [sg.tensor(xs, shape, 'float32', gpuBe), sg.tensor(us, shape, 'float32', gpuBe)];
      const [xc, uc] = [sg.tensor(Float64Array.from(xs), shape, 'float64', cpuBe), sg.tensor(Float64Array.from(us), shape, 'float64', cpuBe)];
      const spikeG = await s.spike(xg).data(), spikeC = s.spike(xc).dataSync();
      expect(Array.from(spikeG)).toEqual(Array.from(spikeC));
      compare(await s.grad(xg).data(), s.grad(xc).dataSync(), `${s}.grad`);
      if (s.fun) compare(await s.fun(xg).data(), s.fun(xc).dataSync(), `${s}.fun`);
      const vjp = (x: sg.Tensor, u: sg.Tensor) => sg.grad((v: sg.Tensor) => s.spike(v).mul(u).sum(), x)(x);
      compare(await vjp(xg, ug).data(), vjp(xc, uc).dataSync(), `${s} spike vjp`);
      for (const t of [xg, ug, xc, uc]) t.dispose();
    });
  }

  it('the spike is one dispatch forward and one backward, and a surrogate compiles once for every size', async () => {
    const s = new surrogate.Arctan({ alpha: 2 });
    const run = async (n: number) => {
      const x = sg.tensor(new Float32Array(n).map((_, i) => i / n - 0.5), [n], 'float32', gpuBe);
      const before = gpuBe.counters.dispatches;
      const y = s.spike(x);
      const fwd = gpuBe.counters.dispatches - before;
      const dy = internal.runOp('spikeGrad', [x, sg.onesLike(x)], { surrogate: s })[0]!;
      await dy.data();
      const bwd = gpuBe.counters.dispatches - before - fwd - 1; // minus the ones fill
      for (const t of [x, y, dy]) t.dispose();
      return [fwd, bwd];
    };
    expect(await run(1000)).toEqual([1, 1]);
    expect(await run(70_001)).toEqual([1, 1]);
  });
});
