/**
 * Surrogate expressions → JavaScript. `new Function` turns an expression into straight-line code (one
 * `const` per distinct subexpression), either as a scalar function or inlined into an elementwise loop over
 * typed arrays (no call per element). Where eval is forbidden (a strict Content-Security-Policy) the same
 * expression runs through a closure interpreter instead: slower, same values.
 *
 * Input convention shared with the WGSL generator: x is first clamped to the float32 range, so ±Infinity
 * behaves exactly as ±3.4e38 on both backends (and periodic or saturating forms never see an infinity).
 */
import { SpikegradError } from '../engine/errors.js';
import { EXPR_OPS, checkNumericExpr, schedule, type Expr, type ExprOp } from './expr.js';
import { erf, exprel64 } from './special.js';

/** The largest finite float32. */
export const F32_MAX = 3.4028234663852886e38;

/** Helpers the generated code calls; passed in by name. */
const HELPERS = { erf, exprel: exprel64, fract: (a: number) => a - Math.floor(a) };

export const JS_EMIT: Record<ExprOp, (a: string[]) => string> = {
  neg: ([a]) => `-${a}`,
  abs: ([a]) => `Math.abs(${a})`,
  sign: ([a]) => `(${a} > 0 ? 1 : ${a} < 0 ? -1 : ${a})`,
  exp: ([a]) => `Math.exp(${a})`,
  log: ([a]) => `Math.log(${a})`,
  log1p: ([a]) => `Math.log1p(${a})`,
  expm1: ([a]) => `Math.expm1(${a})`,
  sqrt: ([a]) => `Math.sqrt(${a})`,
  sin: ([a]) => `Math.sin(${a})`,
  cos: ([a]) => `Math.cos(${a})`,
  atan: ([a]) => `Math.atan(${a})`,
  tanh: ([a]) => `Math.tanh(${a})`,
  erf: ([a]) => `erf(${a})`,
  exprel: ([a]) => `exprel(${a})`,
  floor: ([a]) => `Math.floor(${a})`,
  fract: ([a]) => `fract(${a})`,
  add: ([a, b]) => `${a} + ${b}`,
  sub: ([a, b]) => `${a} - ${b}`,
  mul: ([a, b]) => `${a} * ${b}`,
  div: ([a, b]) => `${a} / ${b}`,
  pow: ([a, b]) => `Math.pow(${a}, ${b})`,
  min: ([a, b]) => `Math.min(${a}, ${b})`,
  max: ([a, b]) => `Math.max(${a}, ${b})`,
  lt: ([a, b]) => `${a} < ${b}`,
  le: ([a, b]) => `${a} <= ${b}`,
  gt: ([a, b]) => `${a} > ${b}`,
  ge: ([a, b]) => `${a} >= ${b}`,
  eq: ([a, b]) => `${a} === ${b}`,
  ne: ([a, b]) => `${a} !== ${b}`,
  and: ([a, b]) => `${a} && ${b}`,
  or: ([a, b]) => `${a} || ${b}`,
  not: ([a]) => `!${a}`,
  select: ([c, a, b]) => `${c} ? ${a} : ${b}`,
};

export function jsNumber(v: number): string {
  // checkExpr guarantees numbers; this second check keeps anything else out of generated code regardless.
  if (typeof v !== 'number') throw new SpikegradError(`surrogate expression: expected a number, got ${typeof v}`);
  if (Object.is(v, -0)) return '(-0)';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '(-Infinity)';
  return v < 0 ? `(${v})` : String(v);
}

/** Straight-line statements computing `root` from a variable `x`; returns the statements and the result atom. */
function straightLine(input: Expr, prefix: string): { body: string; result: string } {
  const root = checkNumericExpr(input);
  const names = new Map<string, string>();
  const atom = (e: Expr): string => (e.kind === 'num' ? jsNumber(e.value) : e.kind === 'x' ? 'x' : e.kind === 'var' ? noVariable(e.name) : names.get(e.key)!);
  const lines: string[] = [];
  for (const node of schedule(root)) {
    const name = `${prefix}${names.size}`;
    lines.push(`const ${name} = ${JS_EMIT[node.op](node.args.map(atom))};`);
    names.set(node.key, name);
  }
  return { body: lines.join(' '), result: atom(root) };
}

/** A surrogate is a function of x alone: a named variable (dynamics/) has no meaning here. */
export function noVariable(name: string): never {
  throw new SpikegradError(`surrogate expression: unknown variable '${name}' (a surrogate is a function of x alone)`);
}

export interface JsTarget {
  /** Clamp the result into the float32 range (smooth functions with linear tails are unbounded). */
  saturate?: boolean;
}

const CLAMP_X = `x = x < -${F32_MAX} ? -${F32_MAX} : x > ${F32_MAX} ? ${F32_MAX} : x;`;
const saturated = (r: string, on: boolean | undefined): string => (on ? `Math.min(Math.max(${r}, -${F32_MAX}), ${F32_MAX})` : r);

function build<T>(src: string, extra: Readonly<Record<string, unknown>> = {}): T | null {
  const scope = { ...HELPERS, ...extra };
  try {
    return new Function(...Object.keys(scope), src)(...Object.values(scope)) as T;
  } catch {
    return null; // eval forbidden here: the caller falls back to the interpreter
  }
}

/** The expression as a scalar function. */
export function compileScalar(input: Expr, target: JsTarget = {}): (x: number) => number {
  const e = checkNumericExpr(input, 'compileScalar');
  const { body, result } = straightLine(e, 't');
  const fn = build<(x: number) => number>(`return function surrogate(x) { ${CLAMP_X} ${body} return ${saturated(result, target.saturate)}; };`);
  return fn ?? interpretScalar(e, target);
}

export type UnaryLoop = (x: ArrayLike<number>, out: { [i: number]: number; length: number }) => void;
export type ScaledLoop = (x: ArrayLike<number>, dy: ArrayLike<number>, out: { [i: number]: number; length: number }) => void;

/** out[i] = f(x[i]), the expression inlined into the loop. */
export function compileLoop(input: Expr, target: JsTarget = {}): UnaryLoop {
  const e = checkNumericExpr(input, 'compileLoop');
  const { body, result } = straightLine(e, 't');
  const fn = build<UnaryLoop>(`return function surrogateLoop(X, OUT) {
    for (let i = 0, n = OUT.length; i < n; i++) { let x = X[i]; ${CLAMP_X} ${body} OUT[i] = ${saturated(result, target.saturate)}; }
  };`);
  if (fn) return fn;
  const f = interpretScalar(e, target);
  return (X, OUT) => { for (let i = 0; i < OUT.length; i++) OUT[i] = f(X[i]!); };
}

/**
 * The expression as statements for a loop generated elsewhere (the fused LIF backward inlines σ' into its
 * reverse sweep): `code` clamps and reads a variable `x` the caller has declared with `let`, and leaves the
 * value in the atom `result`. Names start with `prefix`. Compile the enclosing source with `buildJs`.
 */
export function inlineJs(e: Expr, prefix: string): { code: string; result: string } {
  const { body, result } = straightLine(e, prefix);
  return { code: `${CLAMP_X} ${body}`, result };
}

/**
 * Whether the kernels may use generated code (buildJs). Tests turn it off to run the paths taken where eval
 * is forbidden (a strict Content-Security-Policy) and check that they give the same results.
 */
export const codegen = { enabled: true };

/**
 * Compiles generated source (with the helpers inlineJs code may call in scope); null where eval is
 * forbidden or codegen is off.
 */
export function buildJs<T>(src: string, extra?: Readonly<Record<string, unknown>>): T | null {
  return codegen.enabled ? build<T>(src, extra) : null;
}

/** out[i] = dy[i] · f(x[i]): the backward of the spike, one pass over memory. */
export function compileScaledLoop(input: Expr): ScaledLoop {
  const e = checkNumericExpr(input, 'compileScaledLoop');
  const { body, result } = straightLine(e, 't');
  const fn = build<ScaledLoop>(`return function surrogateVjpLoop(X, DY, OUT) {
    for (let i = 0, n = OUT.length; i < n; i++) { let x = X[i]; ${CLAMP_X} ${body} OUT[i] = DY[i] * (${result}); }
  };`);
  if (fn) return fn;
  const f = interpretScalar(e);
  return (X, DY, OUT) => { for (let i = 0; i < OUT.length; i++) OUT[i] = DY[i]! * f(X[i]!); };
}

/**
 * The closure interpreter (no eval). With `round` = Math.fround every intermediate is rounded to float32,
 * which is how the probe in base.ts predicts overflow and NaN on the GPU before any GPU work.
 */
export function interpretScalar(input: Expr, target: JsTarget = {}, round: (v: number) => number = (v) => v): (x: number) => number {
  const e = checkNumericExpr(input, 'interpretScalar');
  const compile = (n: Expr): ((x: number) => number) => {
    if (n.kind === 'num') {
      const v = round(n.value);
      return () => v;
    }
    if (n.kind === 'x') return (x) => x;
    if (n.kind === 'var') return noVariable(n.name);
    const f = EXPR_OPS[n.op].eval as (...v: number[]) => number;
    const args = n.args.map(compile);
    if (args.length === 1) {
      const [a] = args as [(x: number) => number];
      return (x) => round(f(a(x)));
    }
    if (args.length === 2) {
      const [a, b] = args as [(x: number) => number, (x: number) => number];
      return (x) => round(f(a(x), b(x)));
    }
    const [c, a, b] = args as [(x: number) => number, (x: number) => number, (x: number) => number];
    return (x) => round(f(c(x), a(x), b(x)));
  };
  const body = compile(e);
  const sat = target.saturate;
  return (x) => {
    const xc = round(x < -F32_MAX ? -F32_MAX : x > F32_MAX ? F32_MAX : x);
    const r = body(xc);
    return sat ? Math.min(Math.max(r, -F32_MAX), F32_MAX) : r;
  };
}
