/**
 * Gradient checking against float64 central finite differences along random directions (JAX's check_grads):
 * for a random cotangent u of the output and a random direction v of one input,
 *   ⟨vjp(u), v⟩  must equal  (L(x + εv) − L(x − εv)) / 2ε,  L(x) = ⟨u, f(x)⟩,
 * computed entirely on the CPU backend in float64, so the reference never depends on the gradient code.
 */
import * as sg from '../../index.js';
import { rng, uniformArray } from './helpers.js';

let checks = 0;
/** Number of gradient checks run in this process (printed by the test files). */
export function gradChecksRun(): number {
  return checks;
}

export interface GradcheckOptions {
  eps?: number;
  rtol?: number;
  atol?: number;
  seed?: number;
  /** Indices of inputs to check (default: every float input). */
  wrt?: number[];
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Checks every float input's gradient of `f` at `inputs` (float64 CPU tensors). Throws with the input index,
 * the analytic and numeric directional derivatives on mismatch.
 */
export function gradcheck(f: (...xs: sg.Tensor[]) => sg.Tensor, inputs: sg.Tensor[], opts: GradcheckOptions = {}): void {
  const eps = opts.eps ?? 1e-6, rtol = opts.rtol ?? 1e-6, atol = opts.atol ?? 1e-9;
  const rand = rng(opts.seed ?? 1234);
  const be = inputs[0]!.backend;
  const wrt = opts.wrt ?? inputs.flatMap((t, i) => (t.dtype === 'float64' ? [i] : []));
  sg.tidy(() => {
    const y0 = f(...inputs);
    const u = sg.tensor(uniformArray(y0.size, -1, 1, rand), [...y0.shape], 'float64', be);
    const loss = (...xs: sg.Tensor[]) => sg.sum(sg.mul(f(...xs), u));
    const grads = sg.grad(loss, wrt.map((i) => inputs[i]!))(...inputs);
    wrt.forEach((i, k) => {
      const x = inputs[i]!;
      const v = uniformArray(x.size, -1, 1, rand);
      const xd = x.dataSync();
      const shifted = (sign: number) => {
        const arr = new Float64Array(x.size);
        for (let j = 0; j < arr.length; j++) arr[j] = xd[j]! + sign * eps * v[j]!;
        const xs = inputs.map((t, j) => (j === i ? sg.tensor(arr, [...x.shape], 'float64', be) : t));
        return loss(...xs).dataSync()[0]!;
      };
      const numeric = (shifted(1) - shifted(-1)) / (2 * eps);
      const analytic = dot(grads[k]!.dataSync(), v);
      checks++;
      if (!(Math.abs(analytic - numeric) <= atol + rtol * Math.max(Math.abs(numeric), Math.abs(analytic)))) {
        throw new Error(`gradcheck: input ${i} ${x.dtype} [${x.shape}]: analytic ⟨g, v⟩ = ${analytic}, finite difference = ${numeric}`);
      }
    });
  });
}
