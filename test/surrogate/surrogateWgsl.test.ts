/**
 * The WGSL each surrogate generates (what the spike kernels and the fused neuron kernels splice in), run on
 * the GPU (lavapipe in CI) for all 18 with default and other parameters: against the independent float64
 * formulas on a dense grid with every breakpoint, and free of NaN/Infinity at extreme inputs.
 * Skipped with a message when no WebGPU adapter exists, failed instead under SPIKEGRAD_REQUIRE_WEBGPU=1 (test/support/webgpu.ts).
 */
import { expect, it } from 'vitest';
import * as sg from '../../index.js';
import { REFERENCE, gridFor, linspace } from '../support/surrogateReference.js';
import { describeWebGpu } from '../support/webgpu.js';
import { deviceOf, evalWgsl, type WgslFn } from '../support/wgslEval.js';

const { surrogate } = sg;
const F32_MAX = 3.4028234663852886e38;
const EXTREMES = [0, 1e-45, -1e-45, 1e-30, -1e-30, 1e30, -1e30, 1e38, -1e38, F32_MAX, -F32_MAX, Infinity, -Infinity];

/** Every catalog surrogate with its default and variant parameters. */
const INSTANCES = surrogate.CATALOG.flatMap((e) => [undefined, ...REFERENCE[e.name]!.variants].map((opts) => ({ entry: e, s: e.create(opts) })));

/**
 * float32 tolerance: |gpu − ref| ≤ atol + rtol·|ref|, with the absolute part scaled by the function's size
 * on the grid (a Fourier series of 7 terms, or InvSquareGrad's peak of 1, carry float32 rounding of that size).
 */
const RTOL = 2e-5, ATOL = 2e-6;

describeWebGpu('generated WGSL on the GPU', (gpu) => {
  it('grad and fun of all 18 (defaults and variants) match the float64 formulas on a dense grid', async () => {
    const fns: WgslFn[] = [];
    const checks: { label: string; ref: (x: number) => number; k: number; xs: Float32Array }[] = [];
    // One shader for everything; each function is evaluated on the union grid, compared on its own points.
    const all = new Set<number>();
    const grids = INSTANCES.map(({ entry, s }) => {
      const xs = Float32Array.from(gridFor(REFERENCE[entry.name]!, { ...s.params }));
      xs.forEach((v) => all.add(v));
      return xs;
    });
    const union = Float32Array.from([...all].sort((a, b) => a - b));
    INSTANCES.forEach(({ entry, s }, j) => {
      const ref = REFERENCE[entry.name]!;
      const p = { ...s.params };
      fns.push({ code: s.wgslGrad(`sg_g${j}`), fnName: `sg_g${j}` });
      checks.push({ label: `${s} grad`, ref: (x) => ref.grad(x, p), k: fns.length - 1, xs: grids[j]! });
      if (ref.fun) {
        fns.push({ code: s.wgslFun(`sg_f${j}`), fnName: `sg_f${j}` });
        checks.push({ label: `${s} fun`, ref: (x) => ref.fun!(x, p), k: fns.length - 1, xs: grids[j]! });
      }
    });
    const out = await evalWgsl(deviceOf(gpu), fns, union);
    const index = new Map([...union].map((v, i) => [v, i]));
    const failures: string[] = [];
    let worst = { ratio: 0, where: '' };
    for (const c of checks) {
      const scale = Math.max(1, ...Array.from(c.xs, (x) => Math.abs(c.ref(x))).filter((v) => v < 1e6));
      for (const x of c.xs) {
        const got = out[c.k]![index.get(x)!]!, want = c.ref(x);
        const ratio = Math.abs(got - want) / (ATOL * scale + RTOL * Math.abs(want));
        if (!(ratio <= 1)) failures.push(`${c.label} at x = ${x}: GPU ${got}, float64 ${want}`);
        else if (ratio > worst.ratio) worst = { ratio, where: `${c.label} at x = ${x}: GPU ${got}, float64 ${want}` };
      }
    }
    console.log(`surrogateWgsl: ${checks.length} functions; largest error ${(worst.ratio * 100).toFixed(0)}% of tolerance (${worst.where})`);
    expect(failures.slice(0, 10)).toEqual([]);
  });

  it('no NaN or Infinity at extreme inputs (±1e30, ±float32 max, ±Infinity, subnormals)', async () => {
    const fns: WgslFn[] = [];
    const labels: string[] = [];
    INSTANCES.forEach(({ s }, j) => {
      fns.push({ code: s.wgslGrad(`sg_g${j}`), fnName: `sg_g${j}` });
      labels.push(`${s} grad`);
      if (s.fun) {
        fns.push({ code: s.wgslFun(`sg_f${j}`), fnName: `sg_f${j}` });
        labels.push(`${s} fun`);
      }
    });
    const xs = Float32Array.from(EXTREMES);
    const out = await evalWgsl(deviceOf(gpu), fns, xs);
    const bad = out.flatMap((vals, k) => Array.from(vals).flatMap((v, i) => (Number.isFinite(v) ? [] : [`${labels[k]}(${xs[i]}) = ${v}`])));
    expect(bad).toEqual([]);
  });

  it('the GPU agrees with the CPU kernels at the extremes (same limits, ±Infinity as ±float32 max)', async () => {
    const fns: WgslFn[] = [];
    const cpu: { label: string; values: Float64Array }[] = [];
    const xs = Float32Array.from([...EXTREMES, ...linspace(-3, 3, 13)]);
    const x64 = sg.tensor(Float64Array.from(xs), [xs.length], 'float64');
    INSTANCES.forEach(({ s }, j) => {
      fns.push({ code: s.wgslGrad(`sg_g${j}`), fnName: `sg_g${j}` });
      cpu.push({ label: `${s}.grad`, values: s.grad(x64).dataSync() as Float64Array });
      if (s.fun) {
        fns.push({ code: s.wgslFun(`sg_f${j}`), fnName: `sg_f${j}` });
        cpu.push({ label: `${s}.fun`, values: s.fun(x64).dataSync() as Float64Array });
      }
    });
    const out = await evalWgsl(deviceOf(gpu), fns, xs);
    out.forEach((gpu, k) => {
      for (let i = 0; i < xs.length; i++) {
        const want = cpu[k]!.values[i]!;
        expect(Math.abs(gpu[i]! - want), `${cpu[k]!.label}(${xs[i]}): GPU ${gpu[i]}, CPU ${want}`).toBeLessThanOrEqual(ATOL * 10 + RTOL * Math.abs(want));
      }
    });
  });

  it('a custom surrogate runs on the GPU too', async () => {
    const tri = surrogate.custom({ name: 'Triangle', params: { gamma: 0.3 }, grad: 'gamma * max(1 - abs(x), 0)' });
    const xs = Float32Array.from(linspace(-2, 2, 41));
    const [g] = await evalWgsl(deviceOf(gpu), [{ code: tri.wgslGrad('tri'), fnName: 'tri' }], xs);
    const want = Array.from(xs, (x) => 0.3 * Math.max(1 - Math.abs(x), 0));
    Array.from(g!).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
  });
});
