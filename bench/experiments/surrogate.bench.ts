/**
 * Why the spike's backward is one fused, compiled kernel (CPU backend, float32, 256 × 100 × 20 elements, the
 * seed network's hidden layer over 20 steps):
 *   fused      spikeGrad: dy·σ'(x) with the surrogate's expression compiled into the loop (kernels/spike/cpu.ts)
 *   interp     the same loop through the closure interpreter (what runs where eval is forbidden)
 *   composite  σ' assembled from primitive elementwise ops, as a library without the fused op would
 * Run: npx vitest bench --run bench/experiments/surrogate.bench.ts   (vitest prints each group's ratios side by side)
 */
import { bench, describe } from 'vitest';
import * as sg from '../../index.js';
import * as internal from '../../internal.js';
import { compileScaledLoop, interpretScalar } from '../../surrogate/compileJs.js';

const N = 256 * 100 * 20;
const xs = new Float32Array(N).map((_, i) => Math.sin(i) * 3);
const dys = new Float32Array(N).map((_, i) => Math.cos(i));
const x = sg.tensor(xs, [N]);
const dy = sg.tensor(dys, [N]);
const opts = { time: 400, warmupTime: 100 };

const cases: [sg.surrogate.Surrogate, (x: sg.Tensor) => sg.Tensor][] = [
  [new sg.surrogate.Sigmoid(), (v) => v.mul(4).sigmoid().mul(v.mul(-4).sigmoid()).mul(4)],
  [new sg.surrogate.Arctan(), (v) => sg.div(0.5, v.mul(Math.PI / 2).square().add(1))],
  [new sg.surrogate.ReluGrad(), (v) => sg.sub(1, v.abs()).maximum(0).mul(0.3)],
];

for (const [s, composite] of cases) {
  describe(`spike backward, ${s} (${N} elements, CPU float32)`, () => {
    bench('fused (compiled)', () => {
      internal.runOp('spikeGrad', [x, dy], { surrogate: s })[0]!.dispose();
    }, opts);
    const f = interpretScalar(s.gradExpr);
    const interp = (X: Float32Array, DY: Float32Array, OUT: Float32Array) => { for (let i = 0; i < OUT.length; i++) OUT[i] = DY[i]! * f(X[i]!); };
    const compiled = compileScaledLoop(s.gradExpr);
    const out = new Float32Array(N);
    bench('compiled loop alone', () => compiled(xs, dys, out), opts);
    bench('interpreted loop', () => interp(xs, dys, out), opts);
    bench('composite of primitive ops', () => {
      sg.tidy(() => composite(x).mul(dy));
    }, opts);
  });
}
