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
import { DT, SPIKE, type NeuronModel, type ResetMode } from './declaration.js';
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
  const values = new Map<string, number>([[DT, dtMs]]);
  for (const p of model.params) values.set(p.name, params[p.name] ?? p.default);
  const memoKey = `${dtype}|${[...values.values()].join(',')}`;
  let perModel = cache.get(model);
  if (!perModel) cache.set(model, (perModel = new Map()));
  const hit = perModel.get(memoKey);
  if (hit) return hit;

  try {
    const bound = bindUncached(model, values, dtype);
    perModel.set(memoKey, bound);
    return bound;
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
  // Sequential assignments → one tree per state, in the reset states, the input and the spike.
  const env = new Map<string, Expr>(states.map((s) => [s, variable(s)]));
  for (const { state, expr } of model.update) env.set(state, substitute(expr, env));
  const bind = (e: Expr) => bindConstants(e, values, dtype);
  const updateRaw = states.map((s) => bind(env.get(s)!));
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
