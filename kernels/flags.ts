/**
 * Every module-level switch and tuning knob of the kernels, in one place. Each one holds the value that the
 * measurements chose (bench/RESULTS.md); tests and the benchmark's experiments (bench/experiments/) flip them
 * to run another variant on the same inputs, e.g. the GPU layout on a software adapter, or the JavaScript twin
 * of a WebAssembly kernel. Nothing else writes them. engine/numerics.ts keeps the engine's own flag (the
 * numerics debug mode), which environ.ts sets.
 */
import { SCRATCH_BYTES } from './cpu/wasmArena.js';

/**
 * The CPU backend's WebAssembly kernels (kernels/cpu/wasmKernels.ts): tests switch them off to run their
 * JavaScript twins on the same inputs, and shrink the scratch a kernel may use to make small shapes run in
 * several column blocks.
 */
export const wasmKernels = { enabled: true, scratchBytes: SCRATCH_BYTES };

/**
 * Rows of the collapsed output each invocation walks on a software adapter (one on a GPU). On lavapipe an
 * index costs integer divisions that run lane by lane (~25 cycles each); walking rows needs them once per
 * invocation instead of once per element: a bias add [12800, 1024] + [1024] took 53 ms with two divisions
 * per element and 26 with this walk (bench/RESULTS.md). (kernels/elementwise/template.ts)
 */
export const elementwiseTuning = {
  /** Rows each invocation walks on a software adapter (1: one row, the index divided out per element). */
  softwareRows: 16,
  /** Float32 calls in vec4 quads where the layout allows (false: one element per invocation, as on a GPU). */
  quads: true,
};

/**
 * Most elements one invocation runs on a software adapter (a knob so that tests can run the GPU layout, one
 * element per invocation, on lavapipe: test/ops/parity.test.ts). (kernels/webgpu/program.ts)
 */
export const spanTuning = { maxSpan: 64 };

/** Upper bounds on the lanes of the sequence kernels on software adapters (kernels/webgpu/quads.ts). */
export const sequenceTuning: { maxW: 1 | 4; maxQ: 1 | 2 } = { maxW: 4, maxQ: 2 };

/**
 * The backward sweeps of LIF and the decay synapses carry their adjoint as a two-float (kernels/neuron/twoFloat.wgsl;
 * false: plain float32 chains, for bench/experiments/accuracyAB.ts).
 */
export const sweepTuning = { compensated: true };

/** Reduction variants on software adapters (kernels/reduce/webgpu.ts, reduceSoftware). */
export const reduceTuning = {
  /** Software adapters: serial slices (false: the workgroup trees GPUs use). */
  softwareSlices: true,
  /** Pairs of quads per invocation in the slices. */
  pairQuads: true,
  /** Compensated float sums in the serial loops (false: plain float32 chains; bench/experiments/accuracyAB.ts compares). */
  compensated: true,
};

/** Matmul kernel choice (kernels/matmul/webgpu.ts; compared in bench/experiments/matmulKernels.ts). */
export const matmulTuning = {
  /** Use the lane-tiled kernel on software adapters with fixed-width subgroups (false: the GPU kernels). */
  laneTiled: true,
  /** Use the event kernel for a sparse uploaded left operand on software adapters (events.ts). */
  events: true,
};

/** Knobs of the lane-tiled matmul's tilesPerWorkgroup (kernels/matmul/subgroupTile.ts). */
export const subgroupTuning = { tileWork: 1024, minWorkgroups: 256 };

/**
 * Batch rows per workgroup of the recurrent sequence kernels (kernels/neuron/recurrentWebgpu.ts): each W_rec
 * word a workgroup loads serves that many rows. On a software adapter few, full workgroups are cheap (two
 * cores) and loads are what costs; on a GPU one row per workgroup keeps B workgroups in flight. Bounded further
 * by the workgroup memory the rows' spike lists and cotangent rows take.
 */
export const recurrentTuning = {
  softwareRows: 4,
  gpuRows: 1,
  /** The backward reads Wᵀ in vec4 quads where n and the neurons per invocation allow (false: one word each). */
  quads: true,
};
