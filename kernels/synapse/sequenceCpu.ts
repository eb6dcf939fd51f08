/**
 * The CPU generator of the generic spike-free sequence ops (engine/opsSynapse.ts `synapseRun`,
 * `synapseRunGrad`): JavaScript generated from a bound model's trees (dynamics/bind.ts `bindSynapse`), one
 * function per model, precision and gradient configuration, cached by the model's key, four elements per loop
 * iteration (kernels/cpu/codegen.ts `unrolled`). Where eval is forbidden (or tests switch codegen off) the same
 * programs run through dynamics/program.ts's interpreter: same operations, same order, same bits.
 *
 * On float32 tensors the kernels run as WebAssembly SIMD where the model allows (sequenceWasm.ts: the same
 * operations in the same order, so the same bits); this JavaScript is the reference and the fallback.
 *
 * Layout: x, out [T, N]; the states packed [K, N] (initial) and [T, K, N] (after each step).
 * Forward, per step and element, in the tensor's precision (each arithmetic result rounded with Math.fround in
 * float32, exactly where the step-mode ops round it): S_new = update(S, x); out = y(S_new).
 * Backward, in float64, reverse time: Ḡ_k = carry_k + dStates_t,k + dOut_t·∂y/∂S_k(S_new); x̄_t and the next
 * carry S̄ from the step's vector-Jacobian product at the previous states. A linear model (bind.ts `linear`)
 * runs the same sums with its float64 coefficients and reads no forward values (docs/numerics.md §2).
 */
import { allocOutput, rounderFor } from '../../engine/dtype.js';
import { sizeOf } from '../../engine/shape.js';
import type { SynapseSeqAttrs, SynapseSeqGradAttrs } from '../../engine/opsSynapse.js';
import type { BoundSynapse } from '../../dynamics/bind.js';
import { seedName } from '../../dynamics/bind.js';
import { interpret, toProgram, toPrograms, type Program } from '../../dynamics/program.js';
import { jsNumber } from '../../surrogate/compileJs.js';
import { cachedKernel, unrolled } from '../cpu/codegen.js';
import type { CpuKernel } from '../cpu/types.js';
import { emitJs } from '../neuron/sequenceCpu.js';
import { synapseBackwardWasm, synapseForwardWasm } from './sequenceWasm.js';

type Arr = { [i: number]: number; readonly length: number };
type Forward = (X: Arr, S0: Arr, ST: Arr, OUT: Arr | null, T: number, N: number) => void;
/** X, S0 and ST are null for a linear model (it reads no forward values). */
type Backward = (X: Arr | null, S0: Arr | null, ST: Arr | null, DST: Arr | null, DOUT: Arr | null, DX: Arr, DS0: Arr, T: number, N: number) => void;

/** Variable names of generated code: states `${prefix}<k>`, the input, the seeds g<k>. */
export function synapseNames(b: BoundSynapse, prefix: string): (v: string) => string {
  const map = new Map<string, string>(b.states.map((s, k) => [s, `${prefix}${k}`]));
  map.set(b.input, 'inp');
  b.states.forEach((_, k) => map.set(seedName(k), `g${k}`));
  return (v) => {
    const n = map.get(v);
    if (n === undefined) throw new Error(`synapse kernel: unbound variable '${v}'`);
    return n;
  };
}

/** `Σ coef·term` as source, dropping zero coefficients and unit factors ('0' for an empty sum); `num` prints a coefficient. */
export function linearSum(coefs: readonly number[], terms: readonly string[], num: (v: number) => string): string {
  const parts = coefs.flatMap((c, i) => (c === 0 ? [] : [c === 1 ? terms[i]! : `${num(c)} * ${terms[i]!}`]));
  return parts.length === 0 ? num(0) : parts.join(' + ');
}

const ks = (b: BoundSynapse): number[] => b.states.map((_, k) => k);

function forwardSource(b: BoundSynapse): string {
  const f32 = b.dtype === 'float32', K = b.states.length;
  const [pUpd, pOut] = toPrograms([b.update, b.output ? [b.output] : []]);
  const upd = emitJs(pUpd!, synapseNames(b, 's'), f32);
  const out = emitJs(pOut!, synapseNames(b, 'n'), f32);
  return `return function synapseForward(X, S0, ST, OUT, T, N) {
    const fr = Math.fround, KN = ${K} * N;
    for (let t = 0; t < T; t++) {
      const o = t * N, prev = t === 0 ? S0 : ST, pb = t === 0 ? 0 : (t - 1) * KN, nb = t * KN;
      ${unrolled((u) => `const jj = j + ${u}, inp = X[o + jj];
        ${ks(b).map((k) => `const s${k} = prev[pb + ${k} * N + jj];`).join(' ')}
        ${upd.code}
        ${ks(b).map((k) => `const n${k} = ${upd.results[k]}; ST[nb + ${k} * N + jj] = n${k};`).join(' ')}
        ${b.output ? `${out.code} OUT[o + jj] = ${out.results[0]};` : ''}`)}
    }
  };`;
}

function backwardSource(b: BoundSynapse, a: SynapseSeqGradAttrs): string {
  const K = b.states.length;
  const seedOf = (k: number, dYk: string) => `let g${k} = carry[${k} * N + jj]${a.hasDStates ? ` + DST[nb + ${k} * N + jj]` : ''}${a.hasDOut ? ` + d * ${dYk}` : ''};`;
  let step: string;
  if (b.linear) {
    const L = b.linear, gs = ks(b).map((k) => `g${k}`);
    step = `${a.hasDOut ? 'const d = DOUT[o + jj];' : ''}
      ${ks(b).map((k) => seedOf(k, jsNumber(L.c[k]!))).join(' ')}
      DX[o + jj] = ${linearSum(L.b, gs, jsNumber)};
      ${ks(b).map((j) => `carry[${j} * N + jj] = ${linearSum(L.a.map((row) => row[j]!), gs, jsNumber)};`).join(' ')}`;
  } else {
    // ∂y/∂S at the new states, then the step's vector-Jacobian product at the previous states.
    const [pDY, pVjp] = toPrograms([b.dY, [...b.vjpStates, b.vjpInput]]);
    const dY = emitJs(pDY!, synapseNames(b, 'n'), false);
    const vjp = emitJs(pVjp!, synapseNames(b, 's'), false);
    step = `${a.hasDOut ? `const d = DOUT[o + jj]; ${ks(b).map((k) => `const n${k} = ST[nb + ${k} * N + jj];`).join(' ')} ${dY.code}` : ''}
      ${ks(b).map((k) => seedOf(k, dY.results[k]!)).join(' ')}
      const inp = X[o + jj];
      ${ks(b).map((k) => `const s${k} = prev[pb + ${k} * N + jj];`).join(' ')}
      ${vjp.code}
      DX[o + jj] = ${vjp.results[K]};
      ${ks(b).map((k) => `carry[${k} * N + jj] = ${vjp.results[k]};`).join(' ')}`;
  }
  return `return function synapseBackward(X, S0, ST, DST, DOUT, DX, DS0, T, N) {
    const KN = ${K} * N, carry = new Float64Array(KN);
    for (let t = T - 1; t >= 0; t--) {
      const o = t * N, nb = t * KN, prev = t === 0 ? S0 : ST, pb = t === 0 ? 0 : (t - 1) * KN;
      ${unrolled((u) => `const jj = j + ${u}; ${step}`)}
    }
    for (let i = 0; i < KN; i++) DS0[i] = carry[i];
  };`;
}

// --- where eval is forbidden: the same programs, interpreted ----------------------------------------------------

function forwardInterpreted(b: BoundSynapse): Forward {
  const fr = rounderFor(b.dtype), K = b.states.length;
  const pUpd = toProgram(b.update), pOut: Program | null = b.output ? toProgram([b.output]) : null;
  const tmp = new Float64Array(Math.max(pUpd.end, pOut?.end ?? 0, 1));
  const env: Record<string, number> = {};
  return (X, S0, ST, OUT, T, N) => {
    for (let t = 0; t < T; t++) {
      const prev = t === 0 ? S0 : ST, pb = t === 0 ? 0 : (t - 1) * K * N, nb = t * K * N;
      for (let j = 0; j < N; j++) {
        b.states.forEach((s, k) => (env[s] = prev[pb + k * N + j]!));
        env[b.input] = X[t * N + j]!;
        const next = interpret(pUpd, env, fr, tmp);
        b.states.forEach((s, k) => (ST[nb + k * N + j] = env[s] = next[k]!));
        if (pOut) OUT![t * N + j] = interpret(pOut, env, fr, tmp)[0]!;
      }
    }
  };
}

function backwardInterpreted(b: BoundSynapse): Backward {
  const K = b.states.length, id = (v: number) => v;
  const pDY = toProgram(b.dY), pVjp = toProgram([...b.vjpStates, b.vjpInput]);
  const tmp = new Float64Array(Math.max(pDY.end, pVjp.end, 1));
  const env: Record<string, number> = {};
  const G = new Array<number>(K);
  return (X, S0, ST, DST, DOUT, DX, DS0, T, N) => {
    const carry = new Float64Array(K * N);
    for (let t = T - 1; t >= 0; t--) {
      const o = t * N, nb = t * K * N, prev = (t === 0 ? S0 : ST)!, pb = t === 0 ? 0 : (t - 1) * K * N;
      for (let j = 0; j < N; j++) {
        const d = DOUT ? DOUT[o + j]! : 0;
        let dY: readonly number[] | undefined = b.linear?.c;
        if (DOUT && !dY) {
          b.states.forEach((s, k) => (env[s] = ST![nb + k * N + j]!));
          dY = interpret(pDY, env, id, tmp);
        }
        for (let k = 0; k < K; k++) {
          let g = carry[k * N + j]!;
          if (DST) g += DST[nb + k * N + j]!;
          if (DOUT) g += d * dY![k]!;
          G[k] = g;
        }
        if (b.linear) {
          const L = b.linear;
          DX[o + j] = sumOf(L.b, G);
          for (let i = 0; i < K; i++) carry[i * N + j] = sumOf(L.a.map((row) => row[i]!), G);
        } else {
          b.states.forEach((s, k) => (env[s] = prev[pb + k * N + j]!));
          env[b.input] = X![o + j]!;
          b.states.forEach((_, k) => (env[seedName(k)] = G[k]!));
          const v = interpret(pVjp, env, id, tmp);
          DX[o + j] = v[K]!;
          for (let k = 0; k < K; k++) carry[k * N + j] = v[k]!;
        }
      }
    }
    for (let i = 0; i < K * N; i++) DS0[i] = carry[i]!;
  };
}

/** linearSum's arithmetic, interpreted: the same terms added in the same order. */
function sumOf(coefs: readonly number[], g: readonly number[]): number {
  let s: number | null = null;
  coefs.forEach((c, i) => {
    if (c === 0) return;
    const term = c === 1 ? g[i]! : c * g[i]!;
    s = s === null ? term : s + term;
  });
  return s ?? 0;
}

// --- the kernels -----------------------------------------------------------------------------------------------

const forwardFor = (b: BoundSynapse): Forward => cachedKernel(`synapseRun|${b.key}`, () => forwardSource(b), () => forwardInterpreted(b));
const backwardFor = (b: BoundSynapse, a: SynapseSeqGradAttrs): Backward =>
  cachedKernel(`synapseRunGrad|${b.key}|${a.hasDStates}|${a.hasDOut}`, () => backwardSource(b, a), () => backwardInterpreted(b));

/** Exposed for tests and docs: the generated source of a bound model. */
export const synapseSources = { forward: forwardSource, backward: backwardSource };

export const synapseRunKernel: CpuKernel<SynapseSeqAttrs> = ([x, s0], a, outs) => {
  const T = x!.shape[0]!, N = x!.size / T, b = a.synapse;
  const st = allocOutput(outs[0]!.dtype, x!.size * b.states.length);
  const out = b.output ? allocOutput(outs[1]!.dtype, T * N) : null;
  // float32: WebAssembly SIMD where the model's operations allow (sequenceWasm.ts), the same bits as the JavaScript.
  const wasm = x!.data instanceof Float32Array && synapseForwardWasm(b, x!.data, s0!.data as Float32Array, st as Float32Array, out as Float32Array | null, T, N);
  if (!wasm) forwardFor(b)(x!.data, s0!.data, st, out, T, N);
  return out ? [st, out] : [st];
};

/** Inputs [x, s0, states, dStates?, dOut?], or for a linear model the cotangents alone (engine/opsSynapse.ts). */
export const synapseRunGradKernel: CpuKernel<SynapseSeqGradAttrs> = (ins, a, [outDx, outDs0]) => {
  const fwd = a.synapse.linear ? null : ins.slice(0, 3).map((t) => t.data);
  let next = fwd ? 3 : 0;
  const dSt = a.hasDStates ? ins[next++]!.data : null;
  const dOut = a.hasDOut ? ins[next++]!.data : null;
  const T = outDx!.shape[0]!, N = sizeOf(outDx!.shape) / T;
  const dx = allocOutput(outDx!.dtype, T * N), ds0 = allocOutput(outDs0!.dtype, sizeOf(outDs0!.shape));
  const wasm = dx instanceof Float32Array && synapseBackwardWasm(a.synapse, a, dSt as Float32Array | null, dOut as Float32Array | null, dx, ds0 as Float32Array, T, N);
  if (!wasm) backwardFor(a.synapse, a)(fwd?.[0] ?? null, fwd?.[1] ?? null, fwd?.[2] ?? null, dSt, dOut, dx, ds0, T, N);
  return [dx, ds0];
};
