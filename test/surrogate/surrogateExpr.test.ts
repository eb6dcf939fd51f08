/**
 * The surrogate expression language: parsing (precedence, errors), folding and sharing of subexpressions,
 * and the agreement of its evaluators (compiled JS, closure interpreter, the op table's float64 meaning)
 * on random expressions.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as sg from '../../index.js';
import { compileLoop, compileScalar, interpretScalar } from '../../surrogate/compileJs.js';
import { wgslF32, wgslFunction } from '../../surrogate/compileWgsl.js';
import { EXPR_OPS, dsigmoid, op, schedule, show, sigmoid, x, type Expr, type ExprOp } from '../../surrogate/expr.js';
import { parseExpr } from '../../surrogate/parse.js';

const at = (src: string, v: number, params: Record<string, number> = {}) => compileScalar(parseExpr(src, params))(v);

describe('parsing', () => {
  const cases: [string, number, number][] = [
    ['-x^2', 3, -9],
    ['2^3^2', 0, 512],
    ['x**2', -3, 9],
    ['2*x + 3/4 - -1', 1, 3.75],
    ['(1 + x) * (1 - x)', 0.5, 0.75],
    ['1e-3 * x + .5', 2, 0.502],
    ['x < 1 ? 2 : 3', 1, 3],
    ['x <= 1 ? 2 : 3', 1, 2],
    ['x > 0 && x < 1 ? 1 : 0', 0.5, 1],
    ['x < 0 || x > 1 ? 1 : 0', 0.5, 0],
    ['!(x < 0) ? 1 : 0', 0, 1],
    ['x == 2 ? 1 : x != 3 ? 2 : 4', 3, 4],
    ['x < 0 ? -1 : x < 1 ? 0 : 1', 0.5, 0],
    ['sum(i, 1, 3, i*x)', 2, 12],
    ['sum(i, 1, 2, sum(j, 1, 2, i*j)) + x', 0, 9],
    ['sum(i, 3, 2, i)', 0, 0],
    ['clamp(x, -1, 1)', 5, 1],
    ['where(x > 0, x, 0)', -2, 0],
    ['pi * e', 0, Math.PI * Math.E],
    ['min(x, 2) + max(x, 2) + pow(x, 3)', 1, 1 + 2 + 1],
    ['abs(x) + sign(x) + floor(x) + fract(x)', -1.25, 1.25 - 1 - 2 + 0.75],
    ['exp(x) + log(x) + log1p(x) + sqrt(x)', 2, Math.exp(2) + Math.log(2) + Math.log1p(2) + Math.SQRT2],
    ['sin(x) + cos(x) + atan(x) + tanh(x)', 0.7, Math.sin(0.7) + Math.cos(0.7) + Math.atan(0.7) + Math.tanh(0.7)],
    ['sigmoid(x) + erf(x)', 0.5, 1 / (1 + Math.exp(-0.5)) + 0.5204998778130465],
    ['dsigmoid(x)', -2, Math.exp(-2) / (1 + Math.exp(-2)) ** 2],
  ];
  for (const [src, v, want] of cases) it(`${src} at x = ${v}`, () => expect(at(src, v)).toBeCloseTo(want, 13));

  it('substitutes parameters, which shadow nothing but the constants', () => {
    expect(at('alpha * x + beta', 2, { alpha: 3, beta: 1 })).toBe(7);
    expect(at('e * x', 2, { e: 10 })).toBe(20);
  });

  const errors: [string, RegExp][] = [
    ['x * alhpa', /unknown name 'alhpa' \(known: x, alpha, pi, e\) at position 4/],
    ['foo(x)', /unknown function 'foo'/],
    ['min(x)', /min\(\) takes 2 argument\(s\), got 1/],
    ['(x + 1', /expected '\)', found 'end of input'/],
    ['x + 1)', /unexpected '\)'/],
    ['x $ 1', /unexpected character at position 2/],
    ['x < 1', /is a condition; it must give a number/],
    ['x + (x < 1)', /argument 2 of 'add' expected a number, got a condition/],
    ['where(x, 1, 2)', /argument 1 of 'select' expected a condition/],
    ['sum(i, 1, x, i)', /upper bound of sum\(\) must be an integer known without x/],
    ['sum(i, 1, 5000, i*x)', /at most 1000 are unrolled/],
    ['sum(x, 1, 2, x)', /expected an index name/],
  ];
  for (const [src, msg] of errors) {
    it(`rejects '${src}' with a SpikegradError`, () => {
      expect(() => parseExpr(src, { alpha: 1 })).toThrow(sg.SpikegradError);
      expect(() => parseExpr(src, { alpha: 1 })).toThrow(msg);
    });
  }
  it('points at the error with a caret', () => {
    expect(() => parseExpr('x * alhpa', { alpha: 1 }, 'Mine grad')).toThrow(/^Mine grad: unknown name 'alhpa'.*in 'x \* alhpa'\n {7}\^$/s);
  });
});

describe('folding and sharing', () => {
  it('folds parameter-only subexpressions into one constant', () => {
    const e = parseExpr('alpha * 0.5 / (1 + (pi/2*alpha*x)^2)', { alpha: 2 });
    expect(schedule(e).map((n) => n.op)).toEqual(['mul', 'mul', 'add', 'div']); // π·x, its square, 1 + …, 1/…
  });
  it('σ(z)·σ(−z) costs one exponential: |c·x| = |c|·|x| and |−a| = |a| are recognised', () => {
    const e = parseExpr('alpha * sigmoid(alpha*x) * sigmoid(-alpha*x)', { alpha: 4 });
    expect(schedule(e).filter((n) => n.op === 'exp')).toHaveLength(1);
    const want = 4 / (1 + Math.exp(-1.2)) / (1 + Math.exp(1.2));
    expect(compileScalar(e)(0.3)).toBeCloseTo(want, 15);
    const d = parseExpr('alpha * dsigmoid(alpha*x)', { alpha: 4 });
    expect(schedule(d).map((n) => n.op)).toEqual(['abs', 'mul', 'neg', 'exp', 'add', 'mul', 'div', 'mul']);
    expect(compileScalar(d)(0.3)).toBeCloseTo(want, 15);
    expect(compileScalar(d)(-0.3)).toBeCloseTo(want, 15);
  });
  it('computes a repeated subexpression once', () => {
    const e = parseExpr('exp(-abs(x)) * exp(-abs(x)) + abs(x)');
    expect(schedule(e).map((n) => n.op)).toEqual(['abs', 'neg', 'exp', 'mul', 'add']);
  });
  it('turns small integer powers into products and keeps the rest', () => {
    expect(show(parseExpr('x^2'))).toBe('(x * x)');
    expect(show(parseExpr('x^-1'))).toBe('(1 / x)');
    expect(show(parseExpr('x^-3'))).toBe('(1 / ((x * x) * x))');
    expect(show(parseExpr('x^0.5'))).toBe('sqrt(x)');
    expect(show(parseExpr('x^2.5'))).toBe('(x ^ 2.5)');
    expect(show(parseExpr('x^1'))).toBe('x');
  });
  it('simplifies only exactly: x·1 and x + 0 go, x·0 stays (it is NaN for x = NaN)', () => {
    expect(show(parseExpr('x*1 + 0'))).toBe('x');
    expect(show(parseExpr('x*0'))).toBe('(x * 0)');
  });
});

describe('evaluators agree', () => {
  const UNARY: ExprOp[] = ['neg', 'abs', 'sign', 'exp', 'log1p', 'sin', 'cos', 'atan', 'tanh', 'erf', 'floor', 'fract'];
  const BINARY: ExprOp[] = ['add', 'sub', 'mul', 'div', 'min', 'max'];
  const CMP: ExprOp[] = ['lt', 'le', 'gt', 'ge', 'eq', 'ne'];
  const { expr: arb } = fc.letrec<{ expr: Expr }>((tie) => ({
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant(x as Expr),
      fc.double({ min: -4, max: 4, noNaN: true }).map((v) => op('add', x, v)),
      fc.tuple(fc.constantFrom(...UNARY), tie('expr')).map(([o, a]) => op(o, a)),
      tie('expr').map((a) => sigmoid(a)),
      tie('expr').map((a) => dsigmoid(a)),
      fc.tuple(fc.constantFrom(...BINARY), tie('expr'), tie('expr')).map(([o, a, b]) => op(o, a, b)),
      fc.tuple(fc.constantFrom(...CMP), tie('expr'), tie('expr'), tie('expr'), tie('expr')).map(([o, a, b, c, d]) => op('select', op(o, a, b), c, d)),
    ),
  }));
  /** The op table's own float64 meaning, recursively: the definition the generated code must reproduce. */
  const direct = (e: Expr, v: number): number => (e.kind === 'num' ? e.value : e.kind !== 'op' ? v : (EXPR_OPS[e.op].eval as (...a: number[]) => number)(...e.args.map((a) => direct(a, v))));
  const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)) || a === b;

  it('compiled JS = closure interpreter = op-table meaning, on random expressions', () => {
    fc.assert(fc.property(arb, fc.double({ min: -10, max: 10, noNaN: true }), (e, v) => {
      if (e.type !== 'f') return;
      const want = direct(e, v);
      expect(same(compileScalar(e)(v), want)).toBe(true);
      expect(same(interpretScalar(e)(v), want)).toBe(true);
      const out = new Float64Array(1);
      compileLoop(e)([v], out);
      expect(same(out[0]!, want)).toBe(true);
    }), { numRuns: 400 });
  });
  it('show() parses back to the same expression', () => {
    fc.assert(fc.property(arb, (e) => {
      if (e.type !== 'f') return;
      expect(parseExpr(show(e)).key).toBe(e.key);
    }), { numRuns: 300 });
  });

  afterEach(() => vi.unstubAllGlobals());
  it('falls back to the interpreter where eval is forbidden (strict CSP)', () => {
    vi.stubGlobal('Function', function forbidden() { throw new EvalError('Refused to evaluate a string as JavaScript (CSP)'); });
    const e = parseExpr('alpha * sigmoid(alpha*x) * sigmoid(-alpha*x)', { alpha: 4 });
    const f = compileScalar(e);
    vi.unstubAllGlobals();
    expect(f.name).not.toBe('surrogate'); // the compiled function is named 'surrogate'; this is the interpreter
    expect(f(0.3)).toBe(compileScalar(e)(0.3));
    expect(compileScalar(e).name).toBe('surrogate');
  });
});

describe('WGSL generation', () => {
  it('writes float32 literals that round-trip exactly and stay within range', () => {
    fc.assert(fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (v) => {
      const lit = wgslF32(v);
      const num = Number(lit.replace(/[()f]/g, ''));
      const r = Math.fround(v);
      expect(Math.abs(num)).toBeLessThanOrEqual(3.4028234663852886e38);
      expect(Math.fround(num)).toBe(Math.abs(r) < 1.1754943508222875e-38 ? 0 : r);
    }));
    expect(wgslF32(3.4028234663852886e38)).toBe('3.4028234663852886e+38f');
    expect(wgslF32(0.5)).toBe('0.5f');
    expect(wgslF32(4)).toBe('4.0f');
    expect(() => wgslF32(1e39)).toThrow(/outside the float32 range/);
  });
  it('names helpers after the function, so several surrogates share one shader', () => {
    const src = wgslFunction(parseExpr('erf(x) + log1p(abs(x))'), 'my_grad');
    expect(src).toMatch(/fn my_grad_erf\(/);
    expect(src).toMatch(/fn my_grad_log1p\(/);
    expect(src).toMatch(/fn my_grad\(x_in: f32\) -> f32 \{\n {2}let x = clamp\(x_in/);
  });
  it('rejects function names that are not plain WGSL identifiers', () => {
    for (const bad of ['f32', '1abc', 'a-b', '__x', 'vec4f', 'let']) expect(() => wgslFunction(x, bad), bad).toThrow(/expected a WGSL identifier/);
  });
});
