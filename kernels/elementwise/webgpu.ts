/**
 * Elementwise kernels on WebGPU: every one is the template of template.ts with a WGSL expression from
 * wgsl.ts (the twin of cpu.ts's lambdas). Twins: kernels/elementwise/cpu.ts.
 */
import type { TensorInfo } from '../../engine/backend.js';
import type { DType } from '../../engine/dtype.js';
import type { BinaryOp, UnaryOp } from '../../engine/ops.js';
import { broadcastStrides } from '../../engine/shape.js';
import type { StorageType } from '../webgpu/program.js';
import { storageType, type GpuKernel } from '../webgpu/types.js';
import { mapElements, type Operand } from './template.js';
import { BINARY_WGSL, UNARY_WGSL } from './wgsl.js';

type NoAttrs = Record<string, never>;

/** `t` read along the axes of `outShape` (broadcast where t has size 1 or fewer axes). */
export function broadcastOperand(t: TensorInfo, outShape: readonly number[]): Operand {
  return { tensor: t, type: storageType(t.dtype), strides: broadcastStrides(t.shape, outShape) };
}

export function unaryKernel(op: UnaryOp): GpuKernel<NoAttrs> {
  return (gpu, [x], _a, [meta]) => {
    const y = gpu.output(meta!);
    mapElements(gpu, { name: op, expr: UNARY_WGSL[op], operands: [broadcastOperand(x!, x!.shape)], out: y, outType: storageType(meta!.dtype) });
    return [y];
  };
}

export function binaryKernel(op: BinaryOp): GpuKernel<NoAttrs> {
  return (gpu, [a, b], _a, [meta]) => {
    const y = gpu.output(meta!);
    mapElements(gpu, {
      name: op, expr: BINARY_WGSL[op], out: y, outType: storageType(meta!.dtype),
      operands: [broadcastOperand(a!, meta!.shape), broadcastOperand(b!, meta!.shape)],
    });
    return [y];
  };
}

export const whereKernel: GpuKernel<NoAttrs> = (gpu, [c, a, b], _a, [meta]) => {
  const y = gpu.output(meta!);
  mapElements(gpu, {
    name: 'where', expr: 'select(c, b, a != 0u)', out: y, outType: storageType(meta!.dtype), T: storageType(meta!.dtype),
    // Operand order (cond, a, b) reads as values (a, b, c): the expression picks b when the condition a holds.
    operands: [broadcastOperand(c!, meta!.shape), broadcastOperand(a!, meta!.shape), broadcastOperand(b!, meta!.shape)],
  });
  return [y];
};

/** WGSL conversion matching castKernel on the CPU: float → int truncates toward 0; → bool is `x != 0` (NaN → false). */
function castExpr(from: StorageType, to: StorageType): string {
  if (to === 'u32') return from === 'f32' ? 'select(0u, 1u, a != 0.0 && !isnanf(a))' : `select(0u, 1u, a != ${from}(0))`;
  if (to === 'i32' && from === 'f32') return 'select(i32(a), 0, isnanf(a))'; // Int32Array stores NaN as 0
  return `${to}(a)`;
}

export const castKernel: GpuKernel<{ dtype: DType }> = (gpu, [x], { dtype }, [meta]) => {
  const y = gpu.output(meta!);
  const from = storageType(x!.dtype), to = storageType(dtype);
  mapElements(gpu, { name: `cast:${from}>${to}`, expr: castExpr(from, to), operands: [broadcastOperand(x!, x!.shape)], out: y, outType: to });
  return [y];
};

/**
 * Integer exponents use repeated squaring (exact for x²); 0.5 is a square root (correctly rounded, where the
 * exp2/log2 route errs by ~|log2 x| ulps); other exponents pow_ with JavaScript's conventions.
 */
export const powScalarKernel: GpuKernel<{ exponent: number }> = (gpu, [x], { exponent }, [meta]) => {
  const y = gpu.output(meta!);
  const integral = Number.isInteger(exponent) && Math.abs(exponent) < 2 ** 31;
  const [name, expr] = integral ? ['powi', 'powi_(a, params.p)']
    // Math.pow(-0, 0.5) is +0 and Math.pow(-Infinity, 0.5) is +Infinity, where sqrt gives -0 and NaN.
    : exponent === 0.5 ? ['sqrtPow', 'select(sqrt_(a) + 0.0, inff(), a == -inff())']
    : ['powf', 'pow_(a, params.p)'];
  mapElements(gpu, {
    name, expr, operands: [broadcastOperand(x!, x!.shape)], out: y, outType: 'f32',
    extra: { p: integral ? ['i32', exponent] : ['f32', exponent] },
  });
  return [y];
};

/** The value travels as its 32-bit pattern, so one shader fills f32, i32 and bool alike. */
export const fillKernel: GpuKernel<{ shape: number[]; dtype: DType; value: number }> = (gpu, _ins, { value }, [meta]) => {
  const y = gpu.output(meta!);
  const type = storageType(meta!.dtype);
  const view = new DataView(new ArrayBuffer(4));
  if (type === 'f32') view.setFloat32(0, value, true);
  else if (type === 'i32') view.setInt32(0, Math.trunc(value), true);
  else view.setUint32(0, value ? 1 : 0, true);
  mapElements(gpu, { name: 'fill', expr: 'bitcast<T>(params.bits)', operands: [], out: y, outType: type, T: type, extra: { bits: ['u32', view.getUint32(0, true)] } });
  return [y];
};

