/**
 * No input is ever executed as code: every entry point that turns an expression tree or a string into JS,
 * WGSL or WebAssembly is fed random trees — valid ones and hostile ones (a `value` that is a string of code, an
 * object with valueOf/toString, a getter; unknown kinds; '__proto__' and 'constructor' as operation names;
 * cycles; inherited fields) — and random strings. Each call must either throw a SpikegradError naming what is
 * wrong, or return a working kernel; and a global canary that any injected code would set stays unset.
 *
 * The bug this catches: a node's `value` pasted into `new Function` source unchecked (issue 11, item 3) — the
 * first property below fails on it within a few runs.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { compileLoop, compileScaledLoop, compileScalar, inlineJs, interpretScalar } from '../../surrogate/compileJs.js';
import { wasmSupports } from '../../surrogate/compileWasm.js';
import { HELPER_SRC, wgslFunction } from '../../surrogate/compileWgsl.js';
import { EXPR_KINDS, EXPR_OP_NAMES, EXPR_OPS, MAX_EXPR_DEPTH, checkExpr, x as X, type Expr } from '../../surrogate/expr.js';
import { parseExpr } from '../../surrogate/parse.js';
import { parseSurrogateSpecs, resolveSurrogates } from '../../train/surrogateSpec.js';
import { describeWebGpu } from '../support/webgpu.js';
import { deviceOf, evalWgsl } from '../support/wgslEval.js';

const CANARY = '__spikegradInjectionCanary';
const g = globalThis as Record<string, unknown>;
const touched = (): boolean => g[CANARY] !== undefined;
const plant = `globalThis.${CANARY} = 1`;

/** Code an attacker would put where a number belongs. */
const PAYLOADS = [
  `(${plant}, 1)`,
  `1; ${plant}; 0`,
  `x) + (${plant}`,
  `1 }; ${plant}; function f() { return 1`,
  `0.5f); ${plant}; (1.0`,
  `1 */ ${plant} /*`,
];

/** A value that runs code when JavaScript converts it, reads it, or prints it. */
function trapObject(): object {
  return {
    valueOf() { g[CANARY] = 'valueOf'; return 1; },
    toString() { g[CANARY] = 'toString'; return PAYLOADS[0]; },
    [Symbol.toPrimitive]() { g[CANARY] = 'toPrimitive'; return 1; },
  };
}

/** A node whose field is a getter (which may answer differently on a second read). */
function withGetter(base: Record<string, unknown>, field: string, value: unknown): object {
  const node = { ...base };
  delete node[field];
  Object.defineProperty(node, field, { enumerable: true, get() { g[CANARY] = `getter ${field}`; return value; } });
  return node;
}

const hostileValue = fc.oneof(
  fc.constantFrom<unknown>(...PAYLOADS, NaN, Infinity, -Infinity, '1', '', null, undefined, true, [], [1], 10n, Symbol('s')),
  fc.constant(null).map(() => trapObject()),
  fc.string(),
);
const HOSTILE_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'eval', 'Function', `add(${plant})`, 'x', 'num', ''];
const opName = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...EXPR_OP_NAMES) }, fc.constantFrom(...HOSTILE_NAMES), fc.string());

/** Random trees: mostly well-formed, with hostile nodes mixed in at random depths. */
const { tree } = fc.letrec<{ tree: unknown; leaf: unknown; opNode: unknown; hostile: unknown }>((tie) => ({
  tree: fc.oneof({ maxDepth: 5, depthIdentifier: 'tree' }, { weight: 3, arbitrary: tie('leaf') }, { weight: 4, arbitrary: tie('opNode') }, tie('hostile')),
  leaf: fc.oneof(
    fc.double({ noNaN: true, min: -1e6, max: 1e6 }).map((value) => ({ kind: 'num', value, type: 'f', key: `n:${value}` })),
    fc.constant({ kind: 'x', type: 'f', key: 'x' }),
    fc.integer({ min: -5, max: 5 }), // a bare number is an ExprLike
  ),
  opNode: fc.tuple(opName, fc.array(tie('tree'), { minLength: 0, maxLength: 3 })).map(([op, args]) => {
    // Mostly the right arity, so deeper nodes get reached.
    const info = Object.hasOwn(EXPR_OPS, op) ? EXPR_OPS[op as keyof typeof EXPR_OPS] : undefined;
    const fixed = info && args.length > 0 ? Array.from({ length: info.args.length }, (_, i) => args[i % args.length]) : args;
    return { kind: 'op', op, args: fixed, type: 'f', key: `k${Math.random()}` };
  }),
  hostile: fc.oneof(
    hostileValue.map((value) => ({ kind: 'num', value, type: 'f', key: 'n:1' })),
    fc.constantFrom('var', 'state', 'call', 'code', '__proto__', 'constructor', 'NUM', ' x', '').map((kind) => ({ kind, value: 1, name: plant, type: 'f', key: 'k' })),
    fc.constantFrom('kind', 'value', 'op', 'args').map((field) =>
      field === 'value' || field === 'kind'
        ? withGetter({ kind: 'num', value: 1, type: 'f', key: 'n:1' }, field, field === 'kind' ? 'num' : PAYLOADS[0])
        : withGetter({ kind: 'op', op: 'abs', args: [X], type: 'f', key: 'abs(x)' }, field, field === 'op' ? 'abs' : [X])),
    // Fields inherited, not own: '__proto__' in JSON makes an own property, Object.create an inherited one.
    fc.constant(null).map(() => JSON.parse(`{"kind":"num","__proto__":{"value":${JSON.stringify(PAYLOADS[0])}},"type":"f","key":"n:1"}`)),
    fc.constant(null).map(() => Object.create({ kind: 'num', value: PAYLOADS[1] }) as object),
    fc.constant(null).map(() => JSON.parse(`{"kind":"op","op":"__proto__","args":[],"type":"f","key":"k"}`)),
    hostileValue,
  ),
}));

/** Every entry point that turns a tree into code, each returning something to run. */
const TREE_ENTRY_POINTS: Record<string, (t: unknown) => () => void> = {
  'surrogate.custom({ grad: tree })': (t) => {
    const s = sg.surrogate.custom({ name: 'Probe', grad: t as Expr });
    return () => expect(typeof s.gradScalar(0.3)).toBe('number');
  },
  'surrogate.custom({ grad: () => tree })': (t) => {
    const s = sg.surrogate.custom({ name: 'Probe', params: { a: 2 }, grad: () => t as Expr });
    return () => expect(typeof s.gradScalar(-0.7)).toBe('number');
  },
  'surrogate.expr.compileScalar': (t) => {
    const f = sg.surrogate.expr.compileScalar(t as Expr);
    return () => expect(typeof f(0.25)).toBe('number');
  },
  'surrogate.expr.op(name, tree)': (t) => {
    const e = sg.surrogate.expr.op('abs', t as Expr);
    return () => expect(typeof compileScalar(e)(1)).toBe('number');
  },
  'surrogate.expr.add/mul/select(tree, ...)': (t) => {
    const { add, mul, select, gt } = sg.surrogate.expr;
    const e = select(gt(X, 0), add(t as Expr, 1), mul(t as Expr, 2));
    return () => expect(typeof compileScalar(e)(1)).toBe('number');
  },
  'surrogate.expr.wgslFunction': (t) => {
    const src = sg.surrogate.expr.wgslFunction(t as Expr, 'probe');
    return () => expectPlainWgsl(src);
  },
  compileLoop: (t) => {
    const f = compileLoop(t as Expr);
    return () => {
      const out = new Float64Array(3);
      f([0, 1, -1], out);
      expect(out.every((v) => typeof v === 'number')).toBe(true);
    };
  },
  compileScaledLoop: (t) => {
    const f = compileScaledLoop(t as Expr);
    return () => f([0, 1], [1, 1], new Float64Array(2));
  },
  inlineJs: (t) => {
    const { code, result } = inlineJs(t as Expr, 'q');
    return () => expect(/^[\w\s.+\-*/<>=!&|?:(),;]*$/.test(`${code} ${result}`)).toBe(true);
  },
  interpretScalar: (t) => {
    const f = interpretScalar(t as Expr, {}, Math.fround);
    return () => expect(typeof f(2)).toBe('number');
  },
  wasmSupports: (t) => {
    const ok = wasmSupports(t as Expr);
    return () => expect(typeof ok).toBe('boolean');
  },
};

/**
 * Generated WGSL holds only identifiers the generator makes (its helpers' own words included), WGSL built-ins,
 * float literals and operators: never a word taken from the input.
 */
const WGSL_WORDS = new Set(['fn', 'let', 'return', 'if', 'f32', 'x', 'x_in', 'probe',
  'abs', 'sign', 'exp', 'log', 'sqrt', 'sin', 'cos', 'atan', 'tanh', 'floor', 'fract', 'pow', 'min', 'max', 'select', 'clamp',
  ...Object.entries(HELPER_SRC).flatMap(([h, src]) => src(`probe_${h}`).replace(/\b\d+(\.\d*)?(e[+-]?\d+)?f?\b/g, ' ').match(/[A-Za-z_]\w*/g) ?? [])]);
function expectPlainWgsl(src: string): void {
  const words = src.replace(/\b\d+(\.\d*)?(e[+-]?\d+)?f?\b/g, ' ').match(/[A-Za-z_]\w*/g) ?? [];
  for (const w of words) if (!/^t\d+$/.test(w)) expect(WGSL_WORDS, `unexpected word '${w}' in\n${src}`).toContain(w);
  expect(src).not.toContain(CANARY);
}

/** Runs `make`, which must either throw a SpikegradError or return a check that passes; never run input. */
function expectErrorOrKernel(make: () => () => void): 'error' | 'kernel' {
  let check: (() => void) | undefined;
  try {
    check = make();
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(sg.SpikegradError);
    expect((e as Error).message.length).toBeGreaterThan(10);
    expect(touched(), `canary set by ${String(g[CANARY])}`).toBe(false);
    return 'error';
  }
  check();
  expect(touched(), `canary set by ${String(g[CANARY])}`).toBe(false);
  return 'kernel';
}

beforeEach(() => { delete g[CANARY]; });
afterEach(() => { delete g[CANARY]; });

describe('hostile expression trees never run as code', () => {
  for (const [name, entry] of Object.entries(TREE_ENTRY_POINTS)) {
    it(`${name}: random trees give a clear error or a working kernel`, () => {
      const seen = { error: 0, kernel: 0 };
      fc.assert(fc.property(tree, (t) => { seen[expectErrorOrKernel(() => entry(t))]++; }), { numRuns: 300, seed: 1101 });
      // Both outcomes happen, so the property is not vacuous.
      expect(seen.error).toBeGreaterThan(10);
      expect(seen.kernel).toBeGreaterThan(10);
    });
  }

  it('a string of code as a num value is refused, naming the node and what it got (was: it ran)', () => {
    const evil = { kind: 'op', op: 'add', args: [X, { kind: 'num', value: PAYLOADS[0], type: 'f', key: 'n:1' }], type: 'f', key: 'k' };
    expect(() => sg.surrogate.expr.compileScalar(evil as unknown as Expr)).toThrow(/compileScalar: node \.args\[1\]\.value expected a finite number, got string/);
    expect(() => sg.surrogate.custom({ name: 'Evil', grad: evil as unknown as Expr })).toThrow(/Evil grad: node \.args\[1\]\.value expected a finite number/);
    expect(touched()).toBe(false);
  });

  it('unknown kinds, prototype names as operations, getters, cycles and deep trees each get their own message', () => {
    const bad = (t: unknown) => () => checkExpr(t, 'here');
    expect(bad({ kind: 'variable', name: 'y' })).toThrow(new RegExp(`here: the expression has kind string "variable"; expected one of ${EXPR_KINDS.map((k) => `'${k}'`).join(', ')}`));
    if ((EXPR_KINDS as readonly string[]).includes('var')) expect(bad({ kind: 'var', name: `y; ${plant}` })).toThrow(/node \.name expected an identifier/);
    else expect(bad({ kind: 'var', name: `y; ${plant}` })).toThrow(/has kind string "var"/);
    expect(bad({ kind: 'op', op: '__proto__', args: [] })).toThrow(/node \.op expected one of neg, abs.*got string "__proto__"/);
    expect(bad({ kind: 'op', op: 'constructor', args: [X] })).toThrow(/got string "constructor"/);
    expect(bad({ kind: 'op', op: 'add', args: [X] })).toThrow(/'add' expected 2 argument\(s\), got 1/);
    expect(bad({ kind: 'op', op: 'and', args: [X, X] })).toThrow(/argument 1 of 'and' expected a condition/);
    expect(bad(withGetter({ kind: 'num', value: 1 }, 'value', 1))).toThrow(/has 'value' as a getter/);
    expect(bad(Object.create({ kind: 'num', value: 1 }))).toThrow(/has kind undefined/);
    const cyc: { kind: string; op: string; args: unknown[] } = { kind: 'op', op: 'abs', args: [] };
    cyc.args.push(cyc);
    expect(bad(cyc)).toThrow(/contains itself/);
    let deep: unknown = X;
    for (let i = 0; i <= MAX_EXPR_DEPTH + 1; i++) deep = { kind: 'op', op: 'neg', args: [deep] };
    expect(bad(deep)).toThrow(/nested deeper than/);
    expect(bad(trapObject())).toThrow(/has kind undefined/);
    expect(touched()).toBe(false);
  });

  it('a well-formed plain-data tree (e.g. from JSON) is rebuilt into the same expression the builders make', () => {
    const { mul, max, sub, abs, x } = sg.surrogate.expr;
    const built = mul(0.3, max(sub(1, abs(x)), 0));
    const fromJson = checkExpr(JSON.parse(JSON.stringify(built)));
    expect(fromJson.key).toBe(built.key);
    expect(checkExpr(built)).toBe(built); // a tree the builders made is taken as it is
    // A shared subtree (a DAG) is checked once per node, not once per path (2^16 paths here).
    let dag: unknown = { kind: 'x' };
    for (let i = 0; i < 16; i++) dag = { kind: 'op', op: 'add', args: [dag, dag] };
    expect(checkExpr(dag).kind).toBe('op');
  });
});

describe('random strings never run as code', () => {
  const strings = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom(...PAYLOADS, ...HOSTILE_NAMES, '__proto__ * x', 'constructor(x)', 'sum(__proto__, 0, 2, __proto__)', 'sum(toString, 0, 1, toString * x)'),
    fc.array(fc.constantFrom('x', '1', '+', '*', '(', ')', 'abs', 'pow', '^', '<=', '==', '&&', '||', '!', '?', ':', ',', 'a', 'pi', 'min', plant), { maxLength: 12 }).map((p) => p.join(' ')));

  it('surrogate.expr.parse and surrogate.custom({ grad: string })', () => {
    const seen = { error: 0, kernel: 0 };
    fc.assert(fc.property(strings, (src) => {
      seen[expectErrorOrKernel(() => {
        const e = parseExpr(src, { a: 2 });
        return () => expect(typeof compileScalar(e)(0.5)).toBe('number');
      })]++;
      expectErrorOrKernel(() => {
        const s = sg.surrogate.custom({ name: 'Probe', params: { a: 2 }, grad: src });
        return () => expect(typeof s.gradScalar(0.5)).toBe('number');
      });
    }), { numRuns: 500, seed: 1102 });
    expect(seen.error).toBeGreaterThan(10);
    expect(seen.kernel).toBeGreaterThan(0);
  });

  it("the CLI's --surrogates parser", () => {
    const catalog = sg.surrogate.CLASSES as unknown as Parameters<typeof resolveSurrogates>[1];
    const specs = fc.oneof(strings, fc.array(fc.tuple(fc.constantFrom('Sigmoid', 'relugrad', 'all', ...HOSTILE_NAMES), fc.array(fc.tuple(fc.constantFrom('alpha', 'w', ...HOSTILE_NAMES), fc.constantFrom('1', '8', 'NaN', PAYLOADS[0]!)), { maxLength: 2 })), { minLength: 1, maxLength: 3 })
      .map((list) => list.map(([n, ps]) => [n, ...ps.map(([k, v]) => `${k}=${v}`)].join(':')).join(',')));
    fc.assert(fc.property(specs, (text) => {
      expectErrorOrKernel(() => {
        const entries = resolveSurrogates(parseSurrogateSpecs(text), catalog);
        return () => entries.forEach((e) => expect(typeof (e.surrogate as { gradScalar(x: number): number }).gradScalar(0)).toBe('number'));
      });
    }), { numRuns: 300, seed: 1103 });
  });
});

describeWebGpu('hostile trees on WebGPU: what wgslFunction returns compiles and runs', (gpu) => {
  it('every accepted random tree gives WGSL the GPU compiles, agreeing with the JS interpreter where finite', async () => {
    const accepted: Expr[] = [];
    fc.assert(fc.property(tree, (t) => {
      try {
        accepted.push(checkExpr(t));
      } catch (e) {
        expect(e).toBeInstanceOf(sg.SpikegradError);
      }
    }), { numRuns: 200, seed: 1104 });
    const usable = accepted.filter((e) => e.type === 'f').slice(0, 40);
    expect(usable.length).toBeGreaterThan(10);
    const fns = usable.map((e, k) => ({ fnName: `probe${k}`, code: wgslFunction(e, `probe${k}`) }));
    const xs = new Float32Array([-2, -0.5, 0, 0.5, 2]);
    const out = await evalWgsl(deviceOf(gpu), fns, xs);
    usable.forEach((e, k) => {
      const f = interpretScalar(e, {}, Math.fround);
      xs.forEach((xv, i) => {
        const want = f(xv), got = out[k]![i]!;
        if (Number.isFinite(want) && Math.abs(want) < 1e30) expect(Math.abs(got - want), `${sg.surrogate.expr.show(e)} at ${xv}`).toBeLessThanOrEqual(1e-3 * (1 + Math.abs(want)));
      });
    });
    expect(touched()).toBe(false);
  });
});
