/**
 * rateArray's draws and comparisons as one WebAssembly pass (spikegen/index.ts calls it; its JavaScript twin
 * there gives the same bits): for each of `rows` steps and each of the n0 inputs, the next float32 of the
 * generator's xoshiro128** stream u (engine/random.ts, the same integer operations: the same stream), and the
 * spike u < p[i] as 1.0 or 0.0. Why: in JavaScript the draw and the comparison were two passes over the
 * [T, B, 784] batch and most of the digits epoch's serial time (bench/RESULTS.md, digits-events); here each
 * element is one pass of integer operations without a branch, and a large batch is split between threads.
 */
import { Generator as GeneratorClass, type Generator } from '../engine/random.js';
import { parallelFor, poolThreads } from '../kernels/cpu/threadPool.js';
import { SCRATCH_BYTES } from '../kernels/cpu/wasmArena.js';
import { add, f32, f32s, forRange, get, gtU, i32, i32s, Locals, mul, select, set, shl, slots, type Code, type ValType } from '../kernels/cpu/wasmEncode.js';
import { runRanges, sequenceParallel, wasmEnabled, wasmKernel } from '../kernels/cpu/wasmKernels.js';
import { wasmKernels } from '../kernels/flags.js';

/**
 * run(S, SOUT, P, OUT, N0, RPC, ROWS, thread, lo, hi): the chunks [lo, hi) of RPC steps each (the last may be
 * shorter), chunk c drawing from the state at S + 16c and leaving its end state at SOUT + 16c.
 */
function rateModule() {
  const params: ValType[] = ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'];
  const [S, SOUT, P, OUT, N0, RPC, ROWS, , LO, HI] = slots(params);
  const L = new Locals(params);
  const s = [L.local('i32'), L.local('i32'), L.local('i32'), L.local('i32')] as const;
  const r = L.local('i32'), t = L.local('i32'), row = L.local('i32'), i = L.local('i32'), o = L.local('i32'), bytes = L.local('i32');
  const c = L.local('i32'), r1 = L.local('i32');
  const [s0, s1, s2, s3] = s;
  const xor = (a: number, b: Code): Code => set(a, i32s.xor(get(a), b));
  const body: Code[] = [
    set(bytes, shl(get(N0), i32(2))),
    forRange(c, get(LO), get(HI), 1,
      ...s.map((l, k) => set(l, i32s.load(add(get(S), shl(get(c), i32(4))), 4 * k))),
      set(row, mul(get(c), get(RPC))),
      set(r1, add(get(row), get(RPC))),
      set(r1, select(gtU(get(r1), get(ROWS)), get(ROWS), get(r1))),
      set(o, add(get(OUT), mul(get(row), get(bytes)))),
      forRange(row, get(row), get(r1), 1,
        forRange(i, i32(0), get(bytes), 4,
          // xoshiro128**: r = rotl(s1·5, 7)·9, then the state update (Generator.nextUint32)
          set(r, mul(i32s.rotl(mul(get(s1), i32(5)), i32(7)), i32(9))),
          set(t, shl(get(s1), i32(9))),
          xor(s2, get(s0)), xor(s3, get(s1)), xor(s1, get(s2)), xor(s0, get(s3)), xor(s2, get(t)),
          set(s3, i32s.rotl(get(s3), i32(11))),
          // u = (r >>> 8)·2⁻²⁴ (exact in float32), spike = u < p
          f32s.store(get(o), f32s.fromBool(f32s.lt(
            f32s.mul(f32s.fromBool(i32s.shrU(get(r), i32(8))), f32(5.9604644775390625e-8)),
            f32s.load(add(get(P), get(i)))))),
          set(o, add(get(o), i32(4))))),
      ...s.map((l, k) => i32s.store(add(get(SOUT), shl(get(c), i32(4))), get(l), 4 * k))),
  ];
  return { params, locals: L, body: body.flat() };
}

/** Most chunks one call splits its steps into (each thread takes several, so a descheduled one delays little). */
const MAX_CHUNKS = 16;

/**
 * out[off + t·n0 + i] = (next float32 of `g`) < p[i] ? 1 : 0 for t < rows, i < n0, in stream order, and `g`
 * advanced past the rows·n0 draws; false, with nothing drawn, where WebAssembly cannot run here. A large batch
 * is drawn by every thread of the pool: chunk c of the steps starts from `g`'s state jumped ahead by the draws
 * of the chunks before it (Generator.jump), so the draws, hence the bits, are those of one thread.
 */
export function rateSpikesWasm(g: Generator, p: Float32Array, out: Float32Array, off: number, rows: number): boolean {
  const n0 = p.length;
  if (!wasmEnabled() || n0 === 0) return false;
  const run = wasmKernel('rateSpikes', rateModule);
  if (!run) return false;
  // Steps per call: as many as the scratch region holds next to p and the chunks' states (the output is copied out).
  const limit = Math.min(wasmKernels.scratchBytes, SCRATCH_BYTES);
  const per = Math.floor((limit - 4 * n0 - 2 * 16 * MAX_CHUNKS - 64) / (4 * n0));
  if (per < 1) return false;
  const walker = new GeneratorClass(0);
  walker.setState(g.getState());
  for (let t0 = 0; t0 < rows; t0 += per) {
    const k = Math.min(per, rows - t0);
    const threads = k * n0 >= sequenceParallel.minElements ? poolThreads() : 1;
    const chunks = Math.min(k, threads === 1 ? 1 : MAX_CHUNKS), rpc = Math.ceil(k / chunks), used = Math.ceil(k / rpc);
    // Each chunk's first state (as float32 words: a same-type copy moves bytes, so they travel bit for bit).
    const states = new Uint32Array(4 * used), ends = new Uint32Array(4 * used);
    for (let c = 0; c < used; c++) {
      states.set(walker.getState(), 4 * c);
      walker.jump(Math.min(rpc, k - c * rpc) * n0);
    }
    const ok = runRanges([{ data: new Float32Array(states.buffer), off: 0, len: 4 * used }, { data: new Float32Array(ends.buffer), off: 0, len: 4 * used, out: true },
      { data: p, off: 0, len: n0 }, { data: out, off: off + t0 * n0, len: k * n0, out: true }], [],
    ([sAt, eAt, pAt, oAt]) => parallelFor('rateSpikes', run, [sAt!, eAt!, pAt!, oAt!, n0, rpc, k], used, threads));
    if (!ok) {
      if (t0 === 0) return false;
      throw new Error('spikegrad internal error: rateSpikesWasm lost its scratch region between calls');
    }
    // The kernel's end state of the last chunk is where the jumps arrived: a check that the two agree.
    if (ends.subarray(4 * used - 4).join() !== walker.getState().join()) throw new Error('spikegrad internal error: rateSpikesWasm: the jumped state and the drawn one differ');
  }
  g.setState(walker.getState());
  return true;
}
