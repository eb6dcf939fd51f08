/**
 * User-defined surrogates: a derivative written once, as a string or with the builder functions, runs on
 * both backends exactly like the built-in 18 (CPU code and WGSL are generated from it).
 * @example
 *   const triangle = surrogate.custom({
 *     name: 'Triangle', params: { gamma: 0.3 },
 *     grad: 'gamma * max(1 - abs(x), 0)',
 *   });
 *   const spikes = triangle.spike(v.sub(1));
 */
import { SpikegradError, describeValue } from '../engine/errors.js';
import { F32_MAX } from './compileJs.js';
import { Surrogate } from './base.js';
import { EXPR_OP_NAMES, checkExpr, show, type Expr } from './expr.js';
import { parseExpr } from './parse.js';

/** A formula: a string in x and the parameters, an expression, or a function building one from the parameters. */
export type Formula = string | Expr | ((params: Readonly<Record<string, number>>) => Expr);

/** What `surrogate.custom` takes: a name, σ'(x) as a formula, and optionally its parameters and the smooth function. */
export interface CustomSurrogateOptions {
  /** Printed name, a plain identifier: 'Triangle'. */
  name: string;
  /** σ'(x). */
  grad: Formula;
  /** σ(x), the smooth function whose derivative is `grad` (optional; used for plots and `fun`). */
  fun?: Formula;
  /** Hyperparameters by name, in print order: { gamma: 0.3 }. */
  params?: Record<string, number>;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = new Set(['x', 'pi', 'e', 'clamp', 'where', 'sum', 'sigmoid', 'dsigmoid', ...EXPR_OP_NAMES]);

class CustomSurrogate extends Surrogate {
  readonly #definition: string;

  constructor(name: string, params: Record<string, number>, grad: Expr, fun: Expr | undefined) {
    super({ name, params, grad, ...(fun ? { fun } : {}) });
    this.#definition = `grad=${show(grad)}${fun ? `;fun=${show(fun)}` : ''}`;
  }

  /** Custom surrogates may share a name and parameters yet differ in formula: the formula is part of the key. */
  override get key(): string {
    return `custom:${this.toString()}{${this.#definition}}`;
  }
}

function resolve(where: string, f: Formula, params: Record<string, number>): Expr {
  if (typeof f === 'string') return parseExpr(f, params, where);
  if (typeof f === 'function') return resolve(where, f(Object.freeze({ ...params })), params);
  if (f && typeof f === 'object' && !Array.isArray(f)) {
    // Checked node by node and rebuilt (surrogate/expr.ts checkExpr) before any code is generated from it.
    const e = checkExpr(f, where);
    if (e.type !== 'f') throw new SpikegradError(`${where}: expected a numeric expression, got a condition`);
    return e;
  }
  throw new SpikegradError(`${where}: expected a string, an expression or a function returning one, got ${describeValue(f)}`);
}

/** A surrogate from a derivative expression (and optionally its smooth function). See surrogate/README.md. */
export function custom(opts: CustomSurrogateOptions): Surrogate {
  if (!opts || typeof opts !== 'object') throw new SpikegradError(`surrogate.custom: expected { name, grad, fun?, params? }, got ${describeValue(opts)}`);
  const { name, grad, fun, params = {} } = opts;
  if (typeof name !== 'string' || !IDENT.test(name)) {
    throw new SpikegradError(`surrogate.custom: argument 'name' expected an identifier such as 'Triangle', got ${describeValue(name)}`);
  }
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw new SpikegradError(`surrogate.custom: argument 'params' expected an object of numbers, got ${describeValue(params)}`);
  }
  for (const [k, v] of Object.entries(params)) {
    if (!IDENT.test(k) || RESERVED.has(k)) {
      throw new SpikegradError(`surrogate.custom: parameter name '${k}' is not allowed (it must be an identifier other than ${[...RESERVED].slice(0, 3).join(', ')} and the function names)`);
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > F32_MAX) {
      throw new SpikegradError(`${name}: parameter '${k}' expected a finite float32 number, got ${describeValue(v)}`);
    }
  }
  if (grad === undefined) throw new SpikegradError(`surrogate.custom: argument 'grad' is required (the derivative, e.g. '1 / (1 + abs(x))^2')`);
  const g = resolve(`${name} grad`, grad, params);
  const f = fun === undefined ? undefined : resolve(`${name} fun`, fun, params);
  const s = new CustomSurrogate(name, params, g, f);
  if (s.funScalar) checkAntiderivative(s);
  return s;
}

/**
 * A smooth function must have `grad` as its derivative (plots and `fun`'s gradient rely on it): central
 * differences on a grid over [−4, 4] must match grad at 90% of the points (the rest may sit on kinks).
 */
function checkAntiderivative(s: Surrogate): void {
  const h = 1e-6;
  const xs = Array.from({ length: 81 }, (_, i) => -4 + i * 0.1 + 0.0123456789);
  const bad = xs.filter((x) => {
    const fd = (s.funScalar!(x + h) - s.funScalar!(x - h)) / (2 * h);
    return !(Math.abs(fd - s.gradScalar(x)) <= 1e-4 * (1 + Math.abs(fd)));
  });
  if (bad.length > xs.length / 10) {
    const x = bad[0]!;
    const fd = (s.funScalar!(x + h) - s.funScalar!(x - h)) / (2 * h);
    throw new SpikegradError(
      `${s}: fun is not the antiderivative of grad: d/dx fun = ${fd.toPrecision(6)} but grad = ${s.gradScalar(x).toPrecision(6)} ` +
      `at x = ${x.toPrecision(6)} (and ${bad.length - 1} more of ${xs.length} points); fix one of them or leave fun out`,
    );
  }
}
