/**
 * THE elementwise template of the WebGPU backend: out[i] = expr(a, b, c) where each operand is read through
 * its own strides (broadcasting, permutation and slicing are all strides plus an offset). Unary, binary,
 * where, cast, fill and the strided copies of movement ops (broadcastTo, permute, slice) are this one shader.
 *
 * Before dispatch, size-1 axes are dropped and adjacent axes that every operand walks contiguously are merged,
 * so most calls run at rank 0–2. Each operand then takes the cheapest addressing mode: 'same' (the output's
 * index), 'scalar' (one element), 'strided' (offset from the output coordinates) or 'splat' (strided, but
 * constant along the last axis). The output is seen as rows (leading axes) × last axis; an invocation takes one
 * unit of the last axis and walks `rows` rows (16 on software adapters, 1 on GPUs), and on software adapters
 * float32 calls run in vec4 quads (see Plan). The shader key holds the expression, types, modes, rank and
 * width, never the sizes.
 */
import type { TensorInfo } from '../../engine/backend.js';
import { SpikegradError } from '../../engine/errors.js';
import { sizeOf, stridesOf } from '../../engine/shape.js';
import { MAX_RANK, cachedProgram, dimAt, type ParamType, type ParamValue, type StorageType } from '../webgpu/program.js';
import type { GpuContext } from '../webgpu/types.js';
import mathWgsl from './math.wgsl';
import { elementwiseTuning } from '../flags.js';

export interface Operand {
  tensor: TensorInfo;
  type: StorageType;
  /** Element strides of this operand along each output axis (0 where it is broadcast). */
  strides: readonly number[];
  /** Element offset of the first element read (slices). */
  offset?: number;
}

export interface ElementwiseCall {
  /** Names the expression in the shader key (e.g. 'add', 'cast:f32>i32'). */
  name: string;
  /** WGSL expression in the operand values a, b, c (in operand order). */
  expr: string;
  operands: readonly Operand[];
  out: TensorInfo;
  outType: StorageType;
  /** The type `T` the expression is written in (default: the first operand's, else the output's). */
  T?: StorageType;
  /** Extra uniforms the expression reads as params.<name>. */
  extra?: Readonly<Record<string, readonly [ParamType, ParamValue]>>;
}

type Mode = 'same' | 'scalar' | 'strided' | 'splat';
const VALUE_NAMES = ['a', 'b', 'c'];

/** Drops size-1 axes and merges axes that every operand (and the contiguous output) walks contiguously. */
export function collapseAxes(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const keep = shape.map((d, i) => i).filter((i) => shape[i] !== 1);
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (const i of keep) {
    const r = outShape.length;
    const mergeable = r > 0 && strides.every((s, k) => outStrides[k]![r - 1] === s[i]! * shape[i]!);
    if (mergeable) {
      outShape[r - 1] = outShape[r - 1]! * shape[i]!;
      strides.forEach((s, k) => { outStrides[k]![r - 1] = s[i]!; });
    } else {
      outShape.push(shape[i]!);
      strides.forEach((s, k) => outStrides[k]!.push(s[i]!));
    }
  }
  return { shape: outShape, strides: outStrides };
}

function isNaNHelper(T: StorageType): string {
  return T === 'f32' ? 'fn isnan_(x: T) -> bool { return isnanf(x); }' : 'fn isnan_(x: T) -> bool { return false; }';
}

/**
 * How a call runs: the collapsed output as rows (its leading axes) × its last axis, in units of W elements
 * (W = 4: every operand and the output are float32, read and written as vec4 quads; W = 1 otherwise). Each
 * invocation takes one unit of a row and walks `rows` consecutive rows, stepping every operand's offset by
 * its strides (carrying across the leading axes with compares, not divisions).
 */
interface Plan {
  W: 1 | 4;
  /** Leading (row) axes and the last axis, after collapsing. */
  outer: number[];
  inner: number;
  modes: Mode[];
  strides: number[][];
}

function plan(call: ElementwiseCall, software: boolean): Plan {
  const { operands, out } = call;
  const col = collapseAxes(out.shape, operands.map((o) => o.strides));
  const rank = col.shape.length;
  if (rank > MAX_RANK) throw new SpikegradError(`${call.name}: rank ${rank} after merging axes exceeds the WebGPU limit of ${MAX_RANK}`);
  const inner = rank === 0 ? 1 : col.shape[rank - 1]!;
  const outer = col.shape.slice(0, -1);
  const contiguous = stridesOf(col.shape);
  const modes: Mode[] = operands.map((o, k) => {
    const st = col.strides[k]!;
    if (st.every((v) => v === 0)) return 'scalar';
    if ((o.offset ?? 0) === 0 && st.every((v, d) => v === contiguous[d])) return 'same';
    return st[rank - 1] === 0 ? 'splat' : 'strided';
  });
  // Quads: float32 throughout, and each strided operand's quads aligned (last stride 1, others and the offset
  // multiples of 4). A single row of any length runs as ceil(n/4) quads: pooled buffers are whole multiples
  // of 32 bytes, so the last quad's padding is in bounds, and what lands there is never read as data.
  const allF32 = call.outType === 'f32' && operands.every((o) => o.type === 'f32');
  const quadAligned = operands.every((o, k) => modes[k] !== 'strided'
    || (col.strides[k]![rank - 1] === 1 && (o.offset ?? 0) % 4 === 0 && col.strides[k]!.every((v, d) => d === rank - 1 || v % 4 === 0)));
  // Measured on lavapipe only (bench/RESULTS.md), so GPUs keep one element per invocation.
  const W = software && elementwiseTuning.quads && allF32 && quadAligned && (outer.length === 0 || inner % 4 === 0) ? 4 : 1;
  return { W, outer, inner, modes, strides: col.strides };
}

/** The WGSL body of `element(e)` for a plan (e: a unit of the row block e / params.q). */
function elementBody(call: ElementwiseCall, pl: Plan): string {
  const { W, outer, modes } = pl;
  const R = outer.length;
  const n = call.operands.length;
  const walked = modes.map((m, k) => k).filter((k) => modes[k] === 'strided' || modes[k] === 'splat');
  const L: string[] = [];
  if (R === 0) {
    L.push('  let qc = e;', '  let r0 = 0u;', '  let r1 = 1u;');
  } else {
    L.push('  let qc = e % params.q;', '  let r0 = (e / params.q) * params.rows;', '  let r1 = min(r0 + params.rows, params.nrows);');
  }
  // Coordinates of row r0 along the leading axes, and each walked operand's element offset there.
  if (R > 0) L.push('  var rem = r0;');
  for (let d = R - 1; d >= 0; d--) {
    L.push(d === 0 ? `  var u${d} = rem;` : `  var u${d} = rem % ${dimAt('params.shape', d)}; rem = rem / ${dimAt('params.shape', d)};`);
  }
  for (const k of walked) {
    const terms = [`params.o${k}`, ...outer.map((_, d) => `u${d} * ${dimAt(`params.s${k}`, d)}`)];
    if (modes[k] === 'strided') terms.push(`qc * ${W}u * ${dimAt(`params.s${k}`, R)}`);
    L.push(`  var j${k} = ${terms.join(' + ')};`);
  }
  L.push('  for (var rr = r0; rr < r1; rr = rr + 1u) {');
  const args = call.operands.map((o, k) => {
    const m = modes[k]!;
    const idx = m === 'same' ? 'rr * params.q + qc' : m === 'scalar' ? `params.o${k}` : `j${k}`;
    if (W === 1) return `x${k}[${idx}]`;
    if (m === 'same') return `x${k}[${idx}]`;
    if (m === 'strided') return `x${k}[j${k} / 4u]`;
    return `vec4<f32>(x${k}[${idx}])`; // scalar or splat: one element for the whole quad
  });
  args.forEach((a, k) => L.push(`    let ${VALUE_NAMES[k]} = ${a};`));
  if (W === 1) {
    L.push(`    y[rr * params.q + qc] = ${call.expr};`);
  } else {
    const comp = (q: string) => `op_(${VALUE_NAMES.slice(0, n).map((v) => `${v}.${q}`).join(', ')})`;
    L.push(`    y[rr * params.q + qc] = vec4<f32>(${['x', 'y', 'z', 'w'].map(comp).join(', ')});`);
  }
  // Next row: step the last leading axis, carrying into the ones before it.
  if (R > 0 && walked.length) {
    const step = (d: number, sign: string, times: string) => walked.map((k) => `j${k} = j${k} ${sign} ${times}${dimAt(`params.s${k}`, d)};`).join(' ');
    L.push(`    u${R - 1} = u${R - 1} + 1u; ${step(R - 1, '+', '')}`);
    for (let d = R - 1; d > 0; d--) {
      L.push(`    if (u${d} == ${dimAt('params.shape', d)}) { u${d} = 0u; ${step(d, '-', `${dimAt('params.shape', d)} * `)} u${d - 1} = u${d - 1} + 1u; ${step(d - 1, '+', '')} }`);
    }
  }
  L.push('  }');
  return L.join('\n');
}

/** Encodes `call` as one dispatch (none when the output is empty). */
export function mapElements(gpu: GpuContext, call: ElementwiseCall): void {
  const { operands, out } = call;
  if (operands.length > VALUE_NAMES.length) throw new SpikegradError(`elementwise '${call.name}': at most 3 operands`);
  const pl = plan(call, gpu.software);
  const { W, outer, inner, modes } = pl;
  const R = outer.length;
  const T = call.T ?? operands[0]?.type ?? call.outType;
  // The expression itself is part of the key: two calls that share a name but not an expression must not
  // share a pipeline.
  const key = `ew:${call.name}=${call.expr}|${T}>${call.outType}|${operands.map((o, k) => `${o.type}:${modes[k]}`).join(',')}|r${R}|w${W}`;
  const program = cachedProgram(key, () => {
    const params: Record<string, ParamType> = { n: 'u32', q: 'u32', rows: 'u32', nrows: 'u32' };
    if (R > 0) params.shape = 'dims';
    operands.forEach((_, k) => {
      if (modes[k] === 'strided' || modes[k] === 'splat') params[`s${k}`] = 'dims';
      if (modes[k] !== 'same') params[`o${k}`] = 'u32';
    });
    for (const [name, [type]] of Object.entries(call.extra ?? {})) params[name] = type;
    const vec = (t: StorageType) => (W === 4 ? 'vec4<f32>' : t);
    const fn = W === 4
      ? `fn op_(${operands.map((_, k) => `${VALUE_NAMES[k]}: T`).join(', ')}) -> f32 { return ${call.expr}; }`
      : '';
    return {
      params,
      inputs: Object.fromEntries(operands.map((o, k) => [`x${k}`, modes[k] === 'same' || modes[k] === 'strided' ? vec(o.type) : o.type])),
      outputs: { y: vec(call.outType) },
      helpers: `alias T = ${T};\n${mathWgsl}\n${isNaNHelper(T)}\n${fn}`,
      element: `  let e = i;\n${elementBody(call, pl)}`,
      // A row walk already gives each invocation many elements; spanning as well measured slower (row-block
      // order: more pages touched per workgroup). Flat calls (no leading axes) span.
      spanElements: R === 0,
    };
  });
  const units = R === 0 ? Math.ceil(out.size / W) : inner / W;
  const nrows = R === 0 ? 1 : sizeOf(outer);
  const rows = R === 0 ? 1 : gpu.software ? elementwiseTuning.softwareRows : 1;
  const values: Record<string, ParamValue> = { n: units * Math.ceil(nrows / rows), q: units, rows, nrows };
  if (R > 0) values.shape = outer;
  operands.forEach((o, k) => {
    if (modes[k] === 'strided' || modes[k] === 'splat') values[`s${k}`] = pl.strides[k]!;
    if (modes[k] !== 'same') values[`o${k}`] = o.offset ?? 0;
  });
  for (const [name, [, v]] of Object.entries(call.extra ?? {})) values[name] = v;
  gpu.dispatch(program, { inputs: operands.map((o) => o.tensor), outputs: [out], params: values });
}
