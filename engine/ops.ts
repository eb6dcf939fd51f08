/**
 * THE op table. Every primitive is declared here once: how its output shape and dtype follow from its inputs
 * (`infer`, which also rejects bad input before any backend work), which tensors its gradient needs (`save`),
 * and its vector-Jacobian product written with public ops (`vjp`), so every backend gets backprop for free.
 * Kernels live per backend in kernels/<family>/{cpu.ts, webgpu.ts} and are registered in each backend's
 * registry, typed `Record<OpName, …>` so that a missing kernel fails `tsc`.
 *
 * The engine (tape.ts) sums a gradient over broadcast axes back to its input's shape, so rules return
 * gradients in the output's broadcast shape and never unbroadcast themselves.
 */
import type { DType } from './dtype.js';
import { isFloat } from './dtype.js';
import { SpikegradError, fmtShape } from './errors.js';
import { broadcastShapes, normalizeAxis, reducedShape, sameShape, sizeOf, type Shape } from './shape.js';
import type { Tensor } from './tensor.js';
import * as O from './api.js';
import type * as Api from './api.js';
import type { run1, runOp } from './dispatch.js';
import { softmaxCrossEntropyGrad } from './lossGrad.js';
import { SPIKE_OPS, type SpikeOpAttrs } from './opsSpike.js';
import { NEURON_OPS, type NeuronOpAttrs } from './opsNeuron.js';
import { SYNAPSE_OPS, type SynapseOpAttrs } from './opsSynapse.js';
import { LINEAR_OPS, type LinearOpAttrs } from './opsLinear.js';
import { CONV_OPS, type ConvOpAttrs } from './opsConv.js';
import { RECURRENT_OPS, type RecurrentOpAttrs } from './opsRecurrent.js';

export interface OutMeta {
  shape: number[];
  dtype: DType;
}
export interface InMeta {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

export type UnaryOp =
  | 'neg' | 'abs' | 'sign' | 'exp' | 'expm1' | 'log' | 'log1p' | 'sqrt' | 'sigmoid' | 'tanh' | 'sin' | 'cos'
  | 'floor' | 'logicalNot';
export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum' | 'pow'
  | 'lt' | 'le' | 'gt' | 'ge' | 'eq' | 'ne' | 'logicalAnd' | 'logicalOr';

export const UNARY_OPS: readonly UnaryOp[] = [
  'neg', 'abs', 'sign', 'exp', 'expm1', 'log', 'log1p', 'sqrt', 'sigmoid', 'tanh', 'sin', 'cos', 'floor', 'logicalNot',
];
export const BINARY_OPS: readonly BinaryOp[] = [
  'add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow', 'lt', 'le', 'gt', 'ge', 'eq', 'ne', 'logicalAnd', 'logicalOr',
];

type NoAttrs = Record<string, never>;

/** Attributes of every op, by name. The op-name union is derived from this one interface. */
export interface OpAttrs extends Record<UnaryOp | BinaryOp, NoAttrs>, SpikeOpAttrs, NeuronOpAttrs, SynapseOpAttrs, LinearOpAttrs, ConvOpAttrs, RecurrentOpAttrs {
  powScalar: { exponent: number };
  cast: { dtype: DType };
  where: NoAttrs;
  sum: { axes: number[]; keepDims: boolean };
  max: { axes: number[]; keepDims: boolean };
  min: { axes: number[]; keepDims: boolean };
  argmax: { axis: number };
  reshape: { shape: number[] };
  permute: { perm: number[] };
  broadcastTo: { shape: number[] };
  slice: { begin: number[]; size: number[] };
  pad: { before: number[]; after: number[] };
  concat: { axis: number };
  gather: { axis: number };
  oneHot: { depth: number };
  matmul: { transposeA: boolean; transposeB: boolean };
  fill: { shape: number[]; dtype: DType; value: number };
  softmaxCrossEntropy: NoAttrs;
  softmaxCrossEntropyGrad: NoAttrs;
}
/** The name of an op of the op table (what profiles and counters report per op). */
export type OpName = keyof OpAttrs;

export interface Saved {
  /** The inputs listed in `save.inputs`, by their input position (others are undefined). */
  inputs: (Tensor | undefined)[];
  /** The outputs listed in `save.outputs`, by output position. */
  outputs: (Tensor | undefined)[];
  /** Shapes and dtypes of every input (always kept; they are cheap). */
  inMeta: InMeta[];
}

/**
 * What a gradient rule may call: the public ops and the dispatcher, handed in by the tape (tape.ts). The op
 * families' files (opsSpike, opsNeuron, opsSynapse, opsLinear) use only this, so that none of them imports
 * the dispatcher or the API at module load: any of them can be imported first (no import cycle).
 */
export type VjpOps = typeof Api & { runOp: typeof runOp; run1: typeof run1 };

export interface OpDef<A> {
  /** Output shapes and dtypes; throws a SpikegradError naming the op for bad input. */
  infer(ins: readonly InMeta[], attrs: A): OutMeta[];
  save?: { inputs?: readonly number[]; outputs?: readonly number[] };
  /**
   * Gradients of the inputs given the gradients of the outputs (null where an output got none).
   * `needs[i]` is false when input i needs no gradient: the rule may return null there and skip the work.
   * Absent for ops that are not differentiable (comparisons, casts to integers, indices).
   */
  vjp?(dys: (Tensor | null)[], saved: Saved, attrs: A, needs: readonly boolean[], ops: VjpOps): (Tensor | null)[];
}

// ---------------------------------------------------------------------------------------------------------
// Helpers for the rule shapes that recur (JAX's defjvp / deflinear idea).

function requireArity(op: string, ins: readonly InMeta[], n: number): void {
  if (ins.length !== n) throw new SpikegradError(`${op}: expected ${n} input(s), got ${ins.length}`);
}

function requireFloat(op: string, arg: string, m: InMeta): void {
  if (!isFloat(m.dtype)) {
    throw new SpikegradError(`${op}: argument '${arg}' expected a float32 or float64 tensor, got ${m.dtype} ${fmtShape(m.shape)}`);
  }
}

function requireSameDtype(op: string, a: InMeta, b: InMeta): void {
  if (a.dtype !== b.dtype) {
    throw new SpikegradError(
      `${op}: operands must have the same dtype, got ${a.dtype} ${fmtShape(a.shape)} and ${b.dtype} ${fmtShape(b.shape)} (use .astype())`,
    );
  }
}

/** Elementwise unary op whose gradient is dy·f'(x, y): `d` receives the saved input and output. */
function unary(
  kind: 'float' | 'numeric' | 'bool',
  d?: (dy: Tensor, x: Tensor, y: Tensor) => Tensor,
  save: { inputs?: number[]; outputs?: number[] } = { inputs: [0], outputs: [0] },
): OpDef<NoAttrs> {
  return {
    infer(ins) {
      requireArity('unary op', ins, 1);
      const m = ins[0]!;
      if (kind === 'float') requireFloat('unary op', 'x', m);
      if (kind === 'numeric' && m.dtype === 'bool') {
        throw new SpikegradError(`unary op: argument 'x' expected a numeric tensor, got bool ${fmtShape(m.shape)}`);
      }
      if (kind === 'bool' && m.dtype !== 'bool') {
        throw new SpikegradError(`logicalNot: argument 'x' expected a bool tensor, got ${m.dtype} ${fmtShape(m.shape)}`);
      }
      return [{ shape: [...m.shape], dtype: m.dtype }];
    },
    ...(d ? { save, vjp: ([dy], s) => [d(dy!, s.inputs[0]!, s.outputs[0]!)] } : {}),
  };
}

function withName<A>(name: string, def: OpDef<A>): OpDef<A> {
  // Re-throw shape errors with the real op name instead of the generic 'unary op' / 'binary op'.
  return {
    ...def,
    infer(ins, attrs) {
      try {
        return def.infer(ins, attrs);
      } catch (e) {
        if (e instanceof SpikegradError) e.message = e.message.replace(/^(unary|binary) op:/, `${name}:`);
        throw e;
      }
    },
  };
}

type BinaryKind = 'arith' | 'float' | 'compare' | 'bool';

function binary(kind: BinaryKind, vjp?: OpDef<NoAttrs>['vjp'], save?: OpDef<NoAttrs>['save']): OpDef<NoAttrs> {
  return {
    infer(ins) {
      requireArity('binary op', ins, 2);
      const [a, b] = ins as [InMeta, InMeta];
      requireSameDtype('binary op', a, b);
      if (kind === 'float') requireFloat('binary op', 'a', a);
      if (kind === 'arith' && a.dtype === 'bool') {
        throw new SpikegradError(`binary op: expected numeric operands, got bool ${fmtShape(a.shape)} (use .astype())`);
      }
      if (kind === 'bool' && a.dtype !== 'bool') {
        throw new SpikegradError(`binary op: expected bool operands, got ${a.dtype} ${fmtShape(a.shape)}`);
      }
      const shape = broadcastShapes('binary op', a.shape, b.shape);
      return [{ shape, dtype: kind === 'compare' || kind === 'bool' ? 'bool' : a.dtype }];
    },
    ...(vjp ? { vjp, save: save ?? {} } : {}),
  };
}

function reduceInfer(op: string) {
  return (ins: readonly InMeta[], a: { axes: number[]; keepDims: boolean }): OutMeta[] => {
    requireArity(op, ins, 1);
    const m = ins[0]!;
    if (m.dtype === 'bool') throw new SpikegradError(`${op}: argument 'x' expected a numeric tensor, got bool ${fmtShape(m.shape)}`);
    for (const ax of a.axes) normalizeAxis(op, ax, m.shape.length);
    if (op !== 'sum') {
      for (const ax of a.axes) {
        if (m.shape[ax] === 0) throw new SpikegradError(`${op}: cannot reduce over axis ${ax} of size 0 in ${fmtShape(m.shape)}`);
      }
    }
    return [{ shape: reducedShape(m.shape, a.axes, a.keepDims), dtype: m.dtype }];
  };
}

/** Gradient of max/min: split dy evenly among the tied extreme elements. */
function extremeVjp(dys: (Tensor | null)[], s: Saved, a: { axes: number[]; keepDims: boolean }): (Tensor | null)[] {
  const x = s.inputs[0]!;
  const keepShape = reducedShape(x.shape, a.axes, true);
  const y = O.reshape(s.outputs[0]!, keepShape);
  const mask = O.cast(O.eq(x, y), x.dtype);
  const count = O.sum(mask, a.axes, true);
  return [O.div(O.mul(mask, O.reshape(dys[0]!, keepShape)), count)];
}

function inversePerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

function matmulShape(a: Shape, b: Shape, tA: boolean, tB: boolean): number[] {
  if (a.length < 2 || b.length < 2) {
    throw new SpikegradError(`matmul: both operands need rank >= 2, got ${fmtShape(a)} and ${fmtShape(b)}`);
  }
  const [m, ka] = tA ? [a.at(-1)!, a.at(-2)!] : [a.at(-2)!, a.at(-1)!];
  const [kb, n] = tB ? [b.at(-1)!, b.at(-2)!] : [b.at(-2)!, b.at(-1)!];
  if (ka !== kb) {
    throw new SpikegradError(
      `matmul: inner dimensions differ: ${fmtShape(a)}${tA ? 'ᵀ' : ''} @ ${fmtShape(b)}${tB ? 'ᵀ' : ''} contracts ${ka} with ${kb}`,
    );
  }
  const batch = broadcastShapes('matmul (batch dims)', a.slice(0, -2), b.slice(0, -2));
  return [...batch, m, n];
}

// ---------------------------------------------------------------------------------------------------------

export const OPS: { [K in OpName]: OpDef<OpAttrs[K]> } = {
  // Unary elementwise
  neg: withName('neg', unary('numeric', (dy) => O.neg(dy), {})),
  abs: withName('abs', unary('numeric', (dy, x) => O.mul(dy, O.sign(x)), { inputs: [0] })),
  sign: withName('sign', unary('numeric')),
  exp: withName('exp', unary('float', (dy, _x, y) => O.mul(dy, y), { outputs: [0] })),
  expm1: withName('expm1', unary('float', (dy, _x, y) => O.mul(dy, O.add(y, 1)), { outputs: [0] })),
  log: withName('log', unary('float', (dy, x) => O.div(dy, x), { inputs: [0] })),
  log1p: withName('log1p', unary('float', (dy, x) => O.div(dy, O.add(x, 1)), { inputs: [0] })),
  sqrt: withName('sqrt', unary('float', (dy, _x, y) => O.div(dy, O.mul(y, 2)), { outputs: [0] })),
  sigmoid: withName('sigmoid', unary('float', (dy, _x, y) => O.mul(dy, O.mul(y, O.sub(1, y))), { outputs: [0] })),
  tanh: withName('tanh', unary('float', (dy, _x, y) => O.mul(dy, O.sub(1, O.mul(y, y))), { outputs: [0] })),
  sin: withName('sin', unary('float', (dy, x) => O.mul(dy, O.cos(x)), { inputs: [0] })),
  cos: withName('cos', unary('float', (dy, x) => O.neg(O.mul(dy, O.sin(x))), { inputs: [0] })),
  floor: withName('floor', unary('float')),
  logicalNot: withName('logicalNot', unary('bool')),

  powScalar: {
    infer(ins) {
      requireArity('powScalar', ins, 1);
      requireFloat('powScalar', 'x', ins[0]!);
      return [{ shape: [...ins[0]!.shape], dtype: ins[0]!.dtype }];
    },
    save: { inputs: [0] },
    vjp: ([dy], s, a) => [O.mul(dy!, O.mul(O.powScalar(s.inputs[0]!, a.exponent - 1), a.exponent))],
  },

  cast: {
    infer(ins, a) {
      requireArity('cast', ins, 1);
      return [{ shape: [...ins[0]!.shape], dtype: a.dtype }];
    },
    // Differentiable only float → float; the gradient is cast back to the input's precision.
    vjp: ([dy], s, a) => [isFloat(a.dtype) && isFloat(s.inMeta[0]!.dtype) ? O.cast(dy!, s.inMeta[0]!.dtype) : null],
  },

  // Binary elementwise (broadcasting)
  add: withName('add', binary('arith', ([dy]) => [dy!, dy!])),
  sub: withName('sub', binary('arith', ([dy], _s, _a, needs) => [dy!, needs[1] ? O.neg(dy!) : null])),
  mul: withName('mul', binary('arith', ([dy], s, _a, needs) => [
    needs[0] ? O.mul(dy!, s.inputs[1]!) : null,
    needs[1] ? O.mul(dy!, s.inputs[0]!) : null,
  ], { inputs: [0, 1] })),
  div: withName('div', binary('float', ([dy], s, _a, needs) => [
    needs[0] ? O.div(dy!, s.inputs[1]!) : null,
    needs[1] ? O.neg(O.div(O.mul(dy!, s.outputs[0]!), s.inputs[1]!)) : null,
  ], { inputs: [1], outputs: [0] })),
  maximum: withName('maximum', binary('arith', ([dy], s, _a, needs) => {
    const aWins = O.ge(s.inputs[0]!, s.inputs[1]!); // ties send the gradient to `a`
    const zero = O.zerosLike(dy!);
    return [needs[0] ? O.where(aWins, dy!, zero) : null, needs[1] ? O.where(aWins, zero, dy!) : null];
  }, { inputs: [0, 1] })),
  minimum: withName('minimum', binary('arith', ([dy], s, _a, needs) => {
    const aWins = O.le(s.inputs[0]!, s.inputs[1]!);
    const zero = O.zerosLike(dy!);
    return [needs[0] ? O.where(aWins, dy!, zero) : null, needs[1] ? O.where(aWins, zero, dy!) : null];
  }, { inputs: [0, 1] })),
  pow: withName('pow', binary('float', ([dy], s, _a, needs) => {
    const [a, b] = [s.inputs[0]!, s.inputs[1]!];
    const y = s.outputs[0]!;
    return [
      needs[0] ? O.mul(dy!, O.mul(b, O.pow(a, O.sub(b, 1)))) : null,
      // d/db a^b = a^b · ln a, taken as 0 where a = 0 (the limit used by JAX and PyTorch).
      needs[1] ? O.mul(dy!, O.where(O.eq(a, 0), O.zerosLike(y), O.mul(y, O.log(O.abs(a))))) : null,
    ];
  }, { inputs: [0, 1], outputs: [0] })),
  lt: withName('lt', binary('compare')),
  le: withName('le', binary('compare')),
  gt: withName('gt', binary('compare')),
  ge: withName('ge', binary('compare')),
  eq: withName('eq', binary('compare')),
  ne: withName('ne', binary('compare')),
  logicalAnd: withName('logicalAnd', binary('bool')),
  logicalOr: withName('logicalOr', binary('bool')),

  where: {
    infer(ins) {
      requireArity('where', ins, 3);
      const [c, a, b] = ins as [InMeta, InMeta, InMeta];
      if (c.dtype !== 'bool') throw new SpikegradError(`where: argument 'condition' expected a bool tensor, got ${c.dtype} ${fmtShape(c.shape)}`);
      requireSameDtype('where', a, b);
      return [{ shape: broadcastShapes('where', c.shape, a.shape, b.shape), dtype: a.dtype }];
    },
    save: { inputs: [0] },
    vjp: ([dy], s, _a, needs) => {
      const zero = O.zerosLike(dy!);
      return [null, needs[1] ? O.where(s.inputs[0]!, dy!, zero) : null, needs[2] ? O.where(s.inputs[0]!, zero, dy!) : null];
    },
  },

  // Reductions
  sum: {
    infer: reduceInfer('sum'),
    vjp: ([dy], s, a) => {
      const inShape = s.inMeta[0]!.shape;
      return [O.broadcastTo(O.reshape(dy!, reducedShape(inShape, a.axes, true)), [...inShape])];
    },
  },
  max: { infer: reduceInfer('max'), save: { inputs: [0], outputs: [0] }, vjp: extremeVjp },
  min: { infer: reduceInfer('min'), save: { inputs: [0], outputs: [0] }, vjp: extremeVjp },
  argmax: {
    infer(ins, a) {
      requireArity('argmax', ins, 1);
      const m = ins[0]!;
      const ax = normalizeAxis('argmax', a.axis, m.shape.length);
      if (m.shape[ax] === 0) throw new SpikegradError(`argmax: cannot reduce over axis ${ax} of size 0`);
      return [{ shape: reducedShape(m.shape, [ax], false), dtype: 'int32' }];
    },
  },

  // Movement
  reshape: {
    infer(ins, a) {
      requireArity('reshape', ins, 1);
      const m = ins[0]!;
      if (sizeOf(a.shape) !== sizeOf(m.shape)) {
        throw new SpikegradError(`reshape: cannot reshape ${fmtShape(m.shape)} (${sizeOf(m.shape)} elements) to ${fmtShape(a.shape)} (${sizeOf(a.shape)} elements)`);
      }
      return [{ shape: [...a.shape], dtype: m.dtype }];
    },
    vjp: ([dy], s) => [O.reshape(dy!, [...s.inMeta[0]!.shape])],
  },
  permute: {
    infer(ins, a) {
      requireArity('permute', ins, 1);
      const m = ins[0]!;
      const r = m.shape.length;
      const ok = a.perm.length === r && [...a.perm].sort((x, y) => x - y).every((p, i) => p === i);
      if (!ok) throw new SpikegradError(`permute: argument 'perm' expected a permutation of [0..${r - 1}], got [${a.perm.join(', ')}]`);
      return [{ shape: a.perm.map((p) => m.shape[p]!), dtype: m.dtype }];
    },
    vjp: ([dy], _s, a) => [O.permute(dy!, inversePerm(a.perm))],
  },
  broadcastTo: {
    infer(ins, a) {
      requireArity('broadcastTo', ins, 1);
      const m = ins[0]!;
      const out = broadcastShapes('broadcastTo', m.shape, a.shape);
      if (!sameShape(out, a.shape)) {
        throw new SpikegradError(`broadcastTo: cannot broadcast ${fmtShape(m.shape)} to ${fmtShape(a.shape)}`);
      }
      return [{ shape: [...a.shape], dtype: m.dtype }];
    },
    vjp: ([dy]) => [dy!], // the tape sums over the broadcast axes
  },
  slice: {
    infer(ins, a) {
      requireArity('slice', ins, 1);
      const m = ins[0]!;
      const r = m.shape.length;
      if (a.begin.length !== r || a.size.length !== r) {
        throw new SpikegradError(`slice: 'begin' and 'size' need ${r} entries for ${fmtShape(m.shape)}, got [${a.begin}] and [${a.size}]`);
      }
      for (let i = 0; i < r; i++) {
        const b = a.begin[i]!, s = a.size[i]!;
        if (!Number.isInteger(b) || !Number.isInteger(s) || b < 0 || s < 0 || b + s > m.shape[i]!) {
          throw new SpikegradError(`slice: axis ${i} range [${b}, ${b + s}) is outside [0, ${m.shape[i]}) of ${fmtShape(m.shape)}`);
        }
      }
      return [{ shape: [...a.size], dtype: m.dtype }];
    },
    vjp: ([dy], s, a) => {
      const inShape = s.inMeta[0]!.shape;
      return [O.pad(dy!, a.begin, inShape.map((d, i) => d - a.begin[i]! - a.size[i]!))];
    },
  },
  pad: {
    infer(ins, a) {
      requireArity('pad', ins, 1);
      const m = ins[0]!;
      const r = m.shape.length;
      if (a.before.length !== r || a.after.length !== r || [...a.before, ...a.after].some((p) => !Number.isInteger(p) || p < 0)) {
        throw new SpikegradError(`pad: 'before' and 'after' need ${r} non-negative integers for ${fmtShape(m.shape)}, got [${a.before}] and [${a.after}]`);
      }
      return [{ shape: m.shape.map((d, i) => d + a.before[i]! + a.after[i]!), dtype: m.dtype }];
    },
    vjp: ([dy], s, a) => [O.slice(dy!, a.before, [...s.inMeta[0]!.shape])],
  },
  concat: {
    infer(ins, a) {
      if (ins.length === 0) throw new SpikegradError('concat: expected at least one tensor, got none');
      const first = ins[0]!;
      const ax = normalizeAxis('concat', a.axis, first.shape.length);
      let total = 0;
      ins.forEach((m, k) => {
        if (m.dtype !== first.dtype) throw new SpikegradError(`concat: tensor ${k} has dtype ${m.dtype}, tensor 0 has ${first.dtype}`);
        const ok = m.shape.length === first.shape.length && m.shape.every((d, i) => i === ax || d === first.shape[i]);
        if (!ok) throw new SpikegradError(`concat: tensor ${k} has shape ${fmtShape(m.shape)}, incompatible with ${fmtShape(first.shape)} along axis ${ax}`);
        total += m.shape[ax]!;
      });
      const shape = [...first.shape];
      shape[ax] = total;
      return [{ shape, dtype: first.dtype }];
    },
    vjp: ([dy], s, a, needs) => {
      const ax = normalizeAxis('concat', a.axis, dy!.shape.length);
      let offset = 0;
      return s.inMeta.map((m, k) => {
        const begin = dy!.shape.map((_, i) => (i === ax ? offset : 0));
        offset += m.shape[ax]!;
        return needs[k] ? O.slice(dy!, begin, [...m.shape]) : null;
      });
    },
  },
  gather: {
    infer(ins, a) {
      requireArity('gather', ins, 2);
      const [x, idx] = ins as [InMeta, InMeta];
      if (idx.dtype !== 'int32') throw new SpikegradError(`gather: argument 'indices' expected an int32 tensor, got ${idx.dtype} ${fmtShape(idx.shape)}`);
      const ax = normalizeAxis('gather', a.axis, x.shape.length);
      return [{ shape: [...x.shape.slice(0, ax), ...idx.shape, ...x.shape.slice(ax + 1)], dtype: x.dtype }];
    },
    save: { inputs: [1] },
    // dx = onehot(indices)ᵀ · dy with the gathered axis moved to the front: a matmul, no scatter kernel needed.
    vjp: ([dy], s, a) => {
      const xShape = s.inMeta[0]!.shape;
      const idx = s.inputs[1]!;
      const ax = normalizeAxis('gather', a.axis, xShape.length);
      const pre = xShape.slice(0, ax), post = xShape.slice(ax + 1);
      const k = idx.shape.length;
      const permToFront = [...Array.from({ length: k }, (_, i) => pre.length + i), ...pre.map((_, i) => i),
        ...post.map((_, i) => pre.length + k + i)];
      const dyFront = O.reshape(O.permute(dy!, permToFront), [idx.size, sizeOf(pre) * sizeOf(post)]);
      const oh = O.oneHot(O.reshape(idx, [idx.size]), xShape[ax]!, dy!.dtype);
      const dxFront = O.reshape(O.matmul(oh, dyFront, { transposeA: true }), [xShape[ax]!, ...pre, ...post]);
      const back = [...pre.map((_, i) => 1 + i), 0, ...post.map((_, i) => 1 + pre.length + i)];
      return [O.permute(dxFront, back), null];
    },
  },
  oneHot: {
    infer(ins, a) {
      requireArity('oneHot', ins, 1);
      const m = ins[0]!;
      if (m.dtype !== 'int32') throw new SpikegradError(`oneHot: argument 'indices' expected an int32 tensor, got ${m.dtype} ${fmtShape(m.shape)}`);
      if (!Number.isInteger(a.depth) || a.depth < 1) throw new SpikegradError(`oneHot: argument 'depth' expected a positive integer, got ${a.depth}`);
      return [{ shape: [...m.shape, a.depth], dtype: 'float32' }];
    },
  },
  matmul: {
    infer(ins, a) {
      requireArity('matmul', ins, 2);
      const [x, y] = ins as [InMeta, InMeta];
      requireSameDtype('matmul', x, y);
      requireFloat('matmul', 'a', x);
      return [{ shape: matmulShape(x.shape, y.shape, a.transposeA, a.transposeB), dtype: x.dtype }];
    },
    save: { inputs: [0, 1] },
    vjp: ([dy], s, { transposeA: tA, transposeB: tB }, needs) => {
      const [a, b] = [s.inputs[0]!, s.inputs[1]!];
      return [
        needs[0] ? (tA ? O.matmul(b, dy!, { transposeA: tB, transposeB: true }) : O.matmul(dy!, b, { transposeB: !tB })) : null,
        needs[1] ? (tB ? O.matmul(dy!, a, { transposeA: true, transposeB: tA }) : O.matmul(a, dy!, { transposeA: !tA })) : null,
      ];
    },
  },
  fill: {
    infer(ins, a) {
      requireArity('fill', ins, 0);
      return [{ shape: [...a.shape], dtype: a.dtype }];
    },
  },

  // Fused, numerically stable softmax cross-entropy with integer labels (docs/numerics.md §7): per-sample loss [B].
  softmaxCrossEntropy: {
    infer(ins) {
      requireArity('softmaxCrossEntropy', ins, 2);
      const [logits, labels] = ins as [InMeta, InMeta];
      requireFloat('softmaxCrossEntropy', 'logits', logits);
      if (logits.shape.length !== 2) throw new SpikegradError(`softmaxCrossEntropy: argument 'logits' expected shape [batch, classes], got ${fmtShape(logits.shape)}`);
      if (labels.dtype !== 'int32') throw new SpikegradError(`softmaxCrossEntropy: argument 'labels' expected an int32 tensor, got ${labels.dtype} ${fmtShape(labels.shape)}`);
      if (labels.shape.length !== 1 || labels.shape[0] !== logits.shape[0]) {
        throw new SpikegradError(`softmaxCrossEntropy: argument 'labels' expected shape [${logits.shape[0]}], got ${fmtShape(labels.shape)}`);
      }
      return [{ shape: [logits.shape[0]!], dtype: logits.dtype }];
    },
    save: { inputs: [0, 1] },
    vjp: ([dy], s) => [softmaxCrossEntropyGrad(s.inputs[0]!, s.inputs[1]!, dy!), null],
  },
  softmaxCrossEntropyGrad: {
    infer(ins) {
      requireArity('softmaxCrossEntropyGrad', ins, 3);
      return [{ shape: [...ins[0]!.shape], dtype: ins[0]!.dtype }];
    },
  },

  // The spike and its surrogate gradient (engine/opsSpike.ts).
  ...SPIKE_OPS,
  // Fused whole-sequence neuron and synapse layers (engine/opsNeuron.ts, engine/opsSynapse.ts).
  ...NEURON_OPS,
  ...SYNAPSE_OPS,
  // nn.Linear's x @ W + b (engine/opsLinear.ts).
  ...LINEAR_OPS,
  // Convolution and max pooling over NCHW images (engine/opsConv.ts).
  ...CONV_OPS,
  // A recurrent population's whole sequence, the recurrence inside the time loop (engine/opsRecurrent.ts).
  ...RECURRENT_OPS,

};
