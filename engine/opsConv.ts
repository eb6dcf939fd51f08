/**
 * Two-dimensional convolution and max pooling over NCHW tensors (spread into the op table in ops.ts), forward
 * and the backward ops their vjps call, so that every backend gets backprop from its own kernels.
 *
 * A sequence [T, B, C, H, W] is run as one batch of T·B images (SpikingJelly's multi-step mode): the layers
 * (nn/conv.ts) fold time into the batch with a free reshape, so a layer over a whole sequence is one op.
 *
 *   conv2d            [x (N, C, H, W), w (O, C/g, KH, KW), b? (O)] → y (N, O, OH, OW)
 *   conv2dGradInput   [dy (N, O, OH, OW), w]                        → dx (N, C, H, W)     (the vjp of x)
 *   conv2dGradWeight  [dy, x]                                        → dw (O, C/g, KH, KW) (the vjp of w)
 *   maxPool2d         [x (N, C, H, W)] → [y (N, C, OH, OW), argmax (int32: ih·W + iw of each maximum)]
 *   maxPool2dGrad     [dy, argmax]                                   → dx (N, C, H, W)
 *
 * The backward ops have no vjp of their own: the engine's tape runs vjps without recording (no second order).
 *
 * with OH = ⌊(H + 2·ph − dh·(KH − 1) − 1) / sh⌋ + 1 (PyTorch's formula, floor mode). Average pooling and
 * batch normalisation are compositions of these and the elementwise ops (engine/api.ts, nn/conv.ts).
 * Every geometry error (kernel larger than the padded input, channels that do not match, groups that do not
 * divide, bad stride/padding/dilation, an empty output) is thrown by `infer`, before any kernel runs.
 */
import { isFloat } from './dtype.js';
import { SpikegradError, fmtShape } from './errors.js';
import type { InMeta, OpDef, OutMeta } from './ops.js';
import { runOp } from './dispatch.js';
import { sum } from './api.js';

export type Pair = [number, number];

export interface Conv2dAttrs {
  stride: Pair;
  padding: Pair;
  dilation: Pair;
  groups: number;
}

export interface Pool2dAttrs {
  kernel: Pair;
  stride: Pair;
  padding: Pair;
  dilation: Pair;
}

export interface ConvOpAttrs {
  conv2d: Conv2dAttrs;
  conv2dGradInput: Conv2dAttrs & { inputHW: Pair };
  conv2dGradWeight: Conv2dAttrs & { kernel: Pair };
  maxPool2d: Pool2dAttrs;
  maxPool2dGrad: Pool2dAttrs & { inputHW: Pair };
}

const isPair = (v: unknown): v is Pair => Array.isArray(v) && v.length === 2;

/** Checks stride (≥ 1), padding (≥ 0) and dilation (≥ 1) as integer pairs. */
export function checkConvParams(op: string, a: { stride: unknown; padding: unknown; dilation: unknown }): void {
  const check = (name: string, v: unknown, min: number) => {
    if (!isPair(v) || !v.every((e) => Number.isInteger(e) && e >= min)) {
      const what = min === 0 ? 'non-negative integers' : 'positive integers';
      throw new SpikegradError(`${op}: argument '${name}' expected two ${what} [h, w], got ${Array.isArray(v) ? `[${v.join(', ')}]` : String(v)}`);
    }
  };
  check('stride', a.stride, 1);
  check('padding', a.padding, 0);
  check('dilation', a.dilation, 1);
}

/** Output size of one spatial axis; throws when the (dilated) kernel does not fit the padded input. */
export function convOutSize(op: string, axis: 'height' | 'width', size: number, k: number, s: number, p: number, d: number): number {
  const span = d * (k - 1) + 1;
  if (span > size + 2 * p) {
    throw new SpikegradError(
      `${op}: kernel ${axis} ${k}${d > 1 ? ` (dilated to ${span})` : ''} is larger than the padded input ${axis} ${size} + 2·${p} = ${size + 2 * p}`,
    );
  }
  return Math.floor((size + 2 * p - span) / s) + 1;
}

function requireNCHW(op: string, arg: string, m: InMeta): [number, number, number, number] {
  if (!isFloat(m.dtype) || m.shape.length !== 4) {
    throw new SpikegradError(`${op}: argument '${arg}' expected a float tensor [batch, channels, height, width], got ${m.dtype} ${fmtShape(m.shape)}`);
  }
  return m.shape as [number, number, number, number];
}

/** The output shape of conv2d, with every check of its arguments. */
export function conv2dShape(op: string, x: InMeta, w: InMeta, b: InMeta | undefined, a: Conv2dAttrs): number[] {
  checkConvParams(op, a);
  const [N, C, H, W] = requireNCHW(op, 'x', x);
  if (!Number.isInteger(a.groups) || a.groups < 1) throw new SpikegradError(`${op}: argument 'groups' expected a positive integer, got ${a.groups}`);
  if (w.shape.length !== 4 || w.dtype !== x.dtype) {
    throw new SpikegradError(`${op}: argument 'w' expected a ${x.dtype} tensor [out channels, in channels / groups, kh, kw], got ${w.dtype} ${fmtShape(w.shape)}`);
  }
  const [O, Cg, KH, KW] = w.shape as [number, number, number, number];
  if (C % a.groups !== 0) throw new SpikegradError(`${op}: argument 'groups' (${a.groups}) expected to divide the input channels, got ${C} channels (x ${fmtShape(x.shape)})`);
  if (O % a.groups !== 0) throw new SpikegradError(`${op}: argument 'groups' (${a.groups}) expected to divide the output channels, got ${O} (w ${fmtShape(w.shape)})`);
  if (Cg * a.groups !== C) {
    throw new SpikegradError(`${op}: argument 'w' expected ${C / a.groups} input channels per group (x ${fmtShape(x.shape)}, groups ${a.groups}), got w ${fmtShape(w.shape)}`);
  }
  if (KH < 1 || KW < 1 || O < 1) throw new SpikegradError(`${op}: argument 'w' expected a non-empty kernel, got ${fmtShape(w.shape)}`);
  if (b !== undefined && (b.shape.length !== 1 || b.shape[0] !== O || b.dtype !== x.dtype)) {
    throw new SpikegradError(`${op}: argument 'b' expected ${x.dtype} [${O}] (w ${fmtShape(w.shape)}), got ${b.dtype} ${fmtShape(b.shape)}`);
  }
  const OH = convOutSize(op, 'height', H, KH, a.stride[0], a.padding[0], a.dilation[0]);
  const OW = convOutSize(op, 'width', W, KW, a.stride[1], a.padding[1], a.dilation[1]);
  if (N === 0 || OH < 1 || OW < 1) throw new SpikegradError(`${op}: the output ${fmtShape([N, O, OH, OW])} would be empty (x ${fmtShape(x.shape)})`);
  return [N, O, OH, OW];
}

/** The output shape of a pooling window (max and average), with every check. */
export function pool2dShape(op: string, x: InMeta, a: Pool2dAttrs): number[] {
  const [N, C, H, W] = requireNCHW(op, 'x', x);
  if (!isPair(a.kernel) || !a.kernel.every((k) => Number.isInteger(k) && k >= 1)) {
    throw new SpikegradError(`${op}: argument 'kernelSize' expected two positive integers [h, w], got ${Array.isArray(a.kernel) ? `[${a.kernel.join(', ')}]` : String(a.kernel)}`);
  }
  checkConvParams(op, a);
  for (const i of [0, 1]) {
    // A window entirely inside the padding would have no input to take (PyTorch's rule).
    if (a.padding[i]! > Math.floor(a.kernel[i]! / 2)) {
      throw new SpikegradError(`${op}: argument 'padding' expected at most half the kernel size [${a.kernel.map((k) => Math.floor(k / 2)).join(', ')}], got [${a.padding.join(', ')}]`);
    }
  }
  const OH = convOutSize(op, 'height', H, a.kernel[0], a.stride[0], a.padding[0], a.dilation[0]);
  const OW = convOutSize(op, 'width', W, a.kernel[1], a.stride[1], a.padding[1], a.dilation[1]);
  if (N === 0 || C === 0) throw new SpikegradError(`${op}: the output ${fmtShape([N, C, OH, OW])} would be empty (x ${fmtShape(x.shape)})`);
  return [N, C, OH, OW];
}

const convOf = (a: Conv2dAttrs): Conv2dAttrs => ({ stride: a.stride, padding: a.padding, dilation: a.dilation, groups: a.groups });

export const CONV_OPS: { [K in keyof ConvOpAttrs]: OpDef<ConvOpAttrs[K]> } = {
  conv2d: {
    infer(ins, a): OutMeta[] {
      if (ins.length !== 2 && ins.length !== 3) throw new SpikegradError(`conv2d: expected 2 or 3 inputs (x, w, b?), got ${ins.length}`);
      return [{ shape: conv2dShape('conv2d', ins[0]!, ins[1]!, ins[2], a), dtype: ins[0]!.dtype }];
    },
    save: { inputs: [0, 1] },
    vjp([dy], s, a, needs) {
      const [x, w] = [s.inputs[0]!, s.inputs[1]!];
      const c = convOf(a);
      return [
        needs[0] ? runOp('conv2dGradInput', [dy!, w], { ...c, inputHW: [x.shape[2]!, x.shape[3]!] })[0]! : null,
        needs[1] ? runOp('conv2dGradWeight', [dy!, x], { ...c, kernel: [w.shape[2]!, w.shape[3]!] })[0]! : null,
        ...(s.inMeta.length === 3 ? [needs[2] ? sum(dy!, [0, 2, 3]) : null] : []),
      ];
    },
  },
  conv2dGradInput: {
    infer(ins, a) {
      if (ins.length !== 2) throw new SpikegradError(`conv2dGradInput: expected 2 inputs (dy, w), got ${ins.length}`);
      const [dy, w] = ins as [InMeta, InMeta];
      const [N] = requireNCHW('conv2dGradInput', 'dy', dy);
      const xMeta = { shape: [N, w.shape[1]! * a.groups, a.inputHW[0], a.inputHW[1]], dtype: dy.dtype };
      const expect = conv2dShape('conv2dGradInput', xMeta, w, undefined, a);
      if (expect.some((d, i) => d !== dy.shape[i])) {
        throw new SpikegradError(`conv2dGradInput: argument 'dy' expected ${fmtShape(expect)}, got ${fmtShape(dy.shape)}`);
      }
      return [{ shape: [...xMeta.shape], dtype: dy.dtype }];
    },
  },
  conv2dGradWeight: {
    infer(ins, a) {
      if (ins.length !== 2) throw new SpikegradError(`conv2dGradWeight: expected 2 inputs (dy, x), got ${ins.length}`);
      const [dy, x] = ins as [InMeta, InMeta];
      requireNCHW('conv2dGradWeight', 'dy', dy);
      const [, C] = requireNCHW('conv2dGradWeight', 'x', x);
      const O = dy.shape[1]!;
      const wShape = [O, C / a.groups, a.kernel[0], a.kernel[1]];
      const expect = conv2dShape('conv2dGradWeight', x, { shape: wShape, dtype: x.dtype }, undefined, a);
      if (expect.some((d, i) => d !== dy.shape[i])) {
        throw new SpikegradError(`conv2dGradWeight: argument 'dy' expected ${fmtShape(expect)}, got ${fmtShape(dy.shape)}`);
      }
      return [{ shape: wShape, dtype: x.dtype }];
    },
  },
  maxPool2d: {
    infer(ins, a) {
      if (ins.length !== 1) throw new SpikegradError(`maxPool2d: expected 1 input (x), got ${ins.length}`);
      const shape = pool2dShape('maxPool2d', ins[0]!, a);
      return [{ shape, dtype: ins[0]!.dtype }, { shape: [...shape], dtype: 'int32' }];
    },
    save: { outputs: [1] },
    vjp([dy], s, a) {
      const x = s.inMeta[0]!;
      const pool: Pool2dAttrs = { kernel: a.kernel, stride: a.stride, padding: a.padding, dilation: a.dilation };
      return [runOp('maxPool2dGrad', [dy!, s.outputs[1]!], { ...pool, inputHW: [x.shape[2]!, x.shape[3]!] })[0]!];
    },
  },
  maxPool2dGrad: {
    infer(ins, a) {
      if (ins.length !== 2) throw new SpikegradError(`maxPool2dGrad: expected 2 inputs (dy, argmax), got ${ins.length}`);
      const [dy, idx] = ins as [InMeta, InMeta];
      const [N, C] = requireNCHW('maxPool2dGrad', 'dy', dy);
      const xShape = [N, C, a.inputHW[0], a.inputHW[1]];
      const expect = pool2dShape('maxPool2dGrad', { shape: xShape, dtype: dy.dtype }, a);
      if (expect.some((d, i) => d !== dy.shape[i]) || idx.dtype !== 'int32' || idx.shape.some((d, i) => d !== dy.shape[i])) {
        throw new SpikegradError(`maxPool2dGrad: arguments 'dy' and 'argmax' expected ${fmtShape(expect)} (float, int32), got ${dy.dtype} ${fmtShape(dy.shape)} and ${idx.dtype} ${fmtShape(idx.shape)}`);
      }
      return [{ shape: xShape, dtype: dy.dtype }];
    },
  },
};
