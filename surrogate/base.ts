/**
 * The Surrogate base class. A surrogate is data: a name, hyperparameters, and ONE expression for the
 * derivative σ'(x) (plus, where braintools defines it, one for the smooth function σ(x) it comes from).
 * From those expressions come the CPU code (compileJs.ts), the WGSL code (compileWgsl.ts) and the shader
 * key, so no formula is ever written twice.
 *
 * The spike itself is the Heaviside step H(x) = 1 where x >= 0 (x = 0 spikes) for every surrogate, with
 * gradient dy·σ'(x): docs/numerics.md §3, braintools' `Surrogate.__call__` / `heaviside_p`.
 */
import { run1 } from '../engine/dispatch.js';
import { SpikegradError, describeValue } from '../engine/errors.js';
import { noGrad } from '../engine/tape.js';
import type { Tensor } from '../engine/tensor.js';
import { F32_MAX, compileScalar, interpretScalar } from './compileJs.js';
import { wgslFunction } from './compileWgsl.js';
import { checkExpr, show, type Expr } from './expr.js';
import { parseExpr } from './parse.js';

export interface SurrogateDefinition {
  /** Class name, as printed: 'Sigmoid'. */
  name: string;
  /** Hyperparameters in print order, already validated. */
  params: Record<string, number>;
  /** σ'(x): an expression, or a string parsed with the parameters in scope. */
  grad: Expr | string;
  /** σ(x), the smooth function (for plots), where one is defined. */
  fun?: Expr | string;
}

/** Where the probe looks for NaN and Infinity: the breakpoints of every built-in, tiny, huge and infinite x. */
const PROBE_POINTS = (() => {
  const mags = [0, 1e-45, 1e-38, 1e-30, 1e-7, 1e-3, 0.1, 0.25, 0.5, 1 - 1e-7, 1, 1 + 1e-7, 1.5, 2, 3, 4, 8, 10, 30, 100, 1e3, 1e4, 1e6, 1e10, 1e20, 1e30, 1e38, F32_MAX, Infinity];
  return mags.flatMap((m) => [m, -m]);
})();

/** Formats a number for toString(): shortest round-trip form ('4', '0.3', '1e-8'). */
const fmt = (v: number): string => String(v);

export abstract class Surrogate {
  /** The class name, 'Sigmoid'. */
  readonly name: string;
  /** Hyperparameters by name, in print order. */
  readonly params: Readonly<Record<string, number>>;
  /** The derivative as an expression of the surrogate language (what both backends are generated from). */
  readonly gradExpr: Expr;
  /** The smooth function as an expression, where defined. */
  readonly funExpr: Expr | undefined;
  /** σ'(x) at one point (float64), compiled from gradExpr. */
  readonly gradScalar: (x: number) => number;
  /** σ(x) at one point, where defined. */
  readonly funScalar: ((x: number) => number) | undefined;
  /** The smooth function on tensors (for plots), where braintools defines one; differentiable, with gradient σ'. */
  readonly fun?: (x: Tensor) => Tensor;

  protected constructor(def: SurrogateDefinition) {
    this.name = def.name;
    this.params = Object.freeze({ ...def.params });
    const where = `${def.name}`;
    const asExpr = (e: Expr | string, what: string) => (typeof e === 'string' ? parseExpr(e, def.params, `${where} ${what}`) : checkExpr(e, `${where} ${what}`));
    this.gradExpr = asExpr(def.grad, 'grad');
    this.funExpr = def.fun === undefined ? undefined : asExpr(def.fun, 'fun');
    this.gradScalar = compileScalar(this.gradExpr);
    this.funScalar = this.funExpr && compileScalar(this.funExpr, { saturate: true });
    this.#probe();
    if (this.funExpr) this.fun = (x: Tensor) => run1('surrogateFun', [x], { surrogate: this });
  }

  /**
   * Rejects a definition that gives NaN or ±Infinity anywhere, in float64 (the CPU) and in float32 with
   * every intermediate rounded (what a GPU computes), before any kernel is built.
   */
  #probe(): void {
    const checks: [string, Expr, (x: number) => number, boolean][] = [['derivative', this.gradExpr, this.gradScalar, false]];
    if (this.funExpr) checks.push(['smooth function', this.funExpr, this.funScalar!, true]);
    for (const [what, e, f64, saturate] of checks) {
      const f32 = interpretScalar(e, { saturate }, Math.fround);
      for (const p of PROBE_POINTS) {
        for (const [prec, v] of [['float64', f64(p)], ['float32', f32(p)]] as const) {
          if (!Number.isFinite(v)) {
            throw new SpikegradError(
              `${this.toString()}: the ${what} is ${v} at x = ${Math.abs(p) >= 1e6 && p !== Infinity && p !== -Infinity ? p.toExponential() : p} in ${prec}; a surrogate must be finite for every x ` +
              '(rewrite the expression in a form that cannot overflow, see surrogate/README.md, or choose other parameters)',
            );
          }
        }
      }
    }
  }

  /** A stable cache and shader key: 'Sigmoid(alpha=4)'. Equal keys mean identical code. */
  get key(): string {
    return this.toString();
  }

  /** WGSL source of `fn <fnName>(x: f32) -> f32` computing σ'(x), with its private helpers. */
  wgslGrad(fnName: string): string {
    return wgslFunction(this.gradExpr, fnName);
  }

  /** WGSL source of `fn <fnName>(x: f32) -> f32` computing σ(x); throws where no smooth function is defined. */
  wgslFun(fnName: string): string {
    if (!this.funExpr) throw new SpikegradError(`${this.toString()}: no smooth function is defined (it is a gradient-only surrogate)`);
    return wgslFunction(this.funExpr, fnName, { saturate: true });
  }

  /** H(x): 1 where x >= 0 (x = 0 spikes), else 0, in x's float dtype; no gradient (see spike()). */
  forward(x: Tensor): Tensor {
    return noGrad(() => run1('spike', [x], { surrogate: this }));
  }

  /** σ'(x) elementwise, on x's backend. */
  grad(x: Tensor): Tensor {
    return run1('surrogateGrad', [x], { surrogate: this });
  }

  /** The differentiable spike: H(x) forward, dy·σ'(x) backward; one tape node, one kernel each way. */
  spike(x: Tensor): Tensor {
    return run1('spike', [x], { surrogate: this });
  }

  toString(): string {
    return `${this.name}(${Object.entries(this.params).map(([k, v]) => `${k}=${fmt(v)}`).join(', ')})`;
  }

  /** The definition as text (for docs and custom-surrogate keys). */
  describe(): { grad: string; fun?: string } {
    return { grad: show(this.gradExpr), ...(this.funExpr ? { fun: show(this.funExpr) } : {}) };
  }
}

// --- hyperparameter options --------------------------------------------------------------------------------------

export type Constraint = 'positive' | 'nonNegative' | 'positiveInteger' | 'finite';

const CONSTRAINT_TEXT: Record<Constraint, string> = {
  positive: 'a finite number > 0',
  nonNegative: 'a finite number >= 0',
  positiveInteger: 'an integer >= 1',
  finite: 'a finite number',
};

function satisfies(v: number, c: Constraint): boolean {
  if (!Number.isFinite(v) || Math.abs(v) > F32_MAX) return false;
  switch (c) {
    case 'positive': return v > 0;
    case 'nonNegative': return v >= 0;
    case 'positiveInteger': return Number.isInteger(v) && v >= 1;
    case 'finite': return true;
  }
}

/** A hyperparameter's default and constraint. */
export type ParamSpec = readonly [defaultValue: number, constraint: Constraint];

/** A number, or a dimensionless quantity (anything with toNumber()). */
export type ParamValue = number | { toNumber(): number };

/**
 * Reads an options object against `spec` (name → [default, constraint]), in spec order. Throws a
 * SpikegradError naming the class and the option for unknown options and for values breaking the constraint.
 */
export function readOptions<K extends string>(cls: string, opts: Partial<Record<K, ParamValue>> | undefined, spec: Record<K, ParamSpec>): Record<K, number> {
  if (opts !== undefined && (opts === null || typeof opts !== 'object' || Array.isArray(opts))) {
    throw new SpikegradError(`${cls}: expected an options object such as { ${Object.keys(spec)[0]}: ${(spec as Record<string, ParamSpec>)[Object.keys(spec)[0]!]![0]} }, got ${describeValue(opts)}`);
  }
  const given = (opts ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(given)) {
    if (!Object.hasOwn(spec, k)) {
      throw new SpikegradError(`${cls}: unknown option '${k}' (options: ${Object.keys(spec).join(', ')})`);
    }
  }
  const out = {} as Record<K, number>;
  for (const k of Object.keys(spec) as K[]) {
    const [dflt, constraint] = spec[k];
    const raw = given[k];
    let v: unknown = raw === undefined ? dflt : raw;
    if (v !== null && typeof v === 'object' && typeof (v as { toNumber?: unknown }).toNumber === 'function') v = (v as { toNumber(): number }).toNumber();
    if (typeof v !== 'number' || !satisfies(v, constraint)) {
      throw new SpikegradError(`${cls}: argument '${k}' expected ${CONSTRAINT_TEXT[constraint]}, got ${typeof v === 'number' ? v : describeValue(raw)}`);
    }
    out[k] = v;
  }
  return out;
}
