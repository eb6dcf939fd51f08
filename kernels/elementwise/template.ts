/**
 * THE elementwise template of the WebGPU backend: out[i] = expr(a, b, c) where each operand is read through
 * its own strides (broadcasting, permutation and slicing are all strides plus an offset). Unary, binary,
 * where, cast, fill and the strided copies of movement ops (broadcastTo, permute, slice) are this one shader.
 *
 * Before dispatch, size-1 axes are dropped and adjacent axes that every operand walks contiguously are merged,
 * so most calls run at rank 0–2. Each operand then takes the cheapest addressing mode:
 * 'same' (index i), 'scalar' (one element) or 'strided' (index from the output coordinates, unrolled by rank).
 * The shader key holds the expression, types, modes and rank, never the sizes.
 */
import type { TensorInfo } from '../../engine/backend.js';
import { SpikegradError } from '../../engine/errors.js';
import { stridesOf } from '../../engine/shape.js';
import { MAX_RANK, cachedProgram, dimAt, type ParamType, type ParamValue, type StorageType } from '../webgpu/program.js';
import type { GpuContext } from '../webgpu/types.js';
import mathWgsl from './math.wgsl';

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

type Mode = 'same' | 'scalar' | 'strided';
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

/** Encodes `call` as one dispatch (none when the output is empty). */
export function mapElements(gpu: GpuContext, call: ElementwiseCall): void {
  const { operands, out } = call;
  if (operands.length > VALUE_NAMES.length) throw new SpikegradError(`elementwise '${call.name}': at most 3 operands`);
  const col = collapseAxes(out.shape, operands.map((o) => o.strides));
  const rank = col.shape.length;
  if (rank > MAX_RANK) throw new SpikegradError(`${call.name}: rank ${rank} after merging axes exceeds the WebGPU limit of ${MAX_RANK}`);
  const contiguous = stridesOf(col.shape);
  const modes: Mode[] = operands.map((o, k) => {
    const s = col.strides[k]!;
    if (s.every((v) => v === 0)) return 'scalar';
    if ((o.offset ?? 0) === 0 && s.every((v, d) => v === contiguous[d] || col.shape[d] === 1)) return 'same';
    return 'strided';
  });
  const T = call.T ?? operands[0]?.type ?? call.outType;
  const anyStrided = modes.includes('strided');
  // The expression itself is part of the key: two calls that share a name but not an expression must not
  // share a pipeline.
  const key = `ew:${call.name}=${call.expr}|${T}>${call.outType}|${operands.map((o, k) => `${o.type}:${modes[k]}`).join(',')}|r${anyStrided ? rank : 0}`;
  const program = cachedProgram(key, () => {
    const params: Record<string, ParamType> = { n: 'u32' };
    if (anyStrided) params.shape = 'dims';
    operands.forEach((_, k) => {
      if (modes[k] === 'strided') params[`s${k}`] = 'dims';
      if (modes[k] !== 'same') params[`o${k}`] = 'u32';
    });
    for (const [name, [type]] of Object.entries(call.extra ?? {})) params[name] = type;
    const body: string[] = [];
    if (anyStrided) {
      const strided = operands.map((_, k) => k).filter((k) => modes[k] === 'strided');
      body.push('  var rem = i;', ...strided.map((k) => `  var j${k} = params.o${k};`));
      for (let d = rank - 1; d >= 0; d--) {
        const coord = d === 0 ? 'rem' : `(rem % ${dimAt('params.shape', d)})`;
        body.push(`  { let q = ${coord};`, ...strided.map((k) => `    j${k} += q * ${dimAt(`params.s${k}`, d)};`),
          d === 0 ? '  }' : `    rem = rem / ${dimAt('params.shape', d)}; }`);
      }
    }
    operands.forEach((_, k) => {
      const idx = modes[k] === 'same' ? 'i' : modes[k] === 'scalar' ? `params.o${k}` : `j${k}`;
      body.push(`  let ${VALUE_NAMES[k]} = x${k}[${idx}];`);
    });
    body.push(`  y[i] = ${call.expr};`);
    return {
      params,
      inputs: Object.fromEntries(operands.map((o, k) => [`x${k}`, o.type])),
      outputs: { y: call.outType },
      helpers: `alias T = ${T};\n${mathWgsl}\n${isNaNHelper(T)}`,
      element: body.join('\n'),
    };
  });
  const values: Record<string, ParamValue> = { n: out.size };
  if (anyStrided) values.shape = col.shape;
  operands.forEach((o, k) => {
    if (modes[k] === 'strided') values[`s${k}`] = col.strides[k]!;
    if (modes[k] !== 'same') values[`o${k}`] = o.offset ?? 0;
  });
  for (const [name, [, v]] of Object.entries(call.extra ?? {})) values[name] = v;
  gpu.dispatch(program, { inputs: operands.map((o) => o.tensor), outputs: [out], params: values });
}
