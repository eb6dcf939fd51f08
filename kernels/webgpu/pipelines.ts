/**
 * Compiled pipelines, cached by program key, and their bind groups, cached by the buffers they bind.
 *
 * Bind groups are cached because creating one costs Dawn's Node binding ~10–15 µs, about as much as the rest
 * of a dispatch; a training loop allocates from the pool in the same order each step, so the same buffer
 * tuples recur and the cache hits. The uniform binding uses a dynamic offset into the backend's arena, so the
 * uniform values do not enter the key.
 */
import type { PooledBuffer } from './bufferPool.js';
import type { Program } from './program.js';

const COMPUTE = 0x4; // GPUShaderStage.COMPUTE
/** Beyond this many cached bind groups the cache starts over (a bound on memory, not a tuning knob). */
const MAX_BIND_GROUPS = 8192;

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
  readonly #bindGroups = new Map<string, GPUBindGroup>();
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

  get(p: Program, buffers: readonly PooledBuffer[]): { pipeline: GPUComputePipeline; bindGroup: GPUBindGroup } {
    const e = this.#entry(p);
    let key = `${e.id}`;
    for (const b of buffers) key += `,${b.id}`;
    let bindGroup = this.#bindGroups.get(key);
    if (!bindGroup) {
      if (this.#bindGroups.size >= MAX_BIND_GROUPS) this.#bindGroups.clear();
      const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.#arena, offset: 0, size: e.paramBytes } }];
      buffers.forEach((b, i) => entries.push({ binding: 1 + i, resource: { buffer: b.buffer } }));
      bindGroup = this.#device.createBindGroup({ layout: e.layout, entries });
      this.#bindGroups.set(key, bindGroup);
    }
    return { pipeline: e.pipeline, bindGroup };
  }

  /** Resolves once every compilation so far has been checked (errors went to onError). */
  async settled(): Promise<void> {
    const checks = this.#checks;
    this.#checks = [];
    await Promise.all(checks);
  }

  /** Drops every cached bind group (a pooled buffer was destroyed, or the device is going away). */
  forgetBindGroups(): void {
    this.#bindGroups.clear();
  }

  /** Compiled pipelines. */
  get size(): number {
    return this.#entries.size;
  }
}
