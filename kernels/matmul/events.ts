/**
 * Event-driven matmul on WebGPU: C = A·B (or Aᵀ·B) when A is a sparse upload (a spike train: the `seed`
 * network's input is 0.5 % ones), read through its event list (kernels/webgpu/events.ts) instead of densely.
 * Twin: the CPU backend's sparse path in matmul/cpu.ts (same op, same result up to float rounding).
 *
 * Output element (g, n) sums val_e · B[idx_e, n] over the events e of group g:
 * - forward x·W (A not transposed): groups are A's rows, idx the column k;
 * - weight gradient xᵀ·dY (A transposed): groups are A's columns, idx the row m.
 * Both read B (W or dY) at row idx_e, so one kernel serves both. Sums run in blocks of BLOCK events added to
 * a running total, so a long group (a dense column) errs like a two-level sum, not like one serial run.
 *
 * On lavapipe the dense lane-tiled kernel spends 13 ms on [51200,100]·[100,4] and 7 ms on its weight gradient
 * whatever the data; these touch only the ~26 000 events (bench/RESULTS.md).
 */
import type { TensorInfo } from '../../engine/backend.js';
import { cachedProgram } from '../webgpu/program.js';
import type { GpuContext } from '../webgpu/types.js';

/** Events per partial sum. */
const BLOCK = 64;
/**
 * The event path is taken up to this density when the other side is narrow (N ≤ NARROW), where the dense
 * kernel is load-bound and slow, and up to WIDE_DENSITY otherwise (the dense kernel then runs near its best).
 */
const NARROW = 16;
const NARROW_DENSITY = 0.1;
const WIDE_DENSITY = 0.03;

/**
 * Encodes C = op(A)·op(B) (+ bias along C's last axis) into `y` through A's events and returns true, or
 * returns false (nothing encoded) when A has no event list or the product is not a plain 2-D one.
 */
export function eventMatmul(
  gpu: GpuContext, a: TensorInfo, b: TensorInfo, tA: boolean, tB: boolean, dims: { M: number; N: number; K: number }, y: TensorInfo, bias?: TensorInfo,
): boolean {
  const { M, N, K } = dims;
  if (a.shape.length !== 2 || b.shape.length !== 2 || a.dtype !== 'float32') return false;
  // A stored [rows, cols]: C's rows are A's rows (group by row) or, transposed, A's columns (group by column).
  const list = gpu.events(a, a.shape[1]!, tA ? 'col' : 'row', N <= NARROW ? NARROW_DENSITY : WIDE_DENSITY);
  if (!list) return false;
  // B row-major with N % 4 = 0: each invocation sums a quad of one output row (one vec4 load per event).
  const W = !tB && N % 4 === 0 ? 4 : 1;
  const V = W === 4 ? 'vec4<f32>' : 'f32';
  const p = cachedProgram(`matmulEvents|w${W}${bias ? '|bias' : ''}`, () => ({
    params: { n: 'u32', units: 'u32', sBk: 'u32', sBn: 'u32' },
    inputs: { ptr: 'i32', idx: 'i32', val: 'f32', B: V, ...(bias ? { bias: V } : {}) }, outputs: { C: V },
    helpers: `const BLOCK: u32 = ${BLOCK}u;`,
    element: [
      // Output unit i: group g = i / units, column (or quad of columns) i % units.
      '  let g = i / params.units;',
      '  let col = i % params.units;',
      '  let end = u32(ptr[g + 1u]);',
      `  var total = ${V}(0.0);`,
      '  var e = u32(ptr[g]);',
      '  while (e < end) {',
      '    let stop = min(e + BLOCK, end);',
      `    var part = ${V}(0.0);`,
      '    for (; e < stop; e++) { part = part + val[e] * B[u32(idx[e]) * params.sBk + col * params.sBn]; }',
      '    total = total + part;',
      '  }',
      bias ? '  C[i] = total + bias[col];' : '  C[i] = total;',
    ].join('\n'),
  }));
  // B stored [K, N] (or [N, K] when transposed): element (k, n) at k·sBk + n·sBn; in quads when W = 4.
  const [sBk, sBn] = W === 4 ? [N / 4, 1] : [tB ? 1 : N, tB ? K : 1];
  gpu.dispatch(p, { inputs: [list.ptr, list.idx, list.val, b, ...(bias ? [bias] : [])], outputs: [y], params: { n: (M * N) / W, units: N / W, sBk, sBn } });
  return true;
}
