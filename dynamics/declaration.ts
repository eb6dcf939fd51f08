/**
 * A neuron model as data (docs/dynamics.md): states with units and initial values, parameters with units and
 * defaults, the per-step update in its exact float order, the spike condition (through the layer's surrogate),
 * the reset by the previous spike. `declareNeuron` validates every field and every expression node before any
 * code exists, and returns the checked model every kernel is generated from (dynamics/bind.ts, codegenJs.ts,
 * codegenWgsl.ts, step.ts). Nothing in a declaration is ever executed: strings are parsed into expression
 * trees (surrogate/parse.ts), trees are rebuilt node by node from their fields, and the generators emit code
 * only from those rebuilt trees, naming every variable themselves.
 *
 * One step, as brainpy.state's neurons compute it (docs/numerics.md §1):
 *   1. spike = H(u(S)): the spike of the previous states (through the surrogate; not detached unless asked);
 *   2. reset, per state with a rule: to: S − (stop_gradient(S) − value)·spike; add: S + value·spike;
 *      subtract: S − value·spike;
 *   3. the update assignments, in order, each reading the latest values (the states, the parameters, the input,
 *      dt and `spike`); `{ expEuler: f }` is brainstate's exp_euler_step: S + (dt·exprel(dt·∂f/∂S))·f;
 *   4. output H(u(S_new)).
 */
import { SpikegradError, describeValue } from '../engine/errors.js';
import { EXPR_OPS, num, op, show, variable, type Expr, type ExprOp } from '../surrogate/expr.js';
import { parseExpr } from '../surrogate/parse.js';
import type { Unit } from '../units/index.js';
import { UNITLESS, ms } from '../units/index.js';
import { gradients } from './symbolic.js';
import { isDimensionless, parseUnit, sameUnit } from './units.js';

/** An expression: text in the declared names, or a tree built with surrogate.expr (variables via `variable`). */
export type ExprSource = string | Expr;

/** A declared neuron state: its unit and initial value. */
export interface StateDeclaration {
  /** Unit text ('mV'); states without one are not unit-checked. */
  unit?: string;
  /** Initial value in that unit (default 0); the layer's `<name>Initializer` option overrides it. */
  init?: number;
}

/** A declared neuron parameter: its unit, default, and whether it must be positive. */
export interface ParamDeclaration {
  unit?: string;
  default: number;
  /** The value must be > 0 (time constants). */
  positive?: boolean;
}

/**
 * A new value, or brainstate's exponential-Euler step of a drift; `when` (a condition) keeps the old value
 * where it is false (refractory periods: `when: 'since >= tau_ref'`). `add` is added after the exp-Euler step,
 * in that float order: an impulse input, as brainpy.state's synapses (Expon: g ← exp_euler_step(−g/τ, g); g ← g + x).
 */
export type UpdateRule = ExprSource | { value: ExprSource; when?: ExprSource } | { expEuler: ExprSource; add?: ExprSource; when?: ExprSource };
/** What a spike does to a state: set it to a value, add to it, or subtract from it. */
export type ResetRule = { to: ExprSource } | { add: ExprSource } | { subtract: ExprSource };

/** A neuron model as data, for `nn.defineNeuron`: states and parameters with units, the per-step update in float order, the spike condition and the reset (docs/dynamics.md). */
export interface NeuronDeclaration {
  /** The layer's class name, an identifier: 'Izhikevich'. */
  name: string;
  /** The input's name in expressions (default 'I') and unit. */
  input?: { name?: string; unit?: string };
  states: Record<string, StateDeclaration>;
  params?: Record<string, ParamDeclaration>;
  /** state → new value, in float order (object order); states without a rule keep their value. */
  update: Record<string, UpdateRule>;
  /** u(states, params): the neuron spikes where u >= 0; the surrogate's derivative is taken at u. */
  spike: ExprSource;
  /** state → its reset by the previous spike. */
  reset?: Record<string, ResetRule>;
  /** Default of the layer's `detachReset` (no gradient through the previous spike); default false (brainpy). */
  detachReset?: boolean;
}

export type ResetMode = 'to' | 'add' | 'subtract';

/** The checked model: every expression rebuilt from validated nodes, in the declared names. */
export interface NeuronModel {
  readonly name: string;
  readonly input: { readonly name: string; readonly unit: string | null };
  readonly states: readonly { readonly name: string; readonly unit: string | null; readonly init: number }[];
  readonly params: readonly { readonly name: string; readonly unit: string | null; readonly default: number; readonly positive: boolean }[];
  /** In order: state ← expression of the states (as updated so far), params, input, dt, spike. */
  readonly update: readonly { readonly state: string; readonly expr: Expr }[];
  readonly spike: Expr;
  /** The value is an expression of params and dt only. */
  readonly reset: readonly { readonly state: string; readonly mode: ResetMode; readonly value: Expr }[];
  readonly detachReset: boolean;
  /** The declaration, normalised to JSON-compatible data (expressions as text). */
  readonly declaration: NeuronDeclaration;
  /** A stable text of the whole model (the kernels' cache key). */
  readonly key: string;
}

/** The time step's name in expressions (ms). */
export const DT = 'dt';
/** The previous spike's name in update expressions. */
export const SPIKE = 'spike';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = new Set([DT, SPIKE, 'pi', 'e', 'x', 'clamp', 'where', 'sum', 'sigmoid', 'dsigmoid', ...Object.keys(EXPR_OPS),
  'constructor', 'prototype', '__proto__', 'toString', 'valueOf', 'hasOwnProperty']);
/** Operations a neuron step may not use: no derivative (floor, fract, sign) or no tensor op for step mode (atan, erf). */
const FORBIDDEN: ReadonlySet<ExprOp> = new Set(['floor', 'fract', 'sign', 'atan', 'erf']);
/** Bounds on expression size (a declaration is data from anywhere: no stack overflow, no runaway codegen). */
const MAX_NODES = 20000, MAX_DEPTH = 400;

/**
 * The public entry named in errors ('defineNeuron' or 'defineSynapse'): both validate through the same
 * functions below, and validation is synchronous, so the declaring call sets it for its duration.
 */
let who = 'defineNeuron';

function fail(field: string, msg: string): never {
  throw new SpikegradError(`${who}: ${field}: ${msg}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function onlyKeys(field: string, v: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(v)) if (!allowed.includes(k)) fail(field, `unknown key '${k}' (expected ${allowed.join(', ')})`);
}

function finiteNumber(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > 3.4028234663852886e38) fail(field, `expected a finite number, got ${describeValue(v)}`);
  return v;
}

/**
 * Rebuilds an expression tree from its fields, checking every node: an object of a known kind, finite numbers,
 * variables from `names`, operations of the language with the right number of arguments, none of the
 * forbidden ones, bounded size and depth. The result is made only of the language's own frozen nodes.
 */
export function rebuildExpr(raw: unknown, names: ReadonlySet<string>, field: string): Expr {
  let count = 0;
  const walk = (n: unknown, depth: number): Expr => {
    if (++count > MAX_NODES) fail(field, `the expression has more than ${MAX_NODES} nodes`);
    if (depth > MAX_DEPTH) fail(field, `the expression is nested deeper than ${MAX_DEPTH}`);
    if (!isRecord(n)) fail(field, `expected an expression node, got ${describeValue(n)}`);
    switch (n.kind) {
      case 'num': return num(finiteNumber(field, n.value));
      case 'var': {
        if (typeof n.name !== 'string' || !names.has(n.name)) fail(field, `unknown name ${JSON.stringify(n.name)} (known: ${[...names].join(', ')})`);
        return variable(n.name as string);
      }
      case 'op': {
        const name = n.op;
        if (typeof name !== 'string' || !Object.hasOwn(EXPR_OPS, name)) fail(field, `unknown operation ${JSON.stringify(name)}`);
        if (FORBIDDEN.has(name as ExprOp)) fail(field, `'${name}' is not allowed in a neuron step (it has no derivative or no tensor op; a step must be differentiable)`);
        const info = EXPR_OPS[name as ExprOp];
        if (!Array.isArray(n.args) || n.args.length !== info.args.length) fail(field, `'${name}' expected ${info.args.length} argument(s)`);
        try {
          return op(name as ExprOp, ...(n.args as unknown[]).map((a) => walk(a, depth + 1)));
        } catch (e) {
          if (e instanceof SpikegradError && !e.message.startsWith(who)) fail(field, e.message);
          throw e;
        }
      }
      case 'x': return fail(field, "'x' is the surrogate's variable; a neuron uses its declared names");
      default: return fail(field, `unknown expression node kind ${describeValue(n.kind)}`);
    }
  };
  return walk(raw, 0);
}

function readCondition(src: unknown, names: ReadonlySet<string>, field: string): Expr {
  const tree = typeof src === 'string' ? parseCondition(src, names, field) : src;
  if (!isRecord(tree)) fail(field, `expected a condition such as 'since >= tau_ref', got ${describeValue(src)}`);
  const e = rebuildExpr(tree, names, field);
  if (e.type !== 'b') fail(field, "expected a condition (a comparison such as 'since >= tau_ref'), got a number");
  return e;
}

/** A condition's text: parsed as `c ? 1 : 0` (the parser returns numbers only), the condition taken back out. */
function parseCondition(src: string, names: ReadonlySet<string>, field: string): Expr {
  const e = parseExpr(`(${src}) ? 1 : 0`, {}, `${who}: ${field}`, { variables: [...names] });
  if (e.kind === 'op' && e.op === 'select') return e.args[0]!;
  return fail(field, `expected a condition such as 'since >= tau_ref', got '${src}'`);
}

function readExpr(src: unknown, names: ReadonlySet<string>, field: string): Expr {
  let tree: unknown = src;
  if (typeof src === 'string') {
    try {
      tree = parseExpr(src, {}, `${who}: ${field}`, { variables: [...names] });
    } catch (e) {
      if (e instanceof SpikegradError) throw e;
      throw e;
    }
  } else if (!isRecord(src)) {
    fail(field, `expected an expression (text such as 'V - V_th', or a surrogate.expr tree), got ${describeValue(src)}`);
  }
  const e = rebuildExpr(tree, names, field);
  if (e.type !== 'f') fail(field, 'the expression is a condition; it must give a number (use c ? a : b)');
  return e;
}

/** The free variables of a tree. */
export function varsOf(e: Expr, out = new Set<string>()): Set<string> {
  const seen = new Set<string>();
  const walk = (n: Expr): void => {
    if (seen.has(n.key)) return;
    seen.add(n.key);
    if (n.kind === 'var') out.add(n.name);
    else if (n.kind === 'op') n.args.forEach(walk);
  };
  walk(e);
  return out;
}

// --- units ---------------------------------------------------------------------------------------------------

type U = Unit | null; // null: not determined (an unannotated name, or a bare number, which takes any unit)

function unitCheck(e: Expr, units: ReadonlyMap<string, Unit>, field: string): U {
  const memo = new Map<string, U>();
  const txt = (u: Unit) => `'${u.symbol}'`;
  const same = (a: U, b: U, what: string, node: Expr): U => {
    if (a && b && !sameUnit(a, b)) fail(field, `unit mismatch in ${what} '${show(node)}': ${txt(a)} and ${txt(b)}`);
    return a ?? b;
  };
  const dimless = (a: U, node: Expr): void => {
    if (a && !isDimensionless(a)) fail(field, `unit mismatch: '${show(node)}' needs a dimensionless argument, got ${txt(a)}`);
  };
  const walk = (n: Expr): U => {
    const hit = memo.get(n.key);
    if (hit !== undefined || memo.has(n.key)) return hit ?? null;
    let r: U = null;
    if (n.kind === 'var') r = units.get(n.name) ?? null;
    else if (n.kind === 'op') {
      const a = n.args.map(walk);
      switch (n.op) {
        case 'add': case 'sub': case 'min': case 'max': r = same(a[0]!, a[1]!, n.op, n); break;
        case 'lt': case 'le': case 'gt': case 'ge': case 'eq': case 'ne': same(a[0]!, a[1]!, 'comparison', n); r = null; break;
        case 'select': r = same(a[1]!, a[2]!, 'select', n); break;
        case 'neg': case 'abs': r = a[0]!; break;
        case 'mul': r = a[0] && a[1] ? a[0].mul(a[1]) : null; break;
        case 'div': r = a[0] && a[1] ? a[0].div(a[1]) : null; break;
        case 'sqrt': r = a[0] ? a[0].pow(0.5) : null; break;
        case 'pow': {
          const ex = n.args[1]!;
          if (ex.kind === 'num') r = a[0] ? a[0].pow(ex.value) : null;
          else { dimless(a[0]!, n); dimless(a[1]!, n); r = UNITLESS; }
          break;
        }
        case 'and': case 'or': case 'not': r = null; break;
        default: a.forEach((u) => dimless(u, n)); r = UNITLESS; // exp, log, tanh, exprel, …
      }
    }
    memo.set(n.key, r);
    return r;
  };
  return walk(e);
}

// --- the declaration -----------------------------------------------------------------------------------------

/** What neurons and synapses declare alike, checked: name, input, states, params, and the names and units in scope. */
interface Core {
  name: string;
  inputName: string;
  inputUnit: string | null;
  states: { name: string; unit: string | null; init: number }[];
  params: { name: string; unit: string | null; default: number; positive: boolean }[];
  units: Map<string, Unit>;
  stateNames: Set<string>;
  /** The parameters and dt. */
  paramNames: Set<string>;
  /** Names an update may read: states, params, dt, the input (and `spike` for a neuron). */
  stepNames: Set<string>;
}

function readCore(decl: Record<string, unknown>, withSpike: boolean): Core {
  const name = decl.name;
  if (typeof name !== 'string' || !IDENT.test(name)) fail('name', `expected an identifier such as 'Izhikevich', got ${describeValue(name)}`);

  const declared = new Map<string, string>(); // name → field that declared it
  const claim = (n: unknown, field: string): string => {
    if (typeof n !== 'string' || !IDENT.test(n) || n.startsWith('__')) fail(field, `expected an identifier (not starting with '__'), got ${describeValue(n)}`);
    if (RESERVED.has(n)) fail(field, `'${n}' is reserved (dt, spike, pi, e, x and the function names)`);
    const prev = declared.get(n);
    if (prev) fail(field, `name clash: '${n}' is also declared in ${prev}`);
    declared.set(n, field);
    return n;
  };
  const units = new Map<string, Unit>([[DT, ms]]);
  const unitOf = (text: unknown, field: string): string | null => {
    if (text === undefined) return null;
    parseUnit(text, field);
    return text as string;
  };

  // input
  const inputRaw = decl.input ?? {};
  if (!isRecord(inputRaw)) fail('input', `expected { name, unit }, got ${describeValue(inputRaw)}`);
  onlyKeys('input', inputRaw, ['name', 'unit']);
  const inputName = claim(inputRaw.name ?? 'I', 'input.name');
  const inputUnit = unitOf(inputRaw.unit, 'input.unit');
  if (inputUnit) units.set(inputName, parseUnit(inputUnit, 'input.unit'));

  // states
  if (!isRecord(decl.states) || Object.keys(decl.states).length === 0) fail('states', `expected at least one state, e.g. { V: { unit: 'mV', init: 0 } }, got ${describeValue(decl.states)}`);
  const states = Object.entries(decl.states).map(([s, d]) => {
    claim(s, `states.${s}`);
    if (!isRecord(d)) fail(`states.${s}`, `expected { unit, init }, got ${describeValue(d)}`);
    onlyKeys(`states.${s}`, d, ['unit', 'init']);
    const unit = unitOf(d.unit, `states.${s}.unit`);
    if (unit) units.set(s, parseUnit(unit, `states.${s}.unit`));
    return { name: s, unit, init: d.init === undefined ? 0 : finiteNumber(`states.${s}.init`, d.init) };
  });
  if (states.length > 8) fail('states', `at most 8 states are supported, got ${states.length}`);

  // params
  const paramsRaw = decl.params ?? {};
  if (!isRecord(paramsRaw)) fail('params', `expected { name: { unit, default } }, got ${describeValue(paramsRaw)}`);
  const params = Object.entries(paramsRaw).map(([p, d]) => {
    claim(p, `params.${p}`);
    if (!isRecord(d)) fail(`params.${p}`, `expected { unit, default }, got ${describeValue(d)}`);
    onlyKeys(`params.${p}`, d, ['unit', 'default', 'positive']);
    const unit = unitOf(d.unit, `params.${p}.unit`);
    if (unit) units.set(p, parseUnit(unit, `params.${p}.unit`));
    const dflt = finiteNumber(`params.${p}.default`, d.default);
    if (d.positive !== undefined && typeof d.positive !== 'boolean') fail(`params.${p}.positive`, `expected a boolean, got ${describeValue(d.positive)}`);
    if (d.positive && !(dflt > 0)) fail(`params.${p}.default`, `expected a value > 0 (the parameter is positive), got ${dflt}`);
    return { name: p, unit, default: dflt, positive: d.positive === true };
  });

  const stateNames = new Set(states.map((s) => s.name));
  const paramNames = new Set([...params.map((p) => p.name), DT]);
  const stepNames = new Set([...stateNames, ...paramNames, inputName, ...(withSpike ? [SPIKE] : [])]);
  units.delete(SPIKE);
  return { name, inputName, inputUnit, states, params, units, stateNames, paramNames, stepNames };
}


/** The update assignments, in order (object order is float order), each checked for names and units. */
function readUpdate(raw: unknown, c: Core): { state: string; expr: Expr }[] {
  const { stateNames, stepNames, units } = c;
  if (!isRecord(raw) || Object.keys(raw).length === 0) fail('update', 'expected at least one assignment { state: expression }');
  const update = Object.entries(raw).map(([s, rule]) => {
    const field = `update.${s}`;
    if (!stateNames.has(s)) fail(field, `unknown state '${s}' (states: ${[...stateNames].join(', ')})`);
    let expr: Expr;
    if (isRecord(rule) && !('kind' in rule)) {
      onlyKeys(field, rule, ['expEuler', 'add', 'value', 'when']);
      if (('expEuler' in rule) === ('value' in rule)) fail(field, "expected exactly one of 'value' and 'expEuler'");
      if ('add' in rule && !('expEuler' in rule)) fail(`${field}.add`, "'add' follows an 'expEuler' step (with 'value', write the sum)");
      if ('expEuler' in rule) {
        const f = readExpr(rule.expEuler, stepNames, `${field}.expEuler`);
        const fu = unitCheck(f, units, `${field}.expEuler`);
        const su = units.get(s);
        if (fu && su && !sameUnit(fu, su.div(ms))) fail(`${field}.expEuler`, `unit mismatch: the drift of '${s}' must be in '${su.symbol}/ms', got '${fu.symbol}'`);
        expr = expEulerStep(s, f);
        if (rule.add !== undefined) expr = op('add', expr, readExpr(rule.add, stepNames, `${field}.add`));
      } else expr = readExpr(rule.value, stepNames, `${field}.value`);
      if (rule.when !== undefined) {
        const cond = readCondition(rule.when, stepNames, `${field}.when`);
        unitCheck(cond, units, `${field}.when`);
        expr = op('select', cond, expr, variable(s));
      }
    } else {
      expr = readExpr(rule, stepNames, field);
    }
    const eu = unitCheck(expr, units, field);
    const su = units.get(s);
    if (eu && su && !sameUnit(eu, su)) fail(field, `unit mismatch: state '${s}' is in '${su.symbol}', the new value in '${eu.symbol}'`);
    return { state: s, expr };
  });
  const seen = new Set<string>();
  for (const u of update) {
    if (seen.has(u.state)) fail(`update.${u.state}`, 'assigned twice');
    seen.add(u.state);
  }
  return update;
}

/** Validates a declaration (every field, every node) and returns the model the generators use. */
export function declareNeuron(decl: NeuronDeclaration): NeuronModel {
  who = 'defineNeuron';
  if (!isRecord(decl)) fail('declaration', `expected an object { name, states, params, update, spike, reset }, got ${describeValue(decl)}`);
  onlyKeys('declaration', decl, ['name', 'input', 'states', 'params', 'update', 'spike', 'reset', 'detachReset']);
  const c = readCore(decl as unknown as Record<string, unknown>, true);
  const { name, inputName, inputUnit, states, params, units, stateNames, paramNames } = c;

  // spike condition
  if (decl.spike === undefined) fail('spike', "expected the spike condition u (the neuron spikes where u >= 0), e.g. '(V - V_th) / (V_th - V_reset)'");
  const spike = readExpr(decl.spike, new Set([...stateNames, ...paramNames]), 'spike');
  const uUnit = unitCheck(spike, units, 'spike');
  if (uUnit && !isDimensionless(uUnit)) fail('spike', `unit mismatch: the spike condition must be dimensionless (the surrogate's argument), got '${uUnit.symbol}'`);
  if (![...varsOf(spike)].some((v) => stateNames.has(v))) fail('spike', 'the spike condition depends on no state');

  // reset
  const resetRaw = decl.reset ?? {};
  if (!isRecord(resetRaw)) fail('reset', `expected { state: { to | add | subtract: value } }, got ${describeValue(resetRaw)}`);
  const reset = Object.entries(resetRaw).map(([s, r]) => {
    const field = `reset.${s}`;
    if (!stateNames.has(s)) fail(field, `unknown state '${s}' (states: ${[...stateNames].join(', ')})`);
    if (!isRecord(r) || Object.keys(r).length !== 1 || !['to', 'add', 'subtract'].includes(Object.keys(r)[0]!)) {
      fail(field, `expected exactly one of { to: value } (hard), { add: value } or { subtract: value } (soft), got ${describeValue(r)}`);
    }
    const mode = Object.keys(r)[0] as ResetMode;
    const value = readExpr((r as Record<string, unknown>)[mode], paramNames, `${field}.${mode}`);
    const vu = unitCheck(value, units, `${field}.${mode}`);
    const su = units.get(s);
    if (vu && su && !sameUnit(vu, su)) fail(`${field}.${mode}`, `unit mismatch: state '${s}' is in '${su.symbol}', the value in '${vu.symbol}'`);
    return { state: s, mode, value };
  });

  const update = readUpdate(decl.update, c);
  const detachReset = decl.detachReset ?? false;
  if (typeof detachReset !== 'boolean') fail('detachReset', `expected a boolean, got ${describeValue(detachReset)}`);

  const declaration: NeuronDeclaration = {
    name,
    input: { name: inputName, ...(inputUnit ? { unit: inputUnit } : {}) },
    states: Object.fromEntries(states.map((s) => [s.name, { ...(s.unit ? { unit: s.unit } : {}), init: s.init }])),
    params: Object.fromEntries(params.map((p) => [p.name, { ...(p.unit ? { unit: p.unit } : {}), default: p.default, ...(p.positive ? { positive: true } : {}) }])),
    update: normalisedUpdate(decl.update),
    spike: show(spike),
    reset: Object.fromEntries(reset.map((r) => [r.state, { [r.mode]: show(r.value) } as ResetRule])),
    detachReset,
  };
  const key = JSON.stringify(declaration);
  return deepFreeze({ name, input: { name: inputName, unit: inputUnit }, states, params, update, spike, reset, detachReset, declaration, key });
}

/**
 * A spike-free model as data, for `nn.defineSynapse`: a synapse, a readout, any state-only dynamics. States and
 * parameters as a neuron's, the update in float order (no `spike`, no reset), and the layer's output.
 */
export interface SynapseDeclaration {
  /** The layer's class name, an identifier: 'Expon'. */
  name: string;
  /** The input's name in expressions (default 'I') and unit. */
  input?: { name?: string; unit?: string };
  states: Record<string, StateDeclaration>;
  params?: Record<string, ParamDeclaration>;
  /** state → new value, in float order (object order). */
  update: Record<string, UpdateRule>;
  /** The output after each step: a state's name ('g') or an expression of the states and parameters. */
  output: ExprSource;
}

/** The checked spike-free model. */
export interface SynapseModel {
  readonly name: string;
  readonly input: { readonly name: string; readonly unit: string | null };
  readonly states: readonly { readonly name: string; readonly unit: string | null; readonly init: number }[];
  readonly params: readonly { readonly name: string; readonly unit: string | null; readonly default: number; readonly positive: boolean }[];
  readonly update: readonly { readonly state: string; readonly expr: Expr }[];
  /** The output expression of the new states and the parameters. */
  readonly output: Expr;
  /** The state the output is, when it is one alone (the kernels then write no separate output). */
  readonly outputState: number | null;
  readonly declaration: SynapseDeclaration;
  readonly key: string;
}

/** Validates a spike-free declaration (every field, every node; `spike` is not a name here) and returns its model. */
export function declareSynapse(decl: SynapseDeclaration): SynapseModel {
  who = 'defineSynapse';
  try {
    if (!isRecord(decl)) fail('declaration', `expected an object { name, states, params, update, output }, got ${describeValue(decl)}`);
    onlyKeys('declaration', decl, ['name', 'input', 'states', 'params', 'update', 'output']);
    const c = readCore(decl as unknown as Record<string, unknown>, false);
    const { name, inputName, inputUnit, states, params, units, stateNames, paramNames } = c;
    const update = readUpdate(decl.update, c);
    if (decl.output === undefined) fail('output', "expected the layer's output: a state's name such as 'g', or an expression such as 'a * (g_decay - g_rise)'");
    const output = readExpr(decl.output, new Set([...stateNames, ...paramNames]), 'output');
    unitCheck(output, units, 'output');
    if (![...varsOf(output)].some((v) => stateNames.has(v))) fail('output', 'the output depends on no state');
    const outputState = output.kind === 'var' ? states.findIndex((st) => st.name === output.name) : -1;
    const declaration: SynapseDeclaration = {
      name,
      input: { name: inputName, ...(inputUnit ? { unit: inputUnit } : {}) },
      states: Object.fromEntries(states.map((st) => [st.name, { ...(st.unit ? { unit: st.unit } : {}), init: st.init }])),
      params: Object.fromEntries(params.map((p) => [p.name, { ...(p.unit ? { unit: p.unit } : {}), default: p.default, ...(p.positive ? { positive: true } : {}) }])),
      update: normalisedUpdate(decl.update),
      output: show(output),
    };
    const key = JSON.stringify(declaration);
    return deepFreeze({ name, input: { name: inputName, unit: inputUnit }, states, params, update, output, outputState: outputState >= 0 ? outputState : null, declaration, key });
  } finally {
    who = 'defineNeuron';
  }
}

/** The update rules as JSON-compatible data (expressions as text). */
function normalisedUpdate(update: Record<string, UpdateRule>): Record<string, UpdateRule> {
  return Object.fromEntries(Object.entries(update).map(([s, r]) => [s, isRecord(r) && !('kind' in r)
    ? { ...('expEuler' in r ? { expEuler: text(r.expEuler), ...(r.add !== undefined ? { add: text(r.add) } : {}) } : { value: text(r.value) }), ...(r.when !== undefined ? { when: text(r.when) } : {}) } as UpdateRule
    : text(r)]));
}

function text(e: unknown): string {
  return typeof e === 'string' ? e : show(e as Expr);
}

/**
 * brainstate's exp_euler_step for the drift f of state s: s + (dt·exprel(dt·J))·f with J = ∂f/∂s, derived
 * symbolically here (for a linear drift J is a parameter expression and the factor folds into one constant).
 */
function expEulerStep(s: string, f: Expr): Expr {
  const J = gradients([[f, num(1)]]).get(s) ?? num(0);
  const dt = variable(DT);
  return op('add', variable(s), op('mul', op('mul', dt, op('exprel', op('mul', dt, J))), f));
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}
