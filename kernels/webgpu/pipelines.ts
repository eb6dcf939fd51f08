/**
 * Compiled pipelines, cached by program key, and their bind groups, cached by the buffers they bind.
 *
 * Bind groups are cached for two reasons. Creating one costs Dawn's Node binding ~10–15 µs, about as much as
 * the rest of a dispatch. And WebGPU has no way to free one: Dawn releases a bind group (and its driver
 * descriptor set) only when V8 collects the JavaScript wrapper, which V8, seeing a small object, does late.
 * A step-mode training step makes ~12,400 dispatches; when each made a new bind group, lavapipe ran out of
 * descriptor pools (a segfault in epoch 7 of the tutorial) and the process grew ~70 MB per epoch.
 *
 * So a bind group is made once per (pipeline, tuple of buffers) and kept: the buffer pool hands a repeated
 * step the same buffers again (bufferPool.ts: lowest id first), so after its first calls a repeated step
 * creates none (test/kernels/webgpuBindGroups.test.ts). The uniform binding uses a dynamic offset into the
 * backend's arena, so the uniform values do not enter the key. The cache is bounded (MAX_BIND_GROUPS, oldest
 * first out) and drops exactly the bind groups of a buffer the pool destroys; `stats` counts what was created
 * and evicted, so a workload whose distinct bind groups exceed the bound shows as evictions.
 */
import type { PooledBuffer } from './bufferPool.js';
import type { Program } from './program.js';

const COMPUTE = 0x4; // GPUShaderStage.COMPUTE
/**
 * Bind groups kept at most: a step-mode tutorial step uses ~15,000 distinct ones (two alternating sets of
 * buffers: a step's hidden states live on into the next). About 7 KB each on lavapipe, so the bound is also
 * a bound of ~230 MB on what they hold there.
 */
export const MAX_BIND_GROUPS = 32768;

export interface BindGroupStats {
  /** Bind groups created since the backend started. */
  created: number;
  /** Dropped to stay within MAX_BIND_GROUPS (each one's successor is a new creation). */
  evicted: number;
  /** Held now. */
  cached: number;
}

interface Entry {
  id: number;
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  paramBytes: number;
}

export class PipelineCache {
  readonly #device: GPUDevice;
  readonly #arena: GPUBuffer;
  readonly #onError: (message: string) => void;
  readonly #layouts = new Map<string, { group: GPUBindGroupLayout; pipeline: GPUPipelineLayout }>();
  readonly #entries = new Map<string, Entry>();
  /** Insertion order is age: the first key is the one evicted next. */
  readonly #bindGroups = new Map<string, { group: GPUBindGroup; buffers: number[] }>();
  /** Cache keys by the id of each buffer they bind, to forget exactly those of a destroyed buffer. */
  readonly #keysByBuffer = new Map<number, Set<string>>();
  #created = 0;
  #evicted = 0;
  /** Compilation checks still in flight (awaited before reporting errors, so the root cause comes first). */
  #checks: Promise<void>[] = [];

  constructor(device: GPUDevice, arena: GPUBuffer, onError: (message: string) => void) {
    this.#device = device;
    this.#arena = arena;
    this.#onError = onError;
  }

  /** Layout: binding 0 the params uniform (dynamic offset), then read-only inputs, then read_write outputs. */
  #layout(nIn: number, nOut: number) {
    const k = `${nIn}:${nOut}`;
    let l = this.#layouts.get(k);
    if (!l) {
      const entries: GPUBindGroupLayoutEntry[] = [{ binding: 0, visibility: COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } }];
      for (let i = 0; i < nIn; i++) entries.push({ binding: 1 + i, visibility: COMPUTE, buffer: { type: 'read-only-storage' } });
      for (let i = 0; i < nOut; i++) entries.push({ binding: 1 + nIn + i, visibility: COMPUTE, buffer: { type: 'storage' } });
      const group = this.#device.createBindGroupLayout({ entries });
      l = { group, pipeline: this.#device.createPipelineLayout({ bindGroupLayouts: [group] }) };
      this.#layouts.set(k, l);
    }
    return l;
  }

  #entry(p: Program): Entry {
    let e = this.#entries.get(p.key);
    if (e) return e;
    const l = this.#layout(p.inputNames.length, p.outputNames.length);
    // WGSL errors surface asynchronously; the backend reports them at the next readback or sync.
    this.#device.pushErrorScope('validation');
    const module = this.#device.createShaderModule({ code: p.code, label: p.key });
    const pipeline = this.#device.createComputePipeline({ layout: l.pipeline, compute: { module, entryPoint: 'main' }, label: p.key });
    this.#checks.push(this.#device.popErrorScope().then((err) => {
      if (err) this.#onError(`webgpu: kernel '${p.key}' failed to compile: ${err.message}\n--- generated WGSL ---\n${p.code}`);
    }, () => {}));
    e = { id: this.#entries.size + 1, pipeline, layout: l.group, paramBytes: p.paramBytes };
    this.#entries.set(p.key, e);
    return e;
  }

  /** The compiled pipeline of `p` and its bind-group layout (a jit replay makes its own bind groups). */
  pipelineOf(p: Program): { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout } {
    const e = this.#entry(p);
    return { pipeline: e.pipeline, layout: e.layout };
  }

  /** A bind group the caller keeps (a jit replay's plan), counted in `bindGroupStats.created`. */
  createUncached(desc: GPUBindGroupDescriptor): GPUBindGroup {
    this.#created++;
    return this.#device.createBindGroup(desc);
  }

  get(p: Program, buffers: readonly PooledBuffer[]): { pipeline: GPUComputePipeline; bindGroup: GPUBindGroup } {
    const e = this.#entry(p);
    let key = `${e.id}`;
    for (let i = 0; i < buffers.length; i++) key += `,${buffers[i]!.id}`;
    const hit = this.#bindGroups.get(key);
    return { pipeline: e.pipeline, bindGroup: hit ? hit.group : this.#create(key, e, buffers) };
  }

  #create(key: string, e: Entry, buffers: readonly PooledBuffer[]): GPUBindGroup {
    if (this.#bindGroups.size >= MAX_BIND_GROUPS) {
      const oldest = this.#bindGroups.keys().next();
      if (!oldest.done) {
        this.#drop(oldest.value);
        this.#evicted++;
      }
    }
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.#arena, offset: 0, size: e.paramBytes } }];
    buffers.forEach((b, i) => entries.push({ binding: 1 + i, resource: { buffer: b.buffer } }));
    const group = this.#device.createBindGroup({ layout: e.layout, entries });
    this.#created++;
    const ids = buffers.map((b) => b.id);
    this.#bindGroups.set(key, { group, buffers: ids });
    for (const id of ids) {
      const keys = this.#keysByBuffer.get(id);
      if (keys) keys.add(key);
      else this.#keysByBuffer.set(id, new Set([key]));
    }
    return group;
  }

  /** Removes one cached bind group and its index entries (the wrapper then goes to the garbage collector). */
  #drop(key: string): void {
    const g = this.#bindGroups.get(key);
    if (!g) return;
    this.#bindGroups.delete(key);
    for (const id of g.buffers) {
      const keys = this.#keysByBuffer.get(id);
      keys?.delete(key);
      if (keys?.size === 0) this.#keysByBuffer.delete(id);
    }
  }

  /** Drops the bind groups that bind `b` (the pool is destroying it). */
  forgetBuffer(b: PooledBuffer): void {
    const keys = this.#keysByBuffer.get(b.id);
    if (keys) for (const k of [...keys]) this.#drop(k);
  }

  /** Bind groups created, evicted and held. */
  get bindGroupStats(): BindGroupStats {
    return { created: this.#created, evicted: this.#evicted, cached: this.#bindGroups.size };
  }

  /** Resolves once every compilation so far has been checked (errors went to onError). */
  async settled(): Promise<void> {
    const checks = this.#checks;
    this.#checks = [];
    await Promise.all(checks);
  }

  /** Drops every cached bind group (the device is going away). */
  forgetBindGroups(): void {
    this.#bindGroups.clear();
    this.#keysByBuffer.clear();
  }

  /** Compiled pipelines. */
  get size(): number {
    return this.#entries.size;
  }
}
