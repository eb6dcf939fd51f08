/**
 * What WGSL leaves loose and spikegrad pins down: NaN, ±Infinity, ±0, huge and tiny arguments through the
 * elementwise and reduction kernels, compared with the CPU backend in float32 (so that overflow to Infinity
 * happens on both sides); and the integer and bool paths (casts, logic, int32 arithmetic and reductions).
 */
import { expect, it } from 'vitest';
import * as sg from '../../index.js';
import type { OpCase } from '../support/cases.js';
import { checkParity } from '../support/parity.js';
import { cpu } from '../support/helpers.js';
import { describeWebGpu } from '../support/webgpu.js';

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e30, -1e30, 88, -88, 89, -104, 1e-30, -1e-30, 1e-7, -1e-7, 0.5, -0.5, 3, -3, 1, -1];

const UNARY: [string, (x: sg.Tensor) => sg.Tensor][] = [
  ['exp', sg.exp], ['expm1', sg.expm1], ['log', sg.log], ['log1p', sg.log1p], ['sqrt', sg.sqrt], ['sigmoid', sg.sigmoid],
  ['tanh', sg.tanh], ['abs', sg.abs], ['neg', sg.neg], ['sign', sg.sign], ['floor', sg.floor],
  ['relu', sg.relu], ['square', sg.square], ['powScalar 2', (x) => sg.powScalar(x, 2)], ['powScalar 0.5', (x) => sg.powScalar(x, 0.5)],
  ['powScalar -1', (x) => sg.powScalar(x, -1)], ['powScalar 3', (x) => sg.powScalar(x, 3)],
];

const MIN_NORMAL = 2 ** -126;
/** sin and cos reduce their argument accurately up to |x| = 8192 (math.wgsl); 1e30 is not tested for them. */
const TRIG = SPECIAL.filter((x) => !(Math.abs(x) > 8192 && Number.isFinite(x)));

/**
 * Same value, or both NaN, or within 4 float32 ulps (relative 5e-7) for finite values scaled by `ulps` (pow
 * through exp2/log2 errs in proportion to |b log2 a|). Subnormal results may be flushed to zero, as WGSL allows.
 */
function sameFloat(a: number, e: number, ulps = 1): boolean {
  if (Number.isNaN(e)) return Number.isNaN(a);
  if (Math.abs(e) < MIN_NORMAL) return a === e || Math.abs(a) < MIN_NORMAL;
  if (!Number.isFinite(e)) return a === e;
  return Math.abs(a - e) <= 5e-7 * ulps * Math.abs(e);
}

async function expectSame(name: string, gpuT: sg.Tensor, cpuT: sg.Tensor, inputs: string[], ulps: (i: number) => number = () => 1): Promise<void> {
  const g = await gpuT.data(), c = cpuT.dataSync();
  const bad = [...c].flatMap((e, i) => (sameFloat(g[i]!, e, ulps(i)) ? [] : [`${name}(${inputs[i]}) = ${g[i]} on WebGPU, ${e} on the CPU`]));
  expect(bad).toEqual([]);
}

describeWebGpu('WebGPU special values against the CPU in float32', (gpu) => {
  for (const [name, fn] of UNARY) {
    it(`${name} of NaN, ±Infinity, ±0, huge and tiny values`, async () => {
      const c = await cpu();
      const run = (be: sg.Backend) => fn(sg.tensor(SPECIAL, [SPECIAL.length], 'float32', be));
      await expectSame(name, run(gpu), run(c), SPECIAL.map(String));
    });
  }
  for (const [name, fn] of [['sin', sg.sin], ['cos', sg.cos]] as const) {
    it(`${name} of NaN, ±Infinity, ±0 and arguments up to 8192`, async () => {
      const c = await cpu();
      const xs = [...TRIG, 8191.5, -4000.25, 100, 1e-3];
      const run = (be: sg.Backend) => fn(sg.tensor(xs, [xs.length], 'float32', be));
      await expectSame(name, run(gpu), run(c), xs.map(String));
    });
  }
  for (const [name, fn] of [['maximum', sg.maximum], ['minimum', sg.minimum], ['pow', sg.pow], ['div', sg.div]] as const) {
    it(`${name} over every pair of special values`, async () => {
      const c = await cpu();
      const a = SPECIAL.flatMap((x) => SPECIAL.map(() => x)), b = SPECIAL.flatMap(() => SPECIAL);
      const run = (be: sg.Backend) => fn(sg.tensor(a, [a.length], 'float32', be), sg.tensor(b, [b.length], 'float32', be));
      // pow with a non-integer exponent: exp2(b·log2 a) carries |b·log2 a| ulps of error.
      const ulps = (i: number) => (name === 'pow' && !Number.isInteger(b[i]) ? Math.max(1, Math.abs(b[i]! * Math.log2(Math.abs(a[i]!)))) : 1);
      await expectSame(name, run(gpu), run(c), a.map((x, i) => `${x}, ${b[i]}`), ulps);
    });
  }
  it('max and min propagate NaN; sum of ±Infinity', async () => {
    const v = [1, NaN, 3, -Infinity, 2, 5, Infinity, 0];
    const t = sg.tensor(v, [2, 4], 'float32', gpu);
    expect([...await sg.max(t, 1).data()]).toEqual([NaN, Infinity]);
    expect([...await sg.min(t, 1).data()]).toEqual([NaN, 0]);
    expect([...await sg.sum(t, 0).data()]).toEqual([3, NaN, Infinity, -Infinity]);
    expect([...await sg.argmax(t, 1).data()]).toEqual([2, 2]); // NaN never wins, as on the CPU
  });
});

const i32 = (shape: number[], values: number[]) => ({ shape, values, dtype: 'int32' as const });
const b8 = (shape: number[], values: number[]) => ({ shape, values, dtype: 'bool' as const });
const INTS = [-7, -2, 0, 1, 3, 5, -2147483648, 2147483647, 12, -12];

const INTEGER_CASES: OpCase[] = [
  { name: 'int32 add/sub/mul (wrapping)', fn: (a, b) => sg.sub(sg.mul(sg.add(a, b), b), a), inputs: [i32([10], INTS), i32([10], [3, 1, -4, 9, 2, 6, 1, -1, 0, 5])], noGrad: true },
  { name: 'int32 neg, abs, sign, maximum', fn: (a, b) => sg.maximum(sg.sign(sg.abs(sg.neg(a))), b), inputs: [i32([10], INTS), i32([1], [0])], noGrad: true },
  { name: 'int32 sum, max and argmax', fn: (a) => sg.add(sg.sum(a, 1), sg.add(sg.max(a, 1), sg.argmax(a, 1))), inputs: [i32([2, 5], [4, -2, 9, 9, 1, 0, -8, 3, 2, 3])], noGrad: true },
  { name: 'cast float → int32 truncates toward zero', fn: (x) => sg.cast(x, 'int32'), inputs: [{ shape: [200], range: [-5, 5] }], noGrad: true },
  { name: 'cast int32 → float32', fn: (x) => sg.cast(x, 'float32'), inputs: [i32([10], INTS)], noGrad: true },
  { name: 'cast bool → float32 and int32', fn: (x) => sg.add(sg.cast(x, 'float32'), sg.cast(sg.cast(x, 'int32'), 'float32')), inputs: [b8([4], [1, 0, 0, 1])], noGrad: true },
  { name: 'cast float → bool (zeros from floor)', fn: (x) => sg.cast(sg.floor(x), 'bool'), inputs: [{ shape: [50], range: [-2, 2] }], noGrad: true },
  { name: 'logicalAnd, logicalOr, logicalNot', fn: (a, b) => sg.logicalOr(sg.logicalAnd(a, b), sg.logicalNot(b)), inputs: [b8([4], [1, 1, 0, 0]), b8([2, 4], [1, 0, 1, 0, 0, 0, 1, 1])], noGrad: true },
  { name: 'zeros and full for int32 and bool', fn: (a) => sg.add(a, sg.cast(sg.full([3], 1, 'bool', a.backend), 'int32')), inputs: [i32([3], [4, 5, 6])], noGrad: true },
  { name: 'where on int32', fn: (c, a, b) => sg.where(c, a, b), inputs: [b8([3, 1], [1, 0, 1]), i32([3, 2], [1, 2, 3, 4, 5, 6]), i32([2], [-1, -2])], noGrad: true },
];

describeWebGpu('WebGPU integer and bool paths against the CPU', (gpu) => {
  for (const c of INTEGER_CASES) it(c.name, () => checkParity({ ...c, tol: { rtol: 0, atol: 0 } }, gpu));
});
