/**
 * The kernel-writing API of the WebGPU backend: a Program is WGSL plus a declaration of its uniforms and
 * buffers. The runtime generates the header (params struct, bindings, WG constant), so a kernel author writes
 * only the computation, and shapes/sizes travel as uniforms: a new batch size never recompiles.
 *
 * @example A complete elementwise kernel (see kernels/webgpu/README.md for the walkthrough):
 *   const scale = program({
 *     key: 'scale', params: { n: 'u32', factor: 'f32' }, inputs: { x: 'f32' }, outputs: { y: 'f32' },
 *     element: 'y[i] = x[i] * params.factor;',
 *   });
 *   gpu.dispatch(scale, { inputs: [x], outputs: [y], params: { n: x.size, factor: 2 } });
 *
 * Bindings are always, in this order: @binding(0) the params uniform, then each input (read-only storage),
 * then each output (read_write storage), named as declared. `WG` is the workgroup size constant.
 */
import { SpikegradError } from '../../engine/errors.js';
import preludeWgsl from './prelude.wgsl';
import { spanTuning } from '../flags.js';

/**
 * Element type of a storage buffer. bool tensors are stored as u32 (WGSL has no 8-bit storage). A float32
 * tensor may be bound as vec4<f32> when its length and the kernel's indexing are multiples of 4 (pooled
 * buffers are multiples of 32 bytes). 'atomic<u32>' is for outputs that many invocations update (atomicMin…).
 */
export type StorageType = 'f32' | 'i32' | 'u32' | 'vec4<f32>' | 'atomic<u32>';
/** A uniform field: a 32-bit scalar, or 'dims', up to MAX_RANK u32 values (a shape or strides). */
export type ParamType = 'u32' | 'i32' | 'f32' | 'dims';
export type ParamValue = number | readonly number[];

/** Ranks up to this fit a 'dims' uniform (WGSL `array<vec4<u32>, 2>`). */
export const MAX_RANK = 8;

export interface ProgramSpec {
  /**
   * Identifies the WGSL text: op, dtypes, rank, variant. Never put sizes here (they belong in params), or
   * every new batch size compiles a new pipeline.
   */
  key: string;
  /** Uniform fields, in declaration order. Read in WGSL as `params.<name>`; a 'dims' field d as `dim(params.x, d)`. */
  params: Readonly<Record<string, ParamType>>;
  inputs: Readonly<Record<string, StorageType>>;
  outputs: Readonly<Record<string, StorageType>>;
  /** Invocations per workgroup (1-D), visible in WGSL as `WG`. Default 64. */
  workgroupSize?: number;
  /**
   * Per-element kernels: the body of `fn element(i: u32)`, run once for every i < params.n (params must
   * start with `n: 'u32'`). The runtime writes the entry point and splits large dispatches.
   */
  element?: string;
  /**
   * Element programs only: false keeps one element per invocation on software adapters too (elementSpan), for
   * programs whose element already loops over many values (the elementwise row walk). Default true.
   */
  spanElements?: boolean;
  /**
   * Custom kernels: WGSL containing `@compute @workgroup_size(WG) fn main(...)`. Dispatch with
   * `workgroups: count`; compute the flat workgroup index with `workgroupIndex(wid, nwg)` and return when it
   * is >= the count you dispatched (large counts are split over x and y, so the grid may be larger).
   */
  main?: string;
  /** Extra WGSL placed before the kernel (helper functions, constants). */
  helpers?: string;
  /** WGSL extensions the kernel needs (`enable <name>;`), e.g. 'subgroups'; the device must have the feature. */
  enable?: readonly string[];
}

interface ParamField {
  name: string;
  type: ParamType;
  offset: number; // bytes
}

/** A compiled-once description: generated WGSL and the uniform layout. Pipelines are cached by the backend. */
export interface Program {
  readonly spec: ProgramSpec;
  readonly key: string;
  readonly code: string;
  readonly workgroupSize: number;
  readonly fields: readonly ParamField[];
  /** Size of the params struct in bytes (a multiple of 16). */
  readonly paramBytes: number;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}

function roundUp(x: number, m: number): number {
  return Math.ceil(x / m) * m;
}

/** WGSL uniform layout: scalars align to 4 bytes, `array<vec4<u32>, 2>` to 16; the struct size to 16. */
function layout(params: Readonly<Record<string, ParamType>>): { fields: ParamField[]; bytes: number } {
  let off = 0;
  const fields = Object.entries(params).map(([name, type]) => {
    const [align, size] = type === 'dims' ? [16, 32] : [4, 4];
    off = roundUp(off, align);
    const f = { name, type, offset: off };
    off += size;
    return f;
  });
  return { fields, bytes: Math.max(16, roundUp(off, 16)) };
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function wgslType(t: ParamType): string {
  return t === 'dims' ? 'array<vec4<u32>, 2>' : t;
}

/** Builds a Program from its spec (cheap; callers memoize by key with `cachedProgram`). */
export function program(spec: ProgramSpec): Program {
  const wg = spec.workgroupSize ?? 64;
  const names = [...Object.keys(spec.params), ...Object.keys(spec.inputs), ...Object.keys(spec.outputs)];
  for (const n of names) {
    if (!IDENT.test(n) || n === 'params' || n === SPAN_PARAM) throw new SpikegradError(`program '${spec.key}': '${n}' is not a usable WGSL name`);
  }
  if (new Set(names).size !== names.length) throw new SpikegradError(`program '${spec.key}': a name is declared twice`);
  if ((spec.element === undefined) === (spec.main === undefined)) {
    throw new SpikegradError(`program '${spec.key}': give exactly one of 'element' and 'main'`);
  }
  if (spec.element !== undefined && Object.entries(spec.params)[0]?.join(':') !== 'n:u32') {
    throw new SpikegradError(`program '${spec.key}': an 'element' program's first param must be n: 'u32'`);
  }
  // Element programs get one hidden uniform, SPAN_PARAM: how many elements each invocation runs (elementSpan).
  const declared = spec.element !== undefined ? { ...spec.params, [SPAN_PARAM]: 'u32' as const } : spec.params;
  const { fields, bytes } = layout(Object.keys(declared).length ? declared : { _unused: 'u32' });
  const inputNames = Object.keys(spec.inputs), outputNames = Object.keys(spec.outputs);
  const lines = [
    ...(spec.enable ?? []).map((e) => `enable ${e};`),
    `const WG: u32 = ${wg}u;`,
    `struct Params {\n${fields.map((f) => `  ${f.name}: ${wgslType(f.type)},`).join('\n')}\n}`,
    '@group(0) @binding(0) var<uniform> params: Params;',
    ...inputNames.map((n, i) => `@group(0) @binding(${1 + i}) var<storage, read> ${n}: array<${spec.inputs[n]}>;`),
    ...outputNames.map((n, i) => `@group(0) @binding(${1 + inputNames.length + i}) var<storage, read_write> ${n}: array<${spec.outputs[n]}>;`),
    preludeWgsl,
    spec.helpers ?? '',
  ];
  if (spec.element !== undefined) {
    lines.push(`fn element(i: u32) {\n${spec.element}\n}`,
      '@compute @workgroup_size(WG)',
      'fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {',
      // Workgroup g runs elements [g·span·WG, (g+1)·span·WG), WG consecutive ones at a time (lanes contiguous).
      `  let first = workgroupIndex(wid, nwg) * params.${SPAN_PARAM} * WG + lid;`,
      `  let end = min(first - lid + params.${SPAN_PARAM} * WG, params.n);`,
      '  for (var i = first; i < end; i = i + WG) { element(i); }',
      '}');
  } else {
    lines.push(spec.main!);
  }
  return { spec, key: `${spec.key}@${wg}`, code: lines.join('\n'), workgroupSize: wg, fields, paramBytes: bytes, inputNames, outputNames };
}

/**
 * The hidden uniform of element programs: elements per invocation. On a GPU it is 1. On a software adapter
 * (lavapipe) every workgroup costs about half a microsecond of setup on a CPU thread and each invocation's
 * preamble about as much as a load, so one element per invocation spent ~10 ns per element on a plain `add`
 * ([12800, 1024]: 175 ms) where looping 64 elements per invocation spends ~2 (bench/RESULTS.md).
 */
export const SPAN_PARAM = '_span';

/** The fewest workgroups a dispatch is left with (threads to balance); the span's bound is flags.ts's spanTuning. */
const MIN_WORKGROUPS = 256;

/** Elements per invocation for an element program over `n` elements (1 unless `software`). */
export function elementSpan(n: number, workgroupSize: number, software: boolean): number {
  if (!software) return 1;
  return Math.max(1, Math.min(spanTuning.maxSpan, Math.floor(n / (workgroupSize * MIN_WORKGROUPS))));
}

const programs = new Map<string, Program>();

/** The Program for `key`, built by `build` the first time (generated WGSL is built once per variant). */
export function cachedProgram(key: string, build: () => Omit<ProgramSpec, 'key'>): Program {
  let p = programs.get(key);
  if (!p) {
    p = program({ ...build(), key });
    programs.set(key, p);
  }
  return p;
}

/** Writes `values` (and, for element programs, `span`) into `view` at `base` following the program's uniform layout. */
export function packParams(p: Program, values: Readonly<Record<string, ParamValue>>, view: DataView, base: number, span = 1): void {
  for (const f of p.fields) {
    const v = values[f.name];
    const at = base + f.offset;
    if (f.type === 'dims') {
      if (!Array.isArray(v) || v.length > MAX_RANK) {
        throw new SpikegradError(`program '${p.spec.key}': param '${f.name}' expected up to ${MAX_RANK} dims, got ${JSON.stringify(v)}`);
      }
      for (let d = 0; d < MAX_RANK; d++) view.setUint32(at + 4 * d, (v as number[])[d] ?? 0, true);
    } else if (f.name === '_unused') {
      view.setUint32(at, 0, true);
    } else if (f.name === SPAN_PARAM && p.spec.element !== undefined) {
      view.setUint32(at, span, true);
    } else {
      if (typeof v !== 'number') throw new SpikegradError(`program '${p.spec.key}': param '${f.name}' expected a number, got ${JSON.stringify(v)}`);
      if (f.type === 'f32') view.setFloat32(at, v, true);
      else if (f.type === 'i32') view.setInt32(at, v, true);
      else view.setUint32(at, v, true);
    }
  }
}

/**
 * Grid for `count` workgroups: at most `maxPerDim` along x, the rest along y, with the least waste.
 * Kernels recover the flat index with `workgroupIndex` and skip indices >= count.
 */
export function splitWorkgroups(count: number, maxPerDim: number): [number, number] {
  if (count <= maxPerDim) return [count, 1];
  const y = Math.ceil(count / maxPerDim);
  if (y > maxPerDim) throw new SpikegradError(`webgpu: ${count} workgroups exceed ${maxPerDim}² in one dispatch`);
  return [Math.ceil(count / y), y];
}

/** `name[d]` of a 'dims' param as a constant-indexed WGSL expression (for code unrolled over the rank). */
export function dimAt(expr: string, d: number): string {
  return `${expr}[${d >> 2}][${d & 3}]`;
}
