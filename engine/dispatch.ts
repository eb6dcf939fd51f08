/**
 * The single path every op takes: check the inputs (live, one backend), let the op table infer and validate
 * the output (before any backend work), run the backend's kernel, wrap the results, record on the tape.
 */
import type { Backend, TensorInfo } from './backend.js';
import { getBackend } from './backends.js';
import { SpikegradError, describeValue } from './errors.js';
import { checkOutputs, numerics } from './numerics.js';
import { OPS, type OpAttrs, type OpDef, type OpName } from './ops.js';
import { recordOp } from './tape.js';
import { Tensor, disposedNote } from './tensor.js';

export function runOp<K extends OpName>(op: K, inputs: readonly Tensor[], attrs: OpAttrs[K], backend?: Backend): Tensor[] {
  const def = OPS[op] as OpDef<OpAttrs[K]>;
  // Plain loops here and below: this runs for every op (a step-mode training step runs 12 000 of them).
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i];
    if (!(t instanceof Tensor)) throw new SpikegradError(`${op}: input ${i} expected a Tensor, got ${describeValue(t)}`);
    if (t.isDisposed) throw new SpikegradError(`${op}: input ${i} (${t.dtype}) was used after dispose()${disposedNote(t)}`);
  }
  const be = inputs[0]?.backend ?? backend ?? getBackend();
  for (let i = 1; i < inputs.length; i++) {
    if (inputs[i]!.backend !== be) {
      throw new SpikegradError(`${op}: inputs live on different backends (${be.name} and ${inputs[i]!.backend.name}); move one with 'await t.to(...)'`);
    }
  }
  const outs = def.infer(inputs, attrs);
  if (!be.supportsFloat64) {
    for (const o of outs) if (o.dtype === 'float64') throw new SpikegradError(`${op}: the ${be.name} backend has no float64; use float32 or the CPU backend`);
  }
  // Sizes against the backend's limits, before anything is allocated (reshape allocates nothing).
  if (op !== 'reshape') be.checkAlloc(op, outs);
  be.counters.ops++;
  // reshape is metadata only: the result shares the input's storage.
  const ids = op === 'reshape'
    ? (be.incRef(inputs[0]!.dataId), [inputs[0]!.dataId])
    : be.run(op, inputs as readonly TensorInfo[], attrs, outs);
  const results = new Array<Tensor>(outs.length);
  for (let i = 0; i < outs.length; i++) results[i] = new Tensor(be, ids[i]!, outs[i]!.shape, outs[i]!.dtype);
  if (numerics.on && op !== 'reshape') checkOutputs(op, be, results); // the checkNumerics debug mode
  recordOp(op, inputs, results, attrs);
  return results;
}

/** Single-output convenience. */
export function run1<K extends OpName>(op: K, inputs: readonly Tensor[], attrs: OpAttrs[K], backend?: Backend): Tensor {
  return runOp(op, inputs, attrs, backend)[0]!;
}
