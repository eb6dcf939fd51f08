/**
 * Reductions on WebGPU (twins: reduce/cpu.ts). The input's axes are split into kept and reduced groups, each
 * collapsed to as few strided axes as possible; then, with O outputs of R elements each:
 * - many outputs of moderate length: one invocation per output, a serial loop;
 * - otherwise the workgroup tree of reduceTree.wgsl, one workgroup per output, and when there are too few
 *   outputs to fill the device, several workgroups per output (split) followed by a second, serial pass.
 * Float sums are pairwise within a workgroup, so their error grows with log R rather than R.
 *
 * At most two passes, and how many depends on O alone, never on R: a training step's reductions run over T
 * or T·B rows (means over time, bias gradients), and its dispatch count must not grow with T (the fused
 * sequence mode's promise; test/nn/nnWebgpu.test.ts counts them from T = 1 to 5000). So the split is chosen from
 * the number of outputs, and a slice may be short or empty. The price: a short reduction with few outputs
 * (step mode's per-step bias gradients over B rows) takes a second, tiny pass (2 of ~60 dispatches per step).
 */
import type { TensorInfo } from '../../engine/backend.js';
import { stridesOf } from '../../engine/shape.js';
import { MAX_RANK, cachedProgram, dimAt, type ParamValue, type StorageType } from '../webgpu/program.js';
import { storageType, type GpuContext, type GpuKernel } from '../webgpu/types.js';
import treeWgsl from './reduceTree.wgsl';
import { reduceTuning } from '../flags.js';

export type ReduceKind = 'sum' | 'max' | 'min';
interface Axes { shape: number[]; strides: number[] }

const TREE_WG = 64;
/** With at least this many outputs, the serial loop already fills the device for lengths up to SERIAL_LONG. */
const SERIAL_MIN_OUTPUTS = 2048;
const SERIAL_LONG = 1024;

/** Software adapters: split the reduced range until this many invocations run (see reduceSoftware). */
const SOFTWARE_INVOCATIONS = 2048;
/** Split the reduced range until this many workgroups run (when outputs alone are fewer). */
const TARGET_GROUPS = 128;

/**
 * The accumulation of a serial loop. Float sums are compensated (Neumaier's variant of Kahan summation: the
 * rounding error of each addition, recovered exactly by the two-sum identity, is added up separately and
 * folded in at the end), so a chain of R float32 additions errs by about one rounding of the result instead of
 * growing with R. On software adapters every reduction is such a chain (the mean over a batch of 256 equal
 * losses was 1.5e-6 off, docs/numerics.md §7); the compensation costs a few additions per element of a
 * memory-bound loop. max/min and integer sums need none.
 */
function accumulator(kind: ReduceKind, T: StorageType, V: string, name: string): { decl: string; add: (v: string) => string; result: string } {
  if (kind !== 'sum' || T !== 'f32' || !reduceTuning.compensated) {
    // combine() takes scalars; the quad loops of float sums add vec4s.
    const add = kind === 'sum' ? (v: string) => `{ ${name} = ${name} + ${v}; }` : (v: string) => `{ ${name} = combine(${name}, ${v}); }`;
    return { decl: `var ${name} = ${V}(identity());`, add, result: name };
  }
  const c = `${name}Err`;
  return {
    decl: `var ${name} = ${V}(0.0); var ${c} = ${V}(0.0);`,
    add: (v) => `{ let v = ${v}; let t = ${name} + v; ${c} = ${c} + select((v - t) + ${name}, (${name} - t) + v, abs(${name}) >= abs(v)); ${name} = t; }`,
    // ±Infinity or NaN in the sum makes the error term NaN (∞ − ∞): then the plain sum is the answer.
    result: `select(${name} + ${c}, ${name}, (bitcast<${V === 'f32' ? 'u32' : 'vec4<u32>'}>(${name}) & ${V === 'f32' ? '0x7fffffffu' : 'vec4<u32>(0x7fffffffu)'}) >= ${V === 'f32' ? '0x7f800000u' : 'vec4<u32>(0x7f800000u)'})`,
  };
}

/** Drops size-1 axes and merges neighbours with stride[d] = stride[d+1]·size[d+1]. */
function collapse(shape: number[], strides: number[]): Axes {
  const out: Axes = { shape: [], strides: [] };
  shape.forEach((d, i) => {
    if (d === 1) return;
    const r = out.shape.length;
    if (r > 0 && out.strides[r - 1] === strides[i]! * d) {
      out.shape[r - 1]! *= d;
      out.strides[r - 1] = strides[i]!;
    } else {
      out.shape.push(d);
      out.strides.push(strides[i]!);
    }
  });
  return out;
}

/** WGSL `fn name(k: u32) -> u32`: the element offset of flat index k over the strided axes in params. */
function offsetFn(name: string, prefix: string, rank: number): string {
  if (rank === 0) return `fn ${name}(k: u32) -> u32 { return 0u; }`;
  if (rank === 1) return `fn ${name}(k: u32) -> u32 { return k * ${dimAt(`params.${prefix}Stride`, 0)}; }`;
  const lines = [`fn ${name}(k: u32) -> u32 {`, '  var rem = k;', '  var off = 0u;'];
  for (let d = rank - 1; d > 0; d--) {
    lines.push(`  off += (rem % ${dimAt(`params.${prefix}Shape`, d)}) * ${dimAt(`params.${prefix}Stride`, d)};`,
      `  rem = rem / ${dimAt(`params.${prefix}Shape`, d)};`);
  }
  lines.push(`  return off + rem * ${dimAt(`params.${prefix}Stride`, 0)};`, '}');
  return lines.join('\n');
}

function helpers(kind: ReduceKind, T: StorageType, keptRank: number, redRank: number): string {
  const big = T === 'f32' ? 'inff()' : 'bitcast<i32>(0x7fffffffu)';
  const small = T === 'f32' ? '-inff()' : 'bitcast<i32>(0x80000000u)';
  const id = kind === 'sum' ? 'T(0)' : kind === 'max' ? small : big;
  // NaN wins in max/min, as on the CPU; a bit test because `x != x` may be folded away.
  const nan = T === 'f32' ? '((bitcast<u32>(a) & 0x7fffffffu) > 0x7f800000u || (bitcast<u32>(b) & 0x7fffffffu) > 0x7f800000u)' : 'false';
  const comb = kind === 'sum' ? 'a + b' : `select(${kind}(a, b), a + b, ${nan})`;
  return [`alias T = ${T};`, `fn identity() -> T { return ${id}; }`, `fn combine(a: T, b: T) -> T { return ${comb}; }`,
    offsetFn('outBase', 'kept', keptRank), offsetFn('redOffset', 'red', redRank)].join('\n');
}

/**
 * Reduces `x` viewed through (kept, red) axes into `out` (O contiguous elements). Exported for other kernels
 * (matmul's split-K sums its partials with it). `final`: one serial pass, never split (the second pass over
 * a split's partials, whose count is bounded by the split rule).
 */
export function reduceStrided(gpu: GpuContext, kind: ReduceKind, x: TensorInfo, kept: Axes, red: Axes, out: TensorInfo, final = false): void {
  const T = storageType(x.dtype);
  const O = kept.shape.reduce((p, d) => p * d, 1), R = red.shape.reduce((p, d) => p * d, 1);
  if (O === 0) return;
  const values: Record<string, ParamValue> = {
    n: O, r: R, split: 1, chunk: R, keptShape: kept.shape, keptStride: kept.strides, redShape: red.shape, redStride: red.strides,
  };
  const params = { n: 'u32', r: 'u32', split: 'u32', chunk: 'u32', keptShape: 'dims', keptStride: 'dims', redShape: 'dims', redStride: 'dims' } as const;
  const variant = `${kind}|${T}|k${kept.shape.length}|r${red.shape.length}${reduceTuning.compensated ? '' : '|plain'}`;
  if (gpu.software && reduceTuning.softwareSlices) {
    reduceSoftware(gpu, kind, x, kept, red, out, { O, R, variant, final });
    return;
  }
  // One pass when the outputs fill the device by themselves (serial or a tree by the length, either way one
  // dispatch), or when told; too few outputs: a split tree and a serial pass, whatever R is (see the top).
  if (final || (O >= SERIAL_MIN_OUTPUTS && R <= SERIAL_LONG)) {
    const acc = accumulator(kind, T, T, 'acc');
    const p = cachedProgram(`reduceSerial|${variant}`, () => ({
      params, inputs: { x: T }, outputs: { y: T }, helpers: helpers(kind, T, kept.shape.length, red.shape.length),
      element: `  let base = outBase(i);\n  ${acc.decl}\n  for (var r = 0u; r < params.r; r++) ${acc.add('x[base + redOffset(r)]')}\n  y[i] = ${acc.result};`,
    }));
    gpu.dispatch(p, { inputs: [x], outputs: [out], params: values });
    return;
  }
  const split = O >= TARGET_GROUPS ? 1 : Math.ceil(TARGET_GROUPS / O);
  const chunk = Math.max(1, Math.ceil(R / split)); // slices past R are empty: they hold the identity
  const p = cachedProgram(`reduceTree|${variant}`, () => ({
    params, inputs: { x: T }, outputs: { y: T }, workgroupSize: TREE_WG,
    helpers: helpers(kind, T, kept.shape.length, red.shape.length), main: treeWgsl,
  }));
  const target = split === 1 ? out : gpu.scratch(x.dtype, [O * split]);
  gpu.dispatch(p, { inputs: [x], outputs: [target], params: { ...values, n: O * split, split, chunk }, workgroups: O * split });
  if (split > 1) reduceStrided(gpu, kind, target, { shape: [O], strides: [split] }, { shape: [split], strides: [1] }, out, true);
}

/**
 * Software adapters: no workgroup trees (a barrier makes lavapipe run a shader as coroutines: a sum over the
 * leading axis of [12800, 1024] took 85 ms that way). Serial loops instead, one invocation per unit of
 * outputs and slice of the reduced range, partials laid out [slices, O] so that neighbouring lanes read
 * neighbouring outputs, then one serial pass over the slices. The slice count comes from the outputs alone
 * (enough invocations to keep the adapter's threads busy; see the top of the file for why not from R).
 */
function reduceSoftware(gpu: GpuContext, kind: ReduceKind, x: TensorInfo, kept: Axes, red: Axes, out: TensorInfo, d: { O: number; R: number; variant: string; final: boolean }): void {
  const { O, R } = d;
  const T = storageType(x.dtype);
  // Float sums over leading axes (a bias gradient) with O % 4 = 0 read quads of outputs: 1.7× fewer load loops.
  const W = kind === 'sum' && T === 'f32' && kept.shape.length === 1 && kept.strides[0] === 1 && O % 4 === 0
    && red.strides.every((st) => st % 4 === 0) ? 4 : 1;
  // Quads in pairs when they pair up: each step down the reduced rows then reads 32 contiguous bytes per lane
  // (rows are pages apart; the sequence kernels' reason, kernels/webgpu/quads.ts).
  const Q = W === 4 && O % 8 === 0 && reduceTuning.pairQuads ? 2 : 1;
  const V = W === 4 ? 'vec4<f32>' : T;
  const units = O / W / Q;
  const S = d.final || units >= SOFTWARE_INVOCATIONS ? 1 : Math.ceil(SOFTWARE_INVOCATIONS / units);
  const chunk = Math.max(1, Math.ceil(R / S)); // slices past R are empty: they hold the identity
  const qs = Array.from({ length: Q }, (_, q) => q);
  const accs = qs.map((q) => accumulator(kind, T, V, `acc${q}`));
  const p = cachedProgram(`reduceSlices|${d.variant}|w${W}q${Q}`, () => ({
    params: { n: 'u32', O: 'u32', r: 'u32', chunk: 'u32', keptShape: 'dims', keptStride: 'dims', redShape: 'dims', redStride: 'dims' },
    inputs: { x: V }, outputs: { y: V }, helpers: helpers(kind, T, kept.shape.length, red.shape.length),
    element: [
      // i = slice · units + unit; a unit is W·Q consecutive outputs.
      `  let units = params.O / ${W * Q}u;`,
      '  let o = i % units;',
      '  let begin = (i / units) * params.chunk;',
      '  let end = min(begin + params.chunk, params.r);',
      `  let base = outBase(o * ${W * Q}u);`,
      ...accs.map((a) => `  ${a.decl}`),
      W === 4
        ? `  for (var r = begin; r < end; r++) { let at = (base + redOffset(r)) / 4u; ${qs.map((q) => accs[q]!.add(`x[at + ${q}u]`)).join(' ')} }`
        : `  for (var r = begin; r < end; r++) ${accs[0]!.add('x[base + redOffset(r)]')}`,
      ...qs.map((q) => `  y[i * ${Q}u + ${q}u] = ${accs[q]!.result};`),
    ].join('\n'),
  }));
  const target = S === 1 ? out : gpu.scratch(x.dtype, [S, O]);
  gpu.dispatch(p, {
    inputs: [x], outputs: [target],
    params: { n: units * S, O, r: R, chunk, keptShape: kept.shape, keptStride: kept.strides, redShape: red.shape, redStride: red.strides },
  });
  if (S > 1) reduceStrided(gpu, kind, target, { shape: [O], strides: [1] }, { shape: [S], strides: [O] }, out, true);
}

/** Splits `shape`'s axes into kept and reduced groups (row-major strides), each collapsed. */
export function splitAxes(shape: readonly number[], axes: readonly number[]): { kept: Axes; red: Axes } {
  const st = stridesOf(shape);
  const pick = (want: boolean) => shape.map((_, i) => i).filter((i) => axes.includes(i) === want);
  const kIdx = pick(false), rIdx = pick(true);
  const kept = collapse(kIdx.map((i) => shape[i]!), kIdx.map((i) => st[i]!));
  const red = collapse(rIdx.map((i) => shape[i]!), rIdx.map((i) => st[i]!));
  if (kept.shape.length > MAX_RANK || red.shape.length > MAX_RANK) throw new Error(`reduce: more than ${MAX_RANK} non-mergeable axes`);
  return { kept, red };
}

function reduceKernel(kind: ReduceKind): GpuKernel<{ axes: number[]; keepDims: boolean }> {
  return (gpu, [x], { axes }, [meta]) => {
    const y = gpu.output(meta!);
    const { kept, red } = splitAxes(x!.shape, axes);
    reduceStrided(gpu, kind, x!, kept, red, y);
    return [y];
  };
}
export const sumKernel = reduceKernel('sum');
export const maxKernel = reduceKernel('max');
export const minKernel = reduceKernel('min');

/** First index of the largest element along `axis` (NaN never wins, as on the CPU): a serial loop per output. */
export const argmaxKernel: GpuKernel<{ axis: number }> = (gpu, [x], { axis }, [meta]) => {
  const y = gpu.output(meta!);
  const T = storageType(x!.dtype);
  const inner = x!.shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const lowest = T === 'f32' ? '-inff()' : 'bitcast<i32>(0x80000000u)';
  const p = cachedProgram(`argmax|${T}`, () => ({
    params: { n: 'u32', len: 'u32', inner: 'u32' }, inputs: { x: T }, outputs: { y: 'i32' },
    element: [
      '  let base = (i / params.inner) * params.len * params.inner + i % params.inner;',
      `  var best = ${lowest};`, '  var at = 0;',
      '  for (var k = 0u; k < params.len; k++) {',
      '    let v = x[base + k * params.inner];',
      '    if (v > best) { best = v; at = i32(k); }',
      '  }',
      '  y[i] = at;',
    ].join('\n'),
  }));
  gpu.dispatch(p, { inputs: [x!], outputs: [y], params: { n: y.size, len: x!.shape[axis]!, inner } });
  return [y];
};
