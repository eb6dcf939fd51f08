/**
 * GPU buffers are expensive to create and never garbage-collected in time, so the backend recycles them:
 * free lists keyed by (size class, usage). Sizes are rounded up to a class with 3 significant bits
 * (256, 288, 320, … ×2 per octave), so a buffer serves any request within 12.5 % of its size and the pool
 * stays small when batch sizes vary.
 *
 * The pool knows nothing about when the GPU is done with a buffer: the backend releases a buffer only once
 * no unsubmitted command refers to it (see backend.ts, "deferred release").
 */

/** GPUBufferUsage flags as numbers (the Node binding does not define the browser's globals). */
export const Usage = {
  MAP_READ: 0x1,
  COPY_SRC: 0x4,
  COPY_DST: 0x8,
  UNIFORM: 0x40,
  STORAGE: 0x80,
} as const;

/** Tensors: readable and writable by kernels, copyable for uploads and readbacks. */
export const STORAGE_USAGE = Usage.STORAGE | Usage.COPY_SRC | Usage.COPY_DST;
export const STAGING_USAGE = Usage.MAP_READ | Usage.COPY_DST;
export const UNIFORM_USAGE = Usage.UNIFORM | Usage.COPY_DST;

/** Smallest buffer handed out: storage bindings must be non-empty, and tiny tensors are common (scalars). */
const MIN_CLASS = 256;

export function sizeClass(bytes: number): number {
  if (bytes <= MIN_CLASS) return MIN_CLASS;
  const octave = 2 ** Math.floor(Math.log2(bytes));
  const step = octave / 8;
  return Math.ceil(bytes / step) * step;
}

export interface PooledBuffer {
  readonly buffer: GPUBuffer;
  /** Bytes of the buffer (its size class). */
  readonly size: number;
  readonly usage: number;
  /** Stable small integer, for cache keys (bind groups). */
  readonly id: number;
}

export class BufferPool {
  readonly #device: GPUDevice;
  readonly #free = new Map<string, PooledBuffer[]>();
  #nextId = 1;
  #allocatedBytes = 0;
  #freeBytes = 0;
  #count = 0;
  /** Called with each buffer the pool destroys (the backend drops cached bind groups that use it). */
  onDestroy: (b: PooledBuffer) => void = () => {};

  constructor(device: GPUDevice) {
    this.#device = device;
  }

  /** A buffer of at least `bytes` with exactly `usage`, reused when one is free. */
  acquire(bytes: number, usage: number): PooledBuffer {
    const size = sizeClass(bytes);
    const list = this.#free.get(`${size}:${usage}`);
    const hit = list?.pop();
    if (hit) {
      this.#freeBytes -= hit.size;
      return hit;
    }
    const buffer = this.#device.createBuffer({ size, usage });
    this.#allocatedBytes += size;
    this.#count++;
    return { buffer, size, usage, id: this.#nextId++ };
  }

  /** Returns `b` to its free list. The caller guarantees no pending GPU command still needs its contents. */
  release(b: PooledBuffer): void {
    const k = `${b.size}:${b.usage}`;
    let list = this.#free.get(k);
    if (!list) this.#free.set(k, (list = []));
    list.push(b);
    this.#freeBytes += b.size;
  }

  /** Destroys free buffers, largest first, until at most `maxFreeBytes` stay pooled. */
  trim(maxFreeBytes: number): void {
    if (this.#freeBytes <= maxFreeBytes) return;
    const keys = [...this.#free.keys()].sort((a, b) => Number(b.split(':')[0]) - Number(a.split(':')[0]));
    for (const k of keys) {
      const list = this.#free.get(k)!;
      while (list.length && this.#freeBytes > maxFreeBytes) this.#destroy(list.pop()!);
      if (!list.length) this.#free.delete(k);
      if (this.#freeBytes <= maxFreeBytes) return;
    }
  }

  #destroy(b: PooledBuffer): void {
    this.#freeBytes -= b.size;
    this.#allocatedBytes -= b.size;
    this.#count--;
    this.onDestroy(b);
    b.buffer.destroy();
  }

  /** Destroys every pooled (free) buffer. */
  clear(): void {
    this.trim(0);
  }

  /** Bytes of every buffer this pool created and has not destroyed (in use or free). */
  get allocatedBytes(): number {
    return this.#allocatedBytes;
  }

  get freeBytes(): number {
    return this.#freeBytes;
  }

  /** Buffers this pool created and has not destroyed. */
  get bufferCount(): number {
    return this.#count;
  }
}
