/**
 * The expression language as a public namespace (`surrogate.expr`), for custom surrogates built in code
 * rather than from a string:
 *   const { x, mul, max, sub, abs } = surrogate.expr;
 *   surrogate.custom({ name: 'Triangle', params: { gamma: 0.3 }, grad: ({ gamma }) => mul(gamma, max(sub(1, abs(x)), 0)) });
 */
export {
  x, num, op, add, sub, mul, div, neg, abs, sign, exp, log, log1p, sqrt, sin, cos, atan, tanh, erfOf as erf, sigmoid, dsigmoid,
  floor, fract, min, max, pow, square, clamp, select, sum, lt, le, gt, ge, eq, ne, and, or, not, show,
  type Expr, type ExprLike, type ExprOp,
} from './expr.js';
export { parseExpr as parse } from './parse.js';
export { wgslFunction } from './compileWgsl.js';
export { compileScalar } from './compileJs.js';
