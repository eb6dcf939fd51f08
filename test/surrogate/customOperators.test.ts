/**
 * A battery of custom surrogates that together execute EVERY operation of the expression language (EXPR_OPS),
 * and every function of the parser, on WebGPU — through the spike op's backward kernel, the code training runs —
 * against the JS closure interpreter with float32 rounding after each operation, at and around each breakpoint
 * (the breakpoint itself and its float32 neighbours). Before this file several operators (pow with a non-integer
 * exponent, <=, ==, !=, &&, ||, !, min) had never run on a GPU: an emitter with its operands swapped, `<` for
 * `<=`, or select's arguments reversed in WGSL would have gone unnoticed.
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { interpretScalar } from '../../surrogate/compileJs.js';
import { EXPR_OP_NAMES, schedule, type ExprOp } from '../../surrogate/expr.js';
import { describeWebGpu } from '../support/webgpu.js';

/** [grad formula, its breakpoints]. */
const BATTERY: [string, number[]][] = [
  ['pow(1 / (1 + abs(x)) + 0.5, 1.7)', []], // pow, non-integer exponent
  ['pow(0.25 + abs(x), -0.5)', []], // pow, negative non-integer exponent
  ['x <= 0.5 ? 1 : 0.25', [0.5]], // le
  ['x < -0.5 ? 0.75 : 0.5', [-0.5]], // lt
  ['x >= 0.1 ? 0.2 : 0.4', [0.1]], // ge, a breakpoint that is not exact in binary
  ['x > 1.25 ? 0.3 : 0.6', [1.25]], // gt
  ['x == 0.25 ? 2 : 1', [0.25]], // eq
  ['x != -0.75 ? 1 : 3', [-0.75]], // ne
  ['x > -1 && x <= 1 ? 1.5 - abs(x) : 0.125', [-1, 1]], // and
  ['x < -1 || x >= 2 ? 0.1 : 0.7', [-1, 2]], // or
  ['!(x >= 0.5) && x > -2 ? 0.3 : 0.6', [0.5, -2]], // not (inside &&, so folding keeps it)
  ['min(1, 1 / (1 + abs(x))) + max(0, 0.5 - abs(x))', [-0.5, 0.5, 0]], // min, max, abs, div
  ['0.5 + 0.25 * sign(x)', [0]], // sign
  ['exp(-abs(x)) + log(1 + abs(x)) / (1 + x*x)', []], // exp, log
  ['log1p(abs(x)) / (1 + abs(x)) + 0.01', []], // log1p
  ['0.6 + 0.5 * expm1(-abs(x) / 2)', [0]], // expm1
  ['0.1 + 0.8 * exprel(-abs(x) / 4)', [0, 4e-4, -4e-4, 2, -2]], // exprel: its Taylor branch (|z| <= 1e-4), the tanh form, the quotient
  ['sqrt(abs(x)) / (1 + x*x) + 0.01', [0]], // sqrt
  ['1 + 0.5 * sin(2 * pi * fract(x))', [0, 0.25, 1]], // sin, fract
  ['1 + 0.5 * cos(2 * pi * fract(x / 4))', [0, 2]], // cos
  ['0.5 + atan(x) / pi', []], // atan
  ['1 - tanh(abs(x)) * 0.5', []], // tanh
  ['1 - 0.5 * erf(abs(x))', []], // erf
  ['0.75 + 0.5 * expm1(-abs(x))', []], // expm1
  ['0.5 * exprel(-abs(x)) + 0.1', [0, 1e-4, -1e-4]], // exprel, with its Taylor branch near 0
  ['0.1 * clamp(floor(x), -3, 3) + 0.5', [-1, 0, 1, 2]], // floor, clamp
  ['where(x < 0, 0.2, 0.9) - (-0.1)', [0]], // where (select), neg, sub
  ['sigmoid(3 * x) * 2 + dsigmoid(2 * x)', []], // sigmoid, dsigmoid
  ['sum(i, 1, 3, cos(2 * pi * fract(x / 8 * (2*i - 1))) / i) + 2', [0]], // sum
  ['0.25 / (1 + x^4) + 0.5 * x / (1 + x*x) + 1', []], // mul, add, integer pow
  ['1.5 + expm1(-abs(x) / 4)', [0]], // expm1
  ['exprel(-abs(x) / 4) + 0.1', [0]], // exprel
];

/** Neighbours in float32: v itself and the floats just above and below it. */
function around(v: number): number[] {
  if (v === 0) return [0, 2 ** -149, -(2 ** -149)];
  const f = new Float32Array([v]), i = new Int32Array(f.buffer);
  const bits = i[0]!, out = [f[0]!];
  i[0] = bits + 1; out.push(f[0]!); // one ulp further from 0
  i[0] = bits - 1; out.push(f[0]!); // one ulp closer to 0
  return out;
}

function pointsFor(breaks: number[]): Float32Array {
  const grid = Array.from({ length: 81 }, (_, k) => -4 + k * 0.1);
  const extremes = [1e-30, -1e-30, 1e10, -1e10, 3.4e38, -3.4e38];
  return Float32Array.from([...grid, ...extremes, ...breaks.flatMap(around), ...(breaks.length ? [] : around(0))]);
}

const made = BATTERY.map(([grad], k) => sg.surrogate.custom({ name: `Op${k}`, grad }));

describe('the battery covers the whole expression language', () => {
  it('every operation of EXPR_OPS occurs in some surrogate of the battery, after folding', () => {
    const used = new Set<ExprOp>();
    for (const s of made) for (const node of schedule(s.gradExpr)) used.add(node.op);
    expect(EXPR_OP_NAMES.filter((o) => !used.has(o))).toEqual([]);
  });
  it('the CPU float32 tensor kernel agrees with the float32 interpreter bit for bit at every point', () => {
    for (const [k, s] of made.entries()) {
      const xs = pointsFor(BATTERY[k]![1]);
      const want = interpretScalar(s.gradExpr, {}, Math.fround);
      const t = sg.tensor(xs, [xs.length], 'float32');
      const g = s.grad(t);
      const got = g.dataSync();
      xs.forEach((x, i) => {
        const w = Math.fround(want(x));
        // Transcendentals round differently from Math.* in the float32 kernel at most by an ulp or so.
        expect(Math.abs(got[i]! - w), `${BATTERY[k]![0]} at x = ${x}`).toBeLessThanOrEqual(4e-7 * (1 + Math.abs(w)));
      });
      sg.dispose([t, g]);
    }
  });
});

describeWebGpu('custom surrogates on WebGPU: every operator against the JS interpreter, at and around breakpoints', (gpu) => {
  for (const [k, [formula, breaks]] of BATTERY.entries()) {
    it(`${formula}`, async () => {
      const s = made[k]!;
      const xs = pointsFor(breaks);
      const want = interpretScalar(s.gradExpr, {}, Math.fround);
      const w = Float32Array.from(xs, (_, i) => ((i * 7) % 5) - 2.5); // upstream gradients, exact in float32
      // The spike's backward on the GPU: d/dx Σ w·H(x) = w·σ'(x).
      const x = sg.tensor(xs, [xs.length], 'float32', gpu);
      const wt = sg.tensor(w, [w.length], 'float32', gpu);
      const [dx] = sg.grad((v: sg.Tensor) => sg.sum(sg.mul(s.spike(v), wt)), [x])(x);
      const spikes = s.spike(x);
      const [got, fwd] = [await dx!.data(), await spikes.data()];
      sg.dispose([x, wt, dx!, spikes]);
      xs.forEach((xv, i) => {
        expect(fwd[i], `H(${xv})`).toBe(xv >= 0 ? 1 : 0);
        const e = Math.fround(want(xv)) * w[i]!;
        const tol = 2e-6 * (1 + Math.abs(e)) * (Math.abs(w[i]!) + 1);
        expect(Math.abs(got[i]! - e), `σ'(${xv}) · ${w[i]} on WebGPU is ${got[i]}, the interpreter gives ${e}`).toBeLessThanOrEqual(tol);
      });
    });
  }
});
