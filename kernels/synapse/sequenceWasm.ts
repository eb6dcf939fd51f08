/**
 * The WebAssembly SIMD generator of the generic spike-free sequence ops, float32 tensors (kernels/cpu/
 * wasmKernels.ts says why WebAssembly; its column blocks run on every thread for large sweeps). One module per
 * bound model (its constants are literals), with the arithmetic of the generated JavaScript twin
 * (sequenceCpu.ts) operation by operation, so the same bits:
 * - forward: the update program on four-lane float32 vectors (kernels/cpu/wasmProgram.ts, the generator the
 *   neuron kernels use too), every new state
 *   stored, then the output program when the output is not a state;
 * - backward of a linear model, in float64 (two-lane vectors, float64 carries in work rows): Ḡ_k = carry_k +
 *   dStates + dOut·c_k, dx = Σ_k b_k·Ḡ_k, carry_j = Σ_k a_kj·Ḡ_k (sequenceCpu.ts `linearSum`'s terms and order).
 * Each returns false where it does not apply (a program with an operation WebAssembly lacks, a nonlinear
 * backward, compilation refused, no room): the caller then runs the JavaScript.
 */
import type { BoundSynapse } from '../../dynamics/bind.js';
import { toPrograms } from '../../dynamics/program.js';
import type { SynapseSeqGradAttrs } from '../../engine/opsSynapse.js';
import { emitProgramWasm, programWasmSupport } from '../cpu/wasmProgram.js';
import { add, forRange, get, gtU, i32, Locals, mul, set, slots, sub, whileLoop, type Code, type ValType } from '../cpu/wasmEncode.js';
import { columns, FLOAT32, FLOAT64, type Lanes } from '../cpu/wasmLanes.js';
import { runColumns, wasmEnabled, wasmKernel, rangedPrologue, type KernelArray } from '../cpu/wasmKernels.js';

const ks = (b: BoundSynapse): number[] => b.states.map((_, k) => k);

function forwardModule(b: BoundSynapse) {
  const K = b.states.length;
  const [pUpd, pOut] = toPrograms([b.update, b.output ? [b.output] : []]);
  // x, xStride, s0, s0Stride, states, statesStride, out, outStride, T, W; consts, thread, lo, hi (rangedPrologue)
  const params: ValType[] = Array<ValType>(14).fill('i32');
  const [X, XS, S0, S0S, ST, STS, OUT, OUTS, T, W, CONSTS, , LO, HI] = slots(params);
  const L = new Locals(params);
  const pro = rangedPrologue(L, { f32Ptrs: [X, S0, ST, OUT], f64Ptrs: [], W, consts: CONSTS, lo: LO, hi: HI }, []);
  const t = L.local('i32'), j4 = L.local('i32'), px = L.local('i32'), pp = L.local('i32'), ps = L.local('i32'), pn = L.local('i32'), po = L.local('i32');
  const rowAt = (base: number, stride: number, k: number): Code => add(add(get(base), k === 0 ? i32(0) : mul(i32(k), get(stride))), get(j4));
  const body = (Lx: Lanes): Code => {
    const s = ks(b).map(() => L.local(Lx.value)), inp = L.local(Lx.value);
    const names = new Map<string, number>(b.states.map((st, k) => [st, s[k]!]));
    names.set(b.input, inp);
    const upd = emitProgramWasm(pUpd!, Lx, L, (v) => get(names.get(v)!));
    const n = ks(b).map(() => L.local(Lx.value));
    const outNames = new Map<string, number>(b.states.map((st, k) => [st, n[k]!]));
    const out = emitProgramWasm(pOut!, Lx, L, (v) => get(outNames.get(v)!));
    return [
      ...ks(b).flatMap((k) => set(s[k]!, Lx.load(rowAt(pp, ps, k)))),
      ...set(inp, Lx.load(add(get(px), get(j4)))),
      ...upd.code,
      ...ks(b).flatMap((k) => [...set(n[k]!, upd.results[k]!), ...Lx.store(rowAt(pn, STS, k), get(n[k]!))]),
      ...(b.output ? [...out.code, ...Lx.store(add(get(po), get(j4)), out.results[0]!)] : []),
    ];
  };
  const code: Code[] = [
    pro.code,
    set(px, get(X)), set(pp, get(S0)), set(ps, get(S0S)), set(pn, get(ST)), set(po, get(OUT)),
    forRange(t, i32(0), get(T), 1,
      columns(j4, get(W), FLOAT32, body),
      set(pp, get(pn)), set(ps, get(STS)), set(pn, add(get(pn), mul(i32(K), get(STS)))),
      set(px, add(get(px), get(XS))), set(po, add(get(po), get(OUTS)))),
  ];
  return { params, locals: L, body: code.flat() };
}

/**
 * Per bound model, computed once: whether its forward has a lane form, and the kernel keys. A seed step calls
 * these kernels a few times per millisecond: rebuilding the programs and the key text (the model's trees) per
 * call cost 15 % of the step's CPU time.
 */
const plans = new WeakMap<BoundSynapse, { lanes: boolean; forward: string; backward: Map<string, string> }>();
function planOf(b: BoundSynapse) {
  let p = plans.get(b);
  if (!p) {
    const lanes = b.dtype === 'float32' && toPrograms([b.update, b.output ? [b.output] : []]).every((p) => programWasmSupport(p, 'float32') === null);
    plans.set(b, (p = { lanes, forward: `synapseRun|${b.key}`, backward: new Map() }));
  }
  return p;
}

/** The forward of a float32 sequence: writes the states (T·K·N) and the output (T·N, when not a state); false where it does not apply. */
export function synapseForwardWasm(b: BoundSynapse, x: Float32Array, s0: Float32Array, st: Float32Array, out: Float32Array | null, T: number, N: number): boolean {
  const plan = planOf(b);
  if (!wasmEnabled() || !plan.lanes) return false;
  const key = plan.forward;
  const run = wasmKernel(key, () => forwardModule(b));
  if (!run) return false;
  const K = b.states.length;
  const arrays: KernelArray[] = [{ data: x, rows: T }, { data: s0, rows: K }, { data: st, rows: T * K, out: true }, ...(out ? [{ data: out, rows: T, out: true }] : [])];
  return runColumns(key, run, N, arrays, { f32: 0, f64: 0 }, [],
    ([bx, bs0, bst, bo], W) => [bx!.at, bx!.stride, bs0!.at, bs0!.stride, bst!.at, bst!.stride, bo?.at ?? 0, bo?.stride ?? 0, T, W]);
}

function linearBackwardModule(b: BoundSynapse, a: SynapseSeqGradAttrs) {
  const K = b.states.length, lin = b.linear!;
  // dStates, its stride, dOut, its stride, dx, its stride, ds0, its stride, T, W, K carry work rows; consts, thread, lo, hi
  const params: ValType[] = Array<ValType>(14 + K).fill('i32');
  const sl = slots(params);
  const [DST, DSTS, DOUT, DOUTS, DX, DXS, DS0, DS0S, T, W] = sl;
  const CARRY = sl.slice(10, 10 + K);
  const [CONSTS, , LO, HI] = sl.slice(10 + K);
  const L = new Locals(params);
  const pro = rangedPrologue(L, { f32Ptrs: [DST!, DOUT!, DX!, DS0!], f64Ptrs: CARRY as number[], W: W!, consts: CONSTS!, lo: LO!, hi: HI! }, []);
  const t = L.local('i32'), j4 = L.local('i32'), pd = L.local('i32'), pdo = L.local('i32'), pdx = L.local('i32');
  const f32At = (base: Code): Code => add(base, get(j4));
  const workAt = (k: number): Code => add(get(CARRY[k]!), add(get(j4), get(j4)));
  const rowOf = (base: number, stride: number, k: number): Code => (k === 0 ? get(base) : add(get(base), mul(i32(k), get(stride))));
  /** sequenceCpu.ts linearSum's terms, added left to right. */
  const sum = (Lx: Lanes, coefs: readonly number[], g: readonly number[]): Code => {
    const terms = coefs.flatMap((c, i) => (c === 0 ? [] : [c === 1 ? get(g[i]!) : Lx.mul(Lx.const(c), get(g[i]!))]));
    return terms.length === 0 ? Lx.const(0) : terms.reduce((acc, term) => Lx.add(acc, term));
  };
  const body = (Lx: Lanes): Code => {
    const g = ks(b).map(() => L.local(Lx.value)), d = L.local(Lx.value);
    const seed = (k: number): Code => {
      let v = Lx.loadWork(workAt(k));
      if (a.hasDStates) v = Lx.add(v, Lx.load(f32At(rowOf(pd, DSTS!, k))));
      if (a.hasDOut) v = Lx.add(v, Lx.mul(get(d), Lx.const(lin.c[k]!)));
      return set(g[k]!, v);
    };
    return [
      ...(a.hasDOut ? set(d, Lx.load(f32At(get(pdo)))) : []),
      ...ks(b).flatMap(seed),
      ...Lx.store(f32At(get(pdx)), sum(Lx, lin.b, g)),
      ...ks(b).flatMap((j) => Lx.storeWork(workAt(j), sum(Lx, lin.a.map((row) => row[j]!), g))),
    ];
  };
  const code: Code[] = [
    pro.code,
    set(t, get(T!)),
    whileLoop(gtU(get(t), i32(0)),
      set(t, sub(get(t), i32(1))),
      set(pd, add(get(DST!), mul(mul(get(t), i32(K)), get(DSTS!)))),
      set(pdo, add(get(DOUT!), mul(get(t), get(DOUTS!)))),
      set(pdx, add(get(DX!), mul(get(t), get(DXS!)))),
      columns(j4, get(W!), FLOAT64, body)),
    // ds0: the carries left after step 0.
    ...ks(b).map((k) => columns(j4, get(W!), FLOAT64, (Lx) => Lx.store(f32At(rowOf(DS0!, DS0S!, k)), Lx.loadWork(workAt(k))))),
  ];
  return { params, locals: L, body: code.flat() };
}

/** The backward of a linear model on float32 cotangents: writes dx (T·N) and ds0 (K·N); false where it does not apply. */
export function synapseBackwardWasm(b: BoundSynapse, a: SynapseSeqGradAttrs, dSt: Float32Array | null, dOut: Float32Array | null, dx: Float32Array, ds0: Float32Array, T: number, N: number): boolean {
  if (!wasmEnabled() || !b.linear || b.dtype !== 'float32') return false;
  const flags = `${a.hasDStates}|${a.hasDOut}`, keys = planOf(b).backward;
  let key = keys.get(flags);
  if (key === undefined) keys.set(flags, (key = `synapseRunGrad|${b.key}|${flags}`));
  const run = wasmKernel(key, () => linearBackwardModule(b, a));
  if (!run) return false;
  const K = b.states.length;
  const arrays: KernelArray[] = [
    ...(dSt ? [{ data: dSt, rows: T * K }] : []), ...(dOut ? [{ data: dOut, rows: T }] : []),
    { data: dx, rows: T, out: true }, { data: ds0, rows: K, out: true },
  ];
  return runColumns(key, run, N, arrays, { f32: 0, f64: K }, [], (bound, W, _, carries) => {
    const [bst, bout] = [dSt ? bound[0] : undefined, dOut ? bound[dSt ? 1 : 0] : undefined];
    const [bdx, bds0] = bound.slice(-2);
    return [bst?.at ?? 0, bst?.stride ?? 0, bout?.at ?? 0, bout?.stride ?? 0, bdx!.at, bdx!.stride, bds0!.at, bds0!.stride, T, W, ...carries];
  });
}
