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
import type { GpuKernel } from '../webgpu/types.js';
import { TWO_FLOAT_PARAMS, twoFloatHelpers, twoFloatParams } from './twoFloat.js';

const SPIKE = 'spike';

function wgslNames(b: BoundNeuron, statePrefix: string): (v: string) => string {
  const map = new Map<string, string>(b.states.map((s, k) => [s, `${statePrefix}${k}`]));
  map.set(b.input, 'inp').set(SPIKE, 'sp');
  b.states.forEach((_, k) => map.set(seedName(k), `g${k}`));
  return (v) => {
    const n = map.get(v);
    if (n === undefined) throw new Error(`neuron kernel: unbound variable '${v}'`);
    return n;
  };
}

/** WGSL `let` statements of a program; the helpers it calls are added to `used`. */
export function emitWgsl(p: Program, name: (v: string) => string, used: Set<Helper>): { code: string; results: string[] } {
  const emit = emitter((h) => (used.add(h), `dyn_${h}`));
  const atom = (a: Atom): string => (a.kind === 'const' ? wgslF32(a.value) : a.kind === 'var' ? name(a.name) : `t${a.index}`);
  const code = p.instrs.map((i) => `let t${i.out} = ${emit[i.op](i.args.map(atom))};`).join('\n    ');
  return { code, results: p.results.map(atom) };
}

function resetWgsl(b: BoundNeuron, k: number): string {
  const r = b.reset.find((x) => x.index === k);
  if (!r) return `let q${k} = s${k};`;
  const c = wgslF32(r.value);
  const spiked = r.mode === 'to' ? `s${k} - (s${k} - ${c})` : r.mode === 'add' ? `s${k} + ${c}` : `s${k} - ${c}`;
  return `let q${k} = select(s${k}, ${spiked}, sp != 0.0);`;
}

/**
 * A program whose variables `twoVars` are two-floats (the seeds: the adjoint the sweep carries), emitted with
 * every operation on a two-float operand in two-float arithmetic (twoFloat.wgsl): a vector-Jacobian product is
 * linear in its seeds, so these are sums, negations, products and quotients by float32 values and selects. Any
 * other use of a two-float (none in a linear product) takes its rounded value. Each result says whether it is
 * a two-float.
 */
function emitWgslCarried(p: Program, name: (v: string) => string, used: Set<Helper>, twoVars: ReadonlySet<string>): { code: string; results: { v: string; two: boolean }[] } {
  const emit = emitter((h) => (used.add(h), `dyn_${h}`));
  const two = new Set<number>();
  const text = (a: Atom): string => (a.kind === 'const' ? wgslF32(a.value) : a.kind === 'var' ? name(a.name) : `t${a.index}`);
  const isTwo = (a: Atom): boolean => (a.kind === 'var' ? twoVars.has(a.name) : a.kind === 'tmp' && two.has(a.index));
  const plain = (a: Atom): string => (isTwo(a) ? `${text(a)}.hi` : text(a));
  // A constant (a float64 value: the backward trees' products are merged in float64, symbolic.ts foldScales)
  // as the nearest float32 and its rounding error, as the hand-written sweep's decay and gain were.
  const asTwo = (a: Atom): string => {
    if (isTwo(a)) return text(a);
    if (a.kind !== 'const') return `TwoF(${text(a)}, 0.0)`;
    const hi = Math.fround(a.value);
    return `TwoF(${wgslF32(hi)}, ${Number.isFinite(hi) ? wgslF32(a.value - hi) : '0.0'})`;
  };
  const carried = (op: string, [a, b, c]: Atom[]): string | null => {
    switch (op) {
      case 'add': return isTwo(a!) ? `addFF(${text(a!)}, ${asTwo(b!)})` : `addFF(${asTwo(a!)}, ${text(b!)})`;
      case 'sub': return isTwo(a!) ? `addFF(${text(a!)}, negF(${asTwo(b!)}))` : `addFF(${asTwo(a!)}, negF(${text(b!)}))`;
      case 'neg': return `negF(${text(a!)})`;
      case 'mul': return isTwo(a!) && isTwo(b!) ? null : isTwo(a!) ? `mulF(${text(a!)}, ${asTwo(b!)})` : `mulF(${text(b!)}, ${asTwo(a!)})`;
      case 'div': return isTwo(a!) && !isTwo(b!) ? `divF(${text(a!)}, ${text(b!)})` : null;
      case 'select': return isTwo(a!) ? null : `selectF(${asTwo(c!)}, ${asTwo(b!)}, ${text(a!)})`;
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

export const helpersOf = (used: Set<Helper>): string => [...used].sort().map((h) => HELPER_SRC[h](`dyn_${h}`)).join('\n');

function forwardWgsl(b: BoundNeuron): { helpers: string; element: string } {
  const K = b.states.length, ks = Array.from({ length: K }, (_, k) => k);
  const used = new Set<Helper>();
  const pu0 = toProgram([b.u], 0);
  const u0 = emitWgsl(pu0, wgslNames(b, 's'), used);
  const upd = toProgram(b.update, tmpCount(pu0));
  const updW = emitWgsl(upd, wgslNames(b, 'q'), used);
  const un = emitWgsl(toProgram([b.u], tmpCount(upd)), wgslNames(b, 'n'), used);
  const element = `
  let j = i;
  let N = params.n;
  ${ks.map((k) => `var c${k} = initial[${k}u * N + j];`).join('\n  ')}
  var sp: f32;
  {
    ${ks.map((k) => `let s${k} = c${k};`).join(' ')}
    ${u0.code}
    sp = select(0.0, 1.0, ${u0.results[0]} >= 0.0);
  }
  for (var t = 0u; t < params.steps; t++) {
    let o = t * N + j;
    let nb = t * ${K}u * N;
    let inp = x[o];
    ${ks.map((k) => `let s${k} = c${k};`).join(' ')}
    ${ks.map((k) => resetWgsl(b, k)).join('\n    ')}
    ${updW.code}
    ${ks.map((k) => `let n${k} = ${updW.results[k]}; states[nb + ${k}u * N + j] = n${k}; c${k} = n${k};`).join('\n    ')}
    ${un.code}
    sp = select(0.0, 1.0, ${un.results[0]} >= 0.0);
    spikes[o] = sp;
  }`;
  return { helpers: helpersOf(used), element };
}

/**
 * The sweep carries each state's adjoint as a two-float (twoFloat.wgsl), as the CPU twin carries it in
 * float64 and rounds only what it stores: a float32 chain through T = 200 steps left the seed step's 0.bias
 * 2× (LIF, ReluGrad) the error of the two-float carry (test/nn/seedAccuracy.test.ts). The per-step terms (σ',
 * ∂u/∂S, the states) stay float32: their roundings enter once each and do not compound.
 */
function backwardWgsl(b: BoundNeuron, a: NeuronSeqGradAttrs): { helpers: string; element: string } {
  const K = b.states.length, ks = Array.from({ length: K }, (_, k) => k);
  const used = new Set<Helper>();
  // u and its derivatives at the new and at the previous state, then the step's vector-Jacobian product.
  const [pNew, pOld, pVjp] = toPrograms([[b.u, ...b.dU], [b.u, ...b.dU], [...b.vjpStates, b.vjpInput, b.vjpSpike]]);
  const uNew = emitWgsl(pNew!, wgslNames(b, 'n'), used);
  const uOld = emitWgsl(pOld!, wgslNames(b, 's'), used);
  const vjp = emitWgslCarried(pVjp!, wgslNames(b, 'q'), used, new Set(ks.map(seedName)));
  const two = (r: { v: string; two: boolean }) => (r.two ? r.v : `TwoF(${r.v}, 0.0)`);
  const rounded = (r: { v: string; two: boolean }) => (r.two ? `${r.v}.hi` : r.v);
  const resetBar = b.reset.map((r) => {
    const k = r.index, c = wgslF32(r.value);
    return r.mode === 'to' ? `sbar = addFF(sbar, negF(mulF(b${k}, TwoF(s${k} - ${c}, 0.0))));`
      : r.mode === 'add' ? `sbar = addFF(sbar, mulF(b${k}, TwoF(${c}, 0.0)));` : `sbar = addFF(sbar, negF(mulF(b${k}, TwoF(${c}, 0.0))));`;
  }).join(' ');
  const element = `
  let j = i;
  let N = params.n;
  ${ks.map((k) => `var c${k} = TwoF(0.0, 0.0);`).join(' ')}
  for (var r = 0u; r < params.steps; r++) {
    let t = params.steps - 1u - r;
    let o = t * N + j;
    let nb = t * ${K}u * N;
    ${ks.map((k) => `var g${k} = ${a.hasDStates ? `addF(c${k}, dStates[nb + ${k}u * N + j])` : `c${k}`};`).join(' ')}
    ${a.hasDS ? `{
      ${ks.map((k) => `let n${k} = states[nb + ${k}u * N + j];`).join(' ')}
      ${uNew.code}
      let w = dSpikes[o] * surrogateGrad(${uNew.results[0]});
      ${ks.map((k) => `g${k} = addF(g${k}, w * ${uNew.results[k + 1]});`).join(' ')}
    }` : ''}
    ${ks.map((k) => `var s${k}: f32;`).join(' ')}
    if (t == 0u) { ${ks.map((k) => `s${k} = initial[${k}u * N + j];`).join(' ')} }
    else { ${ks.map((k) => `s${k} = states[nb - ${K}u * N + ${k}u * N + j];`).join(' ')} }
    ${uOld.code}
    let uo = ${uOld.results[0]};
    let sp = select(0.0, 1.0, uo >= 0.0);
    let inp = x[o];
    ${ks.map((k) => resetWgsl(b, k)).join(' ')}
    ${vjp.code}
    ${ks.map((k) => `var b${k} = ${two(vjp.results[k]!)};`).join(' ')}
    dx[o] = ${rounded(vjp.results[K]!)};
    ${a.detachReset ? '' : `var sbar = ${two(vjp.results[K + 1]!)}; ${resetBar}
    let w0 = mulF(sbar, TwoF(surrogateGrad(uo), 0.0));
    ${ks.map((k) => `b${k} = addFF(b${k}, mulF(w0, TwoF(${uOld.results[k + 1]}, 0.0)));`).join(' ')}`}
    ${ks.map((k) => `c${k} = b${k};`).join(' ')}
  }
  ${ks.map((k) => `ds0[${k}u * N + j] = c${k}.hi;`).join(' ')}`;
  return { helpers: helpersOf(used), element };
}

/** Exposed for tests and docs: the generated WGSL of a bound model. */
export const neuronWgsl = { forward: forwardWgsl, backward: backwardWgsl };

export const neuronRunGpu: GpuKernel<NeuronSeqAttrs> = (gpu, [x, s0], a, outs) => {
  const T = x!.shape[0]!, N = x!.size / T;
  const p = cachedProgram(`neuronRun|${a.neuron.key}`, () => {
    const { helpers, element } = forwardWgsl(a.neuron);
    return { params: { n: 'u32', steps: 'u32' }, inputs: { x: 'f32', initial: 'f32' }, outputs: { spikes: 'f32', states: 'f32' }, helpers, element, spanElements: false };
  });
  const spikes = gpu.output(outs[0]!), states = gpu.output(outs[1]!);
  gpu.dispatch(p, { inputs: [x!, s0!], outputs: [spikes, states], params: { n: N, steps: T } });
  return [spikes, states];
};

export const neuronRunGradGpu: GpuKernel<NeuronSeqGradAttrs> = (gpu, ins, a, outs) => {
  const x = ins[0]!;
  const T = x.shape[0]!, N = x.size / T;
  const cots = [a.hasDS ? 'dSpikes' : null, a.hasDStates ? 'dStates' : null].filter((c): c is string => c !== null);
  const tf = twoFloatHelpers();
  const p = cachedProgram(`neuronRunGrad|${a.neuron.key}|${a.spkFun.key}|${cots.join(',')}|${a.detachReset}${tf.key}`, () => {
    const { helpers, element } = backwardWgsl(a.neuron, a);
    return {
      params: { n: 'u32', steps: 'u32', ...TWO_FLOAT_PARAMS },
      inputs: { x: 'f32', initial: 'f32', states: 'f32', ...Object.fromEntries(cots.map((c) => [c, 'f32' as const])) },
      outputs: { dx: 'f32', ds0: 'f32' },
      helpers: `alias V = f32;\n${tf.wgsl}\n${a.spkFun.wgslGrad('surrogateGrad')}\n${helpers}`, element, spanElements: false,
    };
  });
  const dx = gpu.output(outs[0]!), ds0 = gpu.output(outs[1]!);
  gpu.dispatch(p, { inputs: ins, outputs: [dx, ds0], params: { n: N, steps: T, ...twoFloatParams } });
  return [dx, ds0];
};
