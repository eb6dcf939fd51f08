/**
 * Float64 work arrays reused from call to call. A typed array's storage lives outside the JS heap: allocating
 * one per kernel call (a carry row, a row of slopes) costs an allocation plus the garbage collections that
 * external memory triggers, measured at several percent of a seed training step. Kernels run one at a
 * time and never re-enter, so each call site can own one buffer.
 */

/** A getter of a zeroed float64 array of at least n elements, reused by every call (one per call site). */
export function workRow(): (n: number) => Float64Array {
  let buf = new Float64Array(0);
  return (n) => {
    if (buf.length < n) buf = new Float64Array(n);
    else buf.fill(0, 0, n);
    return buf;
  };
}
