/**
 * Known bounds of int32 tensors whose values the host has seen (created from host data, or cast from bool),
 * carried through the free movement ops that cannot leave the bounds (reshape, slice). Checks that would
 * otherwise need a readback (are these class labels in [0, C)?) read them here; a tensor computed on the
 * device has no entry, and such checks are skipped (documented where they are made).
 */
import type { TypedArray } from './dtype.js';
import type { Tensor } from './tensor.js';

export interface IntRange {
  min: number;
  max: number;
}

const ranges = new WeakMap<Tensor, IntRange>();

export function noteIntRange(t: Tensor, range: IntRange): void {
  if (t.dtype === 'int32') ranges.set(t, range);
}

/** Records the bounds of `values` on `t` (an int32 tensor just created from them). */
export function noteIntValues(t: Tensor, values: TypedArray): void {
  if (t.dtype !== 'int32' || values.length === 0) return;
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  ranges.set(t, { min, max });
}

/** `to` holds a subset of `from`'s values (a view or a slice): it inherits the bounds. */
export function inheritIntRange(from: Tensor, to: Tensor): void {
  const r = ranges.get(from);
  if (r) noteIntRange(to, r);
}

/** The bounds of `t`'s values when known on the host, else undefined. */
export function knownIntRange(t: Tensor): IntRange | undefined {
  return ranges.get(t);
}
