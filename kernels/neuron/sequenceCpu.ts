/**
 * The CPU generator of the generic neuron sequence ops (engine/opsNeuron.ts `neuronRun`, `neuronRunGrad`):
 * JavaScript generated from a bound model's trees (dynamics/bind.ts), one function per model, precision and
 * gradient configuration, cached by the model's key. Where eval is forbidden (or tests switch codegen off) the
 * same programs run through dynamics/program.ts's interpreter: same operations, same order, same bits. For
 * float32 tensors the kernels first try the WebAssembly SIMD twin generated from the same programs
 * (sequenceWasm.ts: same bits, several times faster, on the worker threads), which declines where an
 * operation has no WebAssembly form.
 *
 * Layout: x, spikes [T, N]; the states packed [K, N] (initial) and [T, K, N] (after each step). Time runs
 * outside and neurons inside, so every step reads and writes contiguous rows.
 *
 * Forward, per step and neuron, in the tensor's precision (each arithmetic result rounded with Math.fround in
 * float32, exactly where the step-mode ops round it, so both modes give the same bits):
 *   sp = H(u(S)) (the previous spike, kept per neuron); S' = reset(S, sp); S_new = update(S', x, sp);
 *   out = H(u(S_new)).
 * Backward, in float64, reverse time: Ḡ = carry + dStates_t + dSpikes_t·σ'(u(S_new))·∂u/∂S; the vjp trees
 * give S̄', x̄ and s̄ (the spike's use in the update); the reset adds ∂S'/∂sp·S̄' to s̄ and passes S̄' to S̄;
 * unless detached, s̄·σ'(u(S))·∂u/∂S joins S̄, the carry of the previous step.
 */
import { allocOutput, rounderFor } from '../../engine/dtype.js';
import type { NeuronSeqAttrs, NeuronSeqGradAttrs } from '../../engine/opsNeuron.js';
import type { BoundNeuron } from '../../dynamics/bind.js';
import { seedName } from '../../dynamics/bind.js';
import { interpret, tmpCount, toProgram, toPrograms, type Atom, type Program } from '../../dynamics/program.js';
import { JS_EMIT, buildJs, codegen, jsNumber } from '../../surrogate/compileJs.js';
import type { CpuKernel } from '../cpu/types.js';
import { neuronBackwardWasm, neuronForwardWasm } from './sequenceWasm.js';

export type Arr = { [i: number]: number; readonly length: number };
export type Forward = (X: Arr, S0: Arr, SPK: Arr, ST: Arr, T: number, N: number) => void;
export type Backward = (X: Arr, S0: Arr, ST: Arr, DSPK: Arr | null, DST: Arr | null, DX: Arr, DS0: Arr, T: number, N: number, SG: (u: number) => number) => void;

const SPIKE = 'spike';

/** JS statements of a program; variables through `name`, number results rounded with fr when `round`. */
export function emitJs(p: Program, name: (v: string) => string, round: boolean): { code: string; results: string[] } {
  const atom = (a: Atom): string => (a.kind === 'const' ? jsNumber(a.value) : a.kind === 'var' ? name(a.name) : `t${a.index}`);
  const lines = p.instrs.map((i) => {
    const e = JS_EMIT[i.op](i.args.map(atom));
    return `const t${i.out} = ${i.type === 'f' && round ? `fr(${e})` : `(${e})`};`;
  });
  return { code: lines.join(' '), results: p.results.map(atom) };
}

/** Variable names of generated code: states s<k>, reset states q<k>, the input, the spike, the seeds. */
function names(b: BoundNeuron, statePrefix: string): (v: string) => string {
  const map = new Map<string, string>(b.states.map((s, k) => [s, `${statePrefix}${k}`]));
  map.set(b.input, 'inp').set(SPIKE, 'sp');
  b.states.forEach((_, k) => map.set(seedName(k), `g${k}`));
  return (v) => {
    const n = map.get(v);
    if (n === undefined) throw new Error(`neuron kernel: unbound variable '${v}'`);
    return n;
  };
}

function resetJs(b: BoundNeuron, k: number, f32: boolean): string {
  const R = (e: string) => (f32 ? `fr(${e})` : `(${e})`);
  const r = b.reset.find((x) => x.index === k);
  if (!r) return `const q${k} = s${k};`;
  const c = jsNumber(r.value);
  const spiked = r.mode === 'to' ? R(`s${k} - ${R(`s${k} - ${c}`)}`) : r.mode === 'add' ? R(`s${k} + ${c}`) : R(`s${k} - ${c}`);
  return `const q${k} = sp !== 0 ? ${spiked} : s${k};`;
}

function forwardSource(b: BoundNeuron): string {
  const f32 = b.dtype === 'float32';
  const K = b.states.length;
  const uS = emitJs(toProgram([b.u], 0), names(b, 's'), f32);
  const upd = toProgram(b.update, 0);
  const updJs = emitJs(upd, names(b, 'q'), f32);
  const uN = emitJs(toProgram([b.u], tmpCount(upd)), names(b, 'n'), f32);
  const ks = Array.from({ length: K }, (_, k) => k);
  return `return function neuronForward(X, S0, SPK, ST, T, N) {
    const fr = Math.fround, last = new Float64Array(N), KN = ${K} * N;
    for (let j = 0; j < N; j++) {
      ${ks.map((k) => `const s${k} = S0[${k} * N + j];`).join(' ')}
      ${uS.code}
      last[j] = ${uS.results[0]} >= 0 ? 1 : 0;
    }
    for (let t = 0; t < T; t++) {
      const o = t * N, prev = t === 0 ? S0 : ST, pb = t === 0 ? 0 : (t - 1) * KN, nb = t * KN;
      for (let j = 0; j < N; j++) {
        const sp = last[j], inp = X[o + j];
        ${ks.map((k) => `const s${k} = prev[pb + ${k} * N + j];`).join(' ')}
        ${ks.map((k) => resetJs(b, k, f32)).join(' ')}
        ${updJs.code}
        ${ks.map((k) => `const n${k} = ${updJs.results[k]}; ST[nb + ${k} * N + j] = n${k};`).join(' ')}
        ${uN.code}
        const h = ${uN.results[0]} >= 0 ? 1 : 0;
        SPK[o + j] = h;
        last[j] = h;
      }
    }
  };`;
}

function backwardSource(b: BoundNeuron, a: NeuronSeqGradAttrs): string {
  const K = b.states.length;
  const ks = Array.from({ length: K }, (_, k) => k);
  // u and its derivatives at the new and at the previous state, then the step's vector-Jacobian product.
  const [pNew, pOld, pVjp] = toPrograms([[b.u, ...b.dU], [b.u, ...b.dU], [...b.vjpStates, b.vjpInput, b.vjpSpike]]);
  const uNew = emitJs(pNew!, names(b, 'n'), false);
  const uOld = emitJs(pOld!, names(b, 's'), false);
  const vjp = emitJs(pVjp!, names(b, 'q'), false);
  const resetBar = b.reset.map((r) => {
    const k = r.index, c = jsNumber(r.value);
    return r.mode === 'to' ? `sbar -= b${k} * (s${k} - ${c});` : r.mode === 'add' ? `sbar += b${k} * ${c};` : `sbar -= b${k} * ${c};`;
  }).join(' ');
  return `return function neuronBackward(X, S0, ST, DSPK, DST, DX, DS0, T, N, SG) {
    const KN = ${K} * N, carry = new Float64Array(KN);
    for (let t = T - 1; t >= 0; t--) {
      const o = t * N, nb = t * KN, prev = t === 0 ? S0 : ST, pb = t === 0 ? 0 : (t - 1) * KN;
      for (let j = 0; j < N; j++) {
        ${ks.map((k) => `let g${k} = carry[${k} * N + j]${a.hasDStates ? ` + DST[nb + ${k} * N + j]` : ''};`).join(' ')}
        ${a.hasDS ? `const d = DSPK[o + j];
        if (d !== 0) {
          ${ks.map((k) => `const n${k} = ST[nb + ${k} * N + j];`).join(' ')}
          ${uNew.code}
          const w = d * SG(${uNew.results[0]});
          ${ks.map((k) => `g${k} += w * ${uNew.results[k + 1]};`).join(' ')}
        }` : ''}
        ${ks.map((k) => `const s${k} = prev[pb + ${k} * N + j];`).join(' ')}
        ${uOld.code}
        const uo = ${uOld.results[0]}, sp = uo >= 0 ? 1 : 0, inp = X[o + j];
        ${ks.map((k) => resetJs(b, k, false)).join(' ')}
        ${vjp.code}
        ${ks.map((k) => `let b${k} = ${vjp.results[k]};`).join(' ')}
        DX[o + j] = ${vjp.results[K]};
        ${a.detachReset ? '' : `let sbar = ${vjp.results[K + 1]}; ${resetBar}
        const w0 = sbar * SG(uo);
        ${ks.map((k) => `b${k} += w0 * ${uOld.results[k + 1]};`).join(' ')}`}
        ${ks.map((k) => `carry[${k} * N + j] = b${k};`).join(' ')}
      }
    }
    for (let i = 0; i < KN; i++) DS0[i] = carry[i];
  };`;
}

// --- where eval is forbidden: the same programs, interpreted ----------------------------------------------------

function forwardInterpreted(b: BoundNeuron): Forward {
  const fr = rounderFor(b.dtype);
  const K = b.states.length;
  const pu = toProgram([b.u]), pup = toProgram(b.update);
  const tmp = new Float64Array(Math.max(tmpCount(pu), tmpCount(pup), 1));
  const env: Record<string, number> = {};
  const spikeOf = (S: number[]): number => {
    b.states.forEach((s, k) => (env[s] = S[k]!));
    return interpret(pu, env, fr, tmp)[0]! >= 0 ? 1 : 0;
  };
  return (X, S0, SPK, ST, T, N) => {
    const last = new Float64Array(N);
    const S = new Array<number>(K);
    for (let j = 0; j < N; j++) {
      for (let k = 0; k < K; k++) S[k] = S0[k * N + j]!;
      last[j] = spikeOf(S);
    }
    for (let t = 0; t < T; t++) {
      const prev = t === 0 ? S0 : ST, pb = t === 0 ? 0 : (t - 1) * K * N, nb = t * K * N;
      for (let j = 0; j < N; j++) {
        const sp = last[j]!;
        for (let k = 0; k < K; k++) S[k] = resetValue(b, k, prev[pb + k * N + j]!, sp, fr);
        b.states.forEach((s, k) => (env[s] = S[k]!));
        env[b.input] = X[t * N + j]!;
        env[SPIKE] = sp;
        const next = interpret(pup, env, fr, tmp);
        for (let k = 0; k < K; k++) ST[nb + k * N + j] = S[k] = next[k]!;
        const h = spikeOf(S);
        SPK[t * N + j] = h;
        last[j] = h;
      }
    }
  };
}

function resetValue(b: BoundNeuron, k: number, s: number, sp: number, fr: (v: number) => number): number {
  const r = b.reset.find((x) => x.index === k);
  if (!r || sp === 0) return s;
  return r.mode === 'to' ? fr(s - fr(s - r.value)) : r.mode === 'add' ? fr(s + r.value) : fr(s - r.value);
}

function backwardInterpreted(b: BoundNeuron, a: NeuronSeqGradAttrs): Backward {
  const K = b.states.length;
  const id = (v: number) => v;
  const pU = toProgram([b.u, ...b.dU]), pV = toProgram([...b.vjpStates, b.vjpInput, b.vjpSpike]);
  const tmp = new Float64Array(Math.max(tmpCount(pU), tmpCount(pV), 1));
  const env: Record<string, number> = {};
  const uAt = (src: Arr, base: number, N: number, j: number): number[] => {
    b.states.forEach((s, k) => (env[s] = src[base + k * N + j]!));
    return interpret(pU, env, id, tmp);
  };
  return (X, S0, ST, DSPK, DST, DX, DS0, T, N, SG) => {
    const carry = new Float64Array(K * N);
    const G = new Array<number>(K), Bq = new Array<number>(K);
    for (let t = T - 1; t >= 0; t--) {
      const o = t * N, nb = t * K * N, prev = t === 0 ? S0 : ST, pb = t === 0 ? 0 : (t - 1) * K * N;
      for (let j = 0; j < N; j++) {
        for (let k = 0; k < K; k++) G[k] = carry[k * N + j]! + (DST ? DST[nb + k * N + j]! : 0);
        const d = DSPK ? DSPK[o + j]! : 0;
        if (d !== 0) {
          const r = uAt(ST, nb, N, j);
          const w = d * SG(r[0]!);
          for (let k = 0; k < K; k++) G[k] = G[k]! + w * r[k + 1]!;
        }
        const ro = uAt(prev, pb, N, j);
        const sp = ro[0]! >= 0 ? 1 : 0;
        const S = b.states.map((_, k) => prev[pb + k * N + j]!);
        b.states.forEach((s, k) => (env[s] = resetValue(b, k, S[k]!, sp, id)));
        env[b.input] = X[o + j]!;
        env[SPIKE] = sp;
        b.states.forEach((_, k) => (env[seedName(k)] = G[k]!));
        const v = interpret(pV, env, id, tmp);
        for (let k = 0; k < K; k++) Bq[k] = v[k]!;
        DX[o + j] = v[K]!;
        if (!a.detachReset) {
          let sbar = v[K + 1]!;
          for (const r of b.reset) {
            const bk = Bq[r.index]!;
            sbar += r.mode === 'to' ? -bk * (S[r.index]! - r.value) : r.mode === 'add' ? bk * r.value : -bk * r.value;
          }
          const w0 = sbar * SG(ro[0]!);
          for (let k = 0; k < K; k++) Bq[k] = Bq[k]! + w0 * ro[k + 1]!;
        }
        for (let k = 0; k < K; k++) carry[k * N + j] = Bq[k]!;
      }
    }
    for (let i = 0; i < K * N; i++) DS0[i] = carry[i]!;
  };
}

// --- the kernels -----------------------------------------------------------------------------------------------

const forwards = new Map<string, Forward>();
const backwards = new Map<string, Backward>();

/** The forward of `b` (generated, or interpreted where eval is off); kernels/neuron/recurrentCpu.ts runs it one step at a time. */
export function forwardFor(b: BoundNeuron): Forward {
  if (!codegen.enabled) return forwardInterpreted(b);
  let f = forwards.get(b.key);
  if (!f) forwards.set(b.key, (f = buildJs<Forward>(forwardSource(b)) ?? forwardInterpreted(b)));
  return f;
}

/** The backward of `b` for the cotangents `a` names (recurrentCpu.ts runs it one step at a time, T = 1). */
export function backwardFor(b: BoundNeuron, a: NeuronSeqGradAttrs): Backward {
  if (!codegen.enabled) return backwardInterpreted(b, a);
  const key = `${b.key}|${a.hasDS}|${a.hasDStates}|${a.detachReset}`;
  let f = backwards.get(key);
  if (!f) backwards.set(key, (f = buildJs<Backward>(backwardSource(b, a)) ?? backwardInterpreted(b, a)));
  return f;
}

/** Exposed for tests and docs: the generated source of a bound model. */
export const neuronSources = { forward: forwardSource, backward: backwardSource };

export const neuronRunKernel: CpuKernel<NeuronSeqAttrs> = ([x, s0], a, [outS, outStates]) => {
  const T = x!.shape[0]!, N = x!.size / T;
  const spk = allocOutput(outS!.dtype, T * N), st = allocOutput(outStates!.dtype, x!.size * a.neuron.states.length);
  // The WebAssembly twin (float32, same bits) where the model has one; else the JavaScript.
  if (spk instanceof Float32Array && st instanceof Float32Array && x!.data instanceof Float32Array && s0!.data instanceof Float32Array
    && neuronForwardWasm(a.neuron, x!.data, s0!.data, spk, st, T, N)) return [spk, st];
  forwardFor(a.neuron)(x!.data, s0!.data, spk, st, T, N);
  return [spk, st];
};

export const neuronRunGradKernel: CpuKernel<NeuronSeqGradAttrs> = (ins, a, [outDx, outDs0]) => {
  const [x, s0, st] = [ins[0]!, ins[1]!, ins[2]!];
  let next = 3;
  const dS = a.hasDS ? ins[next++]!.data : null;
  const dSt = a.hasDStates ? ins[next++]!.data : null;
  const T = x.shape[0]!, N = x.size / T;
  const dx = allocOutput(outDx!.dtype, T * N), ds0 = allocOutput(outDs0!.dtype, s0.size);
  const f32 = (d: unknown): d is Float32Array => d instanceof Float32Array;
  if (f32(dx) && f32(ds0) && f32(x.data) && f32(s0.data) && f32(st.data) && (dS === null || f32(dS)) && (dSt === null || f32(dSt))
    && neuronBackwardWasm(a.neuron, a, x.data, s0.data, st.data, dS, dSt, dx, ds0, T, N)) return [dx, ds0];
  backwardFor(a.neuron, a)(x.data, s0.data, st.data, dS, dSt, dx, ds0, T, N, a.spkFun.gradScalar);
  return [dx, ds0];
};
