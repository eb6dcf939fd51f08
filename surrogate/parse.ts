/**
 * Surrogate expressions from strings, for custom surrogates and for the catalog's own definitions:
 *   parseExpr('alpha * 0.5 / (1 + (pi/2*alpha*x)^2)', { alpha: 2 })
 * Grammar (lowest precedence first): c ? a : b · || · && · < <= > >= == != · + - · * / · unary - + ! ·
 * ^ or ** (right-associative, so -x^2 = -(x^2)) · numbers, names, calls, parentheses.
 * Names: x, the given parameters, pi, e. Functions: the unary operations of the language (abs, exp, log,
 * log1p, sqrt, sin, cos, atan, tanh, erf, sign, floor, fract), sigmoid and its derivative dsigmoid, min, max,
 * pow, clamp(a, lo, hi),
 * where(c, a, b), and sum(i, lo, hi, term) with integer bounds, unrolled.
 */
import { SpikegradError } from '../engine/errors.js';
import { clamp, dsigmoid, num, op, sigmoid, sum, variable, x, type Expr, type ExprOp } from './expr.js';

export interface ParseOptions {
  /**
   * Named variables (dynamics/: the states, parameters and input of a neuron declaration). When given, they
   * replace x: the expression is a function of these names, and x is an ordinary (unknown) name.
   */
  variables?: readonly string[];
}

const UNARY_FUNCS = ['abs', 'sign', 'exp', 'log', 'log1p', 'sqrt', 'sin', 'cos', 'atan', 'tanh', 'erf', 'floor', 'fract', 'expm1', 'exprel'] as const;
const BINARY_FUNCS = ['min', 'max', 'pow'] as const;
const CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E };
const COMPARE: Record<string, ExprOp> = { '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge', '==': 'eq', '!=': 'ne' };

const TOKEN = /\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(\*\*|<=|>=|==|!=|&&|\|\||[-+*/^()<>!?:,]))/y;

interface Token { kind: 'num' | 'name' | 'punct' | 'end'; text: string; pos: number }

function tokenize(src: string, fail: (pos: number, msg: string) => never): Token[] {
  const out: Token[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(src);
    if (!m) fail(pos + (src.slice(pos).length - src.slice(pos).trimStart().length), 'unexpected character');
    const start = m.index + m[0].length - (m[1] ?? m[2] ?? m[3])!.length;
    out.push({ kind: m[1] ? 'num' : m[2] ? 'name' : 'punct', text: (m[1] ?? m[2] ?? m[3])!, pos: start });
    pos = TOKEN.lastIndex;
  }
  out.push({ kind: 'end', text: 'end of input', pos: src.length });
  return out;
}

/** Parses `src` into an expression in x; `params` names the hyperparameters (substituted as constants). */
export function parseExpr(src: string, params: Readonly<Record<string, number>> = {}, where = 'surrogate expression', options: ParseOptions = {}): Expr {
  const vars = options.variables ? new Set(options.variables) : null;
  if (typeof src !== 'string') throw new SpikegradError(`${where}: expected a string, got ${typeof src}`);
  const fail = (pos: number, msg: string): never => {
    throw new SpikegradError(`${where}: ${msg} at position ${pos} in '${src}'\n  ${' '.repeat(pos + 1)}^`);
  };
  const toks = tokenize(src, fail);
  let k = 0;
  const scopes: Record<string, number>[] = [];
  const peek = () => toks[k]!;
  const next = () => toks[k++]!;
  const accept = (t: string) => (peek().kind === 'punct' && peek().text === t ? (k++, true) : false);
  const expect = (t: string) => {
    if (!accept(t)) fail(peek().pos, `expected '${t}', found '${peek().text}'`);
  };
  const knownNames = () => [...(vars ? [...vars] : ['x']), ...Object.keys(params), ...scopes.flatMap((s) => Object.keys(s)), 'pi', 'e'].join(', ');

  const ternary = (): Expr => {
    const c = logicOr();
    if (!accept('?')) return c;
    const a = ternary();
    expect(':');
    return op('select', c, a, ternary());
  };
  const logicOr = (): Expr => {
    let a = logicAnd();
    while (accept('||')) a = op('or', a, logicAnd());
    return a;
  };
  const logicAnd = (): Expr => {
    let a = comparison();
    while (accept('&&')) a = op('and', a, comparison());
    return a;
  };
  const comparison = (): Expr => {
    const a = additive();
    const t = peek();
    if (t.kind === 'punct' && COMPARE[t.text]) {
      next();
      return op(COMPARE[t.text]!, a, additive());
    }
    return a;
  };
  const additive = (): Expr => {
    let a = multiplicative();
    for (;;) {
      if (accept('+')) a = op('add', a, multiplicative());
      else if (accept('-')) a = op('sub', a, multiplicative());
      else return a;
    }
  };
  const multiplicative = (): Expr => {
    let a = unary();
    for (;;) {
      if (accept('*')) a = op('mul', a, unary());
      else if (accept('/')) a = op('div', a, unary());
      else return a;
    }
  };
  const unary = (): Expr => {
    if (accept('-')) return op('neg', unary());
    if (accept('+')) return unary();
    if (accept('!')) return op('not', unary());
    return power();
  };
  const power = (): Expr => {
    const base = primary();
    if (accept('^') || accept('**')) return op('pow', base, unary());
    return base;
  };
  const args = (name: string, n: number, pos: number): Expr[] => {
    const list: Expr[] = [];
    expect('(');
    if (!accept(')')) {
      do list.push(ternary()); while (accept(','));
      expect(')');
    }
    if (list.length !== n) fail(pos, `${name}() takes ${n} argument(s), got ${list.length}`);
    return list;
  };
  const constantInt = (e: Expr, pos: number, what: string): number => {
    if (e.kind !== 'num' || !Number.isInteger(e.value)) fail(pos, `${what} must be an integer known without x`);
    return (e as { value: number }).value;
  };
  const primary = (): Expr => {
    const t = next();
    if (t.kind === 'num') return num(Number(t.text));
    if (t.kind === 'punct' && t.text === '(') {
      const e = ternary();
      expect(')');
      return e;
    }
    if (t.kind !== 'name') return fail(t.pos, `unexpected '${t.text}'`);
    const name = t.text;
    const isCall = peek().kind === 'punct' && peek().text === '(';
    if (!isCall) {
      if (vars?.has(name)) return variable(name);
      if (name === 'x' && !vars) return x;
      for (let s = scopes.length - 1; s >= 0; s--) if (Object.hasOwn(scopes[s]!, name)) return num(scopes[s]![name]!);
      if (Object.hasOwn(params, name)) return num(params[name]!);
      if (Object.hasOwn(CONSTANTS, name)) return num(CONSTANTS[name]!);
      return fail(t.pos, `unknown name '${name}' (known: ${knownNames()})`);
    }
    if ((UNARY_FUNCS as readonly string[]).includes(name)) return op(name as ExprOp, ...args(name, 1, t.pos));
    if ((BINARY_FUNCS as readonly string[]).includes(name)) return op(name as ExprOp, ...args(name, 2, t.pos));
    if (name === 'clamp') {
      const [a, lo, hi] = args(name, 3, t.pos) as [Expr, Expr, Expr];
      return clamp(a, lo, hi);
    }
    if (name === 'where') return op('select', ...args(name, 3, t.pos));
    if (name === 'sigmoid') return sigmoid(args(name, 1, t.pos)[0]!);
    if (name === 'dsigmoid') return dsigmoid(args(name, 1, t.pos)[0]!);
    if (name === 'sum') return sumCall(t.pos);
    return fail(t.pos, `unknown function '${name}' (known: ${[...UNARY_FUNCS, 'sigmoid', 'dsigmoid', ...BINARY_FUNCS, 'clamp', 'where', 'sum'].join(', ')})`);
  };
  // sum(i, lo, hi, term): the term is re-parsed once per i with i bound to a constant.
  const sumCall = (pos: number): Expr => {
    expect('(');
    const v = next();
    if (v.kind !== 'name' || v.text === 'x' || vars?.has(v.text)) fail(v.pos, "sum() expected an index name such as 'i' first");
    expect(',');
    const lo = constantInt(ternary(), pos, 'the lower bound of sum()');
    expect(',');
    const hi = constantInt(ternary(), pos, 'the upper bound of sum()');
    expect(',');
    const bodyStart = k;
    let bodyEnd = k;
    const result = sum(lo, hi, (i) => {
      k = bodyStart;
      scopes.push({ [v.text]: i });
      try {
        const term = ternary();
        bodyEnd = k;
        return term;
      } finally {
        scopes.pop();
      }
    });
    if (hi < lo) { // no terms: still parse the body once, for its syntax
      scopes.push({ [v.text]: lo });
      ternary();
      scopes.pop();
      bodyEnd = k;
    }
    k = bodyEnd;
    expect(')');
    return result;
  };

  const e = ternary();
  if (peek().kind !== 'end') fail(peek().pos, `unexpected '${peek().text}'`);
  if (e.type !== 'f') fail(0, 'the expression is a condition; it must give a number (use c ? a : b)');
  return e;
}
