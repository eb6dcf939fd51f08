/**
 * The surrogate expression language: a tiny typed AST over one variable `x`, built with the functions below
 * (or parsed from a string by parse.ts), from which compileJs.ts and compileWgsl.ts generate the CPU and the
 * WGSL code. Each surrogate's derivative is written ONCE, as one of these expressions.
 *
 * Every operation of the language is one row of EXPR_OPS: its arity, argument and result types, and its
 * float64 meaning (`eval`, used for constant folding, the interpreter and the float32 probe). The code
 * generators have one emitter per row, checked against this table by the type system.
 *
 * Hyperparameters are plain numbers by the time an expression is built, so parameter-only subexpressions
 * (`pi/2*alpha`) fold into one constant and the generated code holds only what depends on x.
 */
import { SpikegradError } from '../engine/errors.js';
import { erf, exprel64 } from './special.js';

export type ExprType = 'f' | 'b';

/** Expression nodes are immutable and hash-consed by `key`, so equal subtrees are recognised (and shared). */
export type Expr = NumExpr | XExpr | VarExpr | OpExpr;
export interface NumExpr { readonly kind: 'num'; readonly value: number; readonly type: 'f'; readonly key: string }
export interface XExpr { readonly kind: 'x'; readonly type: 'f'; readonly key: 'x' }
/**
 * A named variable other than x: a state, parameter or input of a neuron declaration (dynamics/). Surrogates
 * never contain one (their compilers reject it); the dynamics code generators give each a local of its own.
 */
export interface VarExpr { readonly kind: 'var'; readonly name: string; readonly type: 'f'; readonly key: string }
export interface OpExpr {
  readonly kind: 'op';
  readonly op: ExprOp;
  readonly args: readonly Expr[];
  readonly type: ExprType;
  readonly key: string;
}

interface OpInfo {
  /** Argument types; the arity is their count. */
  args: readonly ExprType[];
  type: ExprType;
  /** The float64 meaning (booleans as 0/1). */
  eval: (...v: number[]) => number;
}

const F1 = ['f'] as const, F2 = ['f', 'f'] as const;

/** Every operation of the language. Booleans come from comparisons and are consumed by `select` and logic. */
export const EXPR_OPS = {
  neg: { args: F1, type: 'f', eval: (a) => -a },
  abs: { args: F1, type: 'f', eval: Math.abs },
  sign: { args: F1, type: 'f', eval: (a) => (a > 0 ? 1 : a < 0 ? -1 : a) },
  exp: { args: F1, type: 'f', eval: Math.exp },
  log: { args: F1, type: 'f', eval: Math.log },
  log1p: { args: F1, type: 'f', eval: Math.log1p },
  expm1: { args: F1, type: 'f', eval: Math.expm1 },
  sqrt: { args: F1, type: 'f', eval: Math.sqrt },
  sin: { args: F1, type: 'f', eval: Math.sin },
  cos: { args: F1, type: 'f', eval: Math.cos },
  atan: { args: F1, type: 'f', eval: Math.atan },
  tanh: { args: F1, type: 'f', eval: Math.tanh },
  erf: { args: F1, type: 'f', eval: erf },
  floor: { args: F1, type: 'f', eval: Math.floor },
  /** expm1(a)/a with its limit 1 at 0 (saiunit's Taylor branch near 0): exponential Euler's step factor. */
  exprel: { args: F1, type: 'f', eval: (a) => exprel64(a) },
  /** a − floor(a), in [0, 1): the phase of periodic surrogates, so they never evaluate sin/cos of a huge argument. */
  fract: { args: F1, type: 'f', eval: (a) => a - Math.floor(a) },
  add: { args: F2, type: 'f', eval: (a, b) => a + b },
  sub: { args: F2, type: 'f', eval: (a, b) => a - b },
  mul: { args: F2, type: 'f', eval: (a, b) => a * b },
  div: { args: F2, type: 'f', eval: (a, b) => a / b },
  /** aᵇ for a ≥ 0 (WGSL's pow is undefined for a < 0); small integer constant exponents become products. */
  pow: { args: F2, type: 'f', eval: Math.pow },
  min: { args: F2, type: 'f', eval: Math.min },
  max: { args: F2, type: 'f', eval: Math.max },
  lt: { args: F2, type: 'b', eval: (a, b) => +(a < b) },
  le: { args: F2, type: 'b', eval: (a, b) => +(a <= b) },
  gt: { args: F2, type: 'b', eval: (a, b) => +(a > b) },
  ge: { args: F2, type: 'b', eval: (a, b) => +(a >= b) },
  eq: { args: F2, type: 'b', eval: (a, b) => +(a === b) },
  ne: { args: F2, type: 'b', eval: (a, b) => +(a !== b) },
  and: { args: ['b', 'b'], type: 'b', eval: (a, b) => +(a !== 0 && b !== 0) },
  or: { args: ['b', 'b'], type: 'b', eval: (a, b) => +(a !== 0 || b !== 0) },
  not: { args: ['b'], type: 'b', eval: (a) => +(a === 0) },
  /** select(c, a, b) = c ? a : b. Both sides are evaluated (as WGSL's select does), so both must stay finite-safe. */
  select: { args: ['b', 'f', 'f'], type: 'f', eval: (c, a, b) => (c !== 0 ? a : b) },
} satisfies Record<string, OpInfo>;

export type ExprOp = keyof typeof EXPR_OPS;
export const EXPR_OP_NAMES = Object.keys(EXPR_OPS) as ExprOp[];

/**
 * Names what a value is without reading any of its properties (a hostile object's getters, valueOf or
 * toString never run while an error message is made).
 */
function describeInput(v: unknown): string {
  if (typeof v === 'number') return `number ${v}`;
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v;
}

/**
 * Every node made by this module's constructors (num, x, op). A node in this set was built from checked parts
 * only, so its whole tree is safe to generate code from; anything else goes through `checkExpr` first.
 */
const TRUSTED = new WeakSet<object>();
function trusted<T extends Expr>(node: T): T {
  TRUSTED.add(node);
  return node;
}

/** The variable. */
export const x: XExpr = trusted(Object.freeze({ kind: 'x', type: 'f', key: 'x' }));

/** A named variable (dynamics/ declarations: states, parameters, the input). */
export function variable(name: string): VarExpr {
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new SpikegradError(`expression: a variable name must be an identifier, got ${JSON.stringify(name)}`);
  }
  return trusted(Object.freeze({ kind: 'var', name, type: 'f', key: `v:${name}` }));
}

export type ExprLike = Expr | number;

export function num(value: number): NumExpr {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new SpikegradError(`surrogate expression: expected a number, got ${describeInput(value)}`);
  }
  // -0 keeps its own key: 1/-0 and 1/0 differ.
  return trusted(Object.freeze({ kind: 'num', value, type: 'f', key: Object.is(value, -0) ? 'n:-0' : `n:${value}` }));
}

export function lift(e: ExprLike): Expr {
  return typeof e === 'number' ? num(e) : checkExpr(e);
}

/** The node kinds `checkExpr` accepts from outside; a new kind of node gets its case in `rebuild` below. */
export const EXPR_KINDS = ['num', 'x', 'op'] as const;
/** Deeper trees are refused (they would overflow the stack of the code generators). */
export const MAX_EXPR_DEPTH = 2000;

/**
 * Validates an expression that came from outside this module (a user's object, JSON, another realm) node by
 * node — a plain object, a known kind, a finite number for `num`, an operation name of EXPR_OPS with the right
 * count and types of arguments — and returns the same expression rebuilt from those checked values by the
 * constructors above. Code generators (compileJs, compileWgsl, compileWasm) call it first, so no value of the
 * input is ever pasted into generated code unchecked: fields are read once, as own data properties (a getter
 * is refused, it could answer differently later), and the input's own `type` and `key` are ignored.
 * A tree built with this module's functions is returned as it is (one WeakSet lookup).
 */
export function checkExpr(input: unknown, where = 'surrogate expression'): Expr {
  if (typeof input === 'object' && input !== null && TRUSTED.has(input)) return input as Expr;
  const done = new Map<object, Expr>();
  const active = new Set<object>();
  const fail = (path: string, msg: string): never => {
    throw new SpikegradError(`${where}: ${path === '' ? 'the expression' : `node ${path}`} ${msg}`);
  };
  const field = (node: object, name: string, path: string): unknown => {
    const d = Object.getOwnPropertyDescriptor(node, name);
    if (d === undefined) return undefined;
    if (!('value' in d)) fail(path, `has '${name}' as a getter; expression nodes must be plain data`);
    return d.value;
  };
  const rebuild = (node: unknown, path: string, depth: number): Expr => {
    if (typeof node === 'number') return num(node);
    if (typeof node !== 'object' || node === null || Array.isArray(node)) {
      return fail(path, `expected an expression node { kind: ${EXPR_KINDS.map((k) => `'${k}'`).join(' | ')}, ... } or a number, got ${describeInput(node)}`);
    }
    if (TRUSTED.has(node)) return node as Expr;
    const seen = done.get(node);
    if (seen) return seen;
    if (active.has(node)) fail(path, 'contains itself (an expression is a tree, not a cycle)');
    if (depth > MAX_EXPR_DEPTH) fail(path, `is nested deeper than ${MAX_EXPR_DEPTH} levels`);
    active.add(node);
    const kind = field(node, 'kind', path);
    let out: Expr;
    switch (kind) {
      case 'num': {
        const value = field(node, 'value', path);
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          fail(`${path}.value`, `expected a finite number, got ${describeInput(value)}`);
        }
        out = num(value as number);
        break;
      }
      case 'x':
        out = x;
        break;
      case 'op': {
        const name = field(node, 'op', path);
        if (typeof name !== 'string' || !Object.hasOwn(EXPR_OPS, name)) {
          fail(`${path}.op`, `expected one of ${EXPR_OP_NAMES.join(', ')}, got ${describeInput(name)}`);
        }
        const args = field(node, 'args', path);
        if (!Array.isArray(args)) fail(`${path}.args`, `expected an array of arguments, got ${describeInput(args)}`);
        const list = args as unknown[];
        const arity = EXPR_OPS[name as ExprOp].args.length;
        if (list.length !== arity) fail(`${path}.args`, `'${String(name)}' expected ${arity} argument(s), got ${list.length}`);
        const parts: Expr[] = [];
        for (let i = 0; i < arity; i++) {
          const d = Object.getOwnPropertyDescriptor(list, i);
          if (d === undefined || !('value' in d)) fail(`${path}.args[${i}]`, 'is missing or a getter; expression nodes must be plain data');
          parts.push(rebuild(d!.value, `${path}.args[${i}]`, depth + 1));
        }
        out = op(name as ExprOp, ...parts);
        break;
      }
      default:
        return fail(path, `has kind ${describeInput(kind)}; expected one of ${EXPR_KINDS.map((k) => `'${k}'`).join(', ')}`);
    }
    active.delete(node);
    done.set(node, out);
    return out;
  };
  return rebuild(input, '', 0);
}

const isNum = (e: Expr, v?: number): e is NumExpr => e.kind === 'num' && (v === undefined || e.value === v);

/**
 * The one constructor of operation nodes: checks types, folds constants, and applies only the
 * simplifications that are exact for every input (x·1, x+0, −(−x), a constant select).
 */
export function op(name: ExprOp, ...rawArgs: ExprLike[]): Expr {
  const info: OpInfo | undefined = typeof name === 'string' && Object.hasOwn(EXPR_OPS, name) ? EXPR_OPS[name] : undefined;
  if (!info) throw new SpikegradError(`surrogate expression: unknown operation ${describeInput(name)}; expected one of ${EXPR_OP_NAMES.join(', ')}`);
  if (rawArgs.length !== info.args.length) {
    throw new SpikegradError(`surrogate expression: '${name}' expected ${info.args.length} argument(s), got ${rawArgs.length}`);
  }
  const args = rawArgs.map(lift);
  args.forEach((a, i) => {
    if (a.type !== info.args[i]) {
      const want = info.args[i] === 'b' ? 'a condition (a comparison)' : 'a number';
      throw new SpikegradError(`surrogate expression: argument ${i + 1} of '${name}' expected ${want}, got ${a.type === 'b' ? 'a condition' : 'a number'}`);
    }
  });
  if (args.every((a) => a.kind === 'num') && info.type === 'f') {
    const v = info.eval(...args.map((a) => (a as NumExpr).value));
    if (!Number.isNaN(v)) return num(v);
  }
  const [a, b] = args as [Expr, Expr];
  switch (name) {
    case 'mul':
      if (isNum(a, 1)) return b;
      if (isNum(b, 1)) return a;
      break;
    case 'add':
      if (isNum(a, 0)) return b;
      if (isNum(b, 0)) return a;
      break;
    case 'sub':
      if (isNum(b, 0)) return a;
      break;
    case 'div':
      if (isNum(b, 1)) return a;
      break;
    case 'neg':
      if (a.kind === 'op' && a.op === 'neg') return a.args[0]!;
      break;
    case 'abs':
      // |−a| = |a|, ||a|| = |a|, |c·a| = |c|·|a|: exact in IEEE arithmetic, and they let σ(z) and σ(−z)
      // share one e^{−|z|}.
      if (a.kind === 'op' && (a.op === 'neg' || a.op === 'abs')) return op('abs', a.args[0]!);
      if (a.kind === 'op' && a.op === 'mul' && a.args[0]!.kind === 'num') return op('mul', Math.abs(a.args[0]!.value), op('abs', a.args[1]!));
      break;
    case 'pow':
      if (b.kind === 'num') return powConst(a, b.value);
      break;
    case 'select': {
      const c = args[0]!;
      if (c.kind === 'op' && c.op === 'not') return op('select', c.args[0]!, args[2]!, args[1]!);
      break;
    }
  }
  if (name === 'select') {
    // A comparison of constants (booleans have no constant node) decides the select now.
    const c = args[0]!;
    if (c.kind === 'op' && c.args.every((e) => e.kind === 'num')) {
      return (EXPR_OPS[c.op] as OpInfo).eval(...c.args.map((e) => (e as NumExpr).value)) ? args[1]! : args[2]!;
    }
    if (args[1]!.key === args[2]!.key) return args[1]!;
  }
  const type = info.type;
  return trusted(Object.freeze({ kind: 'op', op: name, args: Object.freeze(args), type, key: `${name}(${args.map((e) => e.key).join(',')})` }));
}

/** aⁿ for a constant n: small integer powers become products (exact, and valid for a < 0 in WGSL too). */
function powConst(a: Expr, n: number): Expr {
  if (n === 0) return num(1);
  if (n === 1) return a;
  if (Number.isInteger(n) && Math.abs(n) <= 4) {
    const m = Math.abs(n);
    const sq = op('mul', a, a);
    const pos = m === 1 ? a : m === 2 ? sq : m === 3 ? op('mul', sq, a) : op('mul', sq, sq);
    return n > 0 ? pos : op('div', 1, pos);
  }
  if (n === 0.5) return op('sqrt', a);
  return trusted(Object.freeze({ kind: 'op', op: 'pow', args: Object.freeze([a, num(n)]), type: 'f', key: `pow(${a.key},n:${n})` }));
}

/** checkExpr, and the expression must give a number (code generators return numbers, not conditions). */
export function checkNumericExpr(input: unknown, where = 'surrogate expression'): Expr {
  const e = checkExpr(input, where);
  if (e.type !== 'f') throw new SpikegradError(`${where}: expected an expression giving a number, got a condition (${show(e)}); use select(c, a, b)`);
  return e;
}

// --- builder functions: the expression language as plain TypeScript ----------------------------------------------

const un = (name: ExprOp) => (a: ExprLike): Expr => op(name, a);
const bi = (name: ExprOp) => (a: ExprLike, b: ExprLike): Expr => op(name, a, b);

export const neg = un('neg'), abs = un('abs'), sign = un('sign'), exp = un('exp'), log = un('log'), log1p = un('log1p'), expm1 = un('expm1');
export const sqrt = un('sqrt'), sin = un('sin'), cos = un('cos'), atan = un('atan'), tanh = un('tanh'), erfOf = un('erf');
export const floor = un('floor'), fract = un('fract'), exprel = un('exprel');

/**
 * The logistic function 1/(1 + e^{−z}), built so that it cannot overflow: only e^{−|z|} ∈ [0, 1] is computed,
 * and σ(z), σ(−z) (and σ(z)·σ(−z) = σ'(z)) share that one exponential.
 */
export function sigmoid(z: ExprLike): Expr {
  const e = op('exp', op('neg', op('abs', z)));
  const d = op('add', 1, e);
  return op('select', op('ge', z, 0), op('div', 1, d), op('div', e, d));
}

/**
 * σ'(z) = σ(z)·(1 − σ(z)) = e^{−|z|} / (1 + e^{−|z|})²: symmetric, one exponential, no branch, no overflow
 * and no cancellation (1 − σ(z) would lose everything for large z).
 */
export function dsigmoid(z: ExprLike): Expr {
  const e = op('exp', op('neg', op('abs', z)));
  const d = op('add', 1, e);
  return op('div', e, op('mul', d, d));
}
export const min = bi('min'), max = bi('max'), pow = bi('pow');
export const lt = bi('lt'), le = bi('le'), gt = bi('gt'), ge = bi('ge'), eq = bi('eq'), ne = bi('ne');
export const and = bi('and'), or = bi('or'), not = un('not');

/** a + b + … */
export function add(...xs: ExprLike[]): Expr {
  return xs.length === 0 ? num(0) : xs.map(lift).reduce((p, c) => op('add', p, c));
}
/** a · b · … */
export function mul(...xs: ExprLike[]): Expr {
  return xs.length === 0 ? num(1) : xs.map(lift).reduce((p, c) => op('mul', p, c));
}
export const sub = bi('sub'), div = bi('div');
export const square = (a: ExprLike): Expr => op('pow', a, 2);
/** cond ? a : b (both sides evaluated). */
export const select = (cond: Expr, a: ExprLike, b: ExprLike): Expr => op('select', cond, a, b);
export const clamp = (a: ExprLike, lo: ExprLike, hi: ExprLike): Expr => op('min', op('max', a, lo), hi);

/** Σ_{i=lo..hi} term(i), unrolled (lo and hi are integers known when the surrogate is built). */
export function sum(lo: number, hi: number, term: (i: number) => ExprLike): Expr {
  if (!Number.isInteger(lo) || !Number.isInteger(hi)) {
    throw new SpikegradError(`surrogate expression: sum bounds must be integers, got ${lo}..${hi}`);
  }
  if (hi - lo + 1 > MAX_SUM_TERMS) {
    throw new SpikegradError(`surrogate expression: sum over ${lo}..${hi} has ${hi - lo + 1} terms, at most ${MAX_SUM_TERMS} are unrolled`);
  }
  const terms: Expr[] = [];
  for (let i = lo; i <= hi; i++) terms.push(lift(term(i)));
  return add(...terms);
}
export const MAX_SUM_TERMS = 1000;

// --- traversal ---------------------------------------------------------------------------------------------------

/**
 * The distinct operation nodes of `roots` in dependency order (each after its arguments), for code generators
 * that give every node one temporary. Equal subtrees appear once (common subexpressions are computed once).
 */
export function schedule(...roots: Expr[]): OpExpr[] {
  const seen = new Set<string>();
  const order: OpExpr[] = [];
  const visit = (e: Expr): void => {
    if (e.kind !== 'op' || seen.has(e.key)) return;
    seen.add(e.key);
    for (const a of e.args) visit(a);
    order.push(e);
  };
  roots.forEach(visit);
  return order;
}

/** Human-readable infix form (also the canonical text of a custom surrogate in its cache key). */
export function show(e: Expr): string {
  if (e.kind === 'num') return e.value < 0 || Object.is(e.value, -0) ? `(${e.value})` : String(e.value);
  if (e.kind === 'x') return 'x';
  if (e.kind === 'var') return e.name;
  const INFIX: Partial<Record<ExprOp, string>> = {
    add: '+', sub: '-', mul: '*', div: '/', pow: '^', lt: '<', le: '<=', gt: '>', ge: '>=', eq: '==', ne: '!=', and: '&&', or: '||',
  };
  const s = e.args.map(show);
  if (INFIX[e.op]) return `(${s[0]} ${INFIX[e.op]} ${s[1]})`;
  if (e.op === 'neg') return `(-${s[0]})`;
  if (e.op === 'not') return `(!${s[0]})`;
  if (e.op === 'select') return `(${s[0]} ? ${s[1]} : ${s[2]})`;
  return `${e.op}(${s.join(', ')})`;
}
