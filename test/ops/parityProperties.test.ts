/**
 * Property tests (fast-check): random shapes, broadcasts, reduction axes and matmul layouts, each run on
 * WebGPU in float32 and compared with the CPU in float64 (forward and gradients, test/support/parity.ts). A failure
 * prints the seed and the shrunk counterexample; tolerances as in parity.test.ts.
 */
import fc from 'fast-check';
import { it } from 'vitest';
import * as sg from '../../index.js';
import type { InputSpec } from '../support/cases.js';
import { checkParity, type ParityTol } from '../support/parity.js';
import { describeWebGpu } from '../support/webgpu.js';

const RUNS = Number(process.env.FC_RUNS ?? 25);
const dimArb = fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 9 }), fc.constantFrom(17, 64, 65));
const shapeArb = (maxRank: number) => fc.array(dimArb, { minLength: 0, maxLength: maxRank });
const accumTol = (L: number): ParityTol => ({ rtol: 1e-5, atol: Math.max(2e-6, 2 * 6e-8 * Math.sqrt(L)) });

/** Two shapes that broadcast: b is a suffix of a with some axes set to 1 (and possibly a dropped prefix); maybe swapped. */
const broadcastPairArb = shapeArb(4).chain((a) => fc.tuple(
  fc.constant(a),
  fc.integer({ min: 0, max: a.length }),
  fc.array(fc.boolean(), { minLength: a.length, maxLength: a.length }),
  fc.boolean(),
).map(([shape, drop, ones, swap]) => {
  const b = shape.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d));
  return swap ? [b, shape] as const : [shape, b] as const;
}));

const BINARY = { add: sg.add, sub: sg.sub, mul: sg.mul, maximum: sg.maximum, div: sg.div } as const;

describeWebGpu('WebGPU against the CPU on random shapes (fast-check)', (gpu) => {
  it('binary ops broadcast like the CPU', async () => {
    await fc.assert(fc.asyncProperty(broadcastPairArb, fc.constantFrom(...Object.keys(BINARY) as (keyof typeof BINARY)[]),
      async ([a, b], op) => {
        const inputs: InputSpec[] = [{ shape: [...a] }, { shape: [...b], ...(op === 'div' ? { range: [0.5, 2] as [number, number] } : {}) }];
        await checkParity({ name: `${op} [${a}]·[${b}]`, fn: BINARY[op], inputs, gradTol: accumTol(a.reduce((p, d) => p * d, 1)) }, gpu);
      }), { numRuns: RUNS });
  });

  it('sum, max and min over random axes, with and without keepDims', async () => {
    const arb = shapeArb(4).filter((s) => s.length > 0).chain((shape) => fc.tuple(
      fc.constant(shape), fc.subarray(shape.map((_, i) => i), { minLength: 1 }), fc.boolean(), fc.constantFrom('sum', 'max', 'min'),
    ));
    await fc.assert(fc.asyncProperty(arb, async ([shape, axes, keepDims, op]) => {
      const L = axes.reduce((p, a) => p * shape[a]!, 1);
      await checkParity({
        name: `${op} [${shape}] axes [${axes}]${keepDims ? ' keepDims' : ''}`,
        fn: (x) => sg[op as 'sum' | 'max' | 'min'](x, axes, keepDims),
        // Distinct values keep max/min away from ties, where the gradient is split.
        inputs: [{ shape, range: [-1000, 1000] }],
        tol: op === 'sum' ? accumTol(L) : { rtol: 1e-6, atol: 1e-7 },
      }, gpu);
    }), { numRuns: RUNS });
  });

  it('matmul on random sizes, transposes and batch broadcasts', async () => {
    const size = fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 10, max: 80 }), fc.constantFrom(64, 65, 257));
    const arb = fc.record({
      M: size, N: size, K: fc.oneof(size, fc.integer({ min: 500, max: 3000 })),
      tA: fc.boolean(), tB: fc.boolean(),
      batchA: fc.constantFrom([], [2], [1], [3, 1]), batchB: fc.constantFrom([], [2], [1, 1], [1, 2]),
    });
    await fc.assert(fc.asyncProperty(arb, async ({ M, N, K, tA, tB, batchA, batchB }) => {
      const a = [...batchA, ...(tA ? [K, M] : [M, K])], b = [...batchB, ...(tB ? [N, K] : [K, N])];
      const batch = Math.max(1, ...[...batchA, ...batchB]);
      await checkParity({
        name: `matmul [${a}]${tA ? 'ᵀ' : ''}@[${b}]${tB ? 'ᵀ' : ''}`,
        fn: (x, y) => sg.matmul(x, y, { transposeA: tA, transposeB: tB }),
        inputs: [{ shape: a }, { shape: b }],
        tol: accumTol(K), gradTol: accumTol(Math.max(M, N, K) * batch),
      }, gpu);
    }), { numRuns: RUNS });
  });
});
