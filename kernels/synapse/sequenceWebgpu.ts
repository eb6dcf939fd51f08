/**
 * The WebGPU generator of the generic spike-free sequence ops: WGSL generated from a bound model's trees
 * (dynamics/bind.ts `bindSynapse`), the same algorithm as the CPU twin (kernels/synapse/sequenceCpu.ts has it in
 * words), one invocation per element running the time loop with the states in registers. Variables are named
 * by the generator (s<k>, n<k>, inp, g<k>): no text of a declaration reaches WGSL.
 *
 * A linear model's backward carries each state's adjoint as a two-float (kernels/neuron/twoFloat.wgsl) and
 * multiplies by its float64 coefficients split into hi + lo, so T steps of the recurrence are as accurate as the
 * CPU's float64 carry (docs/numerics.md §2: a plain float32 chain gathered a rounding bias in the readout's
 * gradient over ~1/(1 − decay) steps).
 */
import type { SynapseSeqAttrs, SynapseSeqGradAttrs } from '../../engine/opsSynapse.js';
import type { BoundSynapse } from '../../dynamics/bind.js';
import { sizeOf } from '../../engine/shape.js';
import { toPrograms, type Program } from '../../dynamics/program.js';
import { wgslF32, type Helper } from '../../surrogate/compileWgsl.js';
import { cachedProgram } from '../webgpu/program.js';
import { laneTypes, sequenceLanes } from '../webgpu/quads.js';
import type { GpuKernel } from '../webgpu/types.js';
import { emitWgsl, helpersOf } from '../neuron/sequenceWebgpu.js';
import { TWO_FLOAT_PARAMS, twoFloatHelpers, twoFloatParams } from '../neuron/twoFloat.js';
import { linearSum, synapseNames } from './sequenceCpu.js';

const ks = (b: BoundSynapse): number[] => b.states.map((_, k) => k);

/**
 * Operations whose WGSL takes a vec4 with scalar literals as it takes an f32 (WGSL mixes vectors and scalars in
 * + − × ÷): a program of these alone runs four elements per invocation on software adapters, where one vec4
 * access costs far less than four f32 ones (kernels/webgpu/quads.ts; 2.3× for the former Expon kernel).
 */
const VECTOR_SAFE = new Set(['add', 'sub', 'mul', 'div', 'neg']);
// (A constant result would be a scalar where a vec4 is stored.)
const vectorSafe = (...ps: Program[]): boolean => ps.every((p) => p.instrs.every((i) => VECTOR_SAFE.has(i.op)) && p.results.every((r) => r.kind !== 'const'));

/** Elements per invocation: 4 (V = vec4<f32>) on software adapters for vector-safe programs and N % 4 = 0, else 1. */
function widthFor(gpu: Parameters<typeof sequenceLanes>[0], N: number, ...ps: Program[]): 1 | 4 {
  return sequenceLanes(gpu, N).W === 4 && vectorSafe(...ps) ? 4 : 1;
}

function forwardWgsl(b: BoundSynapse, W: 1 | 4 = 1): { helpers: string; element: string } {
  const K = b.states.length, used = new Set<Helper>();
  const [pUpd, pOut] = toPrograms([b.update, b.output ? [b.output] : []]);
  const upd = emitWgsl(pUpd!, synapseNames(b, 's'), used);
  const out = emitWgsl(pOut!, synapseNames(b, 'n'), used);
  const element = `
  let j = i;
  let N = params.n;
  ${ks(b).map((k) => `var c${k} = initial[${k}u * N + j];`).join('\n  ')}
  for (var t = 0u; t < params.steps; t++) {
    let o = t * N + j;
    let nb = t * ${K}u * N;
    let inp = x[o];
    ${ks(b).map((k) => `let s${k} = c${k};`).join(' ')}
    ${upd.code}
    ${ks(b).map((k) => `let n${k} = ${upd.results[k]}; states[nb + ${k}u * N + j] = n${k}; c${k} = n${k};`).join('\n    ')}
    ${b.output ? `${out.code}\n    out[o] = ${out.results[0]};` : ''}
  }`;
  return { helpers: `${laneTypes(W).aliases}\n${helpersOf(used)}`, element };
}

/** A float64 coefficient as a two-float WGSL constant: hi the nearest float32, lo the nearest to the rest. */
function twoFConst(c: number): string {
  const hi = Math.fround(c);
  return `twoF(V(${wgslF32(hi)}), V(${wgslF32(c - hi)}))`;
}

function backwardWgsl(b: BoundSynapse, a: SynapseSeqGradAttrs, W: 1 | 4 = 1): { helpers: string; element: string } {
  const K = b.states.length, used = new Set<Helper>();
  const dSt = (k: number) => (a.hasDStates ? `dStates[nb + ${k}u * N + j]` : null);
  let state: string, step: string, finish: string;
  if (b.linear) {
    const L = b.linear;
    state = ks(b).map((k) => `var c${k} = twoF(V(0.0), V(0.0));`).join(' ');
    // Ḡ_k = carry_k + dStates + c_k·dOut, each term added to the two-float exactly (addF).
    const seed = (k: number) => [
      `var g${k} = c${k};`,
      ...(dSt(k) ? [`g${k} = addF(g${k}, ${dSt(k)});`] : []),
      ...(a.hasDOut && L.c[k] !== 0 ? [`g${k} = addF(g${k}, ${wgslF32(L.c[k]!)} * d);`] : []),
    ].join(' ');
    const carry = (j: number) => {
      const terms = ks(b).filter((k) => L.a[k]![j] !== 0).map((k) => (L.a[k]![j] === 1 ? `g${k}` : `mulF(g${k}, ${twoFConst(L.a[k]![j]!)})`));
      if (terms.length === 0) return `c${j} = twoF(V(0.0), V(0.0));`;
      return `{ var acc = ${terms[0]};${terms.slice(1).map((t, i) => ` let y${i} = ${t}; acc = addF(addF(acc, y${i}.hi), y${i}.lo);`).join('')} c${j} = acc; }`;
    };
    step = `${a.hasDOut ? 'let d = dOut[o];' : ''}
    ${ks(b).map(seed).join('\n    ')}
    dx[o] = ${linearSum(L.b, ks(b).map((k) => `g${k}.hi`), (v) => `V(${wgslF32(v)})`)};
    ${ks(b).map(carry).join('\n    ')}`;
    finish = ks(b).map((k) => `ds0[${k}u * N + j] = c${k}.hi;`).join(' ');
  } else {
    const [pDY, pVjp] = toPrograms([b.dY, [...b.vjpStates, b.vjpInput]]);
    const dY = emitWgsl(pDY!, synapseNames(b, 'n'), used);
    const vjp = emitWgsl(pVjp!, synapseNames(b, 's'), used);
    state = ks(b).map((k) => `var c${k} = 0.0;`).join(' ');
    step = `${a.hasDOut ? `let d = dOut[o]; ${ks(b).map((k) => `let n${k} = states[nb + ${k}u * N + j];`).join(' ')}\n    ${dY.code}` : ''}
    ${ks(b).map((k) => `let g${k} = c${k}${dSt(k) ? ` + ${dSt(k)}` : ''}${a.hasDOut ? ` + d * ${dY.results[k]}` : ''};`).join(' ')}
    ${ks(b).map((k) => `var s${k}: f32;`).join(' ')}
    if (t == 0u) { ${ks(b).map((k) => `s${k} = initial[${k}u * N + j];`).join(' ')} }
    else { ${ks(b).map((k) => `s${k} = states[nb - ${K}u * N + ${k}u * N + j];`).join(' ')} }
    let inp = x[o];
    ${vjp.code}
    dx[o] = ${vjp.results[K]};
    ${ks(b).map((k) => `c${k} = ${vjp.results[k]};`).join(' ')}`;
    finish = ks(b).map((k) => `ds0[${k}u * N + j] = c${k};`).join(' ');
  }
  const element = `
  let j = i;
  let N = params.n;
  ${state}
  for (var r = 0u; r < params.steps; r++) {
    let t = params.steps - 1u - r;
    let o = t * N + j;
    let nb = t * ${K}u * N;
    ${step}
  }
  ${finish}`;
  const tf = `${laneTypes(W).aliases}\n${b.linear ? `${twoFloatHelpers().wgsl}\n` : ''}`;
  return { helpers: `${tf}${helpersOf(used)}`, element };
}

/** Exposed for tests and docs: the generated WGSL of a bound model. */
export const synapseWgsl = { forward: forwardWgsl, backward: backwardWgsl };

export const synapseRunGpu: GpuKernel<SynapseSeqAttrs> = (gpu, [x, s0], a, outs) => {
  const T = x!.shape[0]!, N = x!.size / T, b = a.synapse;
  const W = widthFor(gpu, N, ...toPrograms([b.update, b.output ? [b.output] : []]));
  const v = laneTypes(W).v;
  const p = cachedProgram(`synapseRun|${b.key}|w${W}`, () => {
    const { helpers, element } = forwardWgsl(b, W);
    return { params: { n: 'u32', steps: 'u32' }, inputs: { x: v, initial: v }, outputs: { states: v, ...(b.output ? { out: v } : {}) }, helpers, element, spanElements: false };
  });
  const res = outs.map((o) => gpu.output(o));
  gpu.dispatch(p, { inputs: [x!, s0!], outputs: res, params: { n: N / W, steps: T } });
  return res;
};

export const synapseRunGradGpu: GpuKernel<SynapseSeqGradAttrs> = (gpu, ins, a, outs) => {
  const b = a.synapse;
  const T = outs[0]!.shape[0]!, N = sizeOf(outs[0]!.shape) / T;
  const cots = [a.hasDStates ? 'dStates' : null, a.hasDOut ? 'dOut' : null].filter((c): c is string => c !== null);
  const tf = b.linear ? twoFloatHelpers().key : '';
  // Only the linear sweep has a vector form here (its arithmetic is two-float sums and products, all on V).
  const W: 1 | 4 = b.linear ? widthFor(gpu, N) : 1;
  const v = laneTypes(W).v;
  const p = cachedProgram(`synapseRunGrad|${b.key}|${cots.join(',')}${tf}|w${W}`, () => {
    const { helpers, element } = backwardWgsl(b, a, W);
    // A linear model's backward reads no forward values: its inputs are the cotangents alone.
    const fwd: Record<string, 'f32'> = b.linear ? {} : { x: 'f32', initial: 'f32', states: 'f32' };
    return {
      params: { n: 'u32', steps: 'u32', ...(b.linear ? TWO_FLOAT_PARAMS : {}) },
      inputs: { ...fwd, ...Object.fromEntries(cots.map((c) => [c, v])) },
      outputs: { dx: v, ds0: v }, helpers, element, spanElements: false,
    };
  });
  const res = outs.map((o) => gpu.output(o));
  gpu.dispatch(p, { inputs: ins, outputs: res, params: { n: N / W, steps: T, ...(b.linear ? twoFloatParams : {}) } });
  return res;
};
