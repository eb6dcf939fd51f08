/**
 * GPU buffers are expensive to create and never garbage-collected in time, so the backend recycles them:
 * free lists keyed by (size class, usage). Sizes are rounded up to a class with 3 significant bits
 * (256, 288, 320, … ×2 per octave), so a buffer serves any request within 12.5 % of its size and the pool
 * stays small when batch sizes vary.
 *
 * The pool knows nothing about when the GPU is done with a buffer: the backend releases a buffer only once
 * no unsubmitted command refers to it (see backend.ts, "deferred release").
 *
 * A free list hands out its buffer with the LOWEST id, not the last one released. Bind groups are cached by
 * the buffers they bind (pipelines.ts), so a step that runs again must get the same buffers again. With a
 * stack it did not: the order of a step's releases (tidy's disposals, the batch's deferred releases) is not
 * the order of its acquires, so each step permuted the free lists and drew new tuples of buffers; step mode
 * created ~10,000 new bind groups per tutorial step, which Dawn frees only when V8 collects them (lavapipe
 * ran out of descriptor pools). Lowest id first makes the buffers a step gets a function of the free set at
 * its start and of its own acquires and releases, so a repeated step gets exactly the buffers of the last.
 * A buffer whose tensor the garbage collector released comes back at a moment no program chose; it is
 * destroyed (`discard`), not pooled, so that it cannot change what the next steps get.
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

/** A binary min-heap of buffers by id: the free list of one (size class, usage). */
class FreeList {
  readonly items: PooledBuffer[] = [];

  get length(): number {
    return this.items.length;
  }

  push(b: PooledBuffer): void {
    const a = this.items;
    let i = a.push(b) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]!.id <= b.id) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = b;
  }

  /** The free buffer with the lowest id. */
  pop(): PooledBuffer | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i, mId = last.id;
      if (l < a.length && a[l]!.id < mId) { m = l; mId = a[l]!.id; }
      if (r < a.length && a[r]!.id < mId) m = r;
      if (m === i) break;
      a[i] = a[m]!;
      i = m;
    }
    a[i] = last;
    return top;
  }

  /** Removes and returns the buffer with the highest id (trimming keeps the low ids, which steps reuse). */
  popHighest(): PooledBuffer | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    // The highest id is a leaf; removing the last leaf after moving it there keeps the heap order only when
    // it is re-sifted, so rebuild: trimming is rare (after a submit, only beyond the pool's cap).
    let hi = 0;
    for (let i = 1; i < a.length; i++) if (a[i]!.id > a[hi]!.id) hi = i;
    const b = a[hi]!;
    const rest = a.filter((_, i) => i !== hi);
    a.length = 0;
    for (const x of rest) this.push(x);
    return b;
  }
}

export class BufferPool {
  readonly #device: GPUDevice;
  readonly #free = new Map<string, FreeList>();
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
    if (!list) this.#free.set(k, (list = new FreeList()));
    list.push(b);
    this.#freeBytes += b.size;
  }

  /**
   * Destroys `b`, which is in use and not in the pool (its tensor was garbage-collected; commands already
   * submitted that use it still complete). The caller guarantees no unsubmitted command refers to it.
   */
  discard(b: PooledBuffer): void {
    this.#freeBytes += b.size; // #destroy counts it out of the free bytes
    this.#destroy(b);
  }

  /** Destroys free buffers, largest first, until at most `maxFreeBytes` stay pooled. */
  trim(maxFreeBytes: number): void {
    if (this.#freeBytes <= maxFreeBytes) return;
    const keys = [...this.#free.keys()].sort((a, b) => Number(b.split(':')[0]) - Number(a.split(':')[0]));
    for (const k of keys) {
      const list = this.#free.get(k)!;
      while (list.length && this.#freeBytes > maxFreeBytes) this.#destroy(list.popHighest()!);
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
