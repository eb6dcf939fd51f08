/**
 * Surrogate expressions → WebAssembly, two float64 lanes at a time (f64x2), for the CPU backend's SIMD
 * kernels (the fused LIF backward inlines σ' this way, kernels/neuron/lifWasm.ts). Same arithmetic as
 * compileJs.ts in float64, operation by operation, so the same bits: IEEE add/sub/mul/div/sqrt/floor are
 * exact-rounded in both; f64x2.min/max order −0 below +0 and propagate NaN as Math.min/max do; booleans are
 * lane masks. Operations WebAssembly has no instruction for (exp, log, trigonometry, erf, pow with a
 * non-integer exponent) make the expression unsupported: the kernel then runs its JavaScript twin.
 */
import { get, set, v128, f64x2, type Code, type Locals } from '../kernels/cpu/wasmEncode.js';
import { F32_MAX } from './compileJs.js';
import { schedule, type Expr, type ExprOp } from './expr.js';

type Emit = (a: Code[]) => Code;

const ONE = f64x2.const(1), MINUS_ONE = f64x2.const(-1), ZERO = f64x2.const(0);

/** One emitter per operation of the language, null where WebAssembly has no exact equivalent. */
const WASM_EMIT: Record<ExprOp, Emit | null> = {
  neg: ([a]) => f64x2.neg(a!),
  abs: ([a]) => f64x2.abs(a!),
  // a > 0 ? 1 : a < 0 ? −1 : a (keeps ±0 and NaN), as compileJs.ts.
  sign: ([a]) => v128.select(f64x2.gt(a!, ZERO), ONE, v128.select(f64x2.lt(a!, ZERO), MINUS_ONE, a!)),
  exp: null, log: null, log1p: null, sin: null, cos: null, atan: null, tanh: null, erf: null, pow: null,
  sqrt: ([a]) => f64x2.sqrt(a!),
  floor: ([a]) => f64x2.floor(a!),
  fract: ([a]) => f64x2.sub(a!, f64x2.floor(a!)),
  add: ([a, b]) => f64x2.add(a!, b!),
  sub: ([a, b]) => f64x2.sub(a!, b!),
  mul: ([a, b]) => f64x2.mul(a!, b!),
  div: ([a, b]) => f64x2.div(a!, b!),
  min: ([a, b]) => f64x2.min(a!, b!),
  max: ([a, b]) => f64x2.max(a!, b!),
  lt: ([a, b]) => f64x2.lt(a!, b!),
  le: ([a, b]) => f64x2.le(a!, b!),
  gt: ([a, b]) => f64x2.gt(a!, b!),
  ge: ([a, b]) => f64x2.ge(a!, b!),
  eq: ([a, b]) => f64x2.eq(a!, b!),
  ne: ([a, b]) => f64x2.ne(a!, b!),
  and: ([a, b]) => v128.and(a!, b!),
  or: ([a, b]) => v128.or(a!, b!),
  not: ([a]) => v128.not(a!),
  select: ([c, a, b]) => v128.select(c!, a!, b!),
};

/** Whether every operation of `e` has a WebAssembly emitter. */
export function wasmSupports(e: Expr): boolean {
  return schedule(e).every((node) => WASM_EMIT[node.op] !== null);
}

/**
 * Code computing `e` of the v128 local `x` (two float64 lanes) into a new local, returned as `result`; x is
 * first clamped to the float32 range (compileJs.ts's input convention). Each distinct subexpression is
 * computed once into a local of its own. Call only when `wasmSupports(e)`.
 */
export function inlineWasm(e: Expr, x: number, locals: Locals): { code: Code; result: number } {
  const clamp = set(x, v128.select(f64x2.lt(get(x), f64x2.const(-F32_MAX)), f64x2.const(-F32_MAX),
    v128.select(f64x2.gt(get(x), f64x2.const(F32_MAX)), f64x2.const(F32_MAX), get(x))));
  const names = new Map<string, number>();
  const atom = (a: Expr): Code => (a.kind === 'num' ? f64x2.const(a.value) : a.kind === 'x' ? get(x) : get(names.get(a.key)!));
  const code: Code[] = [clamp];
  for (const node of schedule(e)) {
    const out = locals.local('v128');
    code.push(set(out, WASM_EMIT[node.op]!(node.args.map(atom))));
    names.set(node.key, out);
  }
  if (e.kind !== 'op') {
    const out = locals.local('v128');
    code.push(set(out, atom(e)));
    return { code: code.flat(), result: out };
  }
  return { code: code.flat(), result: names.get(e.key)! };
}
