/**
 * nn.Linear (brainstate.nn.Linear, docs/numerics.md §5): y = x @ W + b with W of shape [in, out], as ParamStates
 * `weight` and `bias`. Stateless, so sequence mode is the same op on a [T, B, in] input: one matmul over all
 * T·B rows (the reshape around it is free), which is what makes the fused path's dispatch count flat in T.
 * With a bias it is the `linear` op (engine/opsLinear.ts: matmul then add, in one op so that a backend can
 * add the bias as it stores the product).
 */
import { linear, matmul, reshape } from '../engine/api.js';
import { isFloat } from '../engine/dtype.js';
import { SpikegradError, describeValue, fmtShape } from '../engine/errors.js';
import { ParamState } from '../engine/state.js';
import { Tensor } from '../engine/tensor.js';
import type { FloatDType } from './expEuler.js';
import { KaimingNormal, ZeroInit, toInitializer, type InitLike } from './init.js';
import { checkSize } from './layer.js';
import { Module } from './module.js';

/** Options of `nn.Linear`: weight and bias initializers and the precision. */
export interface LinearOptions {
  /** Weight initializer (default KaimingNormal(): std sqrt(2/in)). */
  wInit?: InitLike;
  /** Bias initializer (default ZeroInit()); null for no bias. */
  bInit?: InitLike | null;
  /** Parameter precision (default float32; float64 on the CPU backend for checks). */
  dtype?: FloatDType;
}

export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: ParamState;
  readonly bias: ParamState | undefined;

  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions = {}) {
    super();
    this.inFeatures = checkSize('Linear', 'inFeatures', inFeatures);
    this.outFeatures = checkSize('Linear', 'outFeatures', outFeatures);
    const dtype = opts.dtype ?? 'float32';
    const wInit = toInitializer('Linear', 'wInit', opts.wInit ?? new KaimingNormal());
    this.weight = new ParamState(wInit.create([inFeatures, outFeatures], { dtype, where: 'Linear', name: 'wInit' }), 'weight');
    if (opts.bInit !== null) {
      const bInit = toInitializer('Linear', 'bInit', opts.bInit ?? new ZeroInit());
      this.bias = new ParamState(bInit.create([outFeatures], { dtype, where: 'Linear', name: 'bInit' }), 'bias');
    } else this.bias = undefined;
  }

  /** x [..., in] → [..., out]. */
  update(x: Tensor): Tensor {
    return this.apply(x, 'update');
  }

  /** xs [T, B, in] → [T, B, out] in one matmul over the T·B rows. */
  override run(xs: Tensor): Tensor {
    if (xs instanceof Tensor && xs.rank < 2) {
      throw new SpikegradError(`${this}.run: argument 'xs' expected a sequence [T, batch, ${this.inFeatures}], got ${fmtShape(xs.shape)}`);
    }
    return this.apply(xs, 'run');
  }

  private apply(x: Tensor, method: string): Tensor {
    const W = this.weight.value;
    if (!(x instanceof Tensor) || !isFloat(x.dtype) || x.rank < 1) {
      throw new SpikegradError(`${this}.${method}: argument 'x' expected a float tensor [..., ${this.inFeatures}], got ${describeValue(x)}`);
    }
    if (x.shape.at(-1) !== this.inFeatures) {
      throw new SpikegradError(`${this}.${method}: argument 'x' expected last dimension ${this.inFeatures} (in features), got ${fmtShape(x.shape)}`);
    }
    if (x.dtype !== W.dtype) {
      throw new SpikegradError(`${this}.${method}: argument 'x' is ${x.dtype} but the weights are ${W.dtype}; create the layer with { dtype: '${x.dtype}' }`);
    }
    const rows = x.rank === 2 ? x : reshape(x, [-1, this.inFeatures]);
    // One op with the bias: the CPU adds it as it writes the product (no second pass over [rows, out]).
    const y = this.bias ? linear(rows, W, this.bias.value) : matmul(rows, W);
    return x.rank === 2 ? y : reshape(y, [...x.shape.slice(0, -1), this.outFeatures]);
  }

  override toString(): string {
    return `Linear(${this.inFeatures}→${this.outFeatures}${this.bias ? '' : ', no bias'})`;
  }
}
