/**
 * Surrogate expressions → WGSL. `wgslFunction(e, 'sg_grad')` returns the source of a self-contained
 * `fn sg_grad(x: f32) -> f32` (its private helpers are prefixed with the function's name, so several
 * surrogate functions can share one shader). Kernels splice it into their template: kernels/spike for the
 * spike op, and the fused neuron kernels of nn/.
 *
 * Same input convention as compileJs.ts: x is clamped to ±3.4e38 first. WGSL leaves infinities
 * "indeterminate", so no built-in surrogate relies on them beyond e^−∞ = 0 and 1/∞ = 0 (tested on lavapipe).
 */
import { SpikegradError, describeValue } from '../engine/errors.js';
import { checkNumericExpr, schedule, type Expr, type ExprOp } from './expr.js';
import { F32_MAX, noVariable } from './compileJs.js';

const F32_MIN_NORMAL = 1.1754943508222875e-38;

/** A float32 literal that parses back to exactly Math.fround(v); subnormals flush to 0 as GPUs do. */
export function wgslF32(v: number): string {
  if (typeof v !== 'number') throw new SpikegradError(`surrogate expression: expected a number, got ${describeValue(v)}`);
  const r = Math.fround(v);
  if (!Number.isFinite(r)) {
    throw new SpikegradError(`surrogate: the constant ${v} is outside the float32 range (|v| <= ${F32_MAX}); choose smaller parameters`);
  }
  if (Math.abs(r) < F32_MIN_NORMAL) return '0.0f';
  // Shortest decimal that rounds back to r; Tint rejects a literal beyond float32 max even when it would round
  // down to it, hence the second condition (17 digits always qualify: they are r itself).
  let s = r.toPrecision(17);
  for (let p = 1; p <= 9; p++) {
    const c = r.toPrecision(p);
    if (Math.fround(Number(c)) === r && Math.abs(Number(c)) <= F32_MAX) {
      s = c;
      break;
    }
  }
  if (!/[.e]/.test(s)) s += '.0';
  return r < 0 ? `(${s}f)` : `${s}f`;
}

export type Helper = 'erf' | 'log1p' | 'exprel' | 'expm1';

/** 1 + z/2! + z²/3! + … + z⁸/9! in Horner form: (e^z − 1)/z for |z| < 0.5 to float32 precision. */
const EXPREL_SERIES = '(1.0 + z * (0.5 + z * (0.16666667 + z * (0.041666668 + z * (0.008333334 + z * (0.0013888889 + z * (1.9841270e-4 + z * (2.4801587e-5 + z * 2.7557319e-6))))))))';

export const HELPER_SRC: Record<Helper, (name: string) => string> = {
  // e^z − 1 and (e^z − 1)/z without cancellation near 0: below |z| = 0.5 the Taylor series of (e^z − 1)/z to
  // z⁸/9! (the next term is < 6e−10), plain arithmetic. Built-ins cannot be trusted there: exp(z) − 1 keeps ~3
  // digits at |z| ≈ 1e−4 in float32, and a tanh(z/2) form is only as good as the driver's tanh near 0 (lavapipe's
  // is not: 6e−5 relative error seen at z = 1e−4).
  expm1: (n) => `fn ${n}(z: f32) -> f32 {
  if (abs(z) < 0.5) { return z * ${EXPREL_SERIES}; }
  return exp(z) - 1.0;
}`,
  exprel: (n) => `fn ${n}(z: f32) -> f32 {
  if (abs(z) < 0.5) { return ${EXPREL_SERIES}; }
  return (exp(z) - 1.0) / z;
}`,
  // Abramowitz & Stegun 7.1.26, |error| <= 1.5e-7 (float32 resolution); odd symmetry makes erf(0) = 0 exactly.
  erf: (n) => `fn ${n}(z: f32) -> f32 {
  let a = abs(z);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign(z) * (1.0 - poly * exp(-a * a));
}`,
  // log(1+z) without cancellation: log(u)·z/(u−1) with u = 1+z (Goldberg's trick); plain log(u) for large z.
  log1p: (n) => `fn ${n}(z: f32) -> f32 {
  let u = 1.0 + z;
  if (u == 1.0) { return z; }
  if (z > 1.0e6) { return log(u); }
  return log(u) * (z / (u - 1.0));
}`,
};

export function emitter(helper: (h: Helper) => string): Record<ExprOp, (a: string[]) => string> {
  return {
    neg: ([a]) => `-${a}`,
    abs: ([a]) => `abs(${a})`,
    sign: ([a]) => `sign(${a})`,
    exp: ([a]) => `exp(${a})`,
    log: ([a]) => `log(${a})`,
    log1p: ([a]) => `${helper('log1p')}(${a})`,
    expm1: ([a]) => `${helper('expm1')}(${a})`,
    sqrt: ([a]) => `sqrt(${a})`,
    sin: ([a]) => `sin(${a})`,
    cos: ([a]) => `cos(${a})`,
    atan: ([a]) => `atan(${a})`,
    tanh: ([a]) => `tanh(${a})`,
    erf: ([a]) => `${helper('erf')}(${a})`,
    exprel: ([a]) => `${helper('exprel')}(${a})`,
    floor: ([a]) => `floor(${a})`,
    fract: ([a]) => `fract(${a})`,
    add: ([a, b]) => `${a} + ${b}`,
    sub: ([a, b]) => `${a} - ${b}`,
    mul: ([a, b]) => `${a} * ${b}`,
    div: ([a, b]) => `${a} / ${b}`,
    pow: ([a, b]) => `pow(${a}, ${b})`,
    min: ([a, b]) => `min(${a}, ${b})`,
    max: ([a, b]) => `max(${a}, ${b})`,
    lt: ([a, b]) => `${a} < ${b}`,
    le: ([a, b]) => `${a} <= ${b}`,
    gt: ([a, b]) => `${a} > ${b}`,
    ge: ([a, b]) => `${a} >= ${b}`,
    eq: ([a, b]) => `${a} == ${b}`,
    ne: ([a, b]) => `${a} != ${b}`,
    and: ([a, b]) => `${a} && ${b}`,
    or: ([a, b]) => `${a} || ${b}`,
    not: ([a]) => `!${a}`,
    select: ([c, a, b]) => `select(${b}, ${a}, ${c})`,
  };
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** WGSL's type names and keywords that look like ordinary identifiers (a function may not take them). */
const WGSL_RESERVED = /^(f16|f32|i32|u32|bool|vec[234][fhiu]?|mat[234]x[234][fh]?|array|atomic|ptr|sampler|texture\w*|fn|let|var|const|override|struct|alias|if|else|for|while|loop|return|switch|case|default|break|continue|discard|true|false|enable|requires|diagnostic)$/;

export interface WgslTarget {
  /** Clamp the result into the float32 range (smooth functions with linear tails are unbounded). */
  saturate?: boolean;
}

/** WGSL source of `fn <fnName>(x: f32) -> f32` computing `e`, preceded by the helpers it calls. */
export function wgslFunction(input: Expr, fnName: string, target: WgslTarget = {}): string {
  const e = checkNumericExpr(input, 'wgslFunction');
  if (typeof fnName !== 'string' || !IDENT.test(fnName) || fnName.startsWith('__') || WGSL_RESERVED.test(fnName)) {
    throw new SpikegradError(`wgslGrad: argument 'fnName' expected a WGSL identifier, got ${describeValue(fnName)}`);
  }
  const used = new Set<Helper>();
  const emit = emitter((h) => (used.add(h), `${fnName}_${h}`));
  const names = new Map<string, string>();
  const atom = (n: Expr): string => (n.kind === 'num' ? wgslF32(n.value) : n.kind === 'x' ? 'x' : n.kind === 'var' ? noVariable(n.name) : names.get(n.key)!);
  const lines: string[] = [];
  for (const node of schedule(e)) {
    const name = `t${names.size}`;
    lines.push(`  let ${name} = ${emit[node.op](node.args.map(atom))};`);
    names.set(node.key, name);
  }
  const max = wgslF32(F32_MAX);
  const result = e.kind === 'num' ? wgslF32(e.value) : atom(e);
  const ret = target.saturate ? `clamp(${result}, -${max}, ${max})` : result;
  const helpers = [...used].sort().map((h) => HELPER_SRC[h](`${fnName}_${h}`));
  return [
    ...helpers,
    `fn ${fnName}(x_in: f32) -> f32 {`,
    `  let x = clamp(x_in, -${max}, ${max});`,
    ...lines,
    `  return ${ret};`,
    '}',
  ].join('\n');
}
