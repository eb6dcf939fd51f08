/**
 * Convolution and max pooling on the CPU (twins: conv/webgpu.ts; the ops: engine/opsConv.ts).
 *
 * conv2d and its two gradients are matrix products over im2col columns: for each group g and a chunk of nb
 * images, cols [K = C/g·KH·KW, nb·OH·OW] (zero where the window reaches into the padding) and
 *   y_g  [O/g, nb·P]  = W_g [O/g, K] · cols                 (forward)
 *   dcols[K, nb·P]    = W_gᵀ · dy_g, scattered back (col2im) (input gradient)
 *   dW_g [O/g, K]    += dy_g · colsᵀ                          (weight gradient)
 * In float32 they run on the dense matmul's WebAssembly SIMD kernel on the CPU backend's threads
 * (kernels/matmul/gemmWasm.ts; the forward as y_gᵀ [nb·P, O/g] = colsᵀ · W_gᵀ, so the long side nb·P is
 * the one split between threads; the input gradient's dcols and the weight gradient's sums kept in float64,
 * the latter continued across chunks of images), elsewhere (float64, WebAssembly off, no room in its arena)
 * on the packed JavaScript kernel (kernels/matmul/cpuPacked.ts). Both give every output as the same serial
 * float64 sum rounded once to the output type, so the bits do not depend on the path. Spike inputs (mostly
 * zeros) take the event-driven path instead: each nonzero input adds its value times a kernel-sized patch of
 * weights to the outputs it reaches, so the work scales with the number of spikes (chosen below
 * CONV_EVENT_DENSITY, measured in the bench).
 */
import { allocOutput, rounderFor, type TypedArray } from '../../engine/dtype.js';
import type { Conv2dAttrs, Pair, Pool2dAttrs } from '../../engine/opsConv.js';
import { gemmPacked } from '../matmul/cpuPacked.js';
import { gemmWasm, gemmWasm64 } from '../matmul/gemmWasm.js';
import { arenaRelease, arenaTake } from '../cpu/wasmArena.js';
import type { CpuKernel } from '../cpu/types.js';

/**
 * Below this fraction of nonzero inputs the forward convolution runs event-driven. Measured on the digits
 * CSNN's conv2 (bench/experiments/convCpuAB.ts, bench/RESULTS.md 2026-12-08): against the WebAssembly dense
 * path on two threads the event path (one thread) wins at 2 % (2.4×) and 5 % (1.4×) and loses at 10 % (0.9×);
 * in CPU time the two cross near 9 %, in wall time on two free cores near 5 %. (Against the JavaScript dense
 * path it won up to ~30 %, hence the 15 % this was before.)
 */
export const CONV_EVENT_DENSITY = 0.06;

/**
 * The density below which conv2d runs event-driven (the bench sets it to 0 or 1 to time one path alone);
 * `wasm`: float32 convolutions on the WebAssembly gemm (false: the JavaScript kernels, for the bench's A/B
 * and the tests' comparison); `wasmChunk`: float32 values of one chunk's columns (tests make it small to
 * cover the chunking; 2²¹ float32 values are 8 MB of the CPU backend's arena); `threads`: the gemm's
 * threads (null: its own choice by size; tests set it to cover the split).
 */
export const convTuning = { eventDensity: CONV_EVENT_DENSITY, wasm: true, wasmChunk: 1 << 21, threads: null as number | null };

/** Columns per chunk: nb·P·K float64 values stay near 8 MB however large the batch. */
const CHUNK_VALUES = 1 << 20;


interface Geometry {
  N: number; C: number; H: number; W: number;
  O: number; Cg: number; Og: number; KH: number; KW: number;
  OH: number; OW: number; G: number;
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
}

function geometry(x: readonly number[], w: readonly number[], y: readonly number[], a: Conv2dAttrs): Geometry {
  return {
    N: x[0]!, C: x[1]!, H: x[2]!, W: x[3]!, O: w[0]!, Cg: w[1]!, Og: w[0]! / a.groups, KH: w[2]!, KW: w[3]!,
    OH: y[2]!, OW: y[3]!, G: a.groups, sh: a.stride[0], sw: a.stride[1], ph: a.padding[0], pw: a.padding[1],
    dh: a.dilation[0], dw: a.dilation[1],
  };
}

let scratchA = new Float64Array(0);
let scratchB = new Float64Array(0);
function bufA(n: number): Float64Array {
  if (scratchA.length < n) scratchA = new Float64Array(Math.max(n, 2 * scratchA.length));
  return scratchA.subarray(0, n);
}
function bufB(n: number): Float64Array {
  if (scratchB.length < n) scratchB = new Float64Array(Math.max(n, 2 * scratchB.length));
  return scratchB.subarray(0, n);
}

/** Images per chunk for a column matrix of K rows. */
const chunkOf = (g: Geometry, K: number) => Math.max(1, Math.min(g.N, Math.floor(CHUNK_VALUES / Math.max(1, K * g.OH * g.OW))));

/**
 * cols[k, j·P + p] (row length ld = nb·P) for images n0 … n0+nb−1 of group gi: k = (c·KH + kh)·KW + kw,
 * p = oh·OW + ow. With `transposed`, colsᵀ[j·P + p, k] instead (row length K).
 */
function im2col(x: TypedArray, g: Geometry, gi: number, n0: number, nb: number, cols: Float64Array | Float32Array, transposed: boolean): void {
  const { C, H, W, Cg, KH, KW, OH, OW, sh, sw, ph, pw, dh, dw } = g;
  const P = OH * OW, K = Cg * KH * KW, ld = nb * P;
  cols.fill(0);
  for (let j = 0; j < nb; j++) {
    for (let c = 0; c < Cg; c++) {
      const xPlane = ((n0 + j) * C + gi * Cg + c) * H * W;
      for (let kh = 0; kh < KH; kh++) {
        for (let kw = 0; kw < KW; kw++) {
          const k = (c * KH + kh) * KW + kw;
          // The output columns whose input column iw = ow·sw − pw + kw·dw lies inside [0, W).
          const off = kw * dw - pw;
          const owLo = Math.max(0, Math.ceil(-off / sw)), owHi = Math.min(OW, Math.floor((W - 1 - off) / sw) + 1);
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * sh - ph + kh * dh;
            if (ih < 0 || ih >= H) continue;
            const xRow = xPlane + ih * W + off;
            const p0 = j * P + oh * OW;
            if (transposed) for (let ow = owLo; ow < owHi; ow++) cols[(p0 + ow) * K + k] = x[xRow + ow * sw]!;
            else {
              const base = k * ld + p0;
              for (let ow = owLo; ow < owHi; ow++) cols[base + ow] = x[xRow + ow * sw]!;
            }
          }
        }
      }
    }
  }
}

/** dx += col2im(dcols): the adjoint of im2col (non-transposed layout). */
function col2im(dcols: Float64Array, g: Geometry, gi: number, n0: number, nb: number, dx: Float64Array): void {
  const { C, H, W, Cg, KH, KW, OH, OW, sh, sw, ph, pw, dh, dw } = g;
  const P = OH * OW, ld = nb * P;
  for (let j = 0; j < nb; j++) {
    for (let c = 0; c < Cg; c++) {
      const xPlane = ((n0 + j) * C + gi * Cg + c) * H * W;
      for (let kh = 0; kh < KH; kh++) {
        for (let kw = 0; kw < KW; kw++) {
          const k = (c * KH + kh) * KW + kw;
          const off = kw * dw - pw;
          const owLo = Math.max(0, Math.ceil(-off / sw)), owHi = Math.min(OW, Math.floor((W - 1 - off) / sw) + 1);
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * sh - ph + kh * dh;
            if (ih < 0 || ih >= H) continue;
            const xRow = xPlane + ih * W + off;
            const base = k * ld + j * P + oh * OW;
            for (let ow = owLo; ow < owHi; ow++) dx[xRow + ow * sw]! += dcols[base + ow]!;
          }
        }
      }
    }
  }
}

function density(x: TypedArray): number {
  let nz = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== 0) nz++;
  return x.length === 0 ? 1 : nz / x.length;
}

/** The forward convolution by columns and the packed product (dense inputs). */
function conv2dDense(x: TypedArray, w: TypedArray, g: Geometry, y: Float64Array): void {
  const { N, O, Og, Cg, KH, KW, OH, OW, G } = g;
  const P = OH * OW, K = Cg * KH * KW;
  const nbMax = chunkOf(g, K);
  for (let gi = 0; gi < G; gi++) {
    for (let n0 = 0; n0 < N; n0 += nbMax) {
      const nb = Math.min(nbMax, N - n0), ld = nb * P;
      const cols = bufA(K * ld);
      im2col(x, g, gi, n0, nb, cols, false);
      const acc = bufB(Og * ld);
      acc.fill(0);
      gemmPacked(w, gi * Og * K, cols, 0, acc, Og, K, ld);
      for (let j = 0; j < nb; j++) {
        for (let o = 0; o < Og; o++) {
          const dst = ((n0 + j) * O + gi * Og + o) * P, src = o * ld + j * P;
          for (let p = 0; p < P; p++) y[dst + p] = acc[src + p]!;
        }
      }
    }
  }
}

/**
 * The event-driven forward convolution: every nonzero x[n, c, ih, iw] adds x·w[o, c, kh, kw] to each output
 * (oh, ow) its kernel position reaches (oh·sh = ih + ph − kh·dh). Accumulates channels-last ([n, P, O], the
 * weights transposed to [c, kh, kw, o]) so the innermost loop runs over contiguous output channels.
 */
function conv2dEvents(x: TypedArray, w: TypedArray, g: Geometry, y: Float64Array): void {
  const { N, C, H, W, O, Og, Cg, KH, KW, OH, OW, sh, sw, ph, pw, dh, dw } = g;
  const P = OH * OW;
  const wT = bufA(C * KH * KW * Og);
  for (let o = 0; o < O; o++) {
    const gi = Math.floor(o / Og), ol = o % Og;
    for (let c = 0; c < Cg; c++) {
      for (let k = 0; k < KH * KW; k++) wT[((gi * Cg + c) * KH * KW + k) * Og + ol] = w[(o * Cg + c) * KH * KW + k]!;
    }
  }
  const acc = bufB(P * O);
  for (let n = 0; n < N; n++) {
    acc.fill(0);
    for (let c = 0; c < C; c++) {
      const gi = Math.floor(c / Cg), oBase = gi * Og;
      const plane = (n * C + c) * H * W;
      for (let ih = 0; ih < H; ih++) {
        for (let iw = 0; iw < W; iw++) {
          const v = x[plane + ih * W + iw]!;
          if (v === 0) continue;
          for (let kh = 0; kh < KH; kh++) {
            const th = ih + ph - kh * dh;
            if (th < 0 || th % sh !== 0) continue;
            const oh = th / sh;
            if (oh >= OH) continue;
            for (let kw = 0; kw < KW; kw++) {
              const tw = iw + pw - kw * dw;
              if (tw < 0 || tw % sw !== 0) continue;
              const ow = tw / sw;
              if (ow >= OW) continue;
              const wb = (c * KH * KW + kh * KW + kw) * Og, ab = (oh * OW + ow) * O + oBase;
              for (let o = 0; o < Og; o++) acc[ab + o]! += v * wT[wb + o]!;
            }
          }
        }
      }
    }
    for (let p = 0; p < P; p++) for (let o = 0; o < O; o++) y[(n * O + o) * P + p] = acc[p * O + o]!;
  }
}

// ---- The WebAssembly path (float32) ------------------------------------------------------------------------

/** Arena arrays for one kernel call, all released at its end (an arena block is 16-byte aligned). */
class ArenaScratch {
  private taken: Float32Array[] = [];
  /** n float32 values, or undefined when the arena has no room. */
  f32(n: number): Float32Array | undefined {
    const t = arenaTake(Math.max(1, n), false);
    if (t) this.taken.push(t);
    return t?.subarray(0, n);
  }
  /** n float64 values (a Float64Array over a block of 2n float32), zeroed. */
  f64(n: number): Float64Array | undefined {
    const t = arenaTake(Math.max(2, 2 * n), true);
    if (!t) return undefined;
    this.taken.push(t);
    return new Float64Array(t.buffer, t.byteOffset, n);
  }
  release(): void {
    for (const t of this.taken) arenaRelease(t);
    this.taken = [];
  }
}

/** Calls of the WebAssembly path that ran to the end (tests check that it was taken). */
export const convStats = { wasmCalls: 0 };

const useWasm = (...arrays: TypedArray[]): boolean => convTuning.wasm && arrays.every((v) => v instanceof Float32Array);

/** Images per chunk of the WebAssembly path, for matrices of `width` values per output position. */
const wasmChunkOf = (g: Geometry, width: number) => Math.max(1, Math.min(g.N, Math.floor(convTuning.wasmChunk / Math.max(1, width * g.OH * g.OW))));

/**
 * The dense forward on the WebAssembly gemm: per group and chunk, y_gᵀ [nb·P, O/g] = colsᵀ [nb·P, K] · W_gᵀ
 * (+ bias after rounding, as the gemm adds it), then to NCHW. False (res partly written) when it cannot run.
 */
function conv2dWasm(x: Float32Array, w: Float32Array, b: Float32Array | null, g: Geometry, res: Float32Array): boolean {
  const { N, O, Og, Cg, KH, KW, OH, OW, G } = g;
  const P = OH * OW, K = Cg * KH * KW;
  const nbMax = wasmChunkOf(g, Math.max(K, Og));
  const sc = new ArenaScratch();
  try {
    const colsT = sc.f32(nbMax * P * K), yT = sc.f32(nbMax * P * Og);
    if (!colsT || !yT) return false;
    for (let gi = 0; gi < G; gi++) {
      const bias = b ? b.subarray(gi * Og, (gi + 1) * Og) : null;
      for (let n0 = 0; n0 < N; n0 += nbMax) {
        const nb = Math.min(nbMax, N - n0), ld = nb * P;
        im2col(x, g, gi, n0, nb, colsT, true);
        if (!gemmWasm(colsT, 0, false, w, gi * Og * K, true, yT, 0, ld, K, Og, bias, convTuning.threads ?? undefined)) return false;
        for (let j = 0; j < nb; j++) {
          for (let o = 0; o < Og; o++) {
            const dst = ((n0 + j) * O + gi * Og + o) * P, src = j * P * Og + o;
            for (let p = 0; p < P; p++) res[dst + p] = yT[src + p * Og]!;
          }
        }
      }
    }
    convStats.wasmCalls++;
    return true;
  } finally {
    sc.release();
  }
}

/** dy_g of images n0 … n0+nb−1 as [O/g, nb·P] (row length ld = nb·P). */
function gatherDy(dy: TypedArray, g: Geometry, gi: number, n0: number, nb: number, dst: Float64Array | Float32Array): void {
  const { O, Og, OH, OW } = g;
  const P = OH * OW, ld = nb * P;
  for (let j = 0; j < nb; j++) {
    for (let o = 0; o < Og; o++) {
      const src = ((n0 + j) * O + gi * Og + o) * P, d = o * ld + j * P;
      for (let p = 0; p < P; p++) dst[d + p] = dy[src + p]!;
    }
  }
}

/** The input gradient on the WebAssembly gemm: dcols [K, nb·P] = W_gᵀ · dy_g in float64, then col2im. */
function gradInputWasm(dy: Float32Array, w: Float32Array, g: Geometry, dx: Float64Array): boolean {
  const { N, Og, Cg, KH, KW, OH, OW, G } = g;
  const P = OH * OW, K = Cg * KH * KW;
  const nbMax = wasmChunkOf(g, Math.max(K, Og));
  const sc = new ArenaScratch();
  try {
    const dyg = sc.f32(Og * nbMax * P), dcols = sc.f64(K * nbMax * P);
    if (!dyg || !dcols) return false;
    for (let gi = 0; gi < G; gi++) {
      for (let n0 = 0; n0 < N; n0 += nbMax) {
        const nb = Math.min(nbMax, N - n0), ld = nb * P;
        gatherDy(dy, g, gi, n0, nb, dyg);
        // W_g is stored [O/g, K]: op(A) = W_gᵀ is A transposed.
        if (!gemmWasm64(w, gi * Og * K, true, dyg, 0, false, dcols, K, Og, ld, false, convTuning.threads ?? undefined)) return false;
        col2im(dcols, g, gi, n0, nb, dx);
      }
    }
    convStats.wasmCalls++;
    return true;
  } finally {
    sc.release();
  }
}

/**
 * The weight gradient on the WebAssembly gemm: dW_gᵀ [K, O/g] = cols [K, nb·P] · dy_gᵀ, one float64 sum per
 * weight continued across the chunks (the gemm's `accumulate`), rounded once at the end.
 */
function gradWeightWasm(dy: Float32Array, x: Float32Array, g: Geometry, res: Float32Array): boolean {
  const { N, O, Og, Cg, KH, KW, OH, OW, G } = g;
  const P = OH * OW, K = Cg * KH * KW;
  const nbMax = wasmChunkOf(g, Math.max(K, Og));
  const sc = new ArenaScratch();
  try {
    const cols = sc.f32(K * nbMax * P), dyT = sc.f32(nbMax * P * Og), dwT = sc.f64(K * Og);
    if (!cols || !dyT || !dwT) return false;
    for (let gi = 0; gi < G; gi++) {
      dwT.fill(0);
      for (let n0 = 0; n0 < N; n0 += nbMax) {
        const nb = Math.min(nbMax, N - n0), ld = nb * P;
        im2col(x, g, gi, n0, nb, cols, false);
        for (let j = 0; j < nb; j++) {
          for (let o = 0; o < Og; o++) {
            const src = ((n0 + j) * O + gi * Og + o) * P, d = j * P * Og + o;
            for (let p = 0; p < P; p++) dyT[d + p * Og] = dy[src + p]!;
          }
        }
        if (!gemmWasm64(cols, 0, false, dyT, 0, false, dwT, K, ld, Og, true, convTuning.threads ?? undefined)) return false;
      }
      for (let o = 0; o < Og; o++) for (let k = 0; k < K; k++) res[(gi * Og + o) * K + k] = dwT[k * Og + o]!;
    }
    convStats.wasmCalls++;
    return true;
  } finally {
    sc.release();
  }
}

export const conv2dKernel: CpuKernel<Conv2dAttrs> = ([x, w, b], a, [out]) => {
  const g = geometry(x!.shape, w!.shape, out!.shape, a);
  const res = allocOutput(out!.dtype, out!.shape.reduce((p, d) => p * d, 1));
  const events = density(x!.data) < convTuning.eventDensity;
  if (!events && useWasm(x!.data, w!.data, res, ...(b ? [b.data] : []))
    && conv2dWasm(x!.data as Float32Array, w!.data as Float32Array, (b?.data as Float32Array | undefined) ?? null, g, res as Float32Array)) return [res];
  const y = new Float64Array(res.length);
  if (events) conv2dEvents(x!.data, w!.data, g, y);
  else conv2dDense(x!.data, w!.data, g, y);
  const P = g.OH * g.OW;
  // Each output is its float64 sum rounded once, plus the bias (as conv then add would give, bit for bit).
  const round = rounderFor(out!.dtype);
  if (b) {
    for (let i = 0; i < res.length; i++) res[i] = round(y[i]!) + b.data[Math.floor(i / P) % g.O]!;
  } else res.set(y);
  return [res];
};

export const conv2dGradInputKernel: CpuKernel<Conv2dAttrs & { inputHW: Pair }> = ([dy, w], a, [out]) => {
  const g = geometry(out!.shape, w!.shape, dy!.shape, a);
  const { N, Og, Cg, KH, KW, OH, OW, G } = g;
  const P = OH * OW, K = Cg * KH * KW;
  const dx = new Float64Array(out!.shape.reduce((p, d) => p * d, 1));
  const res = allocOutput(out!.dtype, dx.length);
  if (useWasm(dy!.data, w!.data, res) && gradInputWasm(dy!.data as Float32Array, w!.data as Float32Array, g, dx)) {
    res.set(dx);
    return [res];
  }
  dx.fill(0);
  const nbMax = chunkOf(g, Math.max(K, Og));
  for (let gi = 0; gi < G; gi++) {
    // W_gᵀ [K, Og]
    const wT = new Float64Array(K * Og);
    for (let o = 0; o < Og; o++) for (let k = 0; k < K; k++) wT[k * Og + o] = w!.data[(gi * Og + o) * K + k]!;
    for (let n0 = 0; n0 < N; n0 += nbMax) {
      const nb = Math.min(nbMax, N - n0), ld = nb * P;
      const dyg = bufB(Og * ld);
      gatherDy(dy!.data, g, gi, n0, nb, dyg);
      const dcols = bufA(K * ld);
      dcols.fill(0);
      gemmPacked(wT, 0, dyg, 0, dcols, K, Og, ld);
      col2im(dcols, g, gi, n0, nb, dx);
    }
  }
  res.set(dx);
  return [res];
};

export const conv2dGradWeightKernel: CpuKernel<Conv2dAttrs & { kernel: Pair }> = ([dy, x], a, [out]) => {
  const g = geometry(x!.shape, out!.shape, dy!.shape, a);
  const { N, O, Og, Cg, KH, KW, OH, OW, G } = g;
  const P = OH * OW, K = Cg * KH * KW;
  const dw = new Float64Array(O * K);
  const res = allocOutput(out!.dtype, dw.length);
  if (useWasm(dy!.data, x!.data, res) && gradWeightWasm(dy!.data as Float32Array, x!.data as Float32Array, g, res as Float32Array)) return [res];
  const nbMax = chunkOf(g, Math.max(K, Og));
  for (let gi = 0; gi < G; gi++) {
    for (let n0 = 0; n0 < N; n0 += nbMax) {
      const nb = Math.min(nbMax, N - n0), ld = nb * P;
      const dyg = bufB(Og * ld);
      gatherDy(dy!.data, g, gi, n0, nb, dyg);
      const colsT = bufA(ld * K);
      im2col(x!.data, g, gi, n0, nb, colsT, true);
      // dW_g rows live at gi·Og·K in dw: the packed kernel accumulates into them.
      gemmPacked(dyg, 0, colsT, 0, dw.subarray(gi * Og * K, (gi + 1) * Og * K), Og, ld, K);
    }
  }
  res.set(dw);
  return [res];
};

/** Max over each window; the argmax is the first maximum in row-major window order (PyTorch's), NaN wins. */
export const maxPool2dKernel: CpuKernel<Pool2dAttrs> = ([x], a, [out, idxMeta]) => {
  const [N, C, H, W] = x!.shape as [number, number, number, number];
  const [, , OH, OW] = out!.shape as [number, number, number, number];
  const [KH, KW] = a.kernel, [sh, sw] = a.stride, [ph, pw] = a.padding, [dh, dw] = a.dilation;
  const y = allocOutput(out!.dtype, N * C * OH * OW);
  const idx = allocOutput(idxMeta!.dtype, y.length);
  const xd = x!.data;
  for (let nc = 0; nc < N * C; nc++) {
    const plane = nc * H * W;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        let best = -Infinity, at = -1;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * sh - ph + kh * dh;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * sw - pw + kw * dw;
            if (iw < 0 || iw >= W) continue;
            const v = xd[plane + ih * W + iw]!;
            if (at < 0 || v > best || (v !== v && best === best)) { best = v; at = ih * W + iw; }
          }
        }
        const o = (nc * OH + oh) * OW + ow;
        y[o] = best;
        idx[o] = at;
      }
    }
  }
  return [y, idx];
};

/** dx[argmax of each window] += dy (overlapping windows may pick the same input). */
export const maxPool2dGradKernel: CpuKernel<Pool2dAttrs & { inputHW: Pair }> = ([dy, idx], a, [out]) => {
  const [N, C, OH, OW] = dy!.shape as [number, number, number, number];
  const [H, W] = a.inputHW;
  const dx = new Float64Array(N * C * H * W);
  const P = OH * OW;
  for (let nc = 0; nc < N * C; nc++) {
    for (let p = 0; p < P; p++) {
      const at = idx!.data[nc * P + p]!;
      if (at >= 0) dx[nc * H * W + at]! += dy!.data[nc * P + p]!;
    }
  }
  const res = allocOutput(out!.dtype, dx.length);
  res.set(dx);
  return [res];
};
