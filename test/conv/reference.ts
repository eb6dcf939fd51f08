/**
 * Naive float64 references for the convolution tests, written from the definitions (PyTorch's conv2d and
 * max_pool2d docs) and independent of kernels/conv: seven nested loops over every output and kernel tap.
 * `conv2dRef` also returns the gradients of ⟨u, y⟩ for a cotangent u, accumulated in the same loops
 * (∂y[n,o,oh,ow]/∂x[n,c,ih,iw] = w[o,c',kh,kw] where the tap reads that x).
 */
export interface ConvGeom {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

export function convOut(size: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
}

export function conv2dRef(
  x: ArrayLike<number>, xs: number[], w: ArrayLike<number>, ws: number[], b: ArrayLike<number> | null, g: ConvGeom, u?: ArrayLike<number>,
): { y: Float64Array; shape: number[]; dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const [N, C, H, W] = xs as [number, number, number, number];
  const [O, Cg, KH, KW] = ws as [number, number, number, number];
  const OH = convOut(H, KH, g.stride[0], g.padding[0], g.dilation[0]);
  const OW = convOut(W, KW, g.stride[1], g.padding[1], g.dilation[1]);
  const Og = O / g.groups;
  const y = new Float64Array(N * O * OH * OW);
  const dx = new Float64Array(x.length), dw = new Float64Array(w.length), db = new Float64Array(O);
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    const yi = ((n * O + o) * OH + oh) * OW + ow;
    const grp = Math.floor(o / Og);
    let s = b ? b[o]! : 0;
    const uv = u ? u[yi]! : 0;
    db[o]! += uv;
    for (let c = 0; c < Cg; c++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      const ih = oh * g.stride[0] - g.padding[0] + kh * g.dilation[0];
      const iw = ow * g.stride[1] - g.padding[1] + kw * g.dilation[1];
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      const xi = ((n * C + grp * Cg + c) * H + ih) * W + iw;
      const wi = ((o * Cg + c) * KH + kh) * KW + kw;
      s += x[xi]! * w[wi]!;
      dx[xi]! += uv * w[wi]!;
      dw[wi]! += uv * x[xi]!;
    }
    y[yi] = s;
  }
  return { y, shape: [N, O, OH, OW], dx, dw, db };
}

export interface PoolGeom {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
}

/** Max pooling and its gradient (to the first maximum of each window in row-major order). */
export function maxPool2dRef(x: ArrayLike<number>, xs: number[], g: PoolGeom, u?: ArrayLike<number>): { y: Float64Array; shape: number[]; dx: Float64Array } {
  const [N, C, H, W] = xs as [number, number, number, number];
  const OH = convOut(H, g.kernel[0], g.stride[0], g.padding[0], g.dilation[0]);
  const OW = convOut(W, g.kernel[1], g.stride[1], g.padding[1], g.dilation[1]);
  const y = new Float64Array(N * C * OH * OW), dx = new Float64Array(x.length);
  for (let nc = 0; nc < N * C; nc++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    let best = -Infinity, at = -1;
    for (let kh = 0; kh < g.kernel[0]; kh++) for (let kw = 0; kw < g.kernel[1]; kw++) {
      const ih = oh * g.stride[0] - g.padding[0] + kh * g.dilation[0];
      const iw = ow * g.stride[1] - g.padding[1] + kw * g.dilation[1];
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      const xi = (nc * H + ih) * W + iw;
      if (at < 0 || x[xi]! > best) { best = x[xi]!; at = xi; }
    }
    const yi = (nc * OH + oh) * OW + ow;
    y[yi] = best;
    if (u) dx[at]! += u[yi]!;
  }
  return { y, shape: [N, C, OH, OW], dx };
}

/** Average pooling with the padding counted (PyTorch's count_include_pad = true) and its gradient. */
export function avgPool2dRef(x: ArrayLike<number>, xs: number[], g: PoolGeom, u?: ArrayLike<number>): { y: Float64Array; shape: number[]; dx: Float64Array } {
  const [N, C, H, W] = xs as [number, number, number, number];
  const OH = convOut(H, g.kernel[0], g.stride[0], g.padding[0], 1);
  const OW = convOut(W, g.kernel[1], g.stride[1], g.padding[1], 1);
  const area = g.kernel[0] * g.kernel[1];
  const y = new Float64Array(N * C * OH * OW), dx = new Float64Array(x.length);
  for (let nc = 0; nc < N * C; nc++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    const yi = (nc * OH + oh) * OW + ow;
    let s = 0;
    for (let kh = 0; kh < g.kernel[0]; kh++) for (let kw = 0; kw < g.kernel[1]; kw++) {
      const ih = oh * g.stride[0] - g.padding[0] + kh, iw = ow * g.stride[1] - g.padding[1] + kw;
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      s += x[(nc * H + ih) * W + iw]!;
      if (u) dx[(nc * H + ih) * W + iw]! += u[yi]! / area;
    }
    y[yi] = s / area;
  }
  return { y, shape: [N, C, OH, OW], dx };
}
