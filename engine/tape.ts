/**
 * The tape of reverse-mode autodiff. While a `grad` is being taken, every op with at least one tracked input
 * is recorded as a node (op, attrs, input/output ids, and only the tensors its rule declared in `save`).
 * `backward` walks the nodes in reverse from the output, calls each op's vjp, sums each gradient back to its
 * input's shape over broadcast axes, checks shape and dtype (naming the op), and accumulates by tensor id.
 */
import { isFloat } from './dtype.js';
import { SpikegradError, fmtShape } from './errors.js';
import { OPS, type InMeta, type OpDef, type OpName, type Saved, type VjpOps } from './ops.js';
import { broadcastReductionAxes, sameShape } from './shape.js';
import type { Tensor } from './tensor.js';
import { describeSite, inGradientOf, numerics } from './numerics.js';
import * as O from './api.js';
import { run1, runOp } from './dispatch.js';

interface TapeNode {
  op: OpName;
  attrs: unknown;
  inIds: number[];
  inTracked: boolean[];
  outIds: number[];
  saved: Saved;
  /** Where the forward op ran (layer, step), recorded only in the checkNumerics debug mode. */
  site?: string;
}

export class Tape {
  readonly nodes: TapeNode[] = [];
  /** Ids of tensors that depend on a watched tensor. */
  readonly tracked = new Set<number>();

  watch(t: Tensor): void {
    if (!isFloat(t.dtype)) {
      throw new SpikegradError(`grad: cannot differentiate with respect to a ${t.dtype} tensor ${fmtShape(t.shape)}; gradients need float32 or float64`);
    }
    this.tracked.add(t.id);
  }

  /** Releases the tensors the nodes saved for backward. */
  release(): void {
    for (const n of this.nodes) {
      for (const t of n.saved.inputs) t?.dispose();
      for (const t of n.saved.outputs) t?.dispose();
    }
    this.nodes.length = 0;
  }
}

const activeTapes: Tape[] = [];
let pauseDepth = 0;

export function isRecording(): boolean {
  return activeTapes.length > 0 && pauseDepth === 0;
}

/** Runs `fn` with `tape` recording. */
export function withTape<T>(tape: Tape, fn: () => T): T {
  activeTapes.push(tape);
  try {
    return fn();
  } finally {
    activeTapes.splice(activeTapes.lastIndexOf(tape), 1);
  }
}

/** Runs `fn` without recording anything on any tape: its results carry no gradient. */
export function noGrad<T>(fn: () => T): T {
  pauseDepth++;
  try {
    return fn();
  } finally {
    pauseDepth--;
  }
}

/** Called by runOp after every op. */
export function recordOp(op: OpName, inputs: readonly Tensor[], outputs: readonly Tensor[], attrs: unknown): void {
  if (!isRecording()) return;
  const def = OPS[op] as OpDef<unknown>;
  for (const tape of activeTapes) {
    const inTracked = inputs.map((t) => tape.tracked.has(t.id));
    if (!inTracked.some(Boolean)) continue;
    if (!def.vjp) continue; // not differentiable: its outputs carry no gradient
    const save = def.save ?? {};
    const saved: Saved = {
      inputs: inputs.map((t, i) => (save.inputs?.includes(i) ? t.share() : undefined)),
      outputs: outputs.map((t, i) => (save.outputs?.includes(i) ? t.share() : undefined)),
      inMeta: inputs.map((t): InMeta => ({ shape: t.shape, dtype: t.dtype })),
    };
    // Saved handles must outlive the user's scopes; the tape releases them.
    for (const t of saved.inputs) if (t) t.kept = true;
    for (const t of saved.outputs) if (t) t.kept = true;
    const node: TapeNode = { op, attrs, inIds: inputs.map((t) => t.id), inTracked, outIds: outputs.map((t) => t.id), saved };
    if (numerics.on) node.site = describeSite();
    tape.nodes.push(node);
    for (const t of outputs) if (isFloat(t.dtype)) tape.tracked.add(t.id);
  }
}

/** Sums `g` over the axes along which `meta` was broadcast to produce it. */
function unbroadcast(op: OpName, g: Tensor, meta: InMeta, inputIndex: number): Tensor {
  if (sameShape(g.shape, meta.shape)) return g;
  const axes = broadcastReductionAxes(meta.shape, g.shape);
  const ok = g.shape.length >= meta.shape.length &&
    meta.shape.every((d, i) => d === 1 || d === g.shape[g.shape.length - meta.shape.length + i]);
  if (!ok) {
    throw new SpikegradError(`${op}: gradient rule returned shape ${fmtShape(g.shape)} for input ${inputIndex} of shape ${fmtShape(meta.shape)}`);
  }
  return O.reshape(O.sum(g, axes, false), [...meta.shape]);
}

/**
 * Reverse sweep. Returns the gradient of `y` (seeded with `seed`) for each id in `wrtIds` that `y` depends on.
 * Runs under noGrad: the rules' own ops are not recorded (no higher-order derivatives).
 */
let vjpOpsCache: VjpOps | null = null;
/** The ops every gradient rule receives (ops.ts VjpOps), built on first use (after every module has loaded). */
function vjpOps(): VjpOps {
  return (vjpOpsCache ??= Object.freeze({ ...O, runOp, run1 }));
}

export function backward(tape: Tape, y: Tensor, seed: Tensor, wrtIds: ReadonlySet<number>): Map<number, Tensor> {
  return noGrad(() => {
    const grads = new Map<number, Tensor>();
    if (!tape.tracked.has(y.id)) return grads;
    grads.set(y.id, seed);
    for (let n = tape.nodes.length - 1; n >= 0; n--) {
      const node = tape.nodes[n]!;
      const dys = node.outIds.map((id) => grads.get(id) ?? null);
      if (dys.every((d) => d === null)) continue;
      const def = OPS[node.op] as OpDef<unknown>;
      // checkNumerics: an op of the backward pass names the forward op whose gradient it computes.
      const ops = vjpOps();
      const gin = numerics.on ? inGradientOf(node.op, node.site ?? '', () => def.vjp!(dys, node.saved, node.attrs, node.inTracked, ops))
        : def.vjp!(dys, node.saved, node.attrs, node.inTracked, ops);
      if (gin.length !== node.inIds.length) {
        throw new SpikegradError(`${node.op}: gradient rule returned ${gin.length} gradients for ${node.inIds.length} inputs`);
      }
      for (let i = 0; i < gin.length; i++) {
        const raw = gin[i];
        if (!node.inTracked[i] || !raw) continue;
        const meta = node.saved.inMeta[i]!;
        let g = unbroadcast(node.op, raw, meta, i);
        if (g.dtype !== meta.dtype) {
          throw new SpikegradError(`${node.op}: gradient for input ${i} has dtype ${g.dtype}, the input has ${meta.dtype}`);
        }
        // A rule may hand back its incoming gradient itself (add, reshape…): take our own handle on it,
        // since the output's gradient is disposed once this node is done.
        if (dys.includes(g)) g = g.share();
        const id = node.inIds[i]!;
        const prev = grads.get(id);
        if (prev) {
          grads.set(id, O.add(prev, g));
          prev.dispose();
          g.dispose();
        } else grads.set(id, g);
      }
      // Gradients of this node's outputs are complete and consumed: free them early (long BPTT tapes).
      for (const id of node.outIds) {
        if (wrtIds.has(id)) continue;
        const g = grads.get(id);
        if (g && g !== seed) g.dispose();
        grads.delete(id);
      }
    }
    return grads;
  });
}
