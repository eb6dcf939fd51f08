/**
 * Every op on the CPU backend in float64: the forward value against an independent reference where the
 * case has one, and every float input's gradient against central finite differences (gradcheck.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { DIFFERENTIABLE_CASES, FORWARD_ONLY_CASES, type OpCase } from '../support/cases.js';
import { gradcheck, gradChecksRun } from '../support/gradcheck.js';
import { cpu, expectClose, makeInputs, referenceElementwise } from '../support/helpers.js';

function checkForward(c: OpCase, be: sg.Backend): void {
  if (c.lastAxis) {
    const [x] = makeInputs(c.inputs, 'float64', be);
    const n = x!.shape.at(-1)!, v = Array.from(x!.dataSync());
    const rows = Array.from({ length: v.length / n }, (_, i) => c.lastAxis!(v.slice(i * n, (i + 1) * n)));
    expectClose(c.fn(x!).dataSync(), Float64Array.from(rows.flat()), { atol: 1e-12, rtol: 1e-12 }, c.name);
    return;
  }
  if (c.reference) {
    const xs = makeInputs(c.inputs, 'float64', be);
    const out = c.fn(...xs);
    const ref = c.reference(...xs.map((x) => ({ shape: [...x.shape], data: Array.from(x.dataSync()) })));
    expect([...out.shape], `${c.name}: shape`).toEqual(ref.shape);
    expectClose(out.dataSync(), Float64Array.from(ref.data), { atol: 1e-12, rtol: 1e-12 }, c.name);
    return;
  }
  if (!c.elementwise) throw new Error(`${c.name}: the case has no independent forward reference (elementwise, lastAxis or reference)`);
  const xs = makeInputs(c.inputs, 'float64', be);
  const out = c.fn(...xs);
  const ref = referenceElementwise(xs.map((x) => [...x.shape]), xs.map((x) => x.dataSync()), c.elementwise);
  expect([...out.shape]).toEqual(ref.shape);
  expectClose(out.dataSync(), ref.values, { atol: 1e-12, rtol: 1e-12 }, c.name);
}

describe('ops on the CPU backend (float64)', async () => {
  const be = await cpu();
  for (const c of DIFFERENTIABLE_CASES) {
    it(`${c.name}: forward and gradients`, () => {
      sg.tidy(() => {
        checkForward(c, be);
        gradcheck(c.fn, makeInputs(c.inputs, 'float64', be));
      });
    });
  }
  for (const c of FORWARD_ONLY_CASES) {
    it(`${c.name}: forward (documented as non-differentiable)`, () => sg.tidy(() => checkForward(c, be)));
  }
  it('every case has an independent forward reference', () => {
    const without = [...DIFFERENTIABLE_CASES, ...FORWARD_ONLY_CASES].filter((c) => !c.elementwise && !c.lastAxis && !c.reference).map((c) => c.name);
    expect(without).toEqual([]);
  });
  afterAll(() => console.log(`ops.test.ts: ${gradChecksRun()} gradient checks against float64 finite differences`));
});

describe('forward values of structural ops', () => {
  const t = (v: sg.NestedArray, dtype: sg.DType = 'float64') => sg.tensor(v, undefined, dtype);
  it('reductions with and without keepDims', async () => {
    const x = t([[1, 5, 3], [4, 2, 6]]);
    expect(await sg.sum(x, 1).array()).toEqual([9, 12]);
    expect(await sg.sum(x, 0, true).array()).toEqual([[5, 7, 9]]);
    expect(await sg.max(x, 1).array()).toEqual([5, 6]);
    expect(await sg.min(x).item()).toBe(1);
    expect(await sg.mean(x, [0, 1]).item()).toBe(3.5);
    expect(await sg.argmax(x, 1).array()).toEqual([1, 2]);
    expect(sg.argmax(x, 1).dtype).toBe('int32');
  });
  it('movement ops', async () => {
    const x = t([[1, 2, 3], [4, 5, 6]]);
    expect(await sg.transpose(x).array()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(await sg.slice(x, [0, 1], [2, 2]).array()).toEqual([[2, 3], [5, 6]]);
    expect(await sg.pad(x, [0, 1], [1, 0]).array()).toEqual([[0, 1, 2, 3], [0, 4, 5, 6], [0, 0, 0, 0]]);
    expect(await sg.concat([x, x], 0).array()).toEqual([[1, 2, 3], [4, 5, 6], [1, 2, 3], [4, 5, 6]]);
    expect(await sg.stack([x, x], 2).reshape([12]).array()).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]);
    expect(await sg.index(x, 1, 1).array()).toEqual([2, 5]);
    expect(await sg.broadcastTo(t([1, 2]), [2, 2]).array()).toEqual([[1, 2], [1, 2]]);
    expect(await sg.gather(x, sg.tensor([2, 0], [2], 'int32'), 1).array()).toEqual([[3, 1], [6, 4]]);
    expect(await sg.oneHot(sg.tensor([1, 0, 5], [3], 'int32'), 3).array()).toEqual([[0, 1, 0], [1, 0, 0], [0, 0, 0]]);
    expect(await sg.permute(sg.reshape(sg.arange(6, 'float64'), [1, 2, 3]), [2, 0, 1]).reshape([6]).array()).toEqual([0, 3, 1, 4, 2, 5]);
  });
  it('matmul against a triple loop, including the sparse (event-driven) path', async () => {
    const M = 300, K = 100, N = 7;
    const a = new Float64Array(M * K), b = new Float64Array(K * N);
    for (let i = 0; i < a.length; i++) a[i] = (i * 7919) % 211 === 0 ? 1 : 0; // ≈0.5% dense, binary
    for (let i = 0; i < b.length; i++) b[i] = Math.sin(i);
    const ref = new Float64Array(M * N);
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) { let s = 0; for (let k = 0; k < K; k++) s += a[i * K + k]! * b[k * N + j]!; ref[i * N + j] = s; }
    const A = sg.tensor(a, [M, K], 'float64'), B = sg.tensor(b, [K, N], 'float64');
    expectClose(sg.matmul(A, B).dataSync(), ref, { atol: 1e-12, rtol: 1e-12 }, 'sparse A @ B');
    // Aᵀ·G through the same cached sparse rows: (Aᵀ)ᵀ… compare with the dense transposed product.
    const G = sg.tensor(Float64Array.from({ length: M * N }, (_, i) => Math.cos(i)), [M, N], 'float64');
    const refT = new Float64Array(K * N);
    const g = G.dataSync();
    for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) { let s = 0; for (let i = 0; i < M; i++) s += a[i * K + k]! * g[i * N + j]!; refT[k * N + j] = s; }
    expectClose(sg.matmul(A, G, { transposeA: true }).dataSync(), refT, { atol: 1e-12, rtol: 1e-12 }, 'sparse Aᵀ @ G');
  });
  it('softmax cross-entropy matches log-sum-exp by hand and is ln 2 for equal logits', async () => {
    const z = t([[0, 0], [1000, -1000], [2, 3]]);
    const y = sg.tensor([1, 1, 0], [3], 'int32');
    const l = sg.softmaxCrossEntropy(z, y).dataSync();
    expect(l[0]).toBeCloseTo(Math.LN2, 14);
    expect(l[1]).toBeCloseTo(2000, 10);
    expect(l[2]).toBeCloseTo(Math.log(Math.exp(2) + Math.exp(3)) - 2, 14);
  });
  it('integer arithmetic stays integer', async () => {
    const a = sg.tensor([1, 2, 3], [3], 'int32');
    const s = sg.add(a, 4);
    expect(s.dtype).toBe('int32');
    expect(await s.array()).toEqual([5, 6, 7]);
    expect(await sg.cast(sg.tensor([-1.7, 2.9]), 'int32').array()).toEqual([-1, 2]);
  });
});
