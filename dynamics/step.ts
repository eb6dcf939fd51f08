/**
 * Step mode of a declared neuron (and of a spike-free model, `synapseStep`): the bound trees (dynamics/bind.ts) evaluated with the engine's primitive
 * tensor ops, one op per tree node, so the tape differentiates it like any other code and the CPU forward
 * rounds exactly where the fused kernel's generated code rounds (kernels/neuron/sequenceCpu.ts).
 */
import * as O from '../engine/api.js';
import type { Tensor } from '../engine/tensor.js';
import type { Expr, ExprOp } from '../surrogate/expr.js';
import { schedule } from '../surrogate/expr.js';
import type { BoundNeuron, BoundSynapse } from './bind.js';
import { SPIKE } from './declaration.js';

type Val = Tensor | number;

const UNARY: Partial<Record<ExprOp, (a: Tensor) => Tensor>> = {
  neg: O.neg, abs: O.abs, exp: O.exp, expm1: O.expm1, log: O.log, log1p: O.log1p, sqrt: O.sqrt, sin: O.sin, cos: O.cos, tanh: O.tanh,
  not: O.logicalNot,
};
const BINARY: Partial<Record<ExprOp, (a: Val, b: Val) => Tensor>> = {
  add: O.add, sub: O.sub, mul: O.mul, div: O.div, pow: O.pow, min: O.minimum, max: O.maximum,
  lt: O.lt, le: O.le, gt: O.gt, ge: O.ge, eq: O.eq, ne: O.ne,
};

/** The trees' values as tensors; `like` gives constant roots their shape and dtype. */
export function evalTrees(roots: readonly Expr[], env: ReadonlyMap<string, Tensor>, like: Tensor): Tensor[] {
  const vals = new Map<string, Val>();
  const atom = (e: Expr): Val => {
    if (e.kind === 'num') return e.value;
    if (e.kind === 'var') {
      const t = env.get(e.name);
      if (!t) throw new Error(`neuron step: unbound variable '${e.name}'`);
      return t;
    }
    return vals.get(e.key)!;
  };
  const asTensor = (v: Val): Tensor => (typeof v === 'number' ? O.fullLike(like, v) : v);
  for (const n of schedule(...roots)) {
    const a = n.args.map(atom);
    let r: Tensor;
    // The tensor ops need a tensor among their operands: a constant one becomes a tensor of the state's shape.
    if (n.op === 'select') r = O.where(asTensor(a[0]!), typeof a[2] === 'number' ? asTensor(a[1]!) : a[1]!, a[2]!);
    else if (n.op === 'and') r = O.logicalAnd(asTensor(a[0]!), asTensor(a[1]!));
    else if (n.op === 'or') r = O.logicalOr(asTensor(a[0]!), asTensor(a[1]!));
    else if (UNARY[n.op]) r = UNARY[n.op]!(asTensor(a[0]!));
    else if (BINARY[n.op]) r = BINARY[n.op]!(typeof a[1] === 'number' ? asTensor(a[0]!) : a[0]!, a[1]!);
    else throw new Error(`neuron step: operation '${n.op}' has no tensor op`); // declaration.ts rejects these
    vals.set(n.key, r);
  }
  return roots.map((e) => asTensor(atom(e)));
}

/**
 * One step: the previous spike (surrogate `spike`, optionally detached), the reset, the update, the new spike.
 * Returns the new states and the output spikes.
 */
export function neuronStep(b: BoundNeuron, states: readonly Tensor[], input: Tensor, spike: (u: Tensor) => Tensor, detach: boolean): { states: Tensor[]; spikes: Tensor } {
  const env = new Map<string, Tensor>(b.states.map((s, k) => [s, states[k]!]));
  const like = states[0]!;
  const [uPrev] = evalTrees([b.u], env, like);
  const sPrev = detach ? O.stopGradient(spike(uPrev!)) : spike(uPrev!);
  const reset = states.map((S, k) => {
    const r = b.reset.find((x) => x.index === k);
    if (!r) return S;
    return r.mode === 'to' ? O.sub(S, O.mul(O.sub(O.stopGradient(S), r.value), sPrev))
      : r.mode === 'add' ? O.add(S, O.mul(sPrev, r.value)) : O.sub(S, O.mul(sPrev, r.value));
  });
  const stepEnv = new Map<string, Tensor>(b.states.map((s, k) => [s, reset[k]!]));
  stepEnv.set(b.input, input).set(SPIKE, sPrev);
  const next = evalTrees(b.update, stepEnv, like);
  const [uNew] = evalTrees([b.u], new Map(b.states.map((s, k) => [s, next[k]!])), like);
  return { states: next, spikes: spike(uNew!) };
}

/** One step of a spike-free model: the update, then the output of the new states. */
export function synapseStep(b: BoundSynapse, states: readonly Tensor[], input: Tensor): { states: Tensor[]; output: Tensor } {
  const env = new Map<string, Tensor>(b.states.map((s, k) => [s, states[k]!]));
  env.set(b.input, input);
  const next = evalTrees(b.update, env, states[0]!);
  if (b.outputState !== null) return { states: next, output: next[b.outputState]! };
  const [output] = evalTrees([b.output!], new Map(b.states.map((s, k) => [s, next[k]!])), states[0]!);
  return { states: next, output: output! };
}
