/**
 * The WebAssembly SIMD twin of sequenceCpu.ts's generated JavaScript, for float32 tensors: the same programs
 * (dynamics/program.ts) emitted through kernels/cpu/wasmProgram.ts, with the same loop structure, so the same
 * bits (kernels/cpu/wasmKernels.ts says why WebAssembly: these loops are bound by instruction count).
 * - forward in float32 lanes (four neurons per vector): every operation rounds once, as the JavaScript's
 *   Math.fround of the float64 operation on float32 operands does;
 * - backward sweep in float64 lanes (two per vector), σ' inlined (surrogate/compileWasm.ts), float32 inputs
 *   promoted exactly, dx and ds0 rounded once on store, as the JavaScript's stores into float32 arrays.
 * Columns (neurons) are independent over time, so runColumns shares them among the worker threads
 * (kernels/cpu/threadPool.ts) with the same bits for every split.
 *
 * Each entry returns false where it does not apply (an operation or σ' without a WebAssembly form, a forward
 * literal that is not a float32 number, compilation refused, no room in scratch); the caller then runs the
 * JavaScript.
 */
import type { NeuronSeqGradAttrs } from '../../engine/opsNeuron.js';
import type { BoundNeuron } from '../../dynamics/bind.js';
import { seedName } from '../../dynamics/bind.js';
import { toProgram, type Program } from '../../dynamics/program.js';
import { inlineWasm, wasmSupports } from '../../surrogate/compileWasm.js';
import type { Expr } from '../../surrogate/expr.js';
import { emitProgramWasm, programWasmSupport } from '../cpu/wasmProgram.js';
import { add, get, gtU, i32, Locals, mul, select, set, slots, sub, whileLoop, forRange, type Code, type ValType } from '../cpu/wasmEncode.js';
import { columns, FLOAT32, FLOAT64, type Lanes } from '../cpu/wasmLanes.js';
import { allFloat32, rangedPrologue, runColumns, wasmEnabled, wasmKernel } from '../cpu/wasmKernels.js';

const SPIKE = 'spike';

/** The programs of both directions, built once per bound model (the same calls as sequenceCpu.ts makes). */
interface Programs {
  u: Program;
  update: Program;
  /** u and ∂u/∂S_k (backward, float64). */
  uGrad: Program;
  /** ∂(Σ ḡ_k·S_new_k)/∂(S'_k…, input, spike). */
  vjp: Program;
}
const programs = new WeakMap<BoundNeuron, Programs>();
function programsOf(b: BoundNeuron): Programs {
  let p = programs.get(b);
  if (!p) {
    p = { u: toProgram([b.u]), update: toProgram(b.update), uGrad: toProgram([b.u, ...b.dU]), vjp: toProgram([...b.vjpStates, b.vjpInput, b.vjpSpike]) };
    programs.set(b, p);
  }
  return p;
}

/** Variables of one column: each state, the input, the spike and the seeds, as code reading locals. */
function env(b: BoundNeuron, states: number[], inp = -1, sp = -1, seeds: number[] = []): (v: string) => Code {
  const map = new Map<string, number>(b.states.map((s, k) => [s, states[k]!]));
  if (inp >= 0) map.set(b.input, inp);
  if (sp >= 0) map.set(SPIKE, sp);
  seeds.forEach((l, k) => map.set(seedName(k), l));
  return (v) => {
    const l = map.get(v);
    if (l === undefined) throw new Error(`neuron WebAssembly kernel: unbound variable '${v}'`);
    return get(l);
  };
}

/** S' of state k: sequenceCpu.ts's resetJs (spiked ? reset : S), the reset computed in every lane. */
function resetCode(b: BoundNeuron, L: Lanes, k: number, s: number, sp: number): Code {
  const r = b.reset.find((x) => x.index === k);
  if (!r) return get(s);
  const c = L.const(r.value);
  const spiked = r.mode === 'to' ? L.sub(get(s), L.sub(get(s), c)) : r.mode === 'add' ? L.add(get(s), c) : L.sub(get(s), c);
  return L.select(L.ne(get(sp), L.const(0)), spiked, get(s));
}

/** Whether each bound model's forward, and its backward per surrogate, has a WebAssembly form (checked once). */
const supported = new WeakMap<BoundNeuron, { forward: boolean; backward: Map<string, boolean> }>();
function supportOf(b: BoundNeuron) {
  let s = supported.get(b);
  if (!s) supported.set(b, (s = { forward: forwardSupport(b) === null, backward: new Map() }));
  return s;
}

/** Why the model's forward has no WebAssembly form (null: it has one). */
function forwardSupport(b: BoundNeuron): string | null {
  if (b.dtype !== 'float32') return 'float64 tensors run the JavaScript';
  const p = programsOf(b);
  if (!allFloat32(...b.reset.map((r) => r.value))) return 'a reset value is not a float32 number';
  return programWasmSupport(p.u, 'float32') ?? programWasmSupport(p.update, 'float32');
}

function forwardModule(b: BoundNeuron) {
  const K = b.states.length, p = programsOf(b);
  // x, s0, states, spikes (each address and row stride), the initial-spike work row, T, W; consts (none),
  // thread, lo, hi (wasmKernels.ts's rangedPrologue)
  const params: ValType[] = Array<ValType>(15).fill('i32');
  const [X, XS, S0, S0S, ST, STS, SP, SPS, WORK, T, W, CONSTS, , LO, HI] = slots(params);
  const L = new Locals(params);
  const pro = rangedPrologue(L, { f32Ptrs: [X, S0, ST, SP, WORK], f64Ptrs: [], W, consts: CONSTS, lo: LO, hi: HI }, []);
  const t = L.local('i32'), j4 = L.local('i32');
  // Row pointers of step t: the previous states (s0 or row t − 1) and their stride, the new states, the
  // previous spikes (the work row at t = 0), the input, the spikes.
  const prev = L.local('i32'), prevS = L.local('i32'), next = L.local('i32'), ps = L.local('i32'), px = L.local('i32'), ns = L.local('i32');
  const at = (row: Code) => add(row, get(j4));
  const stateRow = (base: number, stride: number, k: number): Code => (k === 0 ? get(base) : add(get(base), mul(get(stride), i32(k))));
  const loadStates = (Lx: Lanes, base: number, stride: number): { code: Code; locals: number[] } => {
    const locals = Array.from({ length: K }, () => L.local(Lx.value));
    return { code: locals.flatMap((l, k) => set(l, Lx.load(at(stateRow(base, stride, k))))), locals };
  };
  const spikeOf = (Lx: Lanes, states: number[]): Code => {
    const u = emitProgramWasm(p.u, Lx, L, env(b, states));
    return [...u.code, ...Lx.ones(Lx.ge(u.results[0]!, Lx.const(0)))];
  };
  const initialSpikes = (Lx: Lanes): Code => {
    const s = loadStates(Lx, S0, S0S);
    return [...s.code, ...Lx.store(at(get(WORK)), spikeOf(Lx, s.locals))];
  };
  const step = (Lx: Lanes): Code => {
    const sp = L.local(Lx.value), inp = L.local(Lx.value);
    const s = loadStates(Lx, prev, prevS);
    const q = Array.from({ length: K }, () => L.local(Lx.value));
    const upd = emitProgramWasm(p.update, Lx, L, env(b, q, inp, sp));
    const n = Array.from({ length: K }, () => L.local(Lx.value));
    return [
      ...set(sp, Lx.load(at(get(ps)))),
      ...set(inp, Lx.load(at(get(px)))),
      ...s.code,
      ...q.flatMap((l, k) => set(l, resetCode(b, Lx, k, s.locals[k]!, sp))),
      ...upd.code,
      ...n.flatMap((l, k) => [...set(l, upd.results[k]!), ...Lx.store(at(stateRow(next, STS, k)), get(l))]),
      ...Lx.store(at(get(ns)), spikeOf(Lx, n)),
    ];
  };
  const body: Code[] = [
    pro.code,
    columns(j4, get(W), FLOAT32, initialSpikes),
    set(prev, get(S0)), set(prevS, get(S0S)), set(ps, get(WORK)), set(px, get(X)), set(next, get(ST)), set(ns, get(SP)),
    forRange(t, i32(0), get(T), 1,
      columns(j4, get(W), FLOAT32, step),
      set(prev, get(next)), set(prevS, get(STS)), set(ps, get(ns)),
      set(next, add(get(next), mul(get(STS), i32(K)))), set(px, add(get(px), get(XS))), set(ns, add(get(ns), get(SPS)))),
  ];
  return { params, locals: L, body: body.flat() };
}

/**
 * sequenceCpu.ts's forward (spikes [T, N] and states [T, K, N] from x [T, N] and s0 [K, N]) in WebAssembly;
 * false, having written nothing, where it does not apply.
 */
export function neuronForwardWasm(b: BoundNeuron, X: Float32Array, S0: Float32Array, SPK: Float32Array, ST: Float32Array, T: number, N: number): boolean {
  if (!wasmEnabled() || !supportOf(b).forward) return false;
  const K = b.states.length;
  const key = `neuronForward|${b.key}`;
  const run = wasmKernel(key, () => forwardModule(b));
  if (!run) return false;
  return runColumns(key, run, N, [{ data: X, rows: T }, { data: S0, rows: K }, { data: ST, rows: T * K, out: true }, { data: SPK, rows: T, out: true }],
    { f32: 1, f64: 0 }, [], ([x, s0, st, spk], W, [work]) => [x!.at, x!.stride, s0!.at, s0!.stride, st!.at, st!.stride, spk!.at, spk!.stride, work!, T, W]);
}

/** Why the model's backward has no WebAssembly form with this surrogate (null: it has one). */
function backwardSupport(b: BoundNeuron, sg: Expr | undefined): string | null {
  if (b.dtype !== 'float32') return 'float64 tensors run the JavaScript';
  if (!sg || !wasmSupports(sg)) return "the surrogate's derivative has no WebAssembly form";
  const p = programsOf(b);
  return programWasmSupport(p.uGrad, 'float64') ?? programWasmSupport(p.vjp, 'float64');
}

/**
 * Work rows of the backward, float64, each the kernel's width: the K carries, then (with dSpikes) the cache of
 * σ'(u) and of the non-constant ∂u/∂S_k at the states step t − 1 ends with. Sweeping down, step t computes them
 * at its previous states for its own reset term, and step t − 1 needs them at its new states, the same ones:
 * computed once per step instead of twice (the JavaScript computes both; the values, so the bits, are the same).
 */
function workRows(b: BoundNeuron, a: NeuronSeqGradAttrs): { K: number; cached: number[]; rows: number } {
  const K = b.states.length, p = programsOf(b);
  const cached = a.hasDS ? b.states.map((_, k) => k).filter((k) => p.uGrad.results[k + 1]!.kind !== 'const') : [];
  return { K, cached, rows: K + (a.hasDS ? 1 + cached.length : 0) };
}

function backwardModule(b: BoundNeuron, a: NeuronSeqGradAttrs, sg: Expr) {
  const p = programsOf(b), { K, cached } = workRows(b, a);
  // x, s0, states, dSpikes, dStates, dx, ds0 (each address and row stride; the absent cotangents address 0,
  // stride 0, never read), the float64 work rows (first and stride), T, W; consts (none), thread, lo, hi
  // (wasmKernels.ts's rangedPrologue)
  const names = ['X', 'XS', 'S0', 'S0S', 'ST', 'STS', 'DS', 'DSS', 'DST', 'DSTS', 'DX', 'DXS', 'DS0', 'DS0S', 'WORK', 'WORKS', 'T', 'W', 'CONSTS', 'THREAD', 'LO', 'HI'] as const;
  const params: ValType[] = names.map(() => 'i32');
  const { X, XS, S0, S0S, ST, STS, DS, DSS, DST, DSTS, DX, DXS, DS0, DS0S, WORK, WORKS, T, W, CONSTS, LO, HI } =
    Object.fromEntries(names.map((n, i) => [n, i])) as Record<(typeof names)[number], number>;
  const L = new Locals(params);
  const pro = rangedPrologue(L, { f32Ptrs: [X, S0, ST, DS, DST, DX, DS0], f64Ptrs: [WORK], W, consts: CONSTS, lo: LO, hi: HI }, []);
  const t = L.local('i32'), j4 = L.local('i32');
  const prev = L.local('i32'), prevS = L.local('i32'), next = L.local('i32'), px = L.local('i32'), pds = L.local('i32'), pdst = L.local('i32'), pdx = L.local('i32');
  const f32At = (row: Code) => add(row, get(j4)), f64At = (row: Code) => add(row, add(get(j4), get(j4)));
  const row = (base: number, stride: number, k: number): Code => (k === 0 ? get(base) : add(get(base), mul(get(stride), i32(k))));
  const work = (r: number) => f64At(row(WORK, WORKS, r));
  const CARRY = 0, SLOPE = K, dURow = (i: number) => K + 1 + i;
  const sigma = (Lx: Lanes, u: Code) => {
    const x = L.local(Lx.value);
    const s = inlineWasm(sg, x, Lx, L);
    return { code: [...set(x, u), ...s.code], result: s.result };
  };
  /** Stores σ'(u) and the non-constant ∂u/∂S_k of a u-program's results into the cache rows. */
  const storeCache = (Lx: Lanes, slope: Code, results: Code[]): Code =>
    [...Lx.storeWork(work(SLOPE), slope), ...cached.flatMap((k, i) => Lx.storeWork(work(dURow(i)), results[k + 1]!))];
  // The cache before step T − 1: at the last states.
  const lastStates = (Lx: Lanes): Code => {
    const n = Array.from({ length: K }, () => L.local(Lx.value));
    const un = emitProgramWasm(p.uGrad, Lx, L, env(b, n));
    const sl = sigma(Lx, un.results[0]!);
    return [...n.flatMap((l, k) => set(l, Lx.load(f32At(row(next, STS, k))))), ...un.code, ...sl.code, ...storeCache(Lx, get(sl.result), un.results)];
  };
  const step = (Lx: Lanes): Code => {
    const code: Code[] = [];
    const g = Array.from({ length: K }, () => L.local(Lx.value));
    g.forEach((l, k) => {
      const carry = Lx.loadWork(work(CARRY + k));
      code.push(set(l, a.hasDStates ? Lx.add(carry, Lx.load(f32At(row(pdst, DSTS, k)))) : carry));
    });
    if (a.hasDS) {
      // Ḡ += dSpikes·σ'(u(S_new))·∂u/∂S, only where dSpikes ≠ 0 (the JavaScript's `if (d !== 0)`).
      const d = L.local(Lx.value), w = L.local(Lx.value), nz = L.local(Lx.mask);
      code.push(set(d, Lx.load(f32At(get(pds)))), set(w, Lx.mul(get(d), Lx.loadWork(work(SLOPE)))), set(nz, Lx.ne(get(d), Lx.const(0))));
      const dU = (k: number): Code => {
        const i = cached.indexOf(k);
        return i >= 0 ? Lx.loadWork(work(dURow(i))) : Lx.const((p.uGrad.results[k + 1] as { value: number }).value);
      };
      g.forEach((l, k) => code.push(set(l, Lx.select(get(nz), Lx.add(get(l), Lx.mul(get(w), dU(k))), get(l)))));
    }
    const s = Array.from({ length: K }, () => L.local(Lx.value));
    const uo = L.local(Lx.value), sp = L.local(Lx.value), inp = L.local(Lx.value);
    const q = Array.from({ length: K }, () => L.local(Lx.value));
    const old = emitProgramWasm(p.uGrad, Lx, L, env(b, s));
    const vjp = emitProgramWasm(p.vjp, Lx, L, env(b, q, inp, sp, g));
    const bq = Array.from({ length: K }, () => L.local(Lx.value));
    code.push(
      ...s.map((l, k) => set(l, Lx.load(f32At(row(prev, prevS, k))))),
      old.code,
      set(uo, old.results[0]!), set(sp, Lx.ones(Lx.ge(get(uo), Lx.const(0)))), set(inp, Lx.load(f32At(get(px)))),
      ...q.map((l, k) => set(l, resetCode(b, Lx, k, s[k]!, sp))),
      vjp.code,
      ...bq.map((l, k) => set(l, vjp.results[k]!)),
      Lx.store(f32At(get(pdx)), vjp.results[K]!),
    );
    const so = a.detachReset && !a.hasDS ? null : sigma(Lx, get(uo));
    if (so) code.push(so.code);
    if (!a.detachReset) {
      // s̄: the spike's use in the update, then the reset's ∂S'/∂spike·S̄' (sequenceCpu.ts's resetBar, in order).
      const sbar = L.local(Lx.value), w0 = L.local(Lx.value);
      code.push(set(sbar, vjp.results[K + 1]!));
      for (const r of b.reset) {
        const bk = get(bq[r.index]!), c = Lx.const(r.value);
        code.push(set(sbar, r.mode === 'to' ? Lx.sub(get(sbar), Lx.mul(bk, Lx.sub(get(s[r.index]!), c)))
          : r.mode === 'add' ? Lx.add(get(sbar), Lx.mul(bk, c)) : Lx.sub(get(sbar), Lx.mul(bk, c))));
      }
      code.push(set(w0, Lx.mul(get(sbar), get(so!.result))));
      bq.forEach((l, k) => code.push(set(l, Lx.add(get(l), Lx.mul(get(w0), old.results[k + 1]!)))));
    }
    bq.forEach((l, k) => code.push(Lx.storeWork(work(CARRY + k), get(l))));
    if (a.hasDS) code.push(storeCache(Lx, get(so!.result), old.results));
    return code.flat();
  };
  const rowAt = (base: number, stride: number, r: Code) => add(get(base), mul(r, get(stride)));
  const body: Code[] = [
    pro.code,
    a.hasDS ? [...set(next, rowAt(ST, STS, mul(sub(get(T), i32(1)), i32(K)))), ...columns(j4, get(W), FLOAT64, lastStates)] : [],
    // t counts rows down from T − 1; step t reads the states of step t − 1 (s0 at t = 0).
    set(t, get(T)),
    whileLoop(gtU(get(t), i32(0)),
      set(t, sub(get(t), i32(1))),
      set(prev, select(gtU(get(t), i32(0)), rowAt(ST, STS, mul(sub(get(t), i32(1)), i32(K))), get(S0))),
      set(prevS, select(gtU(get(t), i32(0)), get(STS), get(S0S))),
      set(px, rowAt(X, XS, get(t))), set(pds, rowAt(DS, DSS, get(t))), set(pdst, rowAt(DST, DSTS, mul(get(t), i32(K)))), set(pdx, rowAt(DX, DXS, get(t))),
      columns(j4, get(W), FLOAT64, step)),
    // ds0: the carry left after step 0.
    columns(j4, get(W), FLOAT64, (Lx) => Array.from({ length: K }, (_, k) => Lx.store(f32At(row(DS0, DS0S, k)), Lx.loadWork(work(CARRY + k)))).flat()),
  ];
  return { params, locals: L, body: body.flat() };
}

/**
 * sequenceCpu.ts's backward (dx [T, N] and ds0 [K, N]) in WebAssembly; false, having written nothing, where
 * it does not apply.
 */
export function neuronBackwardWasm(b: BoundNeuron, a: NeuronSeqGradAttrs, X: Float32Array, S0: Float32Array, ST: Float32Array,
  DSPK: Float32Array | null, DST: Float32Array | null, DX: Float32Array, DS0: Float32Array, T: number, N: number): boolean {
  const sg = a.spkFun.gradExpr;
  if (!wasmEnabled()) return false;
  const cache = supportOf(b).backward;
  let ok = cache.get(a.spkFun.key);
  if (ok === undefined) cache.set(a.spkFun.key, (ok = backwardSupport(b, sg) === null));
  if (!ok) return false;
  const K = b.states.length;
  const key = `neuronBackward|${b.key}|${a.spkFun.key}|${a.hasDS}|${a.hasDStates}|${a.detachReset}`;
  const run = wasmKernel(key, () => backwardModule(b, a, sg!));
  if (!run) return false;
  const arrays = [{ data: X, rows: T }, { data: S0, rows: K }, { data: ST, rows: T * K }, { data: DX, rows: T, out: true }, { data: DS0, rows: K, out: true },
    ...(DSPK ? [{ data: DSPK, rows: T }] : []), ...(DST ? [{ data: DST, rows: T * K }] : [])];
  const { rows } = workRows(b, a);
  return runColumns(key, run, N, arrays, { f32: 0, f64: rows }, [], ([x, s0, st, dx, ds0, ...cot], W, _, work) => {
    const none = { at: 0, stride: 0 };
    const dS = DSPK ? cot.shift()! : none, dSt = DST ? cot.shift()! : none;
    return [x!.at, x!.stride, s0!.at, s0!.stride, st!.at, st!.stride, dS.at, dS.stride, dSt.at, dSt.stride, dx!.at, dx!.stride, ds0!.at, ds0!.stride,
      work[0]!, rows > 1 ? work[1]! - work[0]! : 0, T, W];
  });
}
