import { SpikegradError, fmtShape } from './errors.js';

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides, in elements. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function checkShape(fn: string, arg: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new SpikegradError(`${fn}: argument '${arg}' expected a shape (array of non-negative integers), got ${JSON.stringify(shape)}`);
  }
  return shape.slice();
}

/** NumPy broadcasting of any number of shapes; the error names the op and every shape. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (let i = 0; i < rank; i++) {
    for (const s of shapes) {
      const d = s[s.length - rank + i] ?? 1;
      const o = out[i]!;
      if (d === o || d === 1) continue;
      if (o === 1) out[i] = d;
      else {
        throw new SpikegradError(
          `${op}: shapes ${shapes.map(fmtShape).join(' and ')} cannot be broadcast together (axis ${i - rank} has ${o} vs ${d})`,
        );
      }
    }
  }
  return out;
}

/** Strides of `shape` seen from a broadcast output of rank `rank`: 0 where the axis is broadcast. */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const st = stridesOf(shape);
  const r = outShape.length;
  const res = new Array<number>(r).fill(0);
  for (let i = 0; i < shape.length; i++) {
    const oi = r - shape.length + i;
    res[oi] = shape[i] === 1 && outShape[oi] !== 1 ? 0 : st[i]!;
  }
  return res;
}

export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new SpikegradError(`${op}: argument 'axis' expected an integer in [${-rank}, ${rank - 1}] for a rank-${rank} tensor, got ${axis}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Axes sorted and de-duplicated; `undefined` means all axes. */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = [...new Set(list.map((a) => normalizeAxis(op, a, rank)))];
  return out.sort((a, b) => a - b);
}

export function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) {
      if (keepDims) out.push(1);
    } else out.push(shape[i]!);
  }
  return out;
}

/** The axes of `outShape` that were summed away to produce `inShape` by broadcasting (for unbroadcast). */
export function broadcastReductionAxes(inShape: Shape, outShape: Shape): number[] {
  const axes: number[] = [];
  const lead = outShape.length - inShape.length;
  for (let i = 0; i < outShape.length; i++) {
    if (i < lead) axes.push(i);
    else if (inShape[i - lead] === 1 && outShape[i] !== 1) axes.push(i);
  }
  return axes;
}
