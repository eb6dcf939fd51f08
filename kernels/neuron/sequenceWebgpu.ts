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

function backwardWgsl(b: BoundNeuron, a: NeuronSeqGradAttrs): { helpers: string; element: string } {
  const K = b.states.length, ks = Array.from({ length: K }, (_, k) => k);
  const used = new Set<Helper>();
  // u and its derivatives at the new and at the previous state, then the step's vector-Jacobian product.
  const [pNew, pOld, pVjp] = toPrograms([[b.u, ...b.dU], [b.u, ...b.dU], [...b.vjpStates, b.vjpInput, b.vjpSpike]]);
  const uNew = emitWgsl(pNew!, wgslNames(b, 'n'), used);
  const uOld = emitWgsl(pOld!, wgslNames(b, 's'), used);
  const vjp = emitWgsl(pVjp!, wgslNames(b, 'q'), used);
  const resetBar = b.reset.map((r) => {
    const k = r.index, c = wgslF32(r.value);
    return r.mode === 'to' ? `sbar = sbar - b${k} * (s${k} - ${c});` : r.mode === 'add' ? `sbar = sbar + b${k} * ${c};` : `sbar = sbar - b${k} * ${c};`;
  }).join(' ');
  const element = `
  let j = i;
  let N = params.n;
  ${ks.map((k) => `var c${k} = 0.0;`).join(' ')}
  for (var r = 0u; r < params.steps; r++) {
    let t = params.steps - 1u - r;
    let o = t * N + j;
    let nb = t * ${K}u * N;
    ${ks.map((k) => `var g${k} = c${k}${a.hasDStates ? ` + dStates[nb + ${k}u * N + j]` : ''};`).join(' ')}
    ${a.hasDS ? `{
      ${ks.map((k) => `let n${k} = states[nb + ${k}u * N + j];`).join(' ')}
      ${uNew.code}
      let w = dSpikes[o] * surrogateGrad(${uNew.results[0]});
      ${ks.map((k) => `g${k} = g${k} + w * ${uNew.results[k + 1]};`).join(' ')}
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
    ${ks.map((k) => `var b${k} = ${vjp.results[k]};`).join(' ')}
    dx[o] = ${vjp.results[K]};
    ${a.detachReset ? '' : `var sbar = ${vjp.results[K + 1]}; ${resetBar}
    let w0 = sbar * surrogateGrad(uo);
    ${ks.map((k) => `b${k} = b${k} + w0 * ${uOld.results[k + 1]};`).join(' ')}`}
    ${ks.map((k) => `c${k} = b${k};`).join(' ')}
  }
  ${ks.map((k) => `ds0[${k}u * N + j] = c${k};`).join(' ')}`;
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
  const p = cachedProgram(`neuronRunGrad|${a.neuron.key}|${a.spkFun.key}|${cots.join(',')}|${a.detachReset}`, () => {
    const { helpers, element } = backwardWgsl(a.neuron, a);
    return {
      params: { n: 'u32', steps: 'u32' },
      inputs: { x: 'f32', initial: 'f32', states: 'f32', ...Object.fromEntries(cots.map((c) => [c, 'f32' as const])) },
      outputs: { dx: 'f32', ds0: 'f32' },
      helpers: `${a.spkFun.wgslGrad('surrogateGrad')}\n${helpers}`, element, spanElements: false,
    };
  });
  const dx = gpu.output(outs[0]!), ds0 = gpu.output(outs[1]!);
  gpu.dispatch(p, { inputs: ins, outputs: [dx, ds0], params: { n: N, steps: T } });
  return [dx, ds0];
};
