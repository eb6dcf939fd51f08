/**
 * Independent float64 references for the op cases that are not elementwise: reductions, softmax along any
 * axis, movement, gather, matmul (transposes, broadcast batches), linear, the softmax cross entropy, argmax,
 * oneHot. Plain loops over row-major index arithmetic written from the ops' documented meaning; nothing of
 * spikegrad (no tensors, no kernels, no shape helpers).
 */
export interface Arr { shape: number[]; data: ArrayLike<number> }

const sizeOf = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);
function stridesOf(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) { st[d] = s; s *= shape[d]!; }
  return st;
}
function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) { idx[d] = i % shape[d]!; i = Math.floor(i / shape[d]!); }
  return idx;
}
const offset = (idx: readonly number[], st: readonly number[]) => idx.reduce((p, v, d) => p + v * st[d]!, 0);
const norm = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

/** Builds an array of `shape` from f(index). */
export function build(shape: number[], f: (idx: number[]) => number): Arr {
  const n = sizeOf(shape);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = f(unravel(i, shape));
  return { shape, data };
}
const get = (x: Arr, idx: readonly number[]) => x.data[offset(idx, stridesOf(x.shape))]!;

export type ReduceKind = 'sum' | 'mean' | 'max' | 'min' | 'logsumexp';

/** Reduction over `axes` (all when undefined). */
export function reduce(x: Arr, kind: ReduceKind, axes?: number | number[], keepDims = false): Arr {
  const rank = x.shape.length;
  const red = axes === undefined ? x.shape.map((_, d) => d) : (Array.isArray(axes) ? axes : [axes]).map((a) => norm(a, rank));
  const outFull = x.shape.map((d, i) => (red.includes(i) ? 1 : d));
  const groups = new Map<number, number[]>();
  const stOut = stridesOf(outFull);
  for (let i = 0; i < sizeOf(x.shape); i++) {
    const idx = unravel(i, x.shape).map((v, d) => (red.includes(d) ? 0 : v));
    const o = offset(idx, stOut);
    if (!groups.has(o)) groups.set(o, []);
    groups.get(o)!.push(x.data[i]!);
  }
  const data = new Float64Array(sizeOf(outFull));
  for (const [o, vs] of groups) {
    const m = Math.max(...vs);
    data[o] = kind === 'sum' ? vs.reduce((p, v) => p + v, 0)
      : kind === 'mean' ? vs.reduce((p, v) => p + v, 0) / vs.length
      : kind === 'max' ? m : kind === 'min' ? Math.min(...vs)
      : m + Math.log(vs.reduce((p, v) => p + Math.exp(v - m), 0));
  }
  return { shape: keepDims ? outFull : x.shape.filter((_, d) => !red.includes(d)), data };
}

/** softmax along `axis`: exp(x − logsumexp). */
export function softmax(x: Arr, axis: number): Arr {
  const a = norm(axis, x.shape.length);
  const l = reduce(x, 'logsumexp', a, true);
  return build([...x.shape], (idx) => Math.exp(get(x, idx) - get(l, idx.map((v, d) => (d === a ? 0 : v)))));
}

export function permute(x: Arr, perm: number[]): Arr {
  return build(perm.map((p) => x.shape[p]!), (idx) => { const src = new Array<number>(perm.length); perm.forEach((p, d) => { src[p] = idx[d]!; }); return get(x, src); });
}
export function reshape(x: Arr, shape: number[]): Arr {
  const known = shape.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  return { shape: shape.map((d) => (d === -1 ? sizeOf(x.shape) / known : d)), data: x.data };
}
/** numpy broadcasting of x to `shape`. */
export function broadcastTo(x: Arr, shape: number[]): Arr {
  const lead = shape.length - x.shape.length;
  return build([...shape], (idx) => get(x, x.shape.map((d, i) => (d === 1 ? 0 : idx[i + lead]!))));
}
/** begin and size per axis (size −1: to the end). */
export function slice(x: Arr, begin: number[], size: number[]): Arr {
  const shape = x.shape.map((d, i) => (size[i] === -1 ? d - begin[i]! : size[i]!));
  return build(shape, (idx) => get(x, idx.map((v, d) => v + begin[d]!)));
}
/** Zeros before and after each axis. */
export function pad(x: Arr, before: number[], after: number[]): Arr {
  return build(x.shape.map((d, i) => d + before[i]! + after[i]!), (idx) => {
    const src = idx.map((v, d) => v - before[d]!);
    return src.every((v, d) => v >= 0 && v < x.shape[d]!) ? get(x, src) : 0;
  });
}
export function concat(xs: Arr[], axis: number): Arr {
  const a = norm(axis, xs[0]!.shape.length);
  const shape = [...xs[0]!.shape];
  shape[a] = xs.reduce((p, x) => p + x.shape[a]!, 0);
  return build(shape, (idx) => {
    let k = idx[a]!;
    for (const x of xs) {
      if (k < x.shape[a]!) return get(x, idx.map((v, d) => (d === a ? k : v)));
      k -= x.shape[a]!;
    }
    throw new Error('concat reference: index out of range');
  });
}
export function stack(xs: Arr[], axis: number): Arr {
  return build([...xs[0]!.shape.slice(0, axis), xs.length, ...xs[0]!.shape.slice(axis)], (idx) => get(xs[idx[axis]!]!, [...idx.slice(0, axis), ...idx.slice(axis + 1)]));
}
/** Element i along `axis` (the axis removed; negative i counts from the end). */
export function index(x: Arr, axis: number, i: number): Arr {
  const a = norm(axis, x.shape.length), k = i < 0 ? i + x.shape[a]! : i;
  return build(x.shape.filter((_, d) => d !== a), (idx) => get(x, [...idx.slice(0, a), k, ...idx.slice(a)]));
}
/** out[..., j..., ...] = x[..., indices[j...], ...]: the indices' shape replaces `axis`. */
export function gather(x: Arr, indices: Arr, axis: number): Arr {
  const a = norm(axis, x.shape.length), r = indices.shape.length;
  return build([...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)], (idx) => {
    const k = get(indices, idx.slice(a, a + r));
    return get(x, [...idx.slice(0, a), k, ...idx.slice(a + r)]);
  });
}
/** Batched matrix product over the last two axes, batch axes broadcast, with optional transposes. */
export function matmul(a: Arr, b: Arr, transposeA = false, transposeB = false): Arr {
  const ra = a.shape.length, rb = b.shape.length;
  const [M, K] = transposeA ? [a.shape[ra - 1]!, a.shape[ra - 2]!] : [a.shape[ra - 2]!, a.shape[ra - 1]!];
  const N = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  const ba = a.shape.slice(0, -2), bb = b.shape.slice(0, -2);
  const rank = Math.max(ba.length, bb.length);
  const batch = Array.from({ length: rank }, (_, d) => Math.max(ba[d - rank + ba.length] ?? 1, bb[d - rank + bb.length] ?? 1));
  const pick = (own: number[], bidx: number[]) => own.map((d, i) => (d === 1 ? 0 : bidx[i + rank - own.length]!));
  return build([...batch, M, N], (idx) => {
    const bidx = idx.slice(0, rank), m = idx[rank]!, n = idx[rank + 1]!;
    let s = 0;
    for (let k = 0; k < K; k++) {
      s += get(a, [...pick(ba, bidx), ...(transposeA ? [k, m] : [m, k])]) * get(b, [...pick(bb, bidx), ...(transposeB ? [n, k] : [k, n])]);
    }
    return s;
  });
}
/** x·W + b (W is [in, out]). */
export function linear(x: Arr, w: Arr, b: Arr): Arr {
  const y = matmul(x, w);
  return build(y.shape, (idx) => get(y, idx) + b.data[idx.at(-1)!]!);
}
/** Per row: log Σ exp(z) − z[label] (NaN for a label outside the classes). */
export function softmaxCrossEntropy(z: Arr, labels: Arr): Arr {
  const [B, C] = z.shape as [number, number];
  const l = reduce(z, 'logsumexp', 1);
  return build([B], ([b]) => { const y = labels.data[b!]!; return y >= 0 && y < C ? l.data[b!]! - z.data[b! * C + y]! : NaN; });
}
/** First index of the largest element along `axis`. */
export function argmax(x: Arr, axis: number): Arr {
  const a = norm(axis, x.shape.length);
  return build(x.shape.filter((_, d) => d !== a), (idx) => {
    let best = -Infinity, at = 0;
    for (let k = 0; k < x.shape[a]!; k++) {
      const v = get(x, [...idx.slice(0, a), k, ...idx.slice(a)]);
      if (v > best) { best = v; at = k; }
    }
    return at;
  });
}
/** One row of `depth` per index, 1 at the index (all zeros for an index outside [0, depth)). */
export function oneHot(i: Arr, depth: number): Arr {
  return build([...i.shape, depth], (idx) => (i.data[offset(idx.slice(0, -1), stridesOf(i.shape))] === idx.at(-1) ? 1 : 0));
}
