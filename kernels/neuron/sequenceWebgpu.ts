/**
 * The WebGPU generator of the generic neuron sequence ops: WGSL generated from a bound model's trees
 * (dynamics/bind.ts), the same algorithm as the CPU twin (kernels/neuron/sequenceCpu.ts has it in words), one
 * invocation per neuron and batch element running the time loop with the states in registers. The backward
 * inlines the layer's surrogate derivative (its WGSL, surrogate/compileWgsl.ts), so the pipeline key holds the
 * surrogate's key; everything else of the key is the model's (its trees and folded constants).
 * Variables are named by the generator (s<k>, q<k>, inp, sp, g<k>): no text of a declaration reaches WGSL.
 */
import type { NeuronSeqAttrs, NeuronSeqGradAttrs } from '../../engine/opsNeuron.js';
import type { BoundNeuron } from '../../dynamics/bind.js';
import { seedName } from '../../dynamics/bind.js';
import { toProgram, toPrograms, tmpCount, type Atom, type Program } from '../../dynamics/program.js';
import { HELPER_SRC, emitter, wgslF32, type Helper } from '../../surrogate/compileWgsl.js';
import { cachedProgram } from '../webgpu/program.js';
import { laneTypes, mapLanes, sequenceLanes } from '../webgpu/quads.js';
import type { GpuContext, GpuKernel } from '../webgpu/types.js';
import { TWO_FLOAT_PARAMS, twoFloatHelpers, twoFloatParams } from './twoFloat.js';

const SPIKE = 'spike';

export function wgslNames(b: BoundNeuron, statePrefix: string): (v: string) => string {
  const map = new Map<string, string>(b.states.map((s, k) => [s, `${statePrefix}${k}`]));
  map.set(b.input, 'inp').set(SPIKE, 'sp');
  b.states.forEach((_, k) => map.set(seedName(k), `g${k}`));
  return (v) => {
    const n = map.get(v);
    if (n === undefined) throw new Error(`neuron kernel: unbound variable '${v}'`);
    return n;
  };
}

/**
 * Operations whose WGSL is componentwise on vec4<f32> / vec4<bool> and, per component, the same float32
 * operation as on f32 (so W = 4 gives W = 1's bits): arithmetic, comparisons, select, abs, min, max. Not the
 * `dyn_*` helpers (scalar functions), the transcendental built-ins (a vector form need not round as the
 * scalar one) nor && / || (scalar bool only in WGSL). A program with any other op runs W = 1.
 */
const VECTOR_SAFE = new Set(['add', 'sub', 'mul', 'div', 'neg', 'abs', 'min', 'max', 'select', 'lt', 'le', 'gt', 'ge', 'eq', 'ne', 'not']);
const vectorSafe = (...ps: Program[]): boolean => ps.every((p) => p.instrs.every((i) => VECTOR_SAFE.has(i.op)));

/** A float32 constant of lane width W: a literal (W = 1), or splat to V (W = 4: WGSL compares no vector with a scalar). */
const constW = (v: number, W: 1 | 4): string => (W === 4 ? `V(${wgslF32(v)})` : wgslF32(v));

/**
 * Elements per invocation of the neuron sequence kernels: 4 (V = vec4<f32>, four neighbouring neurons) on
 * software adapters for N % 4 = 0 and vector-safe programs, where one vec4 storage access costs far less than
 * four f32 ones (kernels/webgpu/quads.ts); else 1.
 */
function neuronWidth(gpu: GpuContext, N: number, b: BoundNeuron): 1 | 4 {
  return sequenceLanes(gpu, N).W === 4 && neuronVectorSafe(b) ? 4 : 1;
}

/** Whether every program of a bound model's kernels has a vector form (W = 4 on software adapters). */
function neuronVectorSafe(b: BoundNeuron): boolean {
  return vectorSafe(...toPrograms([[b.u, ...b.dU], b.update, [...b.vjpStates, b.vjpInput, b.vjpSpike]]));
}

/** WGSL `let` statements of a program; the helpers it calls are added to `used`. W = 4: constants as V(c). */
export function emitWgsl(p: Program, name: (v: string) => string, used: Set<Helper>, W: 1 | 4 = 1): { code: string; results: string[] } {
  const emit = emitter((h) => (used.add(h), `dyn_${h}`));
  const atom = (a: Atom): string => (a.kind === 'const' ? constW(a.value, W) : a.kind === 'var' ? name(a.name) : `t${a.index}`);
  const code = p.instrs.map((i) => `let t${i.out} = ${emit[i.op](i.args.map(atom))};`).join('\n    ');
  return { code, results: p.results.map(atom) };
}

export function resetWgsl(b: BoundNeuron, k: number, W: 1 | 4 = 1): string {
  const r = b.reset.find((x) => x.index === k);
  if (!r) return `let q${k} = s${k};`;
  const c = constW(r.value, W);
  const spiked = r.mode === 'to' ? `s${k} - (s${k} - ${c})` : r.mode === 'add' ? `s${k} + ${c}` : `s${k} - ${c}`;
  return `let q${k} = select(s${k}, ${spiked}, sp != ${constW(0, W)});`;
}

/**
 * The reset's part of the previous spike's cotangent, ∂S'/∂sp · S̄' per reset state, added to `sbar` (from
 * `b<k>` = S̄'_k and `s<k>`). `carried`: `sbar` and `b<k>` are two-floats (the neuron sweep's adjoints,
 * twoFloat.wgsl); else plain f32 (the recurrent kernel's).
 */
export function resetBarWgsl(b: BoundNeuron, carried: boolean, W: 1 | 4 = 1): string {
  return b.reset.map((r) => {
    const k = r.index, c = constW(r.value, W);
    const term = r.mode === 'to' ? `(s${k} - ${c})` : c;
    const sign = r.mode === 'add' ? 1 : -1;
    if (!carried) return `sbar = sbar ${sign > 0 ? '+' : '-'} b${k} * ${term};`;
    const prod = `mulF(b${k}, TwoF(${term}, ${constW(0, W)}))`;
    return `sbar = addFF(sbar, ${sign > 0 ? prod : `negF(${prod})`});`;
  }).join(' ');
}

/**
 * A program whose variables `twoVars` are two-floats (the seeds: the adjoint the sweep carries), emitted with
 * every operation on a two-float operand in two-float arithmetic (twoFloat.wgsl): a vector-Jacobian product is
 * linear in its seeds, so these are sums, negations, products and quotients by float32 values and selects. Any
 * other use of a two-float (none in a linear product) takes its rounded value. Each result says whether it is
 * a two-float.
 */
function emitWgslCarried(p: Program, name: (v: string) => string, used: Set<Helper>, twoVars: ReadonlySet<string>, W: 1 | 4 = 1): { code: string; results: { v: string; two: boolean }[] } {
  const emit = emitter((h) => (used.add(h), `dyn_${h}`));
  const two = new Set<number>();
  const zero = constW(0, W);
  const text = (a: Atom): string => (a.kind === 'const' ? constW(a.value, W) : a.kind === 'var' ? name(a.name) : `t${a.index}`);
  const isTwo = (a: Atom): boolean => (a.kind === 'var' ? twoVars.has(a.name) : a.kind === 'tmp' && two.has(a.index));
  const plain = (a: Atom): string => (isTwo(a) ? `${text(a)}.hi` : text(a));
  // A constant (a float64 value: the backward trees' products are merged in float64, symbolic.ts foldScales)
  // as the nearest float32 and its rounding error, as the hand-written sweep's decay and gain were.
  const asTwo = (a: Atom): string => {
    if (isTwo(a)) return text(a);
    if (a.kind !== 'const') return `TwoF(${text(a)}, ${zero})`;
    const hi = Math.fround(a.value);
    return `TwoF(${constW(hi, W)}, ${Number.isFinite(hi) ? constW(a.value - hi, W) : zero})`;
  };
  const carried = (op: string, [a, b, c]: Atom[]): string | null => {
    switch (op) {
      case 'add': return isTwo(a!) ? `addFF(${text(a!)}, ${asTwo(b!)})` : `addFF(${asTwo(a!)}, ${text(b!)})`;
      case 'sub': return isTwo(a!) ? `addFF(${text(a!)}, negF(${asTwo(b!)}))` : `addFF(${asTwo(a!)}, negF(${text(b!)}))`;
      case 'neg': return `negF(${text(a!)})`;
      case 'mul': return isTwo(a!) && isTwo(b!) ? null : isTwo(a!) ? `mulF(${text(a!)}, ${asTwo(b!)})` : `mulF(${text(b!)}, ${asTwo(a!)})`;
      case 'div': return isTwo(a!) && !isTwo(b!) ? `divF(${text(a!)}, ${text(b!)})` : null;
      case 'select': return isTwo(a!) ? null : `${W === 4 ? 'selectFV' : 'selectF'}(${asTwo(c!)}, ${asTwo(b!)}, ${text(a!)})`;
      default: return null;
    }
  };
  const code = p.instrs.map((i) => {
    const e = i.type === 'f' && i.args.some(isTwo) ? carried(i.op, i.args) : null;
    if (e === null) return `let t${i.out} = ${emit[i.op](i.args.map(plain))};`;
    two.add(i.out);
    return `let t${i.out} = ${e};`;
  }).join('\n    ');
  return { code, results: p.results.map((a) => ({ v: text(a), two: isTwo(a) })) };
}

/** The WGSL of the helpers the emitted programs call (`dyn_<name>`). */
export const helpersOf = (used: Set<Helper>): string => [...used].sort().map((h) => HELPER_SRC[h](`dyn_${h}`)).join('\n');

/**
 * W = 4: V = vec4<f32>, four neighbouring neurons per invocation (params.n counts quads, and the buffers are
 * vec4<f32>), every operation componentwise; the same float32 operations as W = 1 lane by lane.
 */
function forwardWgsl(b: BoundNeuron, W: 1 | 4 = 1): { helpers: string; element: string } {
  const K = b.states.length, ks = Array.from({ length: K }, (_, k) => k);
  const used = new Set<Helper>();
  const pu0 = toProgram([b.u], 0);
  const u0 = emitWgsl(pu0, wgslNames(b, 's'), used, W);
  const upd = toProgram(b.update, tmpCount(pu0));
  const updW = emitWgsl(upd, wgslNames(b, 'q'), used, W);
  const un = emitWgsl(toProgram([b.u], tmpCount(upd)), wgslNames(b, 'n'), used, W);
  const [z, one] = [constW(0, W), constW(1, W)];
  const element = `
  let j = i;
  let N = params.n;
  ${ks.map((k) => `var c${k} = initial[${k}u * N + j];`).join('\n  ')}
  var sp: ${W === 4 ? 'V' : 'f32'};
  {
    ${ks.map((k) => `let s${k} = c${k};`).join(' ')}
    ${u0.code}
    sp = select(${z}, ${one}, ${u0.results[0]} >= ${z});
  }
  for (var t = 0u; t < params.steps; t++) {
    let o = t * N + j;
    let nb = t * ${K}u * N;
    let inp = x[o];
    ${ks.map((k) => `let s${k} = c${k};`).join(' ')}
    ${ks.map((k) => resetWgsl(b, k, W)).join('\n    ')}
    ${updW.code}
    ${ks.map((k) => `let n${k} = ${updW.results[k]}; states[nb + ${k}u * N + j] = n${k}; c${k} = n${k};`).join('\n    ')}
    ${un.code}
    sp = select(${z}, ${one}, ${un.results[0]} >= ${z});
    spikes[o] = sp;
  }`;
  return { helpers: `${W === 4 ? `${laneTypes(W).aliases}\n` : ''}${helpersOf(used)}`, element };
}

/**
 * The sweep carries each state's adjoint as a two-float (twoFloat.wgsl), as the CPU twin carries it in
 * float64 and rounds only what it stores: a float32 chain through T = 200 steps left the seed step's 0.bias
 * 2× (LIF, ReluGrad) the error of the two-float carry (test/nn/seedAccuracy.test.ts). The per-step terms (σ',
 * ∂u/∂S, the states) stay float32: their roundings enter once each and do not compound.
 */
function backwardWgsl(b: BoundNeuron, a: NeuronSeqGradAttrs, W: 1 | 4 = 1): { helpers: string; element: string } {
  const K = b.states.length, ks = Array.from({ length: K }, (_, k) => k);
  const used = new Set<Helper>();
  // u and its derivatives at the new and at the previous state, then the step's vector-Jacobian product.
  const [pNew, pOld, pVjp] = toPrograms([[b.u, ...b.dU], [b.u, ...b.dU], [...b.vjpStates, b.vjpInput, b.vjpSpike]]);
  const uNew = emitWgsl(pNew!, wgslNames(b, 'n'), used, W);
  const uOld = emitWgsl(pOld!, wgslNames(b, 's'), used, W);
  const vjp = emitWgslCarried(pVjp!, wgslNames(b, 'q'), used, new Set(ks.map(seedName)), W);
  const z = constW(0, W);
  const two = (r: { v: string; two: boolean }) => (r.two ? r.v : `TwoF(${r.v}, ${z})`);
  const rounded = (r: { v: string; two: boolean }) => (r.two ? `${r.v}.hi` : r.v);
  const resetBar = resetBarWgsl(b, true, W);
  // The surrogate derivative (a scalar f32 function) lane by lane at W = 4.
  const sg = W === 4 ? 'surrogateGradV' : 'surrogateGrad';
  const element = `
  let j = i;
  let N = params.n;
  ${ks.map((k) => `var c${k} = TwoF(${z}, ${z});`).join(' ')}
  for (var r = 0u; r < params.steps; r++) {
    let t = params.steps - 1u - r;
    let o = t * N + j;
    let nb = t * ${K}u * N;
    ${ks.map((k) => `var g${k} = ${a.hasDStates ? `addF(c${k}, dStates[nb + ${k}u * N + j])` : `c${k}`};`).join(' ')}
    ${a.hasDS ? `{
      ${ks.map((k) => `let n${k} = states[nb + ${k}u * N + j];`).join(' ')}
      ${uNew.code}
      let w = dSpikes[o] * ${sg}(${uNew.results[0]});
      ${ks.map((k) => `g${k} = addF(g${k}, w * ${uNew.results[k + 1]});`).join(' ')}
    }` : ''}
    ${ks.map((k) => `var s${k}: ${W === 4 ? 'V' : 'f32'};`).join(' ')}
    if (t == 0u) { ${ks.map((k) => `s${k} = initial[${k}u * N + j];`).join(' ')} }
    else { ${ks.map((k) => `s${k} = states[nb - ${K}u * N + ${k}u * N + j];`).join(' ')} }
    ${uOld.code}
    let uo = ${uOld.results[0]};
    let sp = select(${z}, ${constW(1, W)}, uo >= ${z});
    let inp = x[o];
    ${ks.map((k) => resetWgsl(b, k, W)).join(' ')}
    ${vjp.code}
    ${ks.map((k) => `var b${k} = ${two(vjp.results[k]!)};`).join(' ')}
    dx[o] = ${rounded(vjp.results[K]!)};
    ${a.detachReset ? '' : `var sbar = ${two(vjp.results[K + 1]!)}; ${resetBar}
    let w0 = mulF(sbar, TwoF(${sg}(uo), ${z}));
    ${ks.map((k) => `b${k} = addFF(b${k}, mulF(w0, TwoF(${uOld.results[k + 1]}, ${z})));`).join(' ')}`}
    ${ks.map((k) => `c${k} = b${k};`).join(' ')}
  }
  ${ks.map((k) => `ds0[${k}u * N + j] = c${k}.hi;`).join(' ')}`;
  const vec = W === 4 ? `${mapLanes('surrogateGradV', 'surrogateGrad', 4)}
fn selectFV(b: TwoF, a: TwoF, cond: B) -> TwoF { return TwoF(select(b.hi, a.hi, cond), select(b.lo, a.lo, cond)); }\n` : '';
  return { helpers: `${vec}${helpersOf(used)}`, element };
}

/** Exposed for tests and docs: the generated WGSL of a bound model. */
export const neuronWgsl = { forward: forwardWgsl, backward: backwardWgsl, vectorSafe: neuronVectorSafe };

export const neuronRunGpu: GpuKernel<NeuronSeqAttrs> = (gpu, [x, s0], a, outs) => {
  const T = x!.shape[0]!, N = x!.size / T;
  const W = neuronWidth(gpu, N, a.neuron), v = laneTypes(W).v;
  const p = cachedProgram(`neuronRun|${a.neuron.key}|w${W}`, () => {
    const { helpers, element } = forwardWgsl(a.neuron, W);
    return { params: { n: 'u32', steps: 'u32' }, inputs: { x: v, initial: v }, outputs: { spikes: v, states: v }, helpers, element, spanElements: false };
  });
  const spikes = gpu.output(outs[0]!), states = gpu.output(outs[1]!);
  gpu.dispatch(p, { inputs: [x!, s0!], outputs: [spikes, states], params: { n: N / W, steps: T } });
  return [spikes, states];
};

export const neuronRunGradGpu: GpuKernel<NeuronSeqGradAttrs> = (gpu, ins, a, outs) => {
  const x = ins[0]!;
  const T = x.shape[0]!, N = x.size / T;
  const cots = [a.hasDS ? 'dSpikes' : null, a.hasDStates ? 'dStates' : null].filter((c): c is string => c !== null);
  const tf = twoFloatHelpers();
  const W = neuronWidth(gpu, N, a.neuron), v = laneTypes(W).v;
  const p = cachedProgram(`neuronRunGrad|${a.neuron.key}|${a.spkFun.key}|${cots.join(',')}|${a.detachReset}${tf.key}|w${W}`, () => {
    const { helpers, element } = backwardWgsl(a.neuron, a, W);
    return {
      params: { n: 'u32', steps: 'u32', ...TWO_FLOAT_PARAMS },
      inputs: { x: v, initial: v, states: v, ...Object.fromEntries(cots.map((c) => [c, v])) },
      outputs: { dx: v, ds0: v },
      helpers: `${W === 4 ? laneTypes(W).aliases : 'alias V = f32;'}\n${tf.wgsl}\n${a.spkFun.wgslGrad('surrogateGrad')}\n${helpers}`, element, spanElements: false,
    };
  });
  const dx = gpu.output(outs[0]!), ds0 = gpu.output(outs[1]!);
  gpu.dispatch(p, { inputs: ins, outputs: [dx, ds0], params: { n: N / W, steps: T, ...twoFloatParams } });
  return [dx, ds0];
};
