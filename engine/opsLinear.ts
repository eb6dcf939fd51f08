/**
 * The affine map of nn.Linear as one op (spread into the op table in ops.ts): y = x @ W + b for rows x [M, K],
 * W [K, N], b [N]. It computes exactly matmul then add (each output is the matmul's value rounded to the
 * dtype, plus the bias, rounded again), and its gradient is theirs; as one op, a backend can add the bias
 * while it writes the product instead of in a second pass over the [M, N] output (on the CPU that pass was
 * ~8% of a seed training step; WebGPU runs the same two dispatches as before).
 */
import { isFloat } from './dtype.js';
import { SpikegradError, fmtShape } from './errors.js';
import type { OpDef } from './ops.js';

export interface LinearOpAttrs {
  linear: Record<string, never>;
}

export const LINEAR_OPS: { [K in keyof LinearOpAttrs]: OpDef<LinearOpAttrs[K]> } = {
  /** [x (M, K), W (K, N), b (N)] → [y (M, N)]. */
  linear: {
    infer(ins) {
      if (ins.length !== 3) throw new SpikegradError(`linear: expected 3 inputs (x, W, b), got ${ins.length}`);
      const [x, w, b] = ins as [typeof ins[0], typeof ins[0], typeof ins[0]];
      if (!isFloat(x.dtype) || x.shape.length !== 2) {
        throw new SpikegradError(`linear: argument 'x' expected a float matrix [rows, in], got ${x.dtype} ${fmtShape(x.shape)}`);
      }
      const [M, K] = x.shape as [number, number];
      if (w.shape.length !== 2 || w.shape[0] !== K || w.dtype !== x.dtype) {
        throw new SpikegradError(`linear: argument 'W' expected ${x.dtype} [${K}, out] (x is ${fmtShape(x.shape)}), got ${w.dtype} ${fmtShape(w.shape)}`);
      }
      const N = w.shape[1]!;
      if (b.shape.length !== 1 || b.shape[0] !== N || b.dtype !== x.dtype) {
        throw new SpikegradError(`linear: argument 'b' expected ${x.dtype} [${N}] (W is ${fmtShape(w.shape)}), got ${b.dtype} ${fmtShape(b.shape)}`);
      }
      return [{ shape: [M, N], dtype: x.dtype }];
    },
    save: { inputs: [0, 1] },
    vjp([dy], s, _a, needs, O) {
      const [x, w] = [s.inputs[0]!, s.inputs[1]!];
      return [
        needs[0] ? O.matmul(dy!, w, { transposeB: true }) : null,
        needs[1] ? O.matmul(x, dy!, { transposeA: true }) : null,
        needs[2] ? O.sum(dy!, [0]) : null,
      ];
    },
  },
};
