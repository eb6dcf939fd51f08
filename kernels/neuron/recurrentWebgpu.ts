/**
 * The WebGPU kernels of the recurrent sequence op (engine/opsRecurrent.ts has the interface and the float order;
 * kernels/neuron/recurrentCpu.ts is the CPU twin): one dispatch per direction for the whole sequence, whatever T.
 *
 * Layout. A workgroup owns RB batch rows and loops over time; invocation `lid` owns the neurons
 * j ∈ [lid·P, lid·P + P), P = ⌈n / WG⌉, of each of its rows (contiguous, so that listing them invocation by
 * invocation lists them in ascending order). The states and the backward's carried cotangents (float32) live in
 * the invocation's private memory for the whole sequence; only the spikes and the checkpoint rows go to storage.
 * Every W_rec word loaded serves the RB rows (recurrentTuning in kernels/flags.ts: several on a software
 * adapter, one on a GPU).
 *
 * Forward, per step t: I_t[j] = currents_t[j] + Σ_{i: s_{t−1}[i] ≠ 0} s_{t−1}[i]·W[i, j] (the recurrent sum
 * event-driven over a list of the previous step's spiking neurons that the workgroup compacts in workgroup
 * memory, in ascending i, one float32 rounding per addition: the CPU kernel's order, so both backends give the
 * same spikes), then the neuron's generated step (sequenceWebgpu.ts's emitters, the same WGSL as neuronRun).
 * The lists cost two barriers per step (counts, then entries) for the RB rows together.
 *
 * Backward, one checkpoint segment at a time from the last: the segment's states and currents are recomputed
 * from its start row (or s0) and the saved spikes into scratch storage ([k, K, B, n] and [k, B, n]), then the
 * segment is walked in reverse with neuronRunGrad's step. The spikes' cotangent of step t gains the recurrent
 * part Σ_j dI_{t+1}[j]·W[i, j], a dense row product over dI_{t+1} kept in workgroup memory (double-buffered, one
 * barrier per step), read through Wᵀ so that an invocation's P neurons are neighbouring words; it is summed in
 * slices of 64 float32 products whose sums are added as two-floats (twoFloat.wgsl), close to the CPU twin's
 * float64 sum. With checkpoint 1 and a step whose backward does not read the current, nothing is recomputed:
 * the states come from the forward's rows.
 */
import type { RecurrentSeqAttrs, RecurrentSeqGradAttrs } from '../../engine/opsRecurrent.js';
import { SpikegradError } from '../../engine/errors.js';
import type { BoundNeuron } from '../../dynamics/bind.js';
import { toPrograms } from '../../dynamics/program.js';
import type { Helper } from '../../surrogate/compileWgsl.js';
import { recurrentTuning } from '../flags.js';
import { cachedProgram } from '../webgpu/program.js';
import type { GpuContext, GpuKernel } from '../webgpu/types.js';
import { emitWgsl, helpersOf, resetBarWgsl, resetWgsl, wgslNames } from './sequenceWebgpu.js';
import { TWO_FLOAT_PARAMS, twoFloatHelpers, twoFloatParams } from './twoFloat.js';

/** Invocations per workgroup. */
const WG = 64;

/** Terms of the backward's row product summed in float32 before the two-float sum takes them. */
const SLICE = 64;

interface Shape { pmax: number; rb: number }

/** Most (row, neuron) pairs per invocation: the backward's row product keeps a sum of each in a register. */
const MAX_SLOTS = 32;

/**
 * Neurons per invocation (PMAX, a power of two so that a handful of variants serve every n) and batch rows per
 * workgroup (RB) the program is compiled for, within the device's workgroup memory: per row the forward keeps a
 * spike list (index and value, PMAX·WG entries) and WG counts, the backward also two rows of dI.
 */
function shapeFor(gpu: GpuContext, op: string, n: number, B: number, backward: boolean): Shape {
  let pmax = 1;
  while (pmax * WG < n) pmax *= 2;
  const bytesOf = (pm: number, rb: number) => 4 * rb * (pm * WG * (backward ? 4 : 2) + WG + 1);
  const bytes = (rb: number) => bytesOf(pmax, rb);
  let rb = 1;
  const most = gpu.software ? recurrentTuning.softwareRows : recurrentTuning.gpuRows;
  // At most MAX_SLOTS (row, neuron) pairs per invocation: the backward's row product is unrolled over them.
  while (rb * 2 <= most && rb < B && rb * 2 * pmax <= MAX_SLOTS && bytes(rb * 2) <= gpu.maxWorkgroupStorageBytes) rb *= 2;
  if (bytes(1) > gpu.maxWorkgroupStorageBytes) {
    let fit = 1;
    while (bytesOf(fit * 2, 1) <= gpu.maxWorkgroupStorageBytes) fit *= 2;
    throw new SpikegradError(`${op}: argument 'wRec' expected at most ${fit * WG} neurons on this device (its workgroup memory is ${gpu.maxWorkgroupStorageBytes} bytes), got n = ${n}; use the CPU backend`);
  }
  return { pmax, rb };
}

/** Shapes of the op's first input, currents [T, B, n]. */
function dimsOf(cur: { shape: readonly number[] }): { T: number; B: number; n: number } {
  const [T, B, n] = cur.shape as [number, number, number];
  return { T, B, n };
}

/** Private-array index of state k of row r, neuron p. */
const si = (k: number) => `(${k}u * RB + r) * PMAX + p`;

/** The WGSL both directions share: constants, spike-list compaction, the recurrent current, the neuron's step. */
function sharedWgsl(b: BoundNeuron, s: Shape, used: Set<Helper>): { decl: string; step: string; uInit: string } {
  const K = b.states.length, ks = Array.from({ length: K }, (_, k) => k);
  // One numbering for the three programs: the step's two share a scope (the start's is in a block of its own).
  const [u0P, updP, unP] = toPrograms([[b.u], b.update, [b.u]]);
  const rows = Array.from({ length: s.rb }, (_, r) => r), ps = Array.from({ length: s.pmax }, (_, p) => p);
  const u0 = emitWgsl(u0P!, wgslNames(b, 's'), used);
  const updW = emitWgsl(updP!, wgslNames(b, 'q'), used);
  const unW = emitWgsl(unP!, wgslNames(b, 'n'), used);
  const decl = `
const PMAX: u32 = ${s.pmax}u;
const RB: u32 = ${s.rb}u;
const RBP: u32 = ${s.rb * s.pmax}u;
const NCAP: u32 = ${s.pmax * WG}u;
const K: u32 = ${K}u;
var<workgroup> list: array<u32, ${s.rb * s.pmax * WG}>;
var<workgroup> lval: array<f32, ${s.rb * s.pmax * WG}>;
var<workgroup> cnt: array<u32, ${s.rb * WG}>;
var<workgroup> total: array<u32, RB>;

// Lists, per row, the nonzero flags of every invocation's neurons in ascending neuron order: counts, a barrier,
// each invocation's offset (the counts before it), the entries, a barrier. Call from uniform control flow.
fn publish(lid: u32, P: u32, flags: ptr<function, array<f32, RBP>>) {
  ${rows.map((r) => `cnt[${r}u * WG + lid] = ${ps.map((p) => `select(0u, 1u, (*flags)[${r * s.pmax + p}u] != 0.0)`).join(' + ')};`).join('\n  ')}
  workgroupBarrier();
  ${rows.map((r) => `{
    var off = ${r}u * NCAP;
    for (var l = 0u; l < lid; l++) { off += cnt[${r}u * WG + l]; }
    ${ps.map((p) => `{ let v = (*flags)[${r * s.pmax + p}u]; if (v != 0.0) { list[off] = lid * P + ${p}u; lval[off] = v; off++; } }`).join('\n    ')}
    if (lid == WG - 1u) { total[${r}u] = off - ${r}u * NCAP; }
  }`).join('\n  ')}
  workgroupBarrier();
}

// Σ s[i]·W[i, j] over row r's listed spikes, ascending i, rounded after every addition (a spike of 1 adds W itself).
fn recurrentIn(r: u32, j: u32, N: u32) -> f32 {
  var acc = 0.0;
  let m = total[r];
  for (var e = r * NCAP; e < r * NCAP + m; e++) {
    let v = lval[e];
    let w = wRec[list[e] * N + j];
    acc = acc + select(v * w, w, v == 1.0);
  }
  return acc;
}`;
  // In scope: r, j, p, o (the step's row offset), st, own (the neurons' previous spikes).
  const step = `
      let inp = x[o + j] + recurrentIn(r, j, N);
      let sp = own[r * PMAX + p];
      ${ks.map((k) => `let s${k} = st[${si(k)}];`).join(' ')}
      ${ks.map((k) => resetWgsl(b, k)).join(' ')}
      ${updW.code}
      ${ks.map((k) => `let n${k} = ${updW.results[k]}; st[${si(k)}] = n${k};`).join(' ')}
      ${unW.code}
      let h = select(0.0, 1.0, ${unW.results[0]} >= 0.0);`;
  // In scope: r, p, st holding the start states: sets own = H(u(S)).
  const uInit = `{
      ${ks.map((k) => `let s${k} = st[${si(k)}];`).join(' ')}
      ${u0.code}
      own[r * PMAX + p] = select(0.0, 1.0, ${u0.results[0]} >= 0.0);
    }`;
  return { decl, step, uInit };
}

/** The first lines of both kernels: the workgroup's rows, the sizes, the private state. */
const PREAMBLE = `
  let g = workgroupIndex(wid, nwg);
  if (g * RB >= params.batch) { return; }  // uniform per workgroup: the barriers below stay legal
  let N = params.n;
  let BN = params.batch * N;
  let P = (N + WG - 1u) / WG;
  var st: array<f32, K * RBP>;
  var own: array<f32, RBP>;    // each neuron's previous spike H(u(S)), for its reset
  var sent: array<f32, RBP>;   // the spikes the next step's recurrent current sums`;

/**
 * Loops over the workgroup's valid rows r (row = b·N) and each invocation's neurons p (j = lid·P + p). Their
 * bounds are uniforms (params.rows = RB, P), not constants: with constant bounds the shader compiler unrolled
 * them around the neuron's step, and lavapipe took 3–30 s to compile one kernel (1–4 rows).
 */
function eachNeuron(body: string): string {
  return `for (var r = 0u; r < params.rows; r++) {
      let b = g * RB + r;
      if (b < params.batch) {
        let row = b * N;
        for (var p = 0u; p < P; p++) {
          let j = lid * P + p;
          if (j < N) {
            ${body}
          }
        }
      }
    }`;
}

/** `stmt(i)` for i = 0 … count − 1, unrolled. */
const unrolled = (count: number, stmt: (i: number) => string): string => Array.from({ length: count }, (_, i) => stmt(i)).join(' ');

function forwardWgsl(b: BoundNeuron, s: Shape): { helpers: string; main: string } {
  const K = b.states.length, ks = Array.from({ length: K }, (_, k) => k);
  const used = new Set<Helper>();
  const { decl, step, uInit } = sharedWgsl(b, s, used);
  const main = `
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  ${PREAMBLE}
  ${eachNeuron(`${ks.map((k) => `st[${si(k)}] = initial[${k}u * BN + row + j];`).join(' ')}
            ${uInit}
            sent[r * PMAX + p] = spike0[row + j];`)}
  publish(lid, P, &sent);
  for (var t = 0u; t < params.steps; t++) {
    ${eachNeuron(`let o = t * BN + row;
            ${step}
            own[r * PMAX + p] = h;
            sent[r * PMAX + p] = h;
            spikes[o + j] = h;`)}
    if ((t + 1u) % params.every == 0u || t + 1u == params.steps) {
      let c = t / params.every;   // the checkpoint row: the states after this step
      ${eachNeuron(ks.map((k) => `states[(c * K + ${k}u) * BN + row + j] = st[${si(k)}];`).join(' '))}
    }
    publish(lid, P, &sent);
  }
}`;
  return { helpers: `${decl}\n${helpersOf(used)}`, main };
}

/** Whether the step's backward reads the input current (else checkpoint 1 needs no recomputation). */
function readsInput(b: BoundNeuron): boolean {
  const [pNew, pOld, pVjp] = toPrograms([[b.u, ...b.dU], [b.u, ...b.dU], [...b.vjpStates, b.vjpInput, b.vjpSpike]]);
  return [pNew!, pOld!, pVjp!].some((q) => q.vars.has(b.input));
}

/**
 * `quads`: Wᵀ bound as vec4<f32>, an invocation's P = PMAX neurons read four at a time (P a multiple of 4 and
 * n too, so every row of Wᵀ and every invocation's words start on a quad): one vec4 load where lavapipe gathers
 * four words.
 */
function backwardWgsl(b: BoundNeuron, a: RecurrentSeqGradAttrs, s: Shape, recompute: boolean, quads: boolean): { helpers: string; main: string } {
  const K = b.states.length, ks = Array.from({ length: K }, (_, k) => k);
  const used = new Set<Helper>();
  const { decl, step, uInit } = sharedWgsl(b, s, used);
  const [pNew, pOld, pVjp] = toPrograms([[b.u, ...b.dU], [b.u, ...b.dU], [...b.vjpStates, b.vjpInput, b.vjpSpike]]);
  const uNew = emitWgsl(pNew!, wgslNames(b, 'n'), used);
  const uOld = emitWgsl(pOld!, wgslNames(b, 's'), used);
  const vjp = emitWgsl(pVjp!, wgslNames(b, 'q'), used);
  const at = (k: number) => `${k}u * BN + row + j`;
  const rowOf = (c: string, k: number) => `((${c}) * K + ${k}u) * BN + row + j`;
  // The states after step t (n<k>) and before it (s<k>): from the recomputed segment, or the forward's rows.
  const newStates = ks.map((k) => `let n${k} = ${recompute ? `seg[${rowOf('l', k)}]` : `states[${rowOf('t', k)}]`};`);
  const prevStates = recompute
    ? `if (l > 0u) { ${ks.map((k) => `s${k} = seg[${rowOf('l - 1u', k)}];`).join(' ')} }
          else if (c > 0u) { ${ks.map((k) => `s${k} = states[${rowOf('c - 1u', k)}];`).join(' ')} }
          else { ${ks.map((k) => `s${k} = initial[${at(k)}];`).join(' ')} }`
    : `if (t > 0u) { ${ks.map((k) => `s${k} = states[${rowOf('t - 1u', k)}];`).join(' ')} }
          else { ${ks.map((k) => `s${k} = initial[${at(k)}];`).join(' ')} }`;
  const recomputeSegment = !recompute ? '' : `
    // The segment's states and currents again, from its start row and the saved spikes.
    ${unrolled(s.rb * s.pmax, (i) => `sent[${i}] = 0.0;`)}
    ${eachNeuron(`if (c > 0u) {
              ${ks.map((k) => `st[${si(k)}] = states[${rowOf('c - 1u', k)}];`).join(' ')}
              sent[r * PMAX + p] = spikes[(t0 - 1u) * BN + row + j];
            } else {
              ${ks.map((k) => `st[${si(k)}] = initial[${at(k)}];`).join(' ')}
              sent[r * PMAX + p] = spike0[row + j];
            }
            ${uInit}`)}
    publish(lid, P, &sent);
    for (var t = t0; t < t1; t++) {
      let l = t - t0;
      ${eachNeuron(`let o = t * BN + row;
            ${step}
            segI[l * BN + row + j] = inp;
            ${ks.map((k) => `seg[${rowOf('l', k)}] = n${k};`).join(' ')}
            // The saved spike, not h: a recomputation that differed in the last bit cannot change the lists.
            let hs = spikes[o + j];
            own[r * PMAX + p] = hs;
            sent[r * PMAX + p] = hs;`)}
      publish(lid, P, &sent);
    }`;
  const RBP = s.rb * s.pmax;
  const main = `
var<workgroup> dIw: array<f32, ${2 * s.rb * s.pmax * WG}>;   // per row, dI of the step after (read) and of this step (written)

// out[r, p] = Σ_j dI[r, j]·W[i, j] for the invocation's neurons i = lid·P + p, dI at dIw[base + r·NCAP ..]: each
// Wᵀ word serves the RB rows; slices of SLICE float32 products, their sums added as two-floats.
fn recurrentBack(lid: u32, P: u32, N: u32, base: u32, out: ptr<function, array<f32, RBP>>) {
  var acc: array<TwoF, RBP>;
  ${unrolled(RBP, (i) => `acc[${i}] = twoF(0.0, 0.0);`)}
  for (var j0 = 0u; j0 < N; j0 += ${SLICE}u) {
    let je = min(j0 + ${SLICE}u, N);
    var part: array<f32, RBP>;
    ${unrolled(RBP, (i) => `part[${i}] = 0.0;`)}   // explicitly: lavapipe kept the last slice's values
    for (var j = j0; j < je; j++) {
      // Past the last neuron the words belong to the next row of Wᵀ (or lie past its end, read as 0 or clamped by
      // WGSL's bounds rules): those sums are never stored.
      let wrow = j * N + lid * P;
      ${quads
    ? Array.from({ length: s.pmax / 4 }, (_, q) => `let v${q} = wT[wrow / 4u + ${q}u]; ${[0, 1, 2, 3].map((c) => `let w${4 * q + c} = v${q}.${'xyzw'[c]};`).join(' ')}`).join(' ')
    : Array.from({ length: s.pmax }, (_, p) => `let w${p} = wT[wrow + ${p}u];`).join(' ')}
      ${Array.from({ length: s.rb }, (_, r) => `{ let d = dIw[base + ${r}u * NCAP + j]; ${Array.from({ length: s.pmax }, (_, p) => `part[${r * s.pmax + p}] = part[${r * s.pmax + p}] + d * w${p};`).join(' ')} }`).join('\n      ')}
    }
    ${unrolled(RBP, (i) => `acc[${i}] = addF(acc[${i}], part[${i}]);`)}
  }
  ${unrolled(RBP, (i) => `(*out)[${i}] = acc[${i}].hi;`)}
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  ${PREAMBLE}
  var car: array<f32, K * RBP>;   // the states' cotangents carried to the step before (zero-initialised)
  var rb: array<f32, RBP>;        // the spikes' cotangents through the recurrence
  let nseg = (params.steps + params.every - 1u) / params.every;
  for (var q0 = 0u; q0 < nseg; q0++) {
    let c = nseg - 1u - q0;
    let t0 = c * params.every;
    let t1 = min(t0 + params.every, params.steps);
    ${recomputeSegment}
    for (var q = t1 - t0; q > 0u; q--) {
      let t = t0 + q - 1u;
      let l = q - 1u;
      let wr = (t & 1u) * RB * NCAP;
      if (t + 1u < params.steps) { recurrentBack(lid, P, N, ((t + 1u) & 1u) * RB * NCAP, &rb); }
      let kept = (t + 1u) % params.every == 0u || t + 1u == params.steps;
      ${eachNeuron(`let o = t * BN + row;
            ${ks.map((k) => `var g${k} = car[${si(k)}];`).join(' ')}
            ${a.hasDStates ? `if (kept) { ${ks.map((k) => `g${k} = g${k} + dStates[${rowOf('t / params.every', k)}];`).join(' ')} }` : ''}
            var d = ${a.hasDS ? 'dSpikes[o + j]' : '0.0'};
            if (t + 1u < params.steps) { d = d + rb[r * PMAX + p]; }
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
            dIw[wr + r * NCAP + j] = dI;
            ${a.detachReset ? '' : `var sbar = ${vjp.results[K + 1]}; ${resetBarWgsl(b, false)}
            let w0 = sbar * surrogateGrad(uo);
            ${ks.map((k) => `b${k} = b${k} + w0 * ${uOld.results[k + 1]};`).join(' ')}`}
            ${ks.map((k) => `car[${si(k)}] = b${k};`).join(' ')}`)}
      workgroupBarrier();
    }
  }
  recurrentBack(lid, P, N, 0u, &rb);   // dI of step 0 through W: the initial spikes' cotangent
  ${eachNeuron(`${ks.map((k) => `ds0[${at(k)}] = car[${si(k)}];`).join(' ')}
            dSpike0[row + j] = rb[r * PMAX + p];`)}
}`;
  const tf = twoFloatHelpers();
  return { helpers: `${decl}\nalias V = f32;\n${tf.wgsl}\n${a.spkFun.wgslGrad('surrogateGrad')}\n${helpersOf(used)}`, main };
}

/** Exposed for tests and docs: the generated WGSL of a bound model. */
export const recurrentWgsl = { forward: forwardWgsl, backward: backwardWgsl };

/** `recurrentRun`: one dispatch, a workgroup per RB batch rows. */
export const recurrentRunGpu: GpuKernel<RecurrentSeqAttrs> = (gpu, [cur, w, spike0, s0], a, outs) => {
  const { T, B, n } = dimsOf(cur!);
  const s = shapeFor(gpu, 'recurrentRun', n, B, false);
  const p = cachedProgram(`recurrentRun|${a.neuron.key}|${s.pmax}|${s.rb}`, () => {
    const { helpers, main } = forwardWgsl(a.neuron, s);
    return {
      params: { n: 'u32', batch: 'u32', steps: 'u32', every: 'u32', rows: 'u32' },
      inputs: { x: 'f32', wRec: 'f32', spike0: 'f32', initial: 'f32' }, outputs: { spikes: 'f32', states: 'f32' },
      workgroupSize: WG, helpers, main,
    };
  });
  const spikes = gpu.output(outs[0]!), states = gpu.output(outs[1]!);
  gpu.dispatch(p, { inputs: [cur!, w!, spike0!, s0!], outputs: [spikes, states], params: { n, batch: B, steps: T, every: a.checkpoint, rows: s.rb }, workgroups: Math.ceil(B / s.rb) });
  return [spikes, states];
};

type Info = Parameters<GpuKernel<unknown>>[1][number];

/** Wᵀ into scratch: the backward's row product reads an invocation's neurons as neighbouring words. */
function transposed(gpu: GpuContext, w: Info, n: number): Info {
  const wT = gpu.scratch('float32', [n, n]);
  const p = cachedProgram('recurrentTranspose', () => ({
    params: { n: 'u32', cols: 'u32' }, inputs: { w: 'f32' }, outputs: { wT: 'f32' },
    element: '  let r = i / params.cols; let c = i - r * params.cols; wT[i] = w[c * params.cols + r];',
  }));
  gpu.dispatch(p, { inputs: [w], outputs: [wT], params: { n: n * n, cols: n } });
  return wT;
}

/** `recurrentRunGrad`: Wᵀ into scratch, then one dispatch, a workgroup per RB batch rows. */
export const recurrentRunGradGpu: GpuKernel<RecurrentSeqGradAttrs> = (gpu, ins, a, outs) => {
  const [cur, w, spike0, s0, spikes, states] = ins as [Info, Info, Info, Info, Info, Info];
  const { T, B, n } = dimsOf(cur);
  const K = a.neuron.states.length;
  const s = shapeFor(gpu, 'recurrentRunGrad', n, B, true);
  const recompute = a.checkpoint > 1 || readsInput(a.neuron);
  const quads = recurrentTuning.quads && s.pmax % 4 === 0 && n % 4 === 0 && Math.ceil(n / WG) === s.pmax;
  const cots = [a.hasDS ? 'dSpikes' : null, a.hasDStates ? 'dStates' : null].filter((c): c is string => c !== null);
  const tf = twoFloatHelpers();
  const p = cachedProgram(`recurrentRunGrad|${a.neuron.key}|${a.spkFun.key}|${cots.join(',')}|${a.detachReset}|${recompute}|${s.pmax}|${s.rb}|${quads}${tf.key}`, () => {
    const { helpers, main } = backwardWgsl(a.neuron, a, s, recompute, quads);
    return {
      params: { n: 'u32', batch: 'u32', steps: 'u32', every: 'u32', rows: 'u32', ...TWO_FLOAT_PARAMS },
      inputs: {
        x: 'f32', wRec: 'f32', wT: quads ? 'vec4<f32>' : 'f32', spike0: 'f32', initial: 'f32', spikes: 'f32', states: 'f32',
        ...Object.fromEntries(cots.map((c) => [c, 'f32' as const])),
      },
      outputs: { dx: 'f32', dSpike0: 'f32', ds0: 'f32', ...(recompute ? { seg: 'f32' as const, segI: 'f32' as const } : {}) },
      workgroupSize: WG, helpers, main,
    };
  });
  const wT = transposed(gpu, w, n);
  const dx = gpu.output(outs[0]!), dSpike0 = gpu.output(outs[1]!), ds0 = gpu.output(outs[2]!);
  // The recomputed segment: its states [k, K, B, n] and currents [k, B, n].
  const seg = recompute ? [gpu.scratch('float32', [a.checkpoint, K, B, n]), gpu.scratch('float32', [a.checkpoint, B, n])] : [];
  gpu.dispatch(p, {
    inputs: [cur, w, wT, spike0, s0, spikes, states, ...ins.slice(6)], outputs: [dx, dSpike0, ds0, ...seg],
    params: { n, batch: B, steps: T, every: a.checkpoint, rows: s.rb, ...twoFloatParams }, workgroups: Math.ceil(B / s.rb),
  });
  return [dx, dSpike0, ds0];
};
