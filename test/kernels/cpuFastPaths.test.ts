/**
 * The CPU kernels' fast paths (merged axes in broadcasts and elementwise ops, column sums over leading axes,
 * the reused matmul accumulator) against naive float64 references, on the layouts that take them and on
 * neighbouring ones that must not.
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import * as internal from '../../internal.js';
import { expectClose, referenceElementwise, rng, uniformArray } from '../support/helpers.js';

const F64 = { atol: 0, rtol: 1e-15 };
const rand = rng(21);
const t = (shape: number[]) => sg.tensor(uniformArray(shape.reduce((p, d) => p * d, 1), -2, 2, rand), shape, 'float64');

/** Naive reference sum over `axes` by full index enumeration. */
function refSum(x: sg.Tensor, axes: number[]): Float64Array {
  const shape = x.shape, d = x.dataSync();
  const outShape = shape.filter((_, i) => !axes.includes(i));
  const out = new Float64Array(outShape.reduce((p, v) => p * v, 1));
  const idx = new Array(shape.length).fill(0);
  for (let i = 0; i < d.length; i++) {
    let o = 0;
    shape.forEach((s, k) => { if (!axes.includes(k)) o = o * s + idx[k]!; });
    out[o]! += d[i]!;
    for (let k = shape.length - 1; k >= 0; k--) { if (++idx[k] < shape[k]!) break; idx[k] = 0; }
  }
  return out;
}

describe('CPU fast paths', () => {
  const cases: [number[], number[]][] = [
    [[1, 256, 2], [200, 256, 2]], [[256, 1], [3, 256, 5]], [[1], [7, 3]], [[4, 1, 3], [4, 5, 3]], [[1, 1, 6], [2, 1, 6]],
    // The repeated block copied by doubling: a scalar into 3·37·11 copies, a row into 7·5 (not powers of two), one copy.
    [[], [3, 37, 11]], [[1, 3], [7, 5, 3]], [[2, 3], [1, 2, 3]],
  ];
  it.each(cases)('broadcastTo %j → %j', (from, to) => {
    const x = t(from);
    const ref = referenceElementwise([from, to], [x.dataSync(), new Float64Array(to.reduce((p, d) => p * d, 1))], (a) => a);
    expectClose(sg.broadcastTo(x, to).dataSync(), ref.values, F64, `broadcastTo ${from}→${to}`);
  });
  it('broadcastTo into a shape with a zero axis gives an empty tensor', () => {
    const y = sg.broadcastTo(t([5]), [0, 5]);
    expect([...y.shape]).toEqual([0, 5]);
    expect(y.dataSync().length).toBe(0);
  });
  const binaryCases: [number[], number[]][] = [
    [[51, 4], [4]], [[4], [51, 4]], [[6, 5, 4], [5, 4]], [[6, 5, 4], [6, 1, 4]], [[3, 1], [1, 4]], [[2, 3, 1], [3, 7]], [[1, 1], [5, 1]],
  ];
  it.each(binaryCases)('sub %j with %j', (sa, sb) => {
    const a = t(sa), b = t(sb);
    const ref = referenceElementwise([sa, sb], [a.dataSync(), b.dataSync()], (x, y) => x - y);
    const out = sg.sub(a, b);
    expect([...out.shape]).toEqual(ref.shape);
    expectClose(out.dataSync(), ref.values, F64, `sub ${sa} ${sb}`);
  });
  const sumCases: [number[], number[]][] = [
    [[51, 4], [0]], [[20, 13, 2], [0]], [[20, 13, 2], [0, 1]], [[1, 9, 3], [1]], [[5, 1, 3], [0, 1]], [[4, 5, 6], [1]], [[4, 5, 6], [0, 2]], [[4, 5], [0, 1]],
  ];
  it.each(sumCases)('sum %j over %j', (shape, axes) => {
    const x = t(shape);
    expectClose(sg.sum(x, axes).dataSync(), refSum(x, axes), { atol: 1e-13, rtol: 1e-13 }, `sum ${shape} ${axes}`);
  });
  it('matmuls of different sizes in a row give the same as fresh ones (shared accumulator)', () => {
    const a = t([30, 7]), b = t([7, 5]), c = t([3, 30]);
    const first = sg.matmul(a, b).dataSync().slice();
    sg.matmul(c, a); // a different size in between
    expect(Array.from(sg.matmul(a, b).dataSync())).toEqual(Array.from(first));
    const ad = a.dataSync(), bd = b.dataSync();
    const ref = new Float64Array(30 * 5);
    for (let i = 0; i < 30; i++) for (let j = 0; j < 5; j++) for (let k = 0; k < 7; k++) ref[i * 5 + j]! += ad[i * 7 + k]! * bd[k * 5 + j]!;
    expectClose(first, ref, { atol: 1e-13, rtol: 1e-13 }, 'matmul');
  });
});

describe('CPU array pool', () => {
  it('recycles released large arrays, zeroed, and forgets their sparse view', async () => {
    const be = await internal.getBackendInstance('cpu');
    // A sparse 64×128 operand: the matmul caches a sparse view of its storage.
    const sparse = sg.tidy(() => sg.keep(sg.zeros([64, 128]).add(sg.oneHot(sg.tensor([3], [1], 'int32'), 128).reshape([1, 128]).broadcastTo([64, 128]))));
    const w = sg.ones([128, 2]);
    expect(Array.from(sg.matmul(sparse, w).dataSync().slice(0, 2))).toEqual([1, 1]);
    const before = be.memory();
    sparse.dispose(); // its storage goes to the pool
    expect(be.memory().bytesAllocated - be.memory().bytesInUse).toBeGreaterThanOrEqual(before.bytesAllocated - before.bytesInUse + 64 * 128 * 4);
    // The next array of that size reuses it: dense now, so the old sparse view must not be used.
    const dense = sg.full([64, 128], 2);
    expect(Array.from(sg.matmul(dense, w).dataSync().slice(0, 2))).toEqual([256, 256]);
    // And a recycled array comes back zeroed.
    dense.dispose();
    expect(sg.zeros([64, 128]).dataSync().every((v) => v === 0)).toBe(true);
  });
});
