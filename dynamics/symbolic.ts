/**
 * Symbolic operations on expression trees (surrogate/expr.ts) for the neuron generators: reverse-mode
 * differentiation (the backward kernels are the derivative of the declared step, never written by hand),
 * substitution of variables, and binding of parameter values with constant folding in the tensors' precision.
 */
import { rounderFor } from '../engine/dtype.js';
import { SpikegradError } from '../engine/errors.js';
import { EXPR_OPS, num, op, schedule, show, variable, type Expr, type ExprOp, type NumExpr } from '../surrogate/expr.js';
import { exprel as exprelIn } from '../nn/expEuler.js';

/**
 * Σ_i seed_i · ∂root_i/∂v for every variable v the roots depend on (reverse mode over the shared DAG: each
 * node's adjoint is complete before it is propagated). Comparisons and logic carry no gradient; `select`
 * sends the adjoint to the branch taken; max/min send ties to their first argument (as the tensor ops do).
 */
export function gradients(pairs: readonly (readonly [Expr, Expr])[]): Map<string, Expr> {
  const adj = new Map<string, Expr>();
  const acc = (e: Expr, g: Expr): void => {
    if (e.kind === 'num' || e.kind === 'x') return;
    const prev = adj.get(e.key);
    adj.set(e.key, prev ? op('add', prev, g) : g);
  };
  for (const [root, seed] of pairs) acc(root, seed);
  const order = schedule(...pairs.map((p) => p[0]));
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i]!;
    const g = adj.get(n.key);
    if (!g || n.type !== 'f') continue;
    const [a, b, c] = n.args as [Expr, Expr, Expr];
    switch (n.op as ExprOp) {
      case 'neg': acc(a, op('neg', g)); break;
      case 'abs': acc(a, op('mul', g, op('select', op('gt', a, 0), 1, op('select', op('lt', a, 0), -1, 0)))); break;
      case 'exp': acc(a, op('mul', g, n)); break;
      case 'expm1': acc(a, op('mul', g, op('exp', a))); break;
      case 'exprel': acc(a, op('mul', g, dexprel(a))); break;
      case 'log': acc(a, op('div', g, a)); break;
      case 'log1p': acc(a, op('div', g, op('add', 1, a))); break;
      case 'sqrt': acc(a, op('div', g, op('mul', 2, n))); break;
      case 'sin': acc(a, op('mul', g, op('cos', a))); break;
      case 'cos': acc(a, op('neg', op('mul', g, op('sin', a)))); break;
      case 'tanh': acc(a, op('mul', g, op('sub', 1, op('mul', n, n)))); break;
      case 'add': acc(a, g); acc(b, g); break;
      case 'sub': acc(a, g); acc(b, op('neg', g)); break;
      case 'mul': acc(a, op('mul', g, b)); acc(b, op('mul', g, a)); break;
      case 'div': acc(a, op('div', g, b)); acc(b, op('neg', op('div', op('mul', g, n), b))); break;
      case 'pow':
        acc(a, op('mul', g, op('mul', b, op('pow', a, op('sub', b, 1)))));
        if (b.kind !== 'num') acc(b, op('mul', g, op('select', op('eq', a, 0), 0, op('mul', n, op('log', op('abs', a))))));
        break;
      case 'max': {
        const aWins = op('ge', a, b);
        acc(a, op('select', aWins, g, 0));
        acc(b, op('select', aWins, 0, g));
        break;
      }
      case 'min': {
        const aWins = op('le', a, b);
        acc(a, op('select', aWins, g, 0));
        acc(b, op('select', aWins, 0, g));
        break;
      }
      case 'select': acc(b, op('select', a, g, 0)); acc(c, op('select', a, 0, g)); break;
      default: break; // floor, fract, sign, atan, erf never reach here (declaration.ts rejects them)
    }
  }
  const out = new Map<string, Expr>();
  const vars = new Set<string>();
  const collect = (e: Expr): void => {
    if (e.kind === 'var') vars.add(e.name);
  };
  for (const [root] of pairs) collect(root);
  for (const n of order) n.args.forEach(collect);
  for (const v of vars) {
    const g = adj.get(`v:${v}`);
    if (g) out.set(v, g);
  }
  return out;
}

/**
 * d/dz exprel(z) = (e^z(z − 1) + 1)/z², with its Taylor series Σ n·zⁿ⁻¹/(n+1)! (to z⁷) where |z| <= 0.1: the
 * closed form cancels there (float32 would keep few digits), the series' next term is below 1e−14.
 */
function dexprel(z: Expr): Expr {
  let series: Expr = num(0);
  let fact = 1;
  for (let n = 8; n >= 1; n--) {
    fact = 1;
    for (let k = 2; k <= n + 1; k++) fact *= k;
    series = op('add', op('mul', series, z), n / fact);
  }
  const closed = op('div', op('add', op('mul', op('exp', z), op('sub', z, 1)), 1), op('mul', z, z));
  return op('select', op('le', op('abs', z), 0.1), series, closed);
}

/** e with variables replaced (names missing from `to` stay). Subtrees are rebuilt through op(), so they fold. */
export function substitute(e: Expr, to: ReadonlyMap<string, Expr>): Expr {
  const memo = new Map<string, Expr>();
  const walk = (n: Expr): Expr => {
    const hit = memo.get(n.key);
    if (hit) return hit;
    let r: Expr;
    if (n.kind === 'var') r = to.get(n.name) ?? n;
    else if (n.kind === 'op') r = op(n.op, ...n.args.map(walk));
    else r = n;
    memo.set(n.key, r);
    return r;
  };
  return walk(e);
}

/**
 * Products by constants merged, for the backward trees (float64, unrounded): x/c → x·(1/c), (x·a)·b → x·(a·b),
 * −(x·c) → x·(−c), x + x·c → x·(1 + c). The adjoint of a linear drift becomes one product per use (LIF's
 * S̄' = ḡ·(1 − coef/τ)) instead of a product, a quotient, a negation and a sum per step; the result moves by
 * float64 roundings (~1e−16 relative), far below the float32 the gradients are stored in. Not for forward
 * trees, whose float order is the step mode's.
 */
export function foldScales(e: Expr): Expr {
  const scaled = (n: Expr): [Expr, number] | null => {
    if (n.kind !== 'op' || n.op !== 'mul') return null;
    const [a, b] = n.args as [Expr, Expr];
    return b.kind === 'num' ? [a, b.value] : a.kind === 'num' ? [b, a.value] : null;
  };
  const times = (x: Expr, c: number): Expr => {
    const inner = scaled(x);
    return inner ? op('mul', inner[0], inner[1] * c) : op('mul', x, c);
  };
  const finite = (v: number) => Number.isFinite(v) && v !== 0;
  return rebuild(e, (n, args) => {
    const [a, b] = args as [Expr, Expr];
    if (n.op === 'mul' && (a.kind === 'num' || b.kind === 'num')) return a.kind === 'num' ? times(b, a.value) : times(a, (b as NumExpr).value);
    if (n.op === 'div' && b.kind === 'num' && finite(b.value) && finite(1 / b.value)) return times(a, 1 / b.value);
    const sa = scaled(a), sb = b ? scaled(b) : null;
    if (n.op === 'neg' && sa) return times(sa[0], -sa[1]);
    if (n.op === 'add' && sb && sb[0].key === a.key) return times(a, 1 + sb[1]);
    if (n.op === 'add' && sa && sa[0].key === b.key) return times(b, 1 + sa[1]);
    return op(n.op, ...args);
  });
}

export type FloatDType = 'float32' | 'float64';

/**
 * Replaces the parameters (and dt) by their values rounded to `dtype` and folds every subtree that no longer
 * depends on a variable, rounding each operation's result to `dtype`: the constants are what the step-mode
 * tensor ops would compute from the rounded parameters (exprel as nn/expEuler.ts, saiunit's Taylor branch).
 */
export function bindConstants(e: Expr, values: ReadonlyMap<string, number>, dtype: FloatDType): Expr {
  const fr = rounderFor(dtype);
  const memo = new Map<string, Expr>();
  const walk = (n: Expr): Expr => {
    const hit = memo.get(n.key);
    if (hit) return hit;
    let r: Expr;
    if (n.kind === 'num' || (n.kind === 'var' && values.has(n.name))) {
      const v = fr(n.kind === 'num' ? n.value : values.get(n.name)!);
      if (!Number.isFinite(v)) throw new SpikegradError(`'${show(n)}' is ${v} in ${dtype} (beyond its range)`);
      r = num(v);
    } else if (n.kind === 'var') r = n;
    else if (n.kind === 'x') r = n;
    else {
      const args = n.args.map(walk);
      if (n.type === 'f' && args.every((a) => a.kind === 'num')) {
        const vs = args.map((a) => (a as NumExpr).value);
        const v = fr(n.op === 'exprel' ? exprelIn(vs[0]!, dtype) : (EXPR_OPS[n.op].eval as (...a: number[]) => number)(...vs));
        if (!Number.isFinite(v)) {
          throw new SpikegradError(`the constant '${show(n)}' is ${v} in ${dtype} for these parameter values (a constant must be finite)`);
        }
        r = num(v);
      } else r = op(n.op, ...args);
    }
    memo.set(n.key, r);
    return r;
  };
  return walk(e);
}

/**
 * exprel(z) of a state-dependent z as the primitive operations every backend and step mode compute alike:
 * |z| <= small ? 1 + z/2 + z·z/6 : expm1(z)/z (small = 1e−4 in float32, 1e−8 in float64, as nn/expEuler.ts).
 */
export function expandExprel(e: Expr, dtype: FloatDType): Expr {
  const small = dtype === 'float32' ? 1e-4 : 1e-8;
  return rebuild(e, (n, args) => {
    if (n.op !== 'exprel') return op(n.op, ...args);
    const z = args[0]!;
    const taylor = op('add', op('add', 1, op('div', z, 2)), op('div', op('mul', z, z), 6));
    return op('select', op('le', op('abs', z), small), taylor, op('div', op('expm1', z), z));
  });
}

/**
 * e rebuilt bottom-up: each operation node from its rebuilt arguments by `node` (each distinct subtree once);
 * numbers and variables stay.
 */
function rebuild(e: Expr, node: (n: Expr & { kind: 'op' }, args: Expr[]) => Expr): Expr {
  const memo = new Map<string, Expr>();
  const walk = (n: Expr): Expr => {
    const hit = memo.get(n.key);
    if (hit) return hit;
    const r = n.kind === 'op' ? node(n, n.args.map(walk)) : n;
    memo.set(n.key, r);
    return r;
  };
  return walk(e);
}

export { variable };
