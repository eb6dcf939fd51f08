/**
 * The spike ops, spread into the op table (ops.ts). The surrogate travels as an attribute; its `key` is
 * what backends cache compiled code under.
 *   spike          (x)     → H(x) = 1 where x >= 0, else 0          vjp: spikeGrad(x, dy)
 *   spikeGrad      (x, dy) → dy · σ'(x)                             (not differentiable)
 *   surrogateGrad  (x)     → σ'(x)                                  (not differentiable)
 *   surrogateFun   (x)     → σ(x), the smooth function (plots)      vjp: spikeGrad(x, dy)
 * The backward of the spike is thus one fused kernel, never a chain of elementwise ops.
 */
import { SpikegradError, describeValue, fmtShape } from './errors.js';
import { isFloat } from './dtype.js';
import type { InMeta, OpDef, OutMeta } from './ops.js';
import type { Expr } from '../surrogate/expr.js';

/**
 * What the spike ops need of a surrogate (surrogate.Surrogate implements it): the expressions the kernels are
 * generated from, the shader-cache key, and a name for messages.
 */
export interface SpikeOpSurrogate {
  readonly key: string;
  readonly gradScalar: (x: number) => number;
  /** σ'(x), what both backends generate their kernels from. */
  readonly gradExpr: Expr;
  /** σ(x), the smooth function, where one is defined. */
  readonly funExpr: Expr | undefined;
  /** WGSL of `fn <name>(x: f32) -> f32` computing σ'(x), and σ(x). */
  wgslGrad(fnName: string): string;
  wgslFun(fnName: string): string;
  toString(): string;
}

type SurrogateAttrs = { surrogate: SpikeOpSurrogate };

export interface SpikeOpAttrs {
  spike: SurrogateAttrs;
  spikeGrad: SurrogateAttrs;
  surrogateGrad: SurrogateAttrs;
  surrogateFun: SurrogateAttrs;
}

function floatInput(op: string, ins: readonly InMeta[], n: number): InMeta {
  if (ins.length !== n) throw new SpikegradError(`${op}: expected ${n} input(s), got ${ins.length}`);
  const x = ins[0]!;
  if (!isFloat(x.dtype)) {
    throw new SpikegradError(`${op}: argument 'x' expected a float32 or float64 tensor, got ${x.dtype} ${fmtShape(x.shape)}`);
  }
  return x;
}

function checkSurrogate(op: string, a: SurrogateAttrs): void {
  const s = a?.surrogate as Partial<SpikeOpSurrogate> | undefined;
  if (!s || typeof s.key !== 'string' || typeof s.gradScalar !== 'function' || typeof s.gradExpr !== 'object') {
    throw new SpikegradError(`${op}: attribute 'surrogate' expected a Surrogate (e.g. new surrogate.Sigmoid()), got ${describeValue(s)}`);
  }
}

const sameAsX = (op: string) => (ins: readonly InMeta[], a: SurrogateAttrs): OutMeta[] => {
  checkSurrogate(op, a);
  const x = floatInput(op, ins, 1);
  return [{ shape: [...x.shape], dtype: x.dtype }];
};

const spikeVjp: OpDef<SurrogateAttrs>['vjp'] = ([dy], s, a, _needs, O) => [O.run1('spikeGrad', [s.inputs[0]!, dy!], { surrogate: a.surrogate })];

export const SPIKE_OPS: { [K in keyof SpikeOpAttrs]: OpDef<SpikeOpAttrs[K]> } = {
  spike: { infer: sameAsX('spike'), save: { inputs: [0] }, vjp: spikeVjp },
  spikeGrad: {
    infer(ins, a) {
      checkSurrogate('spikeGrad', a);
      const x = floatInput('spikeGrad', ins, 2);
      const dy = ins[1]!;
      if (dy.dtype !== x.dtype || dy.shape.length !== x.shape.length || dy.shape.some((d, i) => d !== x.shape[i])) {
        throw new SpikegradError(`spikeGrad: argument 'dy' expected ${x.dtype} ${fmtShape(x.shape)} like 'x', got ${dy.dtype} ${fmtShape(dy.shape)}`);
      }
      return [{ shape: [...x.shape], dtype: x.dtype }];
    },
  },
  surrogateGrad: { infer: sameAsX('surrogateGrad') },
  surrogateFun: {
    infer(ins, a) {
      const out = sameAsX('surrogateFun')(ins, a);
      if (!a.surrogate.funExpr) throw new SpikegradError(`surrogateFun: ${a.surrogate.toString()} has no smooth function (it is a gradient-only surrogate)`);
      return out;
    },
    save: { inputs: [0] },
    vjp: spikeVjp,
  },
};
