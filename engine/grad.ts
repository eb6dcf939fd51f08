/**
 * Reverse-mode gradients of a scalar-valued function with respect to tensors or States.
 * The function runs under a fresh tape inside a `tidy`, so everything it and the backward pass allocate is
 * freed on return, except the gradients and (on request) the value.
 */
import { isFloat } from './dtype.js';
import { SpikegradError, describeValue, fmtShape } from './errors.js';
import { tidy } from './scope.js';
import { State } from './state.js';
import { Tape, backward, noGrad, withTape } from './tape.js';
import { Tensor } from './tensor.js';
import { onesLike, zerosLike } from './api.js';

export type Differentiable = Tensor | State;
/** What `grad` differentiates with respect to: one tensor or State, an array of them, or a record of them (e.g. `net.states(ParamState)`). */
export type WrtSpec = Differentiable | readonly Differentiable[] | Readonly<Record<string, Differentiable>>;

/** Gradients come back in the structure `wrt` was given in. */
export type GradsOf<W> = W extends Differentiable ? Tensor
  : W extends readonly Differentiable[] ? Tensor[]
  : { [K in keyof W]: Tensor };

/** Options of `grad`. */
export interface GradOptions {
  /** Also return the function's value: the result becomes [grads, value]. */
  returnValue?: boolean;
}

function entriesOf(wrt: WrtSpec): { key: string | number | null; tensor: Tensor }[] {
  const valueOf = (d: unknown, where: string): Tensor => {
    if (d instanceof Tensor) return d;
    if (d instanceof State) return d.value;
    throw new SpikegradError(`grad: argument 'wrt'${where} expected a Tensor or a State, got ${describeValue(d)}`);
  };
  if (wrt instanceof Tensor || wrt instanceof State) return [{ key: null, tensor: valueOf(wrt, '') }];
  if (Array.isArray(wrt)) return wrt.map((d, i) => ({ key: i, tensor: valueOf(d, `[${i}]`) }));
  if (wrt && typeof wrt === 'object') return Object.entries(wrt).map(([k, d]) => ({ key: k, tensor: valueOf(d, `['${k}']`) }));
  throw new SpikegradError(`grad: argument 'wrt' expected a Tensor, a State, an array or a record of them, got ${describeValue(wrt)}`);
}

export function grad<A extends unknown[], W extends WrtSpec>(
  f: (...args: A) => Tensor, wrt: W, opts: GradOptions & { returnValue: true }): (...args: A) => [GradsOf<W>, Tensor];
export function grad<A extends unknown[], W extends WrtSpec>(
  f: (...args: A) => Tensor, wrt: W, opts?: GradOptions): (...args: A) => GradsOf<W>;
/**
 * Returns a function that evaluates `f` and the gradient of its scalar result with respect to `wrt`
 * (taken at the values `wrt` holds when the function is called). Inputs `f` never uses get zeros.
 * @example const [grads, loss] = grad(lossFn, net.states(ParamState), { returnValue: true })();
 */
export function grad<A extends unknown[], W extends WrtSpec>(f: (...args: A) => Tensor, wrt: W, opts: GradOptions = {}) {
  if (typeof f !== 'function') throw new SpikegradError(`grad: argument 'f' expected a function, got ${describeValue(f)}`);
  return (...args: A) => tidy(() => {
    const entries = entriesOf(wrt);
    const tape = new Tape();
    for (const e of entries) tape.watch(e.tensor);
    try {
      const y = withTape(tape, () => f(...args));
      if (!(y instanceof Tensor)) throw new SpikegradError(`grad: the function must return a Tensor, got ${describeValue(y)}`);
      if (y.size !== 1 || !isFloat(y.dtype)) {
        throw new SpikegradError(`grad: the function must return a float scalar (one element), got ${y.dtype} ${fmtShape(y.shape)}`);
      }
      const ids = new Set(entries.map((e) => e.tensor.id));
      const g = backward(tape, y, noGrad(() => onesLike(y)), ids);
      const seen = new Set<Tensor>();
      const gradOf = (t: Tensor): Tensor => {
        const v = g.get(t.id);
        if (!v) return noGrad(() => zerosLike(t));
        if (seen.has(v)) return v.share();
        seen.add(v);
        return v;
      };
      let out: unknown;
      if (wrt instanceof Tensor || wrt instanceof State) out = gradOf(entries[0]!.tensor);
      else if (Array.isArray(wrt)) out = entries.map((e) => gradOf(e.tensor));
      else out = Object.fromEntries(entries.map((e) => [e.key, gradOf(e.tensor)]));
      return opts.returnValue ? [out, y] : out;
    } finally {
      tape.release();
    }
  });
}

/** `grad(f, wrt, { returnValue: true })`. */
export function valueAndGrad<A extends unknown[], W extends WrtSpec>(f: (...args: A) => Tensor, wrt: W): (...args: A) => [GradsOf<W>, Tensor] {
  return grad(f, wrt, { returnValue: true });
}
