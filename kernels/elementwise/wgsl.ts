/**
 * Elementwise math in WGSL: one expression per op, under the same keys as UNARY_CPU / BINARY_CPU in cpu.ts
 * (test/ops/parity.test.ts checks each pair). Operands are `a` (and `b`) of type `T`, the operand type (f32, or
 * i32 for integer tensors, u32 for bool); comparisons and logic produce u32 0/1 (bool storage).
 * The f32 helpers (expm1_, sigmoid_, …) are in math.wgsl; `isnan_` is false for integer types.
 */
import type { BinaryOp, UnaryOp } from '../../engine/ops.js';

export const UNARY_WGSL: Record<UnaryOp, string> = {
  neg: '-a',
  abs: 'abs(a)',
  sign: 'select(select(a, T(-1), a < T(0)), T(1), a > T(0))', // keeps ±0 and NaN, as the CPU twin
  exp: 'exp_(a)',
  expm1: 'expm1_(a)',
  log: 'log_(a)',
  log1p: 'log1p_(a)',
  sqrt: 'sqrt_(a)',
  sigmoid: 'sigmoid_(a)',
  tanh: 'tanh_(a)',
  sin: 'sin_(a)',
  cos: 'cos_(a)',
  floor: 'floor(a)',
  logicalNot: 'select(0u, 1u, a == 0u)',
};

export const BINARY_WGSL: Record<BinaryOp, string> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  // NaN wins, as in Math.max / Math.min (WGSL's max and min may return either operand).
  maximum: 'select(max(a, b), a + b, isnan_(a) || isnan_(b))',
  minimum: 'select(min(a, b), a + b, isnan_(a) || isnan_(b))',
  pow: 'pow_(a, b)',
  lt: 'select(0u, 1u, a < b)',
  le: 'select(0u, 1u, a <= b)',
  gt: 'select(0u, 1u, a > b)',
  ge: 'select(0u, 1u, a >= b)',
  eq: 'select(0u, 1u, a == b)',
  ne: 'select(0u, 1u, a != b)',
  logicalAnd: 'select(0u, 1u, a != 0u && b != 0u)',
  logicalOr: 'select(0u, 1u, a != 0u || b != 0u)',
};
