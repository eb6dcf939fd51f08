/**
 * A checked model (declaration.ts) with its parameter values and dt bound, in one float precision: the trees
 * every kernel of a layer is generated from, and their derivatives.
 *
 *   reset[k]  S'_k from S_k and the previous spike (to / add / subtract a constant);
 *   update[k] S_new_k as an expression of the reset states (named as the states), the input and `spike`
 *             (the sequential assignments substituted into each other, so each is one tree);
 *   u         the spike condition of the states; dU[k] = ∂u/∂S_k;
 *   vjp       ∂(Σ_k ḡ_k·S_new_k)/∂(S'_k, input, spike), with the seeds ḡ_k as the variables `__g<k>`.
 * Parameters and dt are folded into constants rounded to the precision (symbolic.ts), so the step-mode ops,
 * which compute from the same trees, round every constant the same way.
 */
import { SpikegradError } from '../engine/errors.js';
import { num, show, variable, type Expr } from '../surrogate/expr.js';
import { DT, SPIKE, type NeuronModel, type ResetMode, type SynapseModel } from './declaration.js';
import { interpret, toProgram } from './program.js';
import { bindConstants, expandExprel, foldScales, gradients, substitute, type FloatDType } from './symbolic.js';

export interface BoundNeuron {
  readonly model: NeuronModel;
  readonly dtype: FloatDType;
  readonly states: readonly string[];
  readonly input: string;
  readonly reset: readonly { readonly index: number; readonly mode: ResetMode; readonly value: number }[];
  /** Forward trees (exprel expanded into primitive operations). */
  readonly update: readonly Expr[];
  readonly u: Expr;
  /** Backward trees (float64 kernels evaluate them unrounded). */
  readonly dU: readonly Expr[];
  readonly vjpStates: readonly Expr[];
  readonly vjpInput: Expr;
  readonly vjpSpike: Expr;
  /** Identifies the generated code: model, precision and every folded constant. */
  readonly key: string;
}

/** The seed variable of state k in the vjp trees. */
export const seedName = (k: number): string => `__g${k}`;

const cache = new WeakMap<NeuronModel, Map<string, BoundNeuron>>();

export function bindNeuron(model: NeuronModel, params: Readonly<Record<string, number>>, dtMs: number, dtype: FloatDType): BoundNeuron {
  const values = valuesOf(model, params, dtMs);
  const memoKey = `${dtype}|${[...values.values()].join(',')}`;
  let perModel = cache.get(model);
  if (!perModel) cache.set(model, (perModel = new Map()));
  const hit = perModel.get(memoKey);
  if (hit) return hit;
  const bound = named(model, values, () => bindUncached(model, values, dtype));
  perModel.set(memoKey, bound);
  return bound;
}

/** Sequential assignments → one bound tree per state, in the (reset) states, the input and the spike. */
function updateTrees(model: NeuronModel | SynapseModel, values: ReadonlyMap<string, number>, dtype: FloatDType): Expr[] {
  const states = model.states.map((s) => s.name);
  const env = new Map<string, Expr>(states.map((s) => [s, variable(s)]));
  for (const { state, expr } of model.update) env.set(state, substitute(expr, env));
  return states.map((s) => bindConstants(env.get(s)!, values, dtype));
}

/** The parameter values (declared defaults where not given) and dt, by name. */
function valuesOf(model: NeuronModel | SynapseModel, params: Readonly<Record<string, number>>, dtMs: number): Map<string, number> {
  const values = new Map<string, number>([[DT, dtMs]]);
  for (const p of model.params) values.set(p.name, params[p.name] ?? p.default);
  return values;
}

/** A bound model's errors name the model and every parameter value. */
function named<T>(model: NeuronModel | SynapseModel, values: ReadonlyMap<string, number>, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SpikegradError) {
      const ps = [...values.entries()].map(([k, v]) => `${k}=${v}`).join(', ');
      throw new SpikegradError(`${model.name} (${ps}): ${e.message}`);
    }
    throw e;
  }
}

function bindUncached(model: NeuronModel, values: ReadonlyMap<string, number>, dtype: FloatDType): BoundNeuron {
  const states = model.states.map((s) => s.name);
  const bind = (e: Expr) => bindConstants(e, values, dtype);
  const updateRaw = updateTrees(model, values, dtype);
  const uRaw = bind(model.spike);
  const dURaw = states.map((s) => gradients([[uRaw, num(1)]]).get(s) ?? num(0));
  const vjp = gradients(updateRaw.map((e, k) => [e, variable(seedName(k))] as const));
  const fwd = (e: Expr) => expandExprel(e, dtype);
  // Backward trees: float64, products by constants merged (symbolic.ts foldScales).
  const bwd = (e: Expr) => foldScales(expandExprel(e, 'float64'));
  const reset = model.reset.map((r) => {
    const v = bind(r.value);
    // declaration.ts allows only parameters and dt in a reset value, so it always folds to a number.
    return { index: states.indexOf(r.state), mode: r.mode, value: v.kind === 'num' ? v.value : NaN };
  });
  const bound: BoundNeuron = Object.freeze({
    model, dtype, states, input: model.input.name, reset,
    update: updateRaw.map(fwd),
    u: fwd(uRaw),
    dU: dURaw.map(bwd),
    vjpStates: states.map((s) => bwd(vjp.get(s) ?? num(0))),
    vjpInput: bwd(vjp.get(model.input.name) ?? num(0)),
    vjpSpike: bwd(vjp.get(SPIKE) ?? num(0)),
    key: `${model.name}|${dtype}|${updateRaw.map(show).join(';')}|${show(uRaw)}|${reset.map((r) => `${r.index}${r.mode}${r.value}`).join(',')}`,
  });
  return bound;
}

// --- spike-free models ---------------------------------------------------------------------------------------

/**
 * A spike-free model (declaration.ts `declareSynapse`) bound like a neuron:
 *   update[k] S_new_k of the previous states and the input; output y of the new states (null when y is the
 *             state `outputState`: the kernels then write no separate output);
 *   vjp       ∂(Σ_k ḡ_k·S_new_k)/∂(S, input), seeds `__g<k>`; dY[k] = ∂y/∂S_k.
 * `linear`: when the update is linear in the states and the input with constant coefficients and y is linear
 * in the states (Expon, DualExpon, the leaky readout), the coefficients in float64, evaluated from those same
 * derivative trees: a[k][j] = ∂S_new_k/∂S_j, b[k] = ∂S_new_k/∂input, c[k] = ∂y/∂S_k. The backward of such a
 * model is a linear recurrence that needs no forward values (docs/numerics.md §2), run in float64 on the CPU
 * and with two-float carries on WebGPU.
 */
export interface BoundSynapse {
  readonly model: SynapseModel;
  readonly dtype: FloatDType;
  readonly states: readonly string[];
  readonly input: string;
  readonly update: readonly Expr[];
  readonly output: Expr | null;
  readonly outputState: number | null;
  readonly vjpStates: readonly Expr[];
  readonly vjpInput: Expr;
  readonly dY: readonly Expr[];
  readonly linear: { readonly a: readonly (readonly number[])[]; readonly b: readonly number[]; readonly c: readonly number[] } | null;
  readonly key: string;
}

const synapseCache = new WeakMap<SynapseModel, Map<string, BoundSynapse>>();

export function bindSynapse(model: SynapseModel, params: Readonly<Record<string, number>>, dtMs: number, dtype: FloatDType): BoundSynapse {
  const values = valuesOf(model, params, dtMs);
  const memoKey = `${dtype}|${[...values.values()].join(',')}`;
  let perModel = synapseCache.get(model);
  if (!perModel) synapseCache.set(model, (perModel = new Map()));
  const hit = perModel.get(memoKey);
  if (hit) return hit;
  const bound = named(model, values, () => bindSynapseUncached(model, values, dtype));
  perModel.set(memoKey, bound);
  return bound;
}

function bindSynapseUncached(model: SynapseModel, values: ReadonlyMap<string, number>, dtype: FloatDType): BoundSynapse {
  const states = model.states.map((s) => s.name);
  const K = states.length;
  const updateRaw = updateTrees(model, values, dtype);
  const yRaw = bindConstants(model.output, values, dtype);
  const vjp = gradients(updateRaw.map((e, k) => [e, variable(seedName(k))] as const));
  const dYRaw = gradients([[yRaw, num(1)]]);
  const bwd = (e: Expr) => expandExprel(e, 'float64');
  const vjpStates = states.map((s) => bwd(vjp.get(s) ?? num(0)));
  const vjpInput = bwd(vjp.get(model.input.name) ?? num(0));
  const dY = states.map((s) => bwd(dYRaw.get(s) ?? num(0)));
  const seeds = new Set(states.map((_, k) => seedName(k)));
  const onlySeeds = (e: Expr) => [...toProgram([e]).vars].every((v) => seeds.has(v));
  let linear: BoundSynapse['linear'] = null;
  if ([...vjpStates, vjpInput].every(onlySeeds) && dY.every((e) => toProgram([e]).vars.size === 0)) {
    // The vjp trees are linear in the seeds: at the seed e_k they give row k of the Jacobian.
    const p = toProgram([...vjpStates, vjpInput]);
    const tmp = new Float64Array(Math.max(p.end, 1));
    const rows = states.map((_, k) => interpret(p, Object.fromEntries(states.map((__, i) => [seedName(i), i === k ? 1 : 0])), (v) => v, tmp));
    const pc = toProgram(dY);
    const c = interpret(pc, {}, (v) => v, new Float64Array(Math.max(pc.end, 1)));
    linear = { a: rows.map((r) => r.slice(0, K)), b: rows.map((r) => r[K]!), c };
  }
  const fwd = (e: Expr) => expandExprel(e, dtype);
  return Object.freeze({
    model, dtype, states, input: model.input.name,
    update: updateRaw.map(fwd),
    output: model.outputState === null ? fwd(yRaw) : null,
    outputState: model.outputState,
    vjpStates, vjpInput, dY, linear,
    key: `${model.name}|${dtype}|${updateRaw.map(show).join(';')}|${show(yRaw)}`,
  });
}
