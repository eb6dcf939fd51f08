/**
 * The affine layer as one op (spread into the op table in ops.ts): linear(x, W, b) = x·W + b, x [rows, in],
 * W [in, out], b [out]. It computes exactly matmul then add (float32: the product rounded, then the sum),
 * and exists so that backends can add the bias where the product is stored instead of in a second pass over
 * the output (WebGPU's event and lane-tiled kernels: a [12800, 1024] add is ~12 ms on lavapipe). Its vjp is
 * the one of matmul then add: dx = dy·Wᵀ, dW = xᵀ·dy, db = Σ_rows dy.
 */
import { isFloat } from './dtype.js';
import { SpikegradError, fmtShape } from './errors.js';
import type { InMeta, OpDef } from './ops.js';
import { matmul, sum } from './api.js';

export interface LinearOpAttrs {
  linear: Record<string, never>;
}

function check(ins: readonly InMeta[]): InMeta[] {
  if (ins.length !== 3) throw new SpikegradError(`linear: expected 3 inputs (x, W, b), got ${ins.length}`);
  const [x, w, b] = ins as [InMeta, InMeta, InMeta];
  if (!isFloat(x.dtype) || x.shape.length !== 2) {
    throw new SpikegradError(`linear: argument 'x' expected a float32 or float64 matrix [rows, in], got ${x.dtype} ${fmtShape(x.shape)}`);
  }
  if (w.dtype !== x.dtype || w.shape.length !== 2 || w.shape[0] !== x.shape[1]) {
    throw new SpikegradError(`linear: argument 'W' expected ${x.dtype} [${x.shape[1]}, out], got ${w.dtype} ${fmtShape(w.shape)}`);
  }
  if (b.dtype !== x.dtype || b.shape.length !== 1 || b.shape[0] !== w.shape[1]) {
    throw new SpikegradError(`linear: argument 'b' expected ${x.dtype} [${w.shape[1]}], got ${b.dtype} ${fmtShape(b.shape)}`);
  }
  return [x, w, b];
}

export const LINEAR_OPS: { [K in keyof LinearOpAttrs]: OpDef<LinearOpAttrs[K]> } = {
  linear: {
    infer(ins) {
      const [x, w] = check(ins);
      return [{ shape: [x!.shape[0]!, w!.shape[1]!], dtype: x!.dtype }];
    },
    save: { inputs: [0, 1] },
    vjp: ([dy], s, _a, needs) => {
      const [x, w] = [s.inputs[0]!, s.inputs[1]!];
      return [
        needs[0] ? matmul(dy!, w, { transposeB: true }) : null,
        needs[1] ? matmul(x, dy!, { transposeA: true }) : null,
        needs[2] ? sum(dy!, 0) : null,
      ];
    },
  },
};
