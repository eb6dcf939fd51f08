/**
 * Surrogate expressions → WebAssembly in float64, for the CPU backend's SIMD kernels (the fused LIF backward
 * inlines σ' this way, kernels/neuron/sequenceWasm.ts), on two lanes (f64x2) or one (the row's last column).
 * Same arithmetic as compileJs.ts, operation by operation, so the same bits: IEEE add/sub/mul/div/sqrt/floor
 * are exact-rounded in both; WebAssembly's min/max order −0 below +0 and propagate NaN as Math.min/max do;
 * booleans are masks. Operations WebAssembly has no instruction for (exp, log, trigonometry, erf, pow with a
 * non-integer exponent) make the expression unsupported: the kernel then runs its JavaScript twin.
 */
import { get, set, type Code, type Locals } from '../kernels/cpu/wasmEncode.js';
import type { Lanes } from '../kernels/cpu/wasmLanes.js';
import { F32_MAX } from './compileJs.js';
import { checkExpr, checkNumericExpr, schedule, type Expr, type ExprOp } from './expr.js';

type Emit = (L: Lanes, a: Code[]) => Code;

/** One emitter per operation of the language, null where WebAssembly has no exact equivalent. */
const WASM_EMIT: Record<ExprOp, Emit | null> = {
  neg: (L, [a]) => L.neg(a!),
  abs: (L, [a]) => L.abs(a!),
  // a > 0 ? 1 : a < 0 ? −1 : a (keeps ±0 and NaN), as compileJs.ts.
  sign: (L, [a]) => L.select(L.gt(a!, L.const(0)), L.const(1), L.select(L.lt(a!, L.const(0)), L.const(-1), a!)),
  exp: null, expm1: null, exprel: null, log: null, log1p: null, sin: null, cos: null, atan: null, tanh: null, erf: null, pow: null,
  sqrt: (L, [a]) => L.sqrt(a!),
  floor: (L, [a]) => L.floor(a!),
  fract: (L, [a]) => L.sub(a!, L.floor(a!)),
  add: (L, [a, b]) => L.add(a!, b!),
  sub: (L, [a, b]) => L.sub(a!, b!),
  mul: (L, [a, b]) => L.mul(a!, b!),
  div: (L, [a, b]) => L.div(a!, b!),
  min: (L, [a, b]) => L.min(a!, b!),
  max: (L, [a, b]) => L.max(a!, b!),
  lt: (L, [a, b]) => L.lt(a!, b!),
  le: (L, [a, b]) => L.le(a!, b!),
  gt: (L, [a, b]) => L.gt(a!, b!),
  ge: (L, [a, b]) => L.ge(a!, b!),
  eq: (L, [a, b]) => L.eq(a!, b!),
  ne: (L, [a, b]) => L.ne(a!, b!),
  and: (L, [a, b]) => L.and(a!, b!),
  or: (L, [a, b]) => L.or(a!, b!),
  not: (L, [a]) => L.not(a!),
  select: (L, [c, a, b]) => L.select(c!, a!, b!),
};

/**
 * Math.max/min with a constant c as one pseudo-max/min: pmax(a, c) = a < c ? c : a agrees with Math.max(a, c)
 * for every a (NaN included) except a = −0 when c = +0, which adding +0 repairs (−0 + 0 = +0, x + 0 = x
 * otherwise); pmin(a, c) = c < a ? c : a agrees with Math.min(a, c) unless c = −0 (then the exact op runs).
 * V8 spends ~8 instructions per exact f64x2.max to order ±0 and propagate NaN; these take one or two.
 */
function minMaxConst(L: Lanes, op: 'min' | 'max', a: Code, c: number): Code | null {
  if (op === 'max') return Object.is(c, 0) ? L.add(L.pmax(a, L.const(0)), L.const(0)) : L.pmax(a, L.const(c));
  return Object.is(c, -0) ? null : L.pmin(a, L.const(c));
}

/**
 * One operation on operands already emitted (`args`), `consts[i]` the value of operand i where it is a
 * literal: max/min with a constant as minMaxConst's pseudo-max/min, everything else as WASM_EMIT. Call only
 * when `wasmHasOp(op)`. The one place an expression operation becomes WebAssembly: inlineWasm (σ') and the
 * generated neuron kernels (kernels/cpu/wasmProgram.ts) both emit through it.
 */
export function emitWasmOp(L: Lanes, op: ExprOp, args: Code[], consts: readonly (number | null)[]): Code {
  if (op === 'min' || op === 'max') {
    const [p, q] = consts;
    const c = p != null ? 0 : q != null ? 1 : -1;
    if (c >= 0) {
      const r = minMaxConst(L, op, args[1 - c]!, consts[c]!);
      if (r) return r;
    }
  }
  return WASM_EMIT[op]!(L, args);
}

/** Whether an operation has a WebAssembly form (exp, log, trigonometry, erf and pow have none). */
export function wasmHasOp(op: ExprOp): boolean {
  return WASM_EMIT[op] !== null;
}

/** Whether every operation of `e` has a WebAssembly emitter. */
export function wasmSupports(e: Expr): boolean {
  const nodes = schedule(checkExpr(e, 'wasmSupports'));
  return nodes.every((node) => WASM_EMIT[node.op] !== null && node.args.every((a) => a.kind !== 'var')) && e.kind !== 'var';
}

/**
 * Code computing `e` of the local `x` (float64 lanes L) into a new local, returned as `result`; x is first
 * clamped to the float32 range (compileJs.ts's input convention). Each distinct subexpression is computed
 * once into a local of its own. Call only when `wasmSupports(e)`.
 */
export function inlineWasm(input: Expr, x: number, L: Lanes, locals: Locals): { code: Code; result: number } {
  const e = checkNumericExpr(input, 'inlineWasm');
  const clamp = set(x, L.clamp(get(x), -F32_MAX, F32_MAX));
  const names = new Map<string, number>();
  const atom = (a: Expr): Code => (a.kind === 'num' ? L.const(a.value) : a.kind === 'x' ? get(x) : get(names.get(a.key)!));
  const code: Code[] = [clamp];
  for (const node of schedule(e)) {
    const out = locals.local(node.type === 'b' ? L.mask : L.value);
    code.push(set(out, emitWasmOp(L, node.op, node.args.map(atom), node.args.map((a) => (a.kind === 'num' ? a.value : null)))));
    names.set(node.key, out);
  }
  if (e.kind !== 'op') {
    const out = locals.local(L.value);
    code.push(set(out, atom(e)));
    return { code: code.flat(), result: out };
  }
  return { code: code.flat(), result: names.get(e.key)! };
}
