/**
 * Convolution and max pooling on WebGPU (twins: conv/cpu.ts; the ops: engine/opsConv.ts). Direct
 * convolution, one invocation per output element, every shape and the stride/padding/dilation/groups as
 * uniforms, so a new batch size or layer never compiles a new pipeline:
 *   conv2d            one invocation per y[n, o, oh, ow]: the sum over its group's C/g·KH·KW window;
 *   conv2dGradInput   one per dx[n, c, ih, iw]: the sum over the output rows and columns whose window reaches
 *                     it (oh·sh = ih + ph − kh·dh), the output channels innermost;
 *   conv2dGradWeight  one per (chunk of images, dw[o, c, kh, kw]): partial sums over the chunk's images,
 *                     then a second pass adds the chunks, so the long N·OH·OW sum is spread over many lanes;
 *   maxPool2d / maxPool2dGrad: one per output window / per input element (the gradient gathers from the
 *                     windows that chose it, so no atomics).
 * Signed arithmetic on the window coordinates (i32) makes the padding tests plain comparisons.
 */
import type { TensorInfo } from '../../engine/backend.js';
import type { Conv2dAttrs, Pair, Pool2dAttrs } from '../../engine/opsConv.js';
import { cachedProgram } from '../webgpu/program.js';
import type { GpuKernel } from '../webgpu/types.js';

const GEOMETRY = {
  N: 'u32', C: 'u32', H: 'u32', W: 'u32', O: 'u32', Cg: 'u32', Og: 'u32', KH: 'u32', KW: 'u32', OH: 'u32', OW: 'u32',
  sh: 'i32', sw: 'i32', ph: 'i32', pw: 'i32', dilH: 'i32', dilW: 'i32',
} as const;

function geometryParams(x: readonly number[], w: readonly number[], y: readonly number[], a: Conv2dAttrs) {
  return {
    N: x[0]!, C: x[1]!, H: x[2]!, W: x[3]!, O: w[0]!, Cg: w[1]!, Og: w[0]! / a.groups, KH: w[2]!, KW: w[3]!, OH: y[2]!, OW: y[3]!,
    sh: a.stride[0], sw: a.stride[1], ph: a.padding[0], pw: a.padding[1], dilH: a.dilation[0], dilW: a.dilation[1],
  };
}

/** WGSL: the taps k in [lo, hi) with 0 ≤ base + k·d < size (WGSL's i32 division truncates, hence the guards). */
const TAP_RANGE = `
fn tapLo(base: i32, d: i32) -> i32 { return max(0, (-base + d - 1) / d); }
fn tapHi(base: i32, d: i32, size: i32, k: i32) -> i32 {
  let top = size - 1 - base;
  return select(0, min(k, top / d + 1), top >= 0);
}
fn outLo(base: i32, s: i32) -> i32 { return max(0, (base + s - 1) / s); }
fn outHi(top: i32, s: i32, size: i32) -> i32 { return select(0, min(size, top / s + 1), top >= 0); }`;

// Every tap of the window inside the input, from the ranges (no test per tap).
const forwardBody = (bias: boolean) => `
  let ow = i32(i % params.OW);
  let oh = i32((i / params.OW) % params.OH);
  let o = (i / (params.OW * params.OH)) % params.O;
  let n = i / (params.OW * params.OH * params.O);
  let c0 = (o / params.Og) * params.Cg;
  let ohs = oh * params.sh - params.ph;
  let ows = ow * params.sw - params.pw;
  let khLo = tapLo(ohs, params.dilH);
  let khHi = tapHi(ohs, params.dilH, i32(params.H), i32(params.KH));
  let kwLo = tapLo(ows, params.dilW);
  let kwHi = tapHi(ows, params.dilW, i32(params.W), i32(params.KW));
  var acc = 0.0;
  for (var c = 0u; c < params.Cg; c++) {
    let xPlane = (n * params.C + c0 + c) * params.H * params.W;
    let wBase = (o * params.Cg + c) * params.KH * params.KW;
    for (var kh = khLo; kh < khHi; kh++) {
      let xRow = xPlane + u32(ohs + kh * params.dilH) * params.W;
      let wRow = wBase + u32(kh) * params.KW;
      for (var kw = kwLo; kw < kwHi; kw++) {
        acc += x[xRow + u32(ows + kw * params.dilW)] * w[wRow + u32(kw)];
      }
    }
  }
  y[i] = acc${bias ? ' + b[o]' : ''};`;

/**
 * The forward as a register-tiled direct convolution (the matmul's R×4 tile, matmulTiled.wgsl, with the
 * columns gathered from the image as in an implicit GEMM): one invocation per (image, 4 output channels of a
 * group, output row, 4 neighbouring output columns) keeps a 4×4 tile of sums in four vec4 accumulators; per
 * tap it loads the 4 input values its columns read (zero in the padding) and the 4 channels' weights, and
 * does 4 vec4 FMAs: 8 loads per 16 multiply-adds where 'direct' does 2 per 1 (loads are what costs on
 * lavapipe, kernels/webgpu/README.md). Channel rows past the group's last and columns past OW are computed
 * from clamped indices and not stored.
 */
const FORWARD_TILED = (bias: boolean) => `
  let OWQ = (params.OW + 3u) / 4u;
  let OBg = (params.Og + 3u) / 4u;
  let owq = i % OWQ;
  let oh = i32((i / OWQ) % params.OH);
  let ob = (i / (OWQ * params.OH)) % (OBg * params.G);
  let n = i / (OWQ * params.OH * OBg * params.G);
  let g = ob / OBg;
  let ol0 = (ob % OBg) * 4u;
  let o0 = g * params.Og + ol0;
  let oLast = min(3u, params.Og - ol0 - 1u);
  let ow0 = i32(owq * 4u);
  let ohs = oh * params.sh - params.ph;
  let khLo = tapLo(ohs, params.dilH);
  let khHi = tapHi(ohs, params.dilH, i32(params.H), i32(params.KH));
  let lanes = vec4<i32>(ow0) + vec4<i32>(0, 1, 2, 3);
  let laneOk = lanes < vec4<i32>(i32(params.OW));
  let iwBase = lanes * params.sw - vec4<i32>(params.pw);
  let Wi = vec4<i32>(i32(params.W));
  let taps = params.KH * params.KW;
  let wStride = params.Cg * taps;
  let w1 = min(1u, oLast) * wStride;
  let w2 = min(2u, oLast) * wStride;
  let w3 = oLast * wStride;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var c = 0u; c < params.Cg; c++) {
    let xPlane = (n * params.C + g * params.Cg + c) * params.H * params.W;
    let wc = (o0 * params.Cg + c) * taps;
    for (var kh = khLo; kh < khHi; kh++) {
      let xRow = vec4<i32>(i32(xPlane + u32(ohs + kh * params.dilH) * params.W));
      let wk = wc + u32(kh) * params.KW;
      for (var kw = 0u; kw < params.KW; kw++) {
        let iw = iwBase + vec4<i32>(i32(kw) * params.dilW);
        let ok = laneOk & (iw >= vec4<i32>(0)) & (iw < Wi);
        let at = vec4<u32>(select(xRow, xRow + iw, ok));
        let xv = select(vec4<f32>(0.0), vec4<f32>(x[at.x], x[at.y], x[at.z], x[at.w]), ok);
        let wi = wk + kw;
        acc0 = fma(vec4<f32>(w[wi]), xv, acc0);
        acc1 = fma(vec4<f32>(w[wi + w1]), xv, acc1);
        acc2 = fma(vec4<f32>(w[wi + w2]), xv, acc2);
        acc3 = fma(vec4<f32>(w[wi + w3]), xv, acc3);
      }
    }
  }
  let rowLen = params.OH * params.OW;
  let yRow = (n * params.O + o0) * rowLen + u32(oh) * params.OW + u32(ow0);
  let cols = min(4u, params.OW - u32(ow0));
  var accs = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var r = 0u; r <= oLast; r++) {
    let v = accs[r]${bias ? ' + vec4<f32>(b[o0 + r])' : ''};
    for (var q = 0u; q < cols; q++) { y[yRow + r * rowLen + q] = v[q]; }
  }`;

export const conv2dGpu: GpuKernel<Conv2dAttrs> = (gpu, ins, a, [meta]) => {
  const [x, w, b] = ins as [TensorInfo, TensorInfo, TensorInfo | undefined];
  const y = gpu.output(meta!);
  const bias = b !== undefined;
  const geo = geometryParams(x.shape, w.shape, meta!.shape, a);
  if (convGpuTuning.forward === 'tiled') {
    const p = cachedProgram(`conv2d|tiled|${bias ? 'bias' : 'nobias'}`, () => ({
      params: { n: 'u32', ...GEOMETRY, G: 'u32' }, inputs: (bias ? { x: 'f32', w: 'f32', b: 'f32' } : { x: 'f32', w: 'f32' }) as Record<string, 'f32'>, outputs: { y: 'f32' },
      element: FORWARD_TILED(bias), helpers: TAP_RANGE, spanElements: false,
    }));
    const tiles = geo.N * a.groups * Math.ceil(geo.Og / 4) * geo.OH * Math.ceil(geo.OW / 4);
    gpu.dispatch(p, { inputs: bias ? [x, w, b] : [x, w], outputs: [y], params: { n: tiles, ...geo, G: a.groups } });
    return [y];
  }
  const p = cachedProgram(`conv2d|${bias ? 'bias' : 'nobias'}`, () => ({
    params: { n: 'u32', ...GEOMETRY }, inputs: (bias ? { x: 'f32', w: 'f32', b: 'f32' } : { x: 'f32', w: 'f32' }) as Record<string, 'f32'>, outputs: { y: 'f32' },
    element: forwardBody(bias), helpers: TAP_RANGE, spanElements: false,
  }));
  gpu.dispatch(p, { inputs: bias ? [x, w, b] : [x, w], outputs: [y], params: { n: y.size, ...geo } });
  return [y];
};

/**
 * The input gradient's kernel (the bench times both): 'rows' walks only the output rows and columns whose
 * window reaches the input element (their range from the geometry, no test per tap) with the output channels
 * innermost, a plain strided multiply-add; 'taps', the first version, tests every (channel, kh, kw) tap.
 * 'tiled' (the default, INPUT_GRAD_TILED) holds a 4×4 register tile per invocation. The forward's and the
 * weight gradient's: 'tiled', a 4×4 register tile per invocation (FORWARD_TILED, WEIGHT_GRAD_TILED), or
 * 'direct', one output each. The older variants are kept for the A/B (bench/experiments/convGpuAB.ts).
 */
export const convGpuTuning: { inputGradient: 'tiled' | 'rows' | 'taps'; forward: 'tiled' | 'direct'; weightGradient: 'tiled' | 'direct' } = {
  inputGradient: 'tiled', forward: 'tiled', weightGradient: 'tiled',
};

const INPUT_GRAD_TAPS = `
  let iw = i32(i % params.W);
  let ih = i32((i / params.W) % params.H);
  let c = (i / (params.W * params.H)) % params.C;
  let n = i / (params.W * params.H * params.C);
  let g = c / params.Cg;
  let cl = c % params.Cg;
  let OH = i32(params.OH);
  let OW = i32(params.OW);
  var acc = 0.0;
  for (var ol = 0u; ol < params.Og; ol++) {
    let o = g * params.Og + ol;
    let dyPlane = (n * params.O + o) * params.OH * params.OW;
    let wBase = (o * params.Cg + cl) * params.KH * params.KW;
    for (var kh = 0u; kh < params.KH; kh++) {
      let th = ih + params.ph - i32(kh) * params.dilH;
      if (th < 0 || th % params.sh != 0) { continue; }
      let oh = th / params.sh;
      if (oh >= OH) { continue; }
      for (var kw = 0u; kw < params.KW; kw++) {
        let tw = iw + params.pw - i32(kw) * params.dilW;
        if (tw < 0 || tw % params.sw != 0) { continue; }
        let ow = tw / params.sw;
        if (ow >= OW) { continue; }
        acc += dy[dyPlane + u32(oh) * params.OW + u32(ow)] * w[wBase + kh * params.KW + kw];
      }
    }
  }
  dx[i] = acc;`;

const INPUT_GRAD_ROWS = `
  let iw = i32(i % params.W);
  let ih = i32((i / params.W) % params.H);
  let c = (i / (params.W * params.H)) % params.C;
  let n = i / (params.W * params.H * params.C);
  let g = c / params.Cg;
  let cl = c % params.Cg;
  let ihp = ih + params.ph;
  let iwp = iw + params.pw;
  // oh·sh = ih + ph − kh·dh with 0 ≤ kh < KH: a range of oh (WGSL's division truncates; the max clamps the
  // negative numerators, whose truncated quotient is at most 0 as well).
  let ohLo = max(0, (ihp - (i32(params.KH) - 1) * params.dilH + params.sh - 1) / params.sh);
  let ohHi = min(i32(params.OH) - 1, ihp / params.sh);
  let owLo = max(0, (iwp - (i32(params.KW) - 1) * params.dilW + params.sw - 1) / params.sw);
  let owHi = min(i32(params.OW) - 1, iwp / params.sw);
  let dyStride = params.OH * params.OW;
  let wStride = params.Cg * params.KH * params.KW;
  let dyBase = (n * params.O + g * params.Og) * dyStride;
  let wBase = (g * params.Og * params.Cg + cl) * params.KH * params.KW;
  var acc = 0.0;
  for (var oh = ohLo; oh <= ohHi; oh++) {
    let r = ihp - oh * params.sh;
    if (r % params.dilH != 0) { continue; }
    let kh = u32(r / params.dilH);
    for (var ow = owLo; ow <= owHi; ow++) {
      let q = iwp - ow * params.sw;
      if (q % params.dilW != 0) { continue; }
      var dyi = dyBase + u32(oh) * params.OW + u32(ow);
      var wi = wBase + kh * params.KW + u32(q / params.dilW);
      for (var ol = 0u; ol < params.Og; ol++) {
        acc += dy[dyi] * w[wi];
        dyi += dyStride;
        wi += wStride;
      }
    }
  }
  dx[i] = acc;`;

/**
 * The input gradient with the forward's register tile (FORWARD_TILED): one invocation per (image, 4 input
 * channels of a group, input row, 4 neighbouring input columns); per output channel and tap it loads the 4
 * dy values its columns receive from (zero where no output reaches them: outside, or between strides) and the
 * 4 channels' weights, and does 4 vec4 FMAs.
 */
const INPUT_GRAD_TILED = `
  let IWQ = (params.W + 3u) / 4u;
  let CBg = (params.Cg + 3u) / 4u;
  let iwq = i % IWQ;
  let ih = i32((i / IWQ) % params.H);
  let cb = (i / (IWQ * params.H)) % (CBg * params.G);
  let n = i / (IWQ * params.H * CBg * params.G);
  let g = cb / CBg;
  let cl0 = (cb % CBg) * 4u;
  let cLast = min(3u, params.Cg - cl0 - 1u);
  let iw0 = i32(iwq * 4u);
  let lanes = vec4<i32>(iw0) + vec4<i32>(0, 1, 2, 3);
  let laneOk = lanes < vec4<i32>(i32(params.W));
  let twBase = lanes + vec4<i32>(params.pw);
  let swv = vec4<i32>(params.sw);
  let OWv = vec4<i32>(i32(params.OW));
  let taps = params.KH * params.KW;
  let plane = params.OH * params.OW;
  let w1 = min(1u, cLast) * taps;
  let w2 = min(2u, cLast) * taps;
  let w3 = cLast * taps;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var kh = 0u; kh < params.KH; kh++) {
    let th = ih + params.ph - i32(kh) * params.dilH;
    if (th < 0 || th % params.sh != 0 || th / params.sh >= i32(params.OH)) { continue; }
    let oh = u32(th / params.sh);
    for (var kw = 0u; kw < params.KW; kw++) {
      let tw = twBase - vec4<i32>(i32(kw) * params.dilW);
      let ow = tw / swv;
      let ok = laneOk & (tw >= vec4<i32>(0)) & (tw % swv == vec4<i32>(0)) & (ow < OWv);
      let owAt = vec4<u32>(select(vec4<i32>(0), ow, ok));
      for (var ol = 0u; ol < params.Og; ol++) {
        let o = g * params.Og + ol;
        let row = (n * params.O + o) * plane + oh * params.OW;
        let dv = select(vec4<f32>(0.0), vec4<f32>(dy[row + owAt.x], dy[row + owAt.y], dy[row + owAt.z], dy[row + owAt.w]), ok);
        let wi = (o * params.Cg + cl0) * taps + kh * params.KW + kw;
        acc0 = fma(vec4<f32>(w[wi]), dv, acc0);
        acc1 = fma(vec4<f32>(w[wi + w1]), dv, acc1);
        acc2 = fma(vec4<f32>(w[wi + w2]), dv, acc2);
        acc3 = fma(vec4<f32>(w[wi + w3]), dv, acc3);
      }
    }
  }
  let hw = params.H * params.W;
  let dxRow = (n * params.C + g * params.Cg + cl0) * hw + u32(ih) * params.W + u32(iw0);
  let cols = min(4u, params.W - u32(iw0));
  var accs = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var q = 0u; q <= cLast; q++) {
    for (var l = 0u; l < cols; l++) { dx[dxRow + q * hw + l] = accs[q][l]; }
  }`;

export const conv2dGradInputGpu: GpuKernel<Conv2dAttrs & { inputHW: Pair }> = (gpu, [dy, w], a, [meta]) => {
  const dx = gpu.output(meta!);
  const variant = convGpuTuning.inputGradient;
  if (variant === 'tiled') {
    const geo = geometryParams(meta!.shape, w!.shape, dy!.shape, a);
    const p = cachedProgram('conv2dGradInput|tiled', () => ({
      params: { n: 'u32', ...GEOMETRY, G: 'u32' }, inputs: { dy: 'f32', w: 'f32' }, outputs: { dx: 'f32' }, spanElements: false,
      element: INPUT_GRAD_TILED,
    }));
    const tiles = geo.N * a.groups * Math.ceil(geo.Cg / 4) * geo.H * Math.ceil(geo.W / 4);
    gpu.dispatch(p, { inputs: [dy!, w!], outputs: [dx], params: { n: tiles, ...geo, G: a.groups } });
    return [dx];
  }
  const p = cachedProgram(`conv2dGradInput|${variant}`, () => ({
    params: { n: 'u32', ...GEOMETRY }, inputs: { dy: 'f32', w: 'f32' }, outputs: { dx: 'f32' }, spanElements: false,
    element: variant === 'rows' ? INPUT_GRAD_ROWS : INPUT_GRAD_TAPS,
  }));
  const xShape = meta!.shape;
  gpu.dispatch(p, { inputs: [dy!, w!], outputs: [dx], params: { n: dx.size, ...geometryParams(xShape, w!.shape, dy!.shape, a) } });
  return [dx];
};

/** Images per partial sum of the weight gradient: enough invocations to fill the device, short serial sums. */
function weightChunks(N: number, wSize: number, perImage: number): number {
  const wanted = Math.ceil((1 << 14) / Math.max(1, wSize)); // ~16k invocations
  const bySum = Math.ceil((N * perImage) / 256); // or serial sums of about 256 terms
  return Math.max(1, Math.min(N, wanted, bySum));
}

/**
 * The weight gradient with the same register tile: one invocation per (chunk of images, 4 output channels ×
 * 4 input channels of a group, kh, kw) sums dy[n, o, oh, ow]·x[n, c, ih, iw] over the chunk's images and the
 * outputs whose tap lands inside the input: per output position 4 dy and 4 x loads, 4 vec4 FMAs. OUT is dw
 * (one chunk) or the chunks' partial sums [chunks, dw.size], added by the same second pass as 'direct'.
 */
const WEIGHT_GRAD_TILED = `
  let OBg = (params.Og + 3u) / 4u;
  let CBg = (params.Cg + 3u) / 4u;
  let tiles = params.G * OBg * CBg * params.KH * params.KW;
  let t = i % tiles;
  let chunk = i / tiles;
  let kw = t % params.KW;
  let kh = (t / params.KW) % params.KH;
  let cb = (t / (params.KW * params.KH)) % CBg;
  let ob = t / (params.KW * params.KH * CBg);
  let g = ob / OBg;
  let ol0 = (ob % OBg) * 4u;
  let cl0 = cb * 4u;
  let oLast = min(3u, params.Og - ol0 - 1u);
  let cLast = min(3u, params.Cg - cl0 - 1u);
  let o0 = g * params.Og + ol0;
  let bh = params.ph - i32(kh) * params.dilH;
  let bw = params.pw - i32(kw) * params.dilW;
  let ohLo = outLo(bh, params.sh);
  let ohHi = outHi(i32(params.H) - 1 + bh, params.sh, i32(params.OH));
  let owLo = outLo(bw, params.sw);
  let owHi = outHi(i32(params.W) - 1 + bw, params.sw, i32(params.OW));
  let hw = params.H * params.W;
  let plane = params.OH * params.OW;
  let x1 = min(1u, cLast) * hw;
  let x2 = min(2u, cLast) * hw;
  let x3 = cLast * hw;
  let d1 = min(1u, oLast) * plane;
  let d2 = min(2u, oLast) * plane;
  let d3 = oLast * plane;
  let n0 = chunk * params.perChunk;
  let n1 = min(params.N, n0 + params.perChunk);
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var n = n0; n < n1; n++) {
    let xPlane = (n * params.C + g * params.Cg + cl0) * hw;
    let dyPlane = (n * params.O + o0) * plane;
    for (var oh = ohLo; oh < ohHi; oh++) {
      let xRow = xPlane + u32(oh * params.sh - bh) * params.W;
      let dyRow = dyPlane + u32(oh) * params.OW;
      for (var ow = owLo; ow < owHi; ow++) {
        let xi = xRow + u32(ow * params.sw - bw);
        let xv = vec4<f32>(x[xi], x[xi + x1], x[xi + x2], x[xi + x3]);
        let di = dyRow + u32(ow);
        acc0 = fma(vec4<f32>(dy[di]), xv, acc0);
        acc1 = fma(vec4<f32>(dy[di + d1]), xv, acc1);
        acc2 = fma(vec4<f32>(dy[di + d2]), xv, acc2);
        acc3 = fma(vec4<f32>(dy[di + d3]), xv, acc3);
      }
    }
  }
  let taps = params.KH * params.KW;
  let base = chunk * params.wSize + (o0 * params.Cg + cl0) * taps + kh * params.KW + kw;
  var accs = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var r = 0u; r <= oLast; r++) {
    for (var q = 0u; q <= cLast; q++) { OUT[base + (r * params.Cg + q) * taps] = accs[r][q]; }
  }`;

export const conv2dGradWeightGpu: GpuKernel<Conv2dAttrs & { kernel: Pair }> = (gpu, [dy, x], a, [meta]) => {
  const dw = gpu.output(meta!);
  const geo = geometryParams(x!.shape, meta!.shape, dy!.shape, a);
  const wSize = dw.size;
  if (convGpuTuning.weightGradient === 'tiled') {
    const tiles = a.groups * Math.ceil(geo.Og / 4) * Math.ceil(geo.Cg / 4) * geo.KH * geo.KW;
    const chunks = weightChunks(geo.N, tiles, geo.OH * geo.OW);
    const perChunk = Math.ceil(geo.N / chunks);
    const params = { n: 'u32', ...GEOMETRY, G: 'u32', wSize: 'u32', perChunk: 'u32' } as const;
    const values = { n: tiles * chunks, ...geo, G: a.groups, wSize, perChunk };
    const target = chunks === 1 ? dw : gpu.scratch('float32', [chunks, wSize]);
    const p = cachedProgram(`conv2dGradWeight|tiled|${chunks === 1 ? 'direct' : 'partial'}`, () => ({
      params, inputs: { dy: 'f32', x: 'f32' }, outputs: (chunks === 1 ? { dw: 'f32' } : { part: 'f32' }) as Record<string, 'f32'>, spanElements: false,
      element: WEIGHT_GRAD_TILED.replace('OUT[', chunks === 1 ? 'dw[' : 'part['), helpers: TAP_RANGE,
    }));
    gpu.dispatch(p, { inputs: [dy!, x!], outputs: [target], params: values });
    if (chunks > 1) sumChunks(gpu, target, dw, wSize, chunks);
    return [dw];
  }
  const chunks = weightChunks(geo.N, wSize, geo.OH * geo.OW);
  const perChunk = Math.ceil(geo.N / chunks);
  const partialBody = `
  let wi = i % params.wSize;
  let chunk = i / params.wSize;
  let kw = wi % params.KW;
  let kh = (wi / params.KW) % params.KH;
  let cl = (wi / (params.KW * params.KH)) % params.Cg;
  let o = wi / (params.KW * params.KH * params.Cg);
  let c = (o / params.Og) * params.Cg + cl;
  // The outputs whose tap (kh, kw) lands inside the input: oh·sh − ph + kh·dh in [0, H), once per invocation.
  let bh = params.ph - i32(kh) * params.dilH;
  let bw = params.pw - i32(kw) * params.dilW;
  let ohLo = outLo(bh, params.sh);
  let ohHi = outHi(i32(params.H) - 1 + bh, params.sh, i32(params.OH));
  let owLo = outLo(bw, params.sw);
  let owHi = outHi(i32(params.W) - 1 + bw, params.sw, i32(params.OW));
  let n0 = chunk * params.perChunk;
  let n1 = min(params.N, n0 + params.perChunk);
  var acc = 0.0;
  for (var n = n0; n < n1; n++) {
    let xPlane = (n * params.C + c) * params.H * params.W;
    let dyPlane = (n * params.O + o) * params.OH * params.OW;
    for (var oh = ohLo; oh < ohHi; oh++) {
      let xRow = xPlane + u32(oh * params.sh - bh) * params.W;
      let dyRow = dyPlane + u32(oh) * params.OW;
      for (var ow = owLo; ow < owHi; ow++) {
        acc += dy[dyRow + u32(ow)] * x[xRow + u32(ow * params.sw - bw)];
      }
    }
  }
  OUT[i] = acc;`;
  const params = { n: 'u32', ...GEOMETRY, wSize: 'u32', perChunk: 'u32' } as const;
  const values = { n: wSize * chunks, ...geo, wSize, perChunk };
  if (chunks === 1) {
    const p = cachedProgram('conv2dGradWeight|direct', () => ({
      params, inputs: { dy: 'f32', x: 'f32' }, outputs: { dw: 'f32' }, spanElements: false,
      element: partialBody.replace('OUT[i]', 'dw[i]'), helpers: TAP_RANGE,
    }));
    gpu.dispatch(p, { inputs: [dy!, x!], outputs: [dw], params: values });
    return [dw];
  }
  const partial = gpu.scratch('float32', [chunks, wSize]);
  const p = cachedProgram('conv2dGradWeight|partial', () => ({
    params, inputs: { dy: 'f32', x: 'f32' }, outputs: { part: 'f32' }, spanElements: false,
    element: partialBody.replace('OUT[i]', 'part[i]'), helpers: TAP_RANGE,
  }));
  gpu.dispatch(p, { inputs: [dy!, x!], outputs: [partial], params: values });
  sumChunks(gpu, partial, dw, wSize, chunks);
  return [dw];
};

/** dw = the sum of the chunks' partial weight gradients [chunks, wSize]. */
function sumChunks(gpu: Parameters<GpuKernel<unknown>>[0], partial: TensorInfo, dw: TensorInfo, wSize: number, chunks: number): void {
  const reduce = cachedProgram('conv2dGradWeight|sumChunks', () => ({
    params: { n: 'u32', chunks: 'u32' }, inputs: { part: 'f32' }, outputs: { dw: 'f32' }, spanElements: false,
    element: `
  var acc = 0.0;
  for (var k = 0u; k < params.chunks; k++) { acc += part[k * params.n + i]; }
  dw[i] = acc;`,
  }));
  gpu.dispatch(reduce, { inputs: [partial], outputs: [dw], params: { n: wSize, chunks } });
}

const POOL_PARAMS = {
  n: 'u32', H: 'u32', W: 'u32', OH: 'u32', OW: 'u32', KH: 'u32', KW: 'u32',
  sh: 'i32', sw: 'i32', ph: 'i32', pw: 'i32', dilH: 'i32', dilW: 'i32',
} as const;

function poolValues(n: number, hw: Pair, ohw: Pair, a: Pool2dAttrs) {
  return {
    n, H: hw[0], W: hw[1], OH: ohw[0], OW: ohw[1], KH: a.kernel[0], KW: a.kernel[1],
    sh: a.stride[0], sw: a.stride[1], ph: a.padding[0], pw: a.padding[1], dilH: a.dilation[0], dilW: a.dilation[1],
  };
}

export const maxPool2dGpu: GpuKernel<Pool2dAttrs> = (gpu, [x], a, [meta, idxMeta]) => {
  const y = gpu.output(meta!);
  const idx = gpu.output(idxMeta!);
  const p = cachedProgram('maxPool2d', () => ({
    params: POOL_PARAMS, inputs: { x: 'f32' }, outputs: { y: 'f32', idx: 'i32' }, spanElements: false,
    element: `
  let ow = i32(i % params.OW);
  let oh = i32((i / params.OW) % params.OH);
  let nc = i / (params.OW * params.OH);
  let plane = nc * params.H * params.W;
  var best = 0.0;
  var at = -1;
  for (var kh = 0u; kh < params.KH; kh++) {
    let ih = oh * params.sh - params.ph + i32(kh) * params.dilH;
    if (ih < 0 || ih >= i32(params.H)) { continue; }
    for (var kw = 0u; kw < params.KW; kw++) {
      let iw = ow * params.sw - params.pw + i32(kw) * params.dilW;
      if (iw < 0 || iw >= i32(params.W)) { continue; }
      let v = x[plane + u32(ih) * params.W + u32(iw)];
      if (at < 0 || v > best) { best = v; at = ih * i32(params.W) + iw; }
    }
  }
  y[i] = best;
  idx[i] = at;`,
  }));
  const xs = x!.shape, ys = meta!.shape;
  gpu.dispatch(p, { inputs: [x!], outputs: [y, idx], params: poolValues(y.size, [xs[2]!, xs[3]!], [ys[2]!, ys[3]!], a) });
  return [y, idx];
};

export const maxPool2dGradGpu: GpuKernel<Pool2dAttrs & { inputHW: Pair }> = (gpu, [dy, idx], a, [meta]) => {
  const dx = gpu.output(meta!);
  const p = cachedProgram('maxPool2dGrad', () => ({
    params: POOL_PARAMS, inputs: { dy: 'f32', idx: 'i32' }, outputs: { dx: 'f32' }, spanElements: false,
    element: `
  let iw = i32(i % params.W);
  let ih = i32((i / params.W) % params.H);
  let nc = i / (params.W * params.H);
  let here = ih * i32(params.W) + iw;
  let plane = nc * params.OH * params.OW;
  var acc = 0.0;
  for (var kh = 0u; kh < params.KH; kh++) {
    let th = ih + params.ph - i32(kh) * params.dilH;
    if (th < 0 || th % params.sh != 0) { continue; }
    let oh = th / params.sh;
    if (oh >= i32(params.OH)) { continue; }
    for (var kw = 0u; kw < params.KW; kw++) {
      let tw = iw + params.pw - i32(kw) * params.dilW;
      if (tw < 0 || tw % params.sw != 0) { continue; }
      let ow = tw / params.sw;
      if (ow >= i32(params.OW)) { continue; }
      let o = plane + u32(oh) * params.OW + u32(ow);
      if (idx[o] == here) { acc += dy[o]; }
    }
  }
  dx[i] = acc;`,
  }));
  const ds = dy!.shape;
  gpu.dispatch(p, { inputs: [dy!, idx!], outputs: [dx], params: poolValues(dx.size, a.inputHW, [ds[2]!, ds[3]!], a) });
  return [dx];
};
