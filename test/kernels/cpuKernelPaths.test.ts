/**
 * The CPU kernels' specialised paths against naive float64 references and against each other: every matmul
 * path (sparse rows and sparse transposed from a cached view, generated thin kernels, row-axpy, packed) on
 * the layouts that select it, including batches, transposes and spiking (0/1, mostly zero) operands; and
 * float32 division by multiplication (f32Div), which the fused float32 kernels rely on for bit-identity.
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { setArraySource, type ArraySource } from '../../engine/dtype.js';
import { f32Div } from '../../kernels/cpu/f32.js';
import { forgetSparseView, sparseView } from '../../kernels/matmul/cpu.js';
import { codegen } from '../../surrogate/compileJs.js';
import { expectClose, referenceElementwise, rng } from '../support/helpers.js';

let rand = rng(77);

/** A [..., r, c] tensor: dense uniform values, or 0/1 spikes with probability `p`. */
/** `run` gives the same values with the generated kernels and with their generic twins (codegen off). */
function expectSameWithoutCodegen(run: () => unknown): void {
  const compiled = run();
  codegen.enabled = false;
  try {
    expect(run()).toEqual(compiled);
  } finally {
    codegen.enabled = true;
  }
}

function make(shape: number[], p: number | null, dtype: 'float32' | 'float64' = 'float64'): sg.Tensor {
  const n = shape.reduce((a, d) => a * d, 1);
  const v = Float64Array.from({ length: n }, () => (p === null ? rand() * 4 - 2 : rand() < p ? 1 : 0));
  return sg.tensor(v, shape, dtype);
}

/** Naive float64 product with broadcast batch axes (one leading axis at most here). */
function refMatmul(a: sg.Tensor, b: sg.Tensor, tA: boolean, tB: boolean): Float64Array {
  const as = a.shape, bs = b.shape, ad = a.dataSync(), bd = b.dataSync();
  const [M, K] = tA ? [as.at(-1)!, as.at(-2)!] : [as.at(-2)!, as.at(-1)!];
  const N = tB ? bs.at(-2)! : bs.at(-1)!;
  const nA = as.length > 2 ? as[0]! : 1, nB = bs.length > 2 ? bs[0]! : 1, nBatch = Math.max(nA, nB);
  const out = new Float64Array(nBatch * M * N);
  for (let q = 0; q < nBatch; q++) {
    const ao = (nA === 1 ? 0 : q) * M * K, bo = (nB === 1 ? 0 : q) * K * N;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += ad[ao + (tA ? k * M + i : i * K + k)]! * bd[bo + (tB ? j * K + k : k * N + j)]!;
        out[q * M * N + i * N + j] = s;
      }
    }
  }
  return out;
}

describe('CPU matmul paths', () => {
  // [name, A shape, B shape, tA, tB, A spike probability (null: dense)]
  const cases: [string, number[], number[], boolean, boolean, number | null][] = [
    ['sparse rows (cached view)', [700, 64], [64, 5], false, false, 0.02],
    ['sparse rows, Bᵀ', [700, 64], [3, 64], false, true, 0.02],
    ['sparse transposed (weight gradient)', [700, 64], [700, 6], true, false, 0.02],
    ['sparse, batched', [2, 300, 40], [2, 40, 3], false, false, 0.03],
    ['sparse transposed, batched', [2, 300, 40], [2, 300, 3], true, false, 0.03],
    ['thin rows [n, 4] @ [4, 2] (spikes)', [999, 4], [4, 2], false, false, 0.05],
    ['thin rows [n, 2] @ [2, 4]ᵀ', [999, 2], [4, 2], false, true, null],
    ['thin transposed [n, 4]ᵀ @ [n, 2]', [999, 4], [999, 2], true, false, 0.05],
    ['thin transposed, dense, batched', [3, 50, 4], [3, 50, 7], true, false, null],
    ['row-axpy [60, 40] @ [40, 9]', [60, 40], [40, 9], false, false, null],
    ['row-axpy transposed [40, 60]ᵀ @ [40, 9]', [40, 60], [40, 9], true, false, null],
    ['short sparse rows stay dense [900, 8] @ [8, 8]', [900, 8], [8, 8], false, false, 0.01],
    ['packed [40, 300] @ [300, 36]', [40, 300], [300, 36], false, false, null],
    ['packed Aᵀ [300, 40]ᵀ @ [300, 36]', [300, 40], [300, 36], true, false, null],
  ];
  it.each(cases)('%s', (_name, sa, sb, tA, tB, p) => sg.tidy(() => {
    const a = make(sa, p), b = make(sb, null);
    const out = sg.matmul(a, b, { transposeA: tA, transposeB: tB });
    expectClose(out.dataSync(), refMatmul(a, b, tA, tB), { atol: 1e-12, rtol: 1e-12 }, 'matmul');
  }));

  it('builds a sparse view only for long sparse rows, and reuses it', () => sg.tidy(() => {
    const long = make([700, 64], 0.02), short = make([900, 8], 0.01), dense = make([700, 64], null);
    const ld = long.dataSync(), sd = short.dataSync(), dd = dense.dataSync();
    const view = sparseView(ld, 700, 64);
    expect(view).not.toBeNull();
    expect(sparseView(ld, 700, 64)).toBe(view);
    expect(view!.values.length).toBe(Array.from(ld).filter((v) => v !== 0).length);
    expect(sparseView(sd, 900, 8)).toBeNull();
    expect(sparseView(dd, 700, 64)).toBeNull();
    forgetSparseView(ld);
  }));

  it('a spiking row gives the same bits alone and among many (step mode = sequence mode)', () => sg.tidy(() => {
    for (const [K, N] of [[4, 2], [64, 4], [3, 40]] as const) {
      const a = make([512, K], 0.05, 'float32'), w = make([K, N], null, 'float32');
      const all = sg.matmul(a, w).dataSync();
      for (const row of [0, 17, 511]) {
        const one = sg.matmul(sg.slice(a, [row, 0], [1, K]), w).dataSync();
        expect(Array.from(one)).toEqual(Array.from(all.subarray(row * N, row * N + N)));
      }
    }
  }));
});

describe('f32Div: float32 division as a multiplication by the reciprocal', () => {
  const fr = Math.fround;
  it('equals the rounded quotient for random, exact, tiny and huge float32 numerators', () => {
    const r = rng(3);
    for (const d of [3, 5, 6, 7, 10, 20, 4, 0.7, 1e-3, 12345.678, 98, 150, 182].map(fr)) {
      const recip = 1 / d;
      const nums = [0, -0, 1, -1, d, 3 * d, 2 ** -149, -(2 ** -149), 2 ** -126, 3e38, -3e38, Infinity, -Infinity];
      for (let i = 0; i < 20000; i++) nums.push(fr((r() - 0.5) * 2 ** Math.floor(r() * 300 - 150)));
      // Quotients exactly halfway between two subnormal float32 numbers (ties to even), for even d: the one
      // place where the product by a rounded reciprocal can round the other way (it does for d = 98, 150, 182).
      if (Number.isInteger(d) && d % 2 === 0) for (let j = 0; j < 64; j++) nums.push((2 * j + 1) * (d / 2) * 2 ** -149);
      const wrong = nums.filter((n) => !Object.is(fr(f32Div(n, recip, d)), fr(n / d)));
      expect(wrong, `numerators whose quotient by ${d} differs`).toEqual([]);
      expect(Number.isNaN(f32Div(NaN, recip, d))).toBe(true);
    }
  });
});

describe('kernels that take recycled arrays without zeroing them write every element', () => {
  // While the op under test runs, every allocOutput array comes NaN-filled (as a recycled array could come
  // with any old contents), so an element a kernel skipped comes out NaN and differs from the normal run.
  const T = 20, B = 64, n = 4;
  const f32 = (shape: number[], p: number | null = null) => make(shape, p, 'float32');
  const poisoned: ArraySource = (dtype, size, zero) => {
    if (zero || dtype === 'int32' || dtype === 'bool') return undefined;
    return (dtype === 'float32' ? new Float32Array(size) : new Float64Array(size)).fill(NaN);
  };
  // Each case makes its inputs, then returns the computation under test.
  const cases: [string, () => () => sg.Tensor][] = [
    ['matmul thin', () => { const a = f32([T * B, n], 0.1), w = f32([n, 8]); return () => sg.matmul(a, w); }],
    ['matmul thin transposed', () => { const a = f32([T * B, n], 0.1), w = f32([T * B, 3]); return () => sg.matmul(a, w, { transposeA: true }); }],
    ['matmul sparse', () => { const a = f32([T * B, 64], 0.02), w = f32([64, 4]); return () => sg.matmul(a, w); }],
    ['matmul dense rows', () => { const a = f32([T * B, 20]), w = f32([20, 4]); return () => sg.matmul(a, w); }],
    ['add bias', () => { const a = f32([T * B, n]), b = f32([n]); return () => sg.add(a, b); }],
    ['linear thin', () => { const a = f32([T * B, n], 0.1), w = f32([n, 3]), b = f32([3]); return () => sg.linear(a, w, b); }],
    ['linear sparse', () => { const a = f32([T * B, 64], 0.02), w = f32([64, 4]), b = f32([4]); return () => sg.linear(a, w, b); }],
    ['linear dense rows', () => { const a = f32([T * B, 20]), w = f32([20, 4]), b = f32([4]); return () => sg.linear(a, w, b); }],
    ['exp', () => { const a = f32([T * B, n]); return () => sg.exp(a); }],
    ['broadcastTo', () => { const a = f32([1, B, n]); return () => sg.broadcastTo(a, [T, B, n]); }],
    ['LIF run and its gradient', () => {
      const lif = new sg.nn.LIF(n, { tau: 5 });
      const xs = sg.mul(f32([T, B, n]), 2), u = f32([T, B, n]);
      return () => {
        sg.nn.initAllStates(lif, { batchSize: B });
        const g = sg.grad((x: sg.Tensor) => lif.run(x).mul(u).sum(), xs)(xs);
        sg.nn.initAllStates(lif, { batchSize: B });
        return sg.concat([lif.run(xs), g], 0);
      };
    }],
    ['Expon run and its gradient', () => {
      const ex = new sg.nn.Expon(n, { tau: 5 });
      const xs = f32([T, B, n]), u = f32([T, B, n]);
      return () => {
        sg.nn.initAllStates(ex, { batchSize: B });
        const g = sg.grad((x: sg.Tensor) => ex.run(x).mul(u).sum(), xs)(xs);
        sg.nn.initAllStates(ex, { batchSize: B });
        return sg.concat([ex.run(xs), g], 0);
      };
    }],
  ];
  it.each(cases)('%s', (_name, setup) => {
    const once = (poison: boolean) => sg.tidy(() => {
      rand = rng(123); // the same inputs in both runs
      const compute = setup();
      const prev = poison ? setArraySource(poisoned) : null;
      try {
        return Array.from(compute().dataSync());
      } finally {
        if (poison) setArraySource(prev);
      }
    });
    const clean = once(false), recycled = once(true);
    expect(recycled.some(Number.isNaN)).toBe(false);
    expect(recycled).toEqual(clean);
  });
});

describe('generated kernels against the generic loops (the paths taken where eval is forbidden)', () => {
  // Same inputs, codegen on and off: forward values, final states and every gradient bit for bit.
  const configs: [string, () => sg.nn.Module, 'float32' | 'float64'][] = [];
  for (const dtype of ['float32', 'float64'] as const) {
    configs.push(
      [`LIF soft ReluGrad ${dtype}`, () => new sg.nn.LIF(5, { tau: 7, spkFun: new sg.surrogate.ReluGrad() }), dtype],
      [`LIF hard Sigmoid, R and V_rest ${dtype}`, () => new sg.nn.LIF(5, { tau: 6, R: 1.7, VRest: 0.2, VReset: -0.3, spkReset: 'hard', spkFun: new sg.surrogate.Sigmoid() }), dtype],
      [`LIF detached Arctan ${dtype}`, () => new sg.nn.LIF(5, { tau: 3, detachReset: true, spkFun: new sg.surrogate.Arctan() }), dtype],
    );
  }
  configs.push(['seed network', () => new sg.nn.Sequential(
    new sg.nn.Linear(9, 4, { wInit: new sg.init.Normal({ std: 2 }) }), new sg.nn.Expon(4, { tau: 5 }),
    new sg.nn.LIF(4, { tau: 6 }), new sg.nn.Linear(4, 2), new sg.nn.Expon(2, { tau: 10 })), 'float32']);
  it.each(configs)('%s', (_name, build, dtype) => {
    const T = 13, B = 7;
    const once = () => sg.tidy(() => {
      rand = rng(9);
      sg.random.seed(9); // the layers' initial weights
      const net = build();
      const nIn = net instanceof sg.nn.Sequential ? 9 : 5;
      if (dtype === 'float64') {
        for (const st of Object.values(net.states(sg.ParamState))) st.value = sg.cast(st.value, 'float64');
      }
      sg.nn.initAllStates(net, { batchSize: B, dtype });
      const xs = sg.add(sg.mul(make([T, B, nIn], null, dtype), 1.5), 1.2); // mean 1.2: the neurons spike
      const wrt = [xs, ...Object.values(net.states(sg.ParamState)), ...Object.values(net.states(sg.HiddenState))];
      const [grads, ys] = sg.grad(() => {
        const y = net.run(xs);
        const u = make([...y.shape], null, dtype), w = make([...y.shape.slice(1)], null, dtype);
        return sg.add(sg.sum(sg.mul(y, u)), sg.sum(sg.mul(sg.index(y, -1), w)));
      }, wrt, { returnValue: true })();
      return [ys, ...grads].map((t) => Array.from(t.dataSync()));
    });
    expectSameWithoutCodegen(once);
  });

  it('thin and sparse matmuls', () => sg.tidy(() => {
    const a = make([300, 4], 0.2, 'float32'), b = make([4, 3], null, 'float32'), c = make([300, 3], null, 'float32');
    const x = make([300, 64], 0.03, 'float32'), w = make([64, 5], null, 'float32'), g = make([300, 5], null, 'float32');
    const run = () => [
      sg.matmul(a, b), sg.matmul(c, b, { transposeB: true }), sg.matmul(a, c, { transposeA: true }),
      sg.matmul(x, w), sg.matmul(x, g, { transposeA: true }),
    ].map((t) => Array.from(t.dataSync()));
    expectSameWithoutCodegen(run);
  }));
});

describe('CPU binary kernels on repeated short blocks (a bias over rows, tiled four rows at a time)', () => {
  const cases: [number[], number[]][] = [
    [[52, 2], [2]], [[2], [52, 2]], [[52, 3], [3]], [[3], [52, 3]], [[52, 1], [52, 1]], [[51, 2], [2]], [[8, 13, 2], [2]], [[7, 4, 2], [4, 2]],
  ];
  it.each(cases)('sub %j with %j', (sa, sb) => sg.tidy(() => {
    const a = make(sa, null), b = make(sb, null);
    const ref = referenceElementwise([sa, sb], [a.dataSync(), b.dataSync()], (x, y) => x - y);
    const out = sg.sub(a, b);
    expect([...out.shape]).toEqual(ref.shape);
    expectClose(out.dataSync(), ref.values, { atol: 0, rtol: 0 }, `sub ${sa} ${sb}`);
  }));
});

describe('the linear op is matmul then add, bit for bit, on every CPU path', () => {
  const cases: [string, number[], number[], number | null][] = [
    ['thin [n, 4] @ [4, 2] (spikes)', [999, 4], [4, 2], 0.05],
    ['thin [n, 2] @ [2, 4]', [999, 2], [2, 4], null],
    ['sparse rows [700, 64] @ [64, 5]', [700, 64], [64, 5], 0.02],
    ['sparse rows, wide [700, 64] @ [64, 20]', [700, 64], [64, 20], 0.02],
    ['row-axpy [60, 40] @ [40, 9]', [60, 40], [40, 9], null],
    ['packed [40, 300] @ [300, 36]', [40, 300], [300, 36], null],
  ];
  for (const dtype of ['float32', 'float64'] as const) {
    it.each(cases)(`%s (${dtype})`, (_name, sx, sw, p) => sg.tidy(() => {
      const x = make(sx, p, dtype), w = make(sw, null, dtype);
      const bias = Float64Array.from({ length: sw[1]! }, (_, j) => (j === 0 ? -0 : rand() * 4 - 2)); // −0 as well
      const b = sg.tensor(bias, [sw[1]!], dtype);
      const fused = Array.from(sg.linear(x, w, b).dataSync());
      const composed = Array.from(sg.add(sg.matmul(x, w), b).dataSync());
      expect(fused.map((v) => Object.is(v, -0) ? '-0' : v)).toEqual(composed.map((v) => Object.is(v, -0) ? '-0' : v));
    }));
  }
  it('with code generation off too', () => sg.tidy(() => {
    const x = make([300, 64], 0.03, 'float32'), xt = make([300, 4], 0.2, 'float32');
    const w = make([64, 5], null, 'float32'), wt = make([4, 3], null, 'float32'), b = make([5], null, 'float32'), bt = make([3], null, 'float32');
    const run = () => [sg.linear(x, w, b), sg.linear(xt, wt, bt)].map((t) => Array.from(t.dataSync()));
    expectSameWithoutCodegen(run);
  }));
});
