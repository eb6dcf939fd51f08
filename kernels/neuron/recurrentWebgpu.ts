/**
 * The WebGPU kernels of the recurrent sequence op (engine/opsRecurrent.ts has the interface and the float order;
 * kernels/neuron/recurrentCpu.ts is the CPU twin): one dispatch per direction for the whole sequence, whatever T.
 *
 * Layout. A workgroup owns one batch row b and loops over time; invocation `lid` owns the neurons
 * j ∈ [lid·P, lid·P + P), P = ⌈n / WG⌉ (contiguous, so that listing them invocation by invocation lists them in
 * ascending order). Each neuron's states live in the invocation's private memory (registers on a GPU) for the
 * whole sequence; only the spikes and the checkpoint rows go to storage.
 *
 * Forward, per step t: I_t[j] = currents_t[j] + Σ_{i: s_{t−1}[i] ≠ 0} s_{t−1}[i]·W[i, j] (the recurrent sum
 * event-driven over a list of the previous step's spiking neurons that the workgroup compacts in workgroup
 * memory, in ascending i, one float32 rounding per addition: the CPU kernel's order, so both backends give the
 * same spikes), then the neuron's generated step (sequenceWebgpu.ts's emitters, the same WGSL as neuronRun).
 * The list costs two barriers per step (counts, then entries).
 *
 * Backward, one checkpoint segment at a time from the last: the segment's states and currents are recomputed
 * from its start row (or s0) and the saved spikes into scratch storage ([k, K, B, n] and [k, B, n]), then the
 * segment is walked in reverse with neuronRunGrad's step. The spikes' cotangent of step t gains the recurrent
 * part Σ_j dI_{t+1}[j]·W[i, j], a dense row product over dI_{t+1} kept in workgroup memory (double-buffered, one
 * barrier per step), read through Wᵀ so that neighbouring invocations read neighbouring words; it is summed in
 * slices of 64 float32 products whose sums are added as two-floats (twoFloat.wgsl), close to the CPU twin's
 * float64 sum. With checkpoint 1 and a step whose backward does not read the current, nothing is recomputed:
 * the states come from the forward's rows.
 */
import type { RecurrentSeqAttrs, RecurrentSeqGradAttrs } from '../../engine/opsRecurrent.js';
import { SpikegradError } from '../../engine/errors.js';
import type { BoundNeuron } from '../../dynamics/bind.js';
import { toPrograms } from '../../dynamics/program.js';
import type { Helper } from '../../surrogate/compileWgsl.js';
import { cachedProgram } from '../webgpu/program.js';
import type { GpuContext, GpuKernel } from '../webgpu/types.js';
import { emitWgsl, helpersOf, resetBarWgsl, resetWgsl, wgslNames } from './sequenceWebgpu.js';
import { TWO_FLOAT_PARAMS, twoFloatHelpers, twoFloatParams } from './twoFloat.js';

/** Invocations per workgroup (one workgroup per batch row). */
const WG = 64;

/** Terms of the backward's row product summed in float32 before the two-float sum takes them. */
const SLICE = 64;

/**
 * Neurons per invocation the program is compiled for (a power of two, so a handful of variants serve every n),
 * checked against the device's workgroup memory: the forward keeps a spike list (index and value) of PMAX·WG
 * entries, the backward that and two rows of dI.
 */
function capacity(gpu: GpuContext, op: string, n: number, backward: boolean): number {
  let pmax = 1;
  while (pmax * WG < n) pmax *= 2;
  const words = (nc: number) => nc * (backward ? 4 : 2) + WG + 4;
  if (words(pmax * WG) * 4 > gpu.maxWorkgroupStorageBytes) {
    let most = 1;
    while (words(most * 2 * WG) * 4 <= gpu.maxWorkgroupStorageBytes) most *= 2;
    throw new SpikegradError(`${op}: argument 'wRec' expected at most ${most * WG} neurons on this device (its workgroup memory is ${gpu.maxWorkgroupStorageBytes} bytes), got n = ${n}; use the CPU backend`);
  }
  return pmax;
}

/** Shapes of the op's first input, currents [T, B, n]. */
function dimsOf(cur: { shape: readonly number[] }): { T: number; B: number; n: number } {
  const [T, B, n] = cur.shape as [number, number, number];
  return { T, B, n };
}

/** The WGSL both directions share: spike-list compaction, the recurrent current, the neuron's step. */
function sharedWgsl(b: BoundNeuron, pmax: number, used: Set<Helper>): { decl: string; step: string; uInit: string } {
  const K = b.states.length, ks = Array.from({ length: K }, (_, k) => k);
  // One numbering for the three programs: the step's two share a scope (the start's is in a block of its own).
  const [u0P, updP, unP] = toPrograms([[b.u], b.update, [b.u]]);
  const u0 = emitWgsl(u0P!, wgslNames(b, 's'), used);
  const updW = emitWgsl(updP!, wgslNames(b, 'q'), used);
  const unW = emitWgsl(unP!, wgslNames(b, 'n'), used);
  const decl = `
const PMAX: u32 = ${pmax}u;
const NCAP: u32 = ${pmax * WG}u;
const K: u32 = ${K}u;
var<workgroup> list: array<u32, NCAP>;
var<workgroup> lval: array<f32, NCAP>;
var<workgroup> cnt: array<u32, WG>;
var<workgroup> total: u32;

// Lists the nonzero flags of every invocation's neurons in ascending neuron order: counts, a barrier, each
// invocation's offset (the counts before it), the entries, a barrier. Call from uniform control flow.
fn publish(lid: u32, P: u32, flags: ptr<function, array<f32, PMAX>>) {
  var c = 0u;
  for (var p = 0u; p < PMAX; p++) { if ((*flags)[p] != 0.0) { c++; } }
  cnt[lid] = c;
  workgroupBarrier();
  var off = 0u;
  for (var l = 0u; l < lid; l++) { off += cnt[l]; }
  for (var p = 0u; p < PMAX; p++) {
    let v = (*flags)[p];
    if (v != 0.0) { list[off] = lid * P + p; lval[off] = v; off++; }
  }
  if (lid == WG - 1u) { total = off; }
  workgroupBarrier();
}

// Σ s[i]·W[i, j] over the listed spikes, ascending i, rounded after every addition (a spike of 1 adds W itself).
fn recurrentIn(j: u32, N: u32) -> f32 {
  var acc = 0.0;
  let m = total;
  for (var e = 0u; e < m; e++) {
    let v = lval[e];
    let w = wRec[list[e] * N + j];
    acc = acc + select(v * w, w, v == 1.0);
  }
  return acc;
}`;
  // In scope: j, p, o (the step's row offset), st (K·PMAX states), own (the neurons' previous spikes).
  const step = `
      let inp = x[o + j] + recurrentIn(j, N);
      let sp = own[p];
      ${ks.map((k) => `let s${k} = st[${k}u * PMAX + p];`).join(' ')}
      ${ks.map((k) => resetWgsl(b, k)).join(' ')}
      ${updW.code}
      ${ks.map((k) => `let n${k} = ${updW.results[k]}; st[${k}u * PMAX + p] = n${k};`).join(' ')}
      ${unW.code}
      let h = select(0.0, 1.0, ${unW.results[0]} >= 0.0);`;
  // In scope: j, p, st holding the start states: sets own[p] = H(u(S)).
  const uInit = `{
      ${ks.map((k) => `let s${k} = st[${k}u * PMAX + p];`).join(' ')}
      ${u0.code}
      own[p] = select(0.0, 1.0, ${u0.results[0]} >= 0.0);
    }`;
  return { decl, step, uInit };
}

/** The first lines of both kernels: the batch row, the sizes, the neurons' ownership, the states' registers. */
function preamble(stateWords: number): string {
  return `
  let b = workgroupIndex(wid, nwg);
  if (b >= params.batch) { return; }  // uniform per workgroup: the barriers below stay legal
  let N = params.n;
  let BN = params.batch * N;
  let row = b * N;
  let P = (N + WG - 1u) / WG;
  var st: array<f32, ${stateWords}>;
  var own: array<f32, PMAX>;   // each neuron's previous spike H(u(S)), for its reset
  var sent: array<f32, PMAX>;   // the spikes the next step's recurrent current sums`;
}

function forwardWgsl(b: BoundNeuron, pmax: number): { helpers: string; main: string } {
  const K = b.states.length, ks = Array.from({ length: K }, (_, k) => k);
  const used = new Set<Helper>();
  const { decl, step, uInit } = sharedWgsl(b, pmax, used);
  const main = `
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  ${preamble(K * pmax)}
  for (var p = 0u; p < PMAX; p++) {
    let j = lid * P + p;
    sent[p] = 0.0;
    if (p < P && j < N) {
      ${ks.map((k) => `st[${k}u * PMAX + p] = initial[${k}u * BN + row + j];`).join(' ')}
      ${uInit}
      sent[p] = spike0[row + j];
    }
  }
  publish(lid, P, &sent);
  for (var t = 0u; t < params.steps; t++) {
    let o = t * BN + row;
    for (var p = 0u; p < PMAX; p++) {
      let j = lid * P + p;
      if (p < P && j < N) {
        ${step}
        own[p] = h;
        sent[p] = h;
        spikes[o + j] = h;
      }
    }
    if ((t + 1u) % params.every == 0u || t + 1u == params.steps) {
      let r = t / params.every;   // the checkpoint row: the states after this step
      for (var p = 0u; p < PMAX; p++) {
        let j = lid * P + p;
        if (p < P && j < N) { ${ks.map((k) => `states[(r * K + ${k}u) * BN + row + j] = st[${k}u * PMAX + p];`).join(' ')} }
      }
    }
    publish(lid, P, &sent);
  }
}`;
  return { helpers: `${decl}\n${helpersOf(used)}`, main };
}

/** Exposed for tests and docs: the generated WGSL of a bound model. */
export const recurrentWgsl = { forward: forwardWgsl, backward: backwardWgsl };

export const recurrentRunGpu: GpuKernel<RecurrentSeqAttrs> = (gpu, [cur, w, spike0, s0], a, outs) => {
  const { T, B, n } = dimsOf(cur!);
  const pmax = capacity(gpu, 'recurrentRun', n, false);
  const p = cachedProgram(`recurrentRun|${a.neuron.key}|${pmax}`, () => {
    const { helpers, main } = forwardWgsl(a.neuron, pmax);
    return {
      params: { n: 'u32', batch: 'u32', steps: 'u32', every: 'u32' },
      inputs: { x: 'f32', wRec: 'f32', spike0: 'f32', initial: 'f32' }, outputs: { spikes: 'f32', states: 'f32' },
      workgroupSize: WG, helpers, main,
    };
  });
  const spikes = gpu.output(outs[0]!), states = gpu.output(outs[1]!);
  gpu.dispatch(p, { inputs: [cur!, w!, spike0!, s0!], outputs: [spikes, states], params: { n, batch: B, steps: T, every: a.checkpoint }, workgroups: B });
  return [spikes, states];
};

/** Whether the step's backward reads the input current (else checkpoint 1 needs no recomputation). */
function readsInput(b: BoundNeuron): boolean {
  const [pNew, pOld, pVjp] = toPrograms([[b.u, ...b.dU], [b.u, ...b.dU], [...b.vjpStates, b.vjpInput, b.vjpSpike]]);
  return [pNew!, pOld!, pVjp!].some((q) => q.vars.has(b.input));
}

function backwardWgsl(b: BoundNeuron, a: RecurrentSeqGradAttrs, pmax: number, recompute: boolean): { helpers: string; main: string } {
  const K = b.states.length, ks = Array.from({ length: K }, (_, k) => k);
  const used = new Set<Helper>();
  const { decl, step, uInit } = sharedWgsl(b, pmax, used);
  const [pNew, pOld, pVjp] = toPrograms([[b.u, ...b.dU], [b.u, ...b.dU], [...b.vjpStates, b.vjpInput, b.vjpSpike]]);
  const uNew = emitWgsl(pNew!, wgslNames(b, 'n'), used);
  const uOld = emitWgsl(pOld!, wgslNames(b, 's'), used);
  const vjp = emitWgsl(pVjp!, wgslNames(b, 'q'), used);
  const at = (k: number) => `${k}u * BN + row + j`;
  const rowOf = (r: string, k: number) => `((${r}) * K + ${k}u) * BN + row + j`;
  // The states after step t (n<k>) and before it (s<k>): from the recomputed segment, or the forward's rows.
  const newStates = recompute ? ks.map((k) => `let n${k} = seg[${rowOf('l', k)}];`) : ks.map((k) => `let n${k} = states[${rowOf('t', k)}];`);
  const prevStates = recompute
    ? `if (l > 0u) { ${ks.map((k) => `s${k} = seg[${rowOf('l - 1u', k)}];`).join(' ')} }
        else if (c > 0u) { ${ks.map((k) => `s${k} = states[${rowOf('c - 1u', k)}];`).join(' ')} }
        else { ${ks.map((k) => `s${k} = initial[${at(k)}];`).join(' ')} }`
    : `if (t > 0u) { ${ks.map((k) => `s${k} = states[${rowOf('t - 1u', k)}];`).join(' ')} }
        else { ${ks.map((k) => `s${k} = initial[${at(k)}];`).join(' ')} }`;
  const recomputeSegment = !recompute ? '' : `
    // The segment's states and currents again, from its start row and the saved spikes.
    for (var p = 0u; p < PMAX; p++) {
      let j = lid * P + p;
      sent[p] = 0.0;
      if (p < P && j < N) {
        if (c > 0u) {
          ${ks.map((k) => `st[${k}u * PMAX + p] = states[${rowOf('c - 1u', k)}];`).join(' ')}
          sent[p] = spikes[(t0 - 1u) * BN + row + j];
        } else {
          ${ks.map((k) => `st[${k}u * PMAX + p] = initial[${at(k)}];`).join(' ')}
          sent[p] = spike0[row + j];
        }
        ${uInit}
      }
    }
    publish(lid, P, &sent);
    for (var t = t0; t < t1; t++) {
      let o = t * BN + row;
      let l = t - t0;
      for (var p = 0u; p < PMAX; p++) {
        let j = lid * P + p;
        if (p < P && j < N) {
          ${step}
          segI[l * BN + row + j] = inp;
          ${ks.map((k) => `seg[${rowOf('l', k)}] = n${k};`).join(' ')}
          // The saved spike, not h: a recomputation that differed in the last bit cannot change the list.
          let hs = spikes[o + j];
          own[p] = hs;
          sent[p] = hs;
        }
      }
      publish(lid, P, &sent);
    }`;
  const main = `
var<workgroup> dIw: array<f32, 2u * NCAP>;   // dI of the step after (read) and of this step (written)

// Σ_j dI[j]·W[i, j] with dI at dIw[base ..]: slices of SLICE float32 products, their sums added as a two-float.
fn recurrentBack(i: u32, base: u32, N: u32) -> f32 {
  var acc = twoF(0.0, 0.0);
  for (var j0 = 0u; j0 < N; j0 += ${SLICE}u) {
    var part = 0.0;
    let je = min(j0 + ${SLICE}u, N);
    for (var j = j0; j < je; j++) { part = part + dIw[base + j] * wT[j * N + i]; }
    acc = addF(acc, part);
  }
  return acc.hi;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  ${preamble(K * pmax)}
  var car: array<f32, ${K * pmax}>;   // the states' cotangents carried to the step before
  for (var i = 0u; i < K * PMAX; i++) { car[i] = 0.0; }
  let nseg = (params.steps + params.every - 1u) / params.every;
  for (var r = 0u; r < nseg; r++) {
    let c = nseg - 1u - r;
    let t0 = c * params.every;
    let t1 = min(t0 + params.every, params.steps);
    ${recomputeSegment}
    for (var q = t1 - t0; q > 0u; q--) {
      let t = t0 + q - 1u;
      let l = q - 1u;
      let o = t * BN + row;
      let rd = ((t + 1u) & 1u) * NCAP;
      let wr = (t & 1u) * NCAP;
      let kept = (t + 1u) % params.every == 0u || t + 1u == params.steps;
      for (var p = 0u; p < PMAX; p++) {
        let j = lid * P + p;
        if (p < P && j < N) {
          ${ks.map((k) => `var g${k} = car[${k}u * PMAX + p];`).join(' ')}
          ${a.hasDStates ? `if (kept) { ${ks.map((k) => `g${k} = g${k} + dStates[${rowOf('t / params.every', k)}];`).join(' ')} }` : ''}
          var d = ${a.hasDS ? 'dSpikes[o + j]' : '0.0'};
          if (t + 1u < params.steps) { d = d + recurrentBack(j, rd, N); }
          if (d != 0.0) {
            ${newStates.join(' ')}
            ${uNew.code}
            let w = d * surrogateGrad(${uNew.results[0]});
            ${ks.map((k) => `g${k} = g${k} + w * ${uNew.results[k + 1]};`).join(' ')}
          }
          ${ks.map((k) => `var s${k}: f32;`).join(' ')}
          ${prevStates}
          ${uOld.code}
          let uo = ${uOld.results[0]};
          let sp = select(0.0, 1.0, uo >= 0.0);
          let inp = ${recompute ? 'segI[l * BN + row + j]' : '0.0'};
          ${ks.map((k) => resetWgsl(b, k)).join(' ')}
          ${vjp.code}
          ${ks.map((k) => `var b${k} = ${vjp.results[k]};`).join(' ')}
          let dI = ${vjp.results[K]};
          dx[o + j] = dI;
          dIw[wr + j] = dI;
          ${a.detachReset ? '' : `var sbar = ${vjp.results[K + 1]}; ${resetBarWgsl(b)}
          let w0 = sbar * surrogateGrad(uo);
          ${ks.map((k) => `b${k} = b${k} + w0 * ${uOld.results[k + 1]};`).join(' ')}`}
          ${ks.map((k) => `car[${k}u * PMAX + p] = b${k};`).join(' ')}
        }
      }
      workgroupBarrier();
    }
  }
  for (var p = 0u; p < PMAX; p++) {
    let j = lid * P + p;
    if (p < P && j < N) {
      ${ks.map((k) => `ds0[${at(k)}] = car[${k}u * PMAX + p];`).join(' ')}
      dSpike0[row + j] = recurrentBack(j, 0u, N);
    }
  }
}`;
  const tf = twoFloatHelpers();
  return { helpers: `${decl}\nalias V = f32;\n${tf.wgsl}\n${a.spkFun.wgslGrad('surrogateGrad')}\n${helpersOf(used)}`, main };
}

/** Wᵀ into scratch: the backward's row product reads it with neighbouring invocations on neighbouring words. */
function transposed(gpu: GpuContext, w: Parameters<GpuKernel<unknown>>[1][number], n: number) {
  const wT = gpu.scratch('float32', [n, n]);
  const p = cachedProgram('recurrentTranspose', () => ({
    params: { n: 'u32', cols: 'u32' }, inputs: { w: 'f32' }, outputs: { wT: 'f32' },
    element: '  let r = i / params.cols; let c = i - r * params.cols; wT[i] = w[c * params.cols + r];',
  }));
  gpu.dispatch(p, { inputs: [w], outputs: [wT], params: { n: n * n, cols: n } });
  return wT;
}

export const recurrentRunGradGpu: GpuKernel<RecurrentSeqGradAttrs> = (gpu, ins, a, outs) => {
  const [cur, w, spike0, s0, spikes, states] = ins as [typeof ins[number], typeof ins[number], typeof ins[number], typeof ins[number], typeof ins[number], typeof ins[number]];
  const { T, B, n } = dimsOf(cur);
  const K = a.neuron.states.length;
  const pmax = capacity(gpu, 'recurrentRunGrad', n, true);
  const recompute = a.checkpoint > 1 || readsInput(a.neuron);
  const cots = [a.hasDS ? 'dSpikes' : null, a.hasDStates ? 'dStates' : null].filter((c): c is string => c !== null);
  const tf = twoFloatHelpers();
  const p = cachedProgram(`recurrentRunGrad|${a.neuron.key}|${a.spkFun.key}|${cots.join(',')}|${a.detachReset}|${recompute}|${pmax}${tf.key}`, () => {
    const { helpers, main } = backwardWgsl(a.neuron, a, pmax, recompute);
    return {
      params: { n: 'u32', batch: 'u32', steps: 'u32', every: 'u32', ...TWO_FLOAT_PARAMS },
      inputs: {
        x: 'f32', wRec: 'f32', wT: 'f32', spike0: 'f32', initial: 'f32', spikes: 'f32', states: 'f32',
        ...Object.fromEntries(cots.map((c) => [c, 'f32' as const])),
      },
      outputs: { dx: 'f32', dSpike0: 'f32', ds0: 'f32', ...(recompute ? { seg: 'f32' as const, segI: 'f32' as const } : {}) },
      workgroupSize: WG, helpers, main,
    };
  });
  const wT = transposed(gpu, w, n);
  const dx = gpu.output(outs[0]!), dSpike0 = gpu.output(outs[1]!), ds0 = gpu.output(outs[2]!);
  const seg = recompute ? [gpu.scratch('float32', [a.checkpoint, K, B, n]), gpu.scratch('float32', [a.checkpoint, B, n])] : [];
  gpu.dispatch(p, {
    inputs: [cur, w, wT, spike0, s0, spikes, states, ...ins.slice(6)], outputs: [dx, dSpike0, ds0, ...seg],
    params: { n, batch: B, steps: T, every: a.checkpoint, ...twoFloatParams }, workgroups: B,
  });
  return [dx, dSpike0, ds0];
};
