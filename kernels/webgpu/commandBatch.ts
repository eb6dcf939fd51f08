/**
 * The open command batch: one command encoder and compute pass that collect dispatches until SUBMIT_EVERY of
 * them (or a readback) submit it.
 *
 * Ordering rules (WebGPU's queue timeline):
 * - `queue.writeBuffer` takes effect at the next queue operation, i.e. BEFORE the commands still sitting in
 *   the unsubmitted encoder. So a buffer released while the open batch may still read it is not returned to
 *   the pool at once (where an upload could overwrite it) but parked here until the batch is submitted
 *   ("deferred release"). After the submit, queue order makes any later write safe.
 * - The uniforms of a batch go into one arena buffer at aligned offsets (bound with dynamic offsets), written
 *   with a single writeBuffer just before the batch's submit. Reusing the arena for the next batch is safe for
 *   the same reason: that write is queued after the previous submit.
 */
import type { BackendCounters } from '../../engine/backend.js';
import { UNIFORM_USAGE, type BufferPool, type PooledBuffer } from './bufferPool.js';

/**
 * Dispatches per command buffer. Dawn + lavapipe spend ~20–50 µs per dispatch and more per submit; batching
 * amortises the submit while still letting the device start early. bench/experiments/dispatch.ts sweeps this value
 * (bench/RESULTS.md); TF.js uses 15, ONNX Runtime Web 16.
 */
export const SUBMIT_EVERY = 32;
/** Uniform bytes per batch; a batch that would overflow it is submitted early. */
export const ARENA_BYTES = 64 * 1024;

export class CommandBatch {
  readonly #device: GPUDevice;
  readonly #pool: BufferPool;
  readonly #counters: BackendCounters;
  readonly #align: number;
  readonly arena: GPUBuffer;
  readonly #arenaData = new ArrayBuffer(ARENA_BYTES);
  /** Where dispatches write their uniforms (at the offset `reserve` returned). */
  readonly params = new DataView(this.#arenaData);
  #arenaUsed = 0;
  #encoder: GPUCommandEncoder | null = null;
  #pass: GPUComputePassEncoder | null = null;
  #count = 0;
  #deferred: PooledBuffer[] = [];
  #deferredDiscards: PooledBuffer[] = [];
  /** The pass's current pipeline: consecutive dispatches of one kernel skip the native setPipeline call. */
  #pipeline: GPUComputePipeline | null = null;
  readonly #offsets = [0];
  /** Dispatches per submit (SUBMIT_EVERY unless a benchmark sweeps it). */
  submitEvery: number;
  /** Called after each submit (the backend trims its pool). */
  afterSubmit: () => void = () => {};

  constructor(device: GPUDevice, pool: BufferPool, counters: BackendCounters, submitEvery = SUBMIT_EVERY) {
    this.#device = device;
    this.#pool = pool;
    this.#counters = counters;
    this.submitEvery = submitEvery;
    this.#align = device.limits.minUniformBufferOffsetAlignment;
    this.arena = device.createBuffer({ size: ARENA_BYTES, usage: UNIFORM_USAGE });
  }

  /** True while encoded commands wait for a submit. */
  get open(): boolean {
    return this.#encoder !== null;
  }

  /** Reserves `bytes` of uniforms for the next dispatch; returns their offset in `params` and the arena. */
  reserve(bytes: number): number {
    if (this.#arenaUsed + bytes > ARENA_BYTES) this.flush();
    const offset = this.#arenaUsed;
    this.#arenaUsed = Math.ceil((offset + bytes) / this.#align) * this.#align;
    return offset;
  }

  dispatch(pipeline: GPUComputePipeline, bindGroup: GPUBindGroup, paramOffset: number, x: number, y: number): void {
    if (!this.#pass) {
      this.#encoder = this.#device.createCommandEncoder();
      this.#pass = this.#encoder.beginComputePass();
    }
    if (pipeline !== this.#pipeline) {
      this.#pass.setPipeline(pipeline);
      this.#pipeline = pipeline;
    }
    this.#offsets[0] = paramOffset;
    this.#pass.setBindGroup(0, bindGroup, this.#offsets);
    this.#pass.dispatchWorkgroups(x, y);
    this.#counters.dispatches++;
    if (++this.#count >= this.submitEvery) this.flush();
  }

  /**
   * Returns `b` to the pool now, or after the open batch is submitted if one is open. `discard`: destroy it
   * instead (a buffer the garbage collector released: pooling it would perturb which buffers the next
   * steps get; bufferPool.ts).
   */
  release(b: PooledBuffer, discard = false): void {
    if (this.#encoder) (discard ? this.#deferredDiscards : this.#deferred).push(b);
    else if (discard) this.#pool.discard(b);
    else this.#pool.release(b);
  }

  /**
   * Submits the open batch (if any) and returns the buffers it was the last user of to the pool. `then`
   * appends copies (a readback) to the same command buffer, after the compute pass: one submit, not two.
   */
  flush(then?: (encoder: GPUCommandEncoder) => void): void {
    if (!this.#encoder && !then) {
      this.#arenaUsed = 0;
      return;
    }
    const encoder = this.#encoder ?? this.#device.createCommandEncoder();
    this.#pass?.end();
    then?.(encoder);
    if (this.#arenaUsed > 0) this.#device.queue.writeBuffer(this.arena, 0, this.#arenaData, 0, this.#arenaUsed);
    this.#device.queue.submit([encoder.finish()]);
    this.#counters.submits++;
    this.#encoder = null;
    this.#pass = null;
    this.#pipeline = null;
    this.#count = 0;
    this.#arenaUsed = 0;
    for (const b of this.#deferred) this.#pool.release(b);
    this.#deferred = [];
    for (const b of this.#deferredDiscards) this.#pool.discard(b);
    this.#deferredDiscards = [];
    this.afterSubmit();
  }
}
