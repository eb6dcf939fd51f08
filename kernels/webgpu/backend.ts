/**
 * The WebGPU backend: tensors live in pooled GPU buffers (bufferPool.ts); every op is one or a few compute
 * dispatches of programs (program.ts, pipelines.ts), encoded into the open command batch (commandBatch.ts,
 * which also holds the ordering rules) and submitted in batches; readbacks flush the batch, then copy into a
 * pooled MAP_READ staging buffer. bool tensors are stored as u32; float64 is not supported.
 */
import type { Backend, BackendCounters, DataId, MemoryInfo, TensorInfo, UpdateAttrs, UpdateName } from '../../engine/backend.js';
import { allocArray, type DType, type TypedArray } from '../../engine/dtype.js';
import { SpikegradError, fmtShape } from '../../engine/errors.js';
import type { OpAttrs, OpName, OutMeta } from '../../engine/ops.js';
import { sizeOf } from '../../engine/shape.js';
import { BufferPool, STAGING_USAGE, STORAGE_USAGE, type PooledBuffer } from './bufferPool.js';
import { ARENA_BYTES, CommandBatch, SUBMIT_EVERY } from './commandBatch.js';
import { adapterName, openDevice, type AdapterDescription } from './device.js';
import { PipelineCache, type BindGroupStats } from './pipelines.js';
import { cachedProgram, elementSpan, packParams, splitWorkgroups, type Program } from './program.js';
import type { NonFinite, NumericsFailure } from '../../engine/numerics.js';
import { quietly } from './quietWait.js';
import { WEBGPU_KERNELS, WEBGPU_UPDATES } from './registry.js';
import { EventStore } from './events.js';
import type { DispatchArgs, GpuContext, GpuKernel, GpuUpdateKernel } from './types.js';
import { replayKernels, type RecEntry, type Recording } from '../../engine/jitRecord.js';
import { ReplayPlan, newCapture, type Capture, type ReplayHost } from './replay.js';

/** Free pooled bytes kept beyond this (or beyond the peak in use, if larger) are destroyed. */
const MIN_POOL_CAP = 256 * 1024 * 1024;

interface GpuStorage {
  buf: PooledBuffer;
  refs: number;
}

/**
 * checkNumerics on the device: each checked tensor is a slot; its check dispatch does
 * atomicMin(flag, slot·4 + kind) for every NaN (kind 0), +Inf (1) or −Inf (2) it finds, so the flag holds the
 * first checked op that went bad. The next readback or sync reads the flag and calls that slot's failure.
 */
interface NumericsChecks {
  flag: TensorInfo;
  failures: NumericsFailure[];
}
/** Checks taken for a readback: a staging buffer for their flag, and the copy into it. */
interface TakenChecks {
  checks: NumericsChecks;
  staging: PooledBuffer;
  copy: (enc: GPUCommandEncoder) => void;
}
const NO_FAILURE = 0xffffffff;
const KINDS: readonly NonFinite[] = ['NaN', 'Infinity', '-Infinity'];

function finiteCheckProgram(): Program {
  return cachedProgram('checkFinite', () => ({
    params: { n: 'u32', slot: 'u32' },
    inputs: { x: 'f32' },
    outputs: { flag: 'atomic<u32>' },
    element: `  let b = bitcast<u32>(x[i]);
  if ((b & 0x7f800000u) == 0x7f800000u) {
    let kind = select(select(2u, 1u, (b & 0x80000000u) == 0u), 0u, (b & 0x007fffffu) != 0u);
    atomicMin(&flag[0], params.slot * 4u + kind);
  }`,
  }));
}

export interface WebGpuOptions {
  /** Override SUBMIT_EVERY (the dispatch benchmark sweeps it). */
  submitEvery?: number;
}

/** What guard regions hold: a quiet NaN with a payload no kernel computes. */
export const GUARD_WORD = 0x7fa5a5a5;

export class WebGpuBackend implements Backend {
  readonly name = 'webgpu' as const;
  readonly description: string;
  readonly supportsFloat64 = false;
  readonly counters: BackendCounters = { ops: 0, dispatches: 0, submits: 0, readbacks: 0 };
  /**
   * Guard regions, for tests: with `bytes` > 0 every tensor buffer allocated from then on has at least that many
   * bytes past the tensor's end, filled with GUARD_WORD, so that a kernel writing past its output's end leaves a
   * trace (buffers are otherwise rounded up to a size class, and a stray write there goes unseen). Read back with
   * `guardViolations`. Off (0) in normal use.
   */
  readonly guards = { bytes: 0 };
  readonly device: GPUDevice;
  readonly adapter: AdapterDescription;
  readonly #pool: BufferPool;
  readonly #pipelines: PipelineCache;
  readonly #batch: CommandBatch;
  readonly #maxBinding: number;
  readonly #maxPerDim: number;
  #bytesInUse = 0;
  #peak = 0;
  #live = 0;
  #lost: string | null = null;
  #closed = false;
  #error: string | null = null;
  #scratch: GpuStorage[] = [];
  /** checkNumerics slots since the last readback (null: none). */
  #checks: NumericsChecks | null = null;
  /** Nonzeros of sparse float32 uploads, for event-driven kernels (events.ts). */
  readonly #events = new EventStore((v, dtype) => this.#upload(v, dtype), (id) => this.release(id));
  readonly #ctx: GpuContext;
  /** transform.jit: the dispatches of a recording being captured (null the rest of the time). */
  #capture: Capture | null = null;
  /** Compiled replays by recording ('kernels': it cannot be compiled; the engine's replay runs it). */
  readonly #plans = new WeakMap<Recording, ReplayPlan | 'kernels'>();
  /**
   * The plans of each jitted function (by its key): freed when jit drops a recording (forgetRecording) or
   * when the jitted function itself is garbage-collected (the registry holds the plans, not the key).
   */
  readonly #keyPlans = new WeakMap<object, ReplayPlan[]>();
  readonly #keyFinalizer = new FinalizationRegistry<ReplayPlan[]>((plans) => { if (!this.#closed) for (const p of plans) p.dispose(); });
  #destroyed = 0;
  /** Where #packOnly packs uniforms (a params struct is at most a few hundred bytes). */
  readonly #packView = new DataView(new ArrayBuffer(4096));
  #packCtx: GpuContext | null = null;
  #packSink: (p: Program, params: Uint8Array) => void = () => {};
  /** packOnly's inputs per recorded entry (shapes only), made on its first replay. */
  readonly #packInfos = new WeakMap<RecEntry, TensorInfo[][]>();
  #replayHost: ReplayHost | null = null;

  /** Opens the process's device; throws a SpikegradError saying why when there is none. */
  static async create(opts: WebGpuOptions = {}): Promise<WebGpuBackend> {
    const d = await openDevice();
    if ('unavailable' in d) throw new SpikegradError(`setBackend('webgpu'): ${d.unavailable}`);
    return new WebGpuBackend(d.device, d.adapter, opts);
  }

  constructor(device: GPUDevice, adapter: AdapterDescription, opts: WebGpuOptions = {}) {
    this.device = device;
    this.adapter = adapter;
    this.description = `WebGPU: ${adapterName(adapter)}${adapter.software ? ' (software adapter)' : ''}`;
    this.#pool = new BufferPool(device);
    this.#batch = new CommandBatch(device, this.#pool, this.counters, opts.submitEvery ?? SUBMIT_EVERY);
    this.#batch.afterSubmit = () => this.#pool.trim(Math.max(MIN_POOL_CAP, this.#peak));
    this.#maxBinding = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    this.#maxPerDim = device.limits.maxComputeWorkgroupsPerDimension;
    // A kernel that failed to compile is the root cause of the 'invalid pipeline' errors that follow it.
    this.#pipelines = new PipelineCache(device, this.#batch.arena, (msg) => { if (!this.#error?.includes('failed to compile')) this.#error = msg; });
    this.#pool.onDestroy = (b) => {
      this.#destroyed++;
      this.#pipelines.forgetBuffer(b);
    };
    void device.lost.then((info) => {
      if (!this.#closed) this.#lost = `${info.reason}${info.message ? `: ${info.message}` : ''}`;
    });
    device.onuncapturederror = (ev) => { this.#error ??= `webgpu device error: ${ev.error.message}`; };
    this.#ctx = {
      output: (meta) => this.#tensorStorage(meta.dtype, meta.shape, 'output'),
      scratch: (dtype, shape) => {
        const t = this.#tensorStorage(dtype, shape, 'scratch');
        this.#scratch.push(t.dataId as GpuStorage);
        this.#capture?.scratch.set(t.dataId as GpuStorage, this.#capture.entry);
        return t;
      },
      dispatch: (p, args) => this.#dispatch(p, args),
      maxWorkgroupStorageBytes: device.limits.maxComputeWorkgroupStorageSize,
      subgroupSize: device.features.has('subgroups') && adapter.subgroupMinSize > 0 && adapter.subgroupMinSize === adapter.subgroupMaxSize
        ? adapter.subgroupMinSize : null,
      software: adapter.software,
      events: (t, cols, by, maxDensity) => {
        const list = this.#events.list(t, cols, by, maxDensity);
        const cap = this.#capture;
        if (cap) cap.events.push({ entry: cap.entry, input: { dataId: t.dataId, shape: [...t.shape], dtype: t.dtype, size: t.size }, cols, by, density: maxDensity, list });
        return list;
      },
    };
  }

  /** Throws if the backend cannot run work any more (shut down, device lost). */
  #check(what: string): void {
    if (this.#closed) throw new SpikegradError(`${what}: the WebGPU backend was shut down; call setBackend('webgpu') for a new one (tensors of the old one are gone)`);
    if (this.#lost) {
      throw new SpikegradError(`${what}: the WebGPU device was lost (${this.#lost}); its tensors are gone. Call shutdown() and setBackend('webgpu') to continue on a new device`);
    }
  }

  /**
   * Awaits a Dawn promise. On a software adapter the wait must not spin the core the adapter computes on
   * (quietWait.ts); on a GPU the spin costs nothing the device needs, and a timer would add latency.
   */
  #wait<T>(dawnCall: () => Promise<T>): Promise<T> {
    return this.adapter.software ? quietly(dawnCall) : dawnCall();
  }

  /** Reports (once) an error the device raised since the last report: a failed compile or a rejected command. */
  async #throwDeviceError(): Promise<void> {
    await this.#pipelines.settled();
    const e = this.#error;
    this.#error = null;
    if (e) throw new SpikegradError(e);
  }

  #tensorStorage(dtype: DType, shape: readonly number[], what: string): TensorInfo {
    const size = sizeOf(shape);
    const bytes = size * 4; // f32, i32, and bool as u32
    if (bytes > this.#maxBinding) {
      throw new SpikegradError(
        `${what}: a ${dtype} tensor ${fmtShape(shape)} needs ${bytes} bytes, more than this device allows in one buffer (${this.#maxBinding} bytes); split the work or use the CPU backend`,
      );
    }
    const s: GpuStorage = { buf: this.#pool.acquire(bytes + this.guards.bytes, STORAGE_USAGE), refs: 1 };
    if (this.guards.bytes > 0) {
      // Queued now, so before any command that will use the buffer (a pooled buffer has none pending).
      this.device.queue.writeBuffer(s.buf.buffer, bytes, new Uint32Array((s.buf.size - bytes) / 4).fill(GUARD_WORD));
    }
    this.#bytesInUse += s.buf.size;
    this.#live++;
    if (this.#bytesInUse > this.#peak) this.#peak = this.#bytesInUse;
    return { dataId: s, shape, dtype, size };
  }

  upload(values: TypedArray, dtype: DType): DataId {
    if (this.#capture) this.#capture.entry++;
    // A large float32 upload at most 10 % nonzero keeps its nonzeros for event-driven kernels (events.ts).
    return this.#upload(values, dtype, dtype === 'float32');
  }

  #upload(values: TypedArray, dtype: DType, scan = false): DataId {
    this.#check('upload');
    const t = this.#tensorStorage(dtype, [values.length], 'upload');
    if (values.length > 0) {
      // writeBuffer copies, so an array already in the storage type goes as is.
      const data = dtype === 'bool' ? Uint32Array.from(values)
        : dtype === 'int32' ? (values instanceof Int32Array ? values : Int32Array.from(values))
        : values instanceof Float32Array ? values : Float32Array.from(values);
      this.device.queue.writeBuffer((t.dataId as GpuStorage).buf.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
      if (scan && data instanceof Float32Array) this.#events.scan(t.dataId, data);
    }
    return t.dataId;
  }

  /** checkNumerics: a check of `t` dispatched now, reported at the next readback or sync. */
  watchFinite(t: TensorInfo, fail: NumericsFailure): void {
    this.#check('checkNumerics');
    if (t.dtype !== 'float32' || t.size === 0) return;
    if (!this.#checks) {
      const s: GpuStorage = { buf: this.#pool.acquire(4, STORAGE_USAGE), refs: 1 };
      // Queued before the open batch's commands, so the checks below see it.
      this.device.queue.writeBuffer(s.buf.buffer, 0, new Uint32Array([NO_FAILURE]));
      this.#checks = { flag: { dataId: s, shape: [1], dtype: 'int32', size: 1 }, failures: [] };
    }
    const c = this.#checks;
    this.#dispatch(finiteCheckProgram(), { inputs: [t], outputs: [c.flag], params: { n: t.size, slot: c.failures.length } });
    c.failures.push(fail);
  }

  /**
   * Takes the pending checks (later ones start a new flag) and, when there are any, a staging buffer their flag
   * is copied to by the command `copy` appends to the flush.
   */
  #takeChecks(): TakenChecks | null {
    const checks = this.#checks;
    if (!checks) return null;
    this.#checks = null;
    const staging = this.#pool.acquire(4, STAGING_USAGE);
    return { checks, staging, copy: (enc) => enc.copyBufferToBuffer((checks.flag.dataId as GpuStorage).buf.buffer, 0, staging.buffer, 0, 4) };
  }

  /** Reads the flag of `taken` (its copy was submitted) and fails with the first bad check, if any. */
  async #settleChecks(taken: TakenChecks): Promise<void> {
    let flag: number;
    try {
      await this.#wait(() => taken.staging.buffer.mapAsync(1 /* GPUMapMode.READ */, 0, 4));
      flag = new Uint32Array(taken.staging.buffer.getMappedRange(0, 4).slice(0))[0]!;
      taken.staging.buffer.unmap();
    } finally {
      this.#pool.release(taken.staging);
      this.#batch.release((taken.checks.flag.dataId as GpuStorage).buf);
    }
    if (flag !== NO_FAILURE) taken.checks.failures[flag >>> 2]!(KINDS[flag & 3]!, null);
  }

  async read(id: DataId, dtype: DType, size: number): Promise<TypedArray> {
    this.#check('read');
    const taken = this.#takeChecks();
    if (size === 0) {
      if (taken) {
        this.#batch.flush(taken.copy);
        await this.#settleChecks(taken);
      }
      return allocArray(dtype, 0);
    }
    const bytes = size * 4;
    const staging = this.#pool.acquire(bytes, STAGING_USAGE);
    // The copy rides in the pending batch's command buffer, after its dispatches.
    this.#batch.flush((enc) => {
      enc.copyBufferToBuffer((id as GpuStorage).buf.buffer, 0, staging.buffer, 0, bytes);
      taken?.copy(enc);
    });
    this.counters.readbacks++;
    let raw: ArrayBuffer;
    try {
      await this.#wait(() => staging.buffer.mapAsync(1 /* GPUMapMode.READ */, 0, bytes));
      raw = staging.buffer.getMappedRange(0, bytes).slice(0);
      staging.buffer.unmap();
      this.#pool.release(staging);
    } catch (e) {
      this.#check('read');
      throw new SpikegradError(`read: mapping the staging buffer failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    await this.#throwDeviceError();
    if (taken) await this.#settleChecks(taken); // checkNumerics: a bad op before this readback fails it
    if (dtype === 'bool') return Uint8Array.from(new Uint32Array(raw));
    return dtype === 'int32' ? new Int32Array(raw) : new Float32Array(raw);
  }

  /**
   * Guard regions (see `guards`): how many words past the end of tensor `t` no longer hold GUARD_WORD. Kernels
   * may store whole quads (vec4) at a ragged end, so the words up to the next multiple of 4 are theirs (every
   * buffer is a multiple of 16 bytes); the count starts after them.
   */
  async guardViolations(t: TensorInfo): Promise<number> {
    const words = (t.dataId as GpuStorage).buf.size / 4;
    const all = (await this.read(t.dataId, 'int32', words)) as Int32Array;
    let bad = 0;
    for (let i = Math.ceil(t.size / 4) * 4; i < words; i++) if (all[i] !== (GUARD_WORD | 0)) bad++;
    return bad;
  }

  incRef(id: DataId): void {
    (id as GpuStorage).refs++;
  }

  isLive(id: DataId): boolean {
    return (id as GpuStorage).refs > 0;
  }

  release(id: DataId, collected = false): void {
    const s = id as GpuStorage;
    if (s.refs <= 0 || --s.refs > 0) return;
    this.#events.drop(s);
    this.#bytesInUse -= s.buf.size;
    this.#live--;
    if (!this.#closed) this.#batch.release(s.buf, collected);
  }

  checkAlloc(what: string, outs: readonly { readonly shape: readonly number[]; readonly dtype: DType }[]): void {
    for (const o of outs) this.#checkSize(what, o.dtype, o.shape);
  }

  run<K extends OpName>(op: K, inputs: readonly TensorInfo[], attrs: OpAttrs[K], outs: readonly OutMeta[]): DataId[] {
    this.#check(op);
    if (this.#capture) this.#capture.entry++;
    const kernel = (WEBGPU_KERNELS as unknown as Record<string, GpuKernel<OpAttrs[K]>>)[op];
    if (!kernel) throw new SpikegradError(`webgpu backend: no kernel for op '${op}'`);
    // Output sizes were checked by the engine (checkAlloc) before this call.
    const results = this.#withScratch(() => kernel(this.#ctx, inputs, attrs, outs));
    return results.map((r) => r.dataId);
  }

  update<K extends UpdateName>(kernel: K, targets: readonly TensorInfo[], inputs: readonly TensorInfo[], attrs: UpdateAttrs[K]): void {
    this.#check(kernel);
    if (this.#capture) this.#capture.entry++;
    for (const t of targets) {
      if (inputs.some((i) => i.dataId === t.dataId)) throw new SpikegradError(`${kernel}: an input shares storage with a tensor it updates in place`);
      this.#events.drop(t.dataId); // its values change
    }
    this.#withScratch(() => (WEBGPU_UPDATES[kernel] as GpuUpdateKernel<UpdateAttrs[K]>)(this.#ctx, targets, inputs, attrs));
  }

  /**
   * Runs one program outside the op table (prototyping a kernel, tests): allocates `outputs`, dispatches,
   * and returns their storage, to wrap as tensors with `new Tensor(backend, info.dataId, info.shape, info.dtype)`.
   */
  runProgram(p: Program, args: { inputs: readonly TensorInfo[]; outputs: readonly OutMeta[]; params: DispatchArgs['params']; workgroups?: number }): TensorInfo[] {
    this.#check(p.key);
    for (const o of args.outputs) this.#checkSize(p.key, o.dtype, o.shape);
    const outs = args.outputs.map((o) => this.#ctx.output(o));
    this.#dispatch(p, { inputs: args.inputs, outputs: outs, params: args.params, ...(args.workgroups !== undefined ? { workgroups: args.workgroups } : {}) });
    return outs;
  }

  #checkSize(op: string, dtype: DType, shape: readonly number[]): void {
    const bytes = sizeOf(shape) * 4; // f32, i32, and bool as u32
    if (bytes > this.#maxBinding) {
      throw new SpikegradError(
        `${op}: output ${dtype} ${fmtShape(shape)} needs ${bytes} bytes, more than this device allows in one buffer (${this.#maxBinding} bytes, the smaller of maxStorageBufferBindingSize and maxBufferSize); split the work or use the CPU backend`,
      );
    }
  }

  #withScratch<T>(fn: () => T): T {
    const outer = this.#scratch;
    this.#scratch = [];
    try {
      return fn();
    } finally {
      for (const s of this.#scratch) this.release(s);
      this.#scratch = outer;
    }
  }

  /** Workgroup grid and elements per invocation of one dispatch (count 0: nothing to run). */
  #grid(p: Program, args: DispatchArgs): { span: number; x: number; y: number; count: number } {
    const span = p.spec.element !== undefined && p.spec.spanElements !== false
      ? Math.min(this.maxElementSpan, elementSpan(args.params.n as number, p.workgroupSize, this.#ctx.software)) : 1;
    const count = p.spec.element !== undefined ? Math.ceil((args.params.n as number) / (p.workgroupSize * span)) : args.workgroups ?? 0;
    if (args.inputs.length !== p.inputNames.length || args.outputs.length !== p.outputNames.length) {
      throw new SpikegradError(`program '${p.key}': expected ${p.inputNames.length} inputs and ${p.outputNames.length} outputs, got ${args.inputs.length} and ${args.outputs.length}`);
    }
    if (count === 0) return { span, x: 0, y: 0, count };
    const [x, y] = splitWorkgroups(count, this.#maxPerDim);
    return { span, x, y, count };
  }

  #dispatch(p: Program, args: DispatchArgs): void {
    const { span, x, y, count } = this.#grid(p, args);
    if (count === 0) return;
    const offset = this.#batch.reserve(p.paramBytes);
    packParams(p, args.params, this.#batch.params, offset, span);
    const storages = [...args.inputs, ...args.outputs].map((t) => t.dataId as GpuStorage);
    const { pipeline, bindGroup } = this.#pipelines.get(p, storages.map((s) => s.buf));
    this.#batch.dispatch(pipeline, bindGroup, offset, x, y);
    const cap = this.#capture;
    if (cap) {
      const params = new Uint8Array(this.#batch.params.buffer, offset, p.paramBytes).slice();
      cap.dispatches.push({ entry: cap.entry, program: p, storages, params, x, y });
    }
  }

  /**
   * transform.jit's replay on WebGPU (engine/backend.ts): the first replay of a recording runs its kernels
   * while capturing their dispatches and compiles them (kernels/webgpu/replay.ts); later ones encode the
   * compiled command list in one submit.
   */
  replayRecording(key: object, rec: Recording, ext: readonly TensorInfo[], hosts: readonly unknown[]): DataId[] {
    this.#check('transform.jit replay');
    const plan = this.#plans.get(rec);
    if (plan instanceof ReplayPlan) {
      const store = plan.replay(ext, hosts);
      if (store) return store;
      // This call's inputs take another kernel path (an input became sparse or dense): capture it afresh.
      this.forgetRecording(key, rec);
    } else if (plan === 'kernels') return replayKernels(rec, this, ext, hosts);
    this.flush();
    const cap = newCapture();
    this.#capture = cap;
    let store: DataId[];
    try {
      store = replayKernels(rec, this, ext, hosts);
    } finally {
      this.#capture = null;
    }
    this.flush();
    const compiled = ReplayPlan.compile(this.#replayPort(), rec, cap, store, ext);
    if (typeof compiled === 'string') this.#plans.set(rec, 'kernels');
    else {
      this.#plans.set(rec, compiled);
      let list = this.#keyPlans.get(key);
      if (!list) {
        this.#keyPlans.set(key, (list = []));
        this.#keyFinalizer.register(key, list);
      }
      list.push(compiled);
    }
    return store;
  }

  forgetRecording(key: object, rec: Recording): void {
    const plan = this.#plans.get(rec);
    this.#plans.delete(rec);
    if (!(plan instanceof ReplayPlan)) return;
    const list = this.#keyPlans.get(key);
    const i = list?.indexOf(plan) ?? -1;
    if (i >= 0) list!.splice(i, 1);
    if (!this.#closed) plan.dispose();
  }

  /** What a replay plan may use of this backend. */
  #replayPort(): ReplayHost {
    if (this.#replayHost) return this.#replayHost;
    const be = this;
    const host: ReplayHost = {
      device: this.device,
      counters: this.counters,
      events: this.#events,
      pipelineOf: (p) => this.#pipelines.pipelineOf(p),
      createBindGroup: (desc) => this.#pipelines.createUncached(desc),
      acquire: (bytes) => this.#pool.acquire(bytes, STORAGE_USAGE),
      discard: (b) => this.#batch.release(b, true),
      storage: (dtype, shape) => this.#tensorStorage(dtype, shape, 'transform.jit replay').dataId as GpuStorage,
      upload: (values, dtype) => this.#upload(values, dtype, dtype === 'float32') as GpuStorage,
      release: (id) => this.release(id),
      flush: () => this.flush(),
      packOnly: (entry, attrs, sink) => this.#packOnly(entry, attrs, sink),
      get destroyed() { return be.#destroyed; },
    };
    return (this.#replayHost = host);
  }

  /** Runs a recorded entry's kernel only for its uniforms (ReplayHost.packOnly). */
  #packOnly(entry: RecEntry, attrs: unknown, sink: (p: Program, params: Uint8Array) => void): void {
    this.#packSink = sink;
    const ctx = (this.#packCtx ??= this.#makePackContext());
    let ins = this.#packInfos.get(entry);
    if (!ins) {
      // Storage-less inputs: the kernel only reads their shapes to size its dispatches.
      const info = (x: { shape: readonly number[]; dtype: DType; size: number }): TensorInfo => ({ dataId: {}, shape: x.shape, dtype: x.dtype, size: x.size });
      ins = entry.kind === 'run' ? [entry.ins.map(info)] : entry.kind === 'update' ? [entry.targets.map(info), entry.ins.map(info)] : [];
      this.#packInfos.set(entry, ins);
    }
    if (entry.kind === 'run') {
      const kernel = (WEBGPU_KERNELS as unknown as Record<string, GpuKernel<unknown>>)[entry.op]!;
      kernel(ctx, ins[0]!, attrs, entry.outs);
    } else if (entry.kind === 'update') {
      (WEBGPU_UPDATES[entry.name] as GpuUpdateKernel<unknown>)(ctx, ins[0]!, ins[1]!, attrs);
    }
  }

  /** The context packOnly runs kernels in: made once, it hands each dispatch's packed uniforms to #packSink. */
  #makePackContext(): GpuContext {
    const view = this.#packView;
    const dummy = (dtype: DType, shape: readonly number[]): TensorInfo => ({ dataId: {}, shape, dtype, size: sizeOf(shape) });
    return {
      ...this.#ctx,
      output: (meta) => dummy(meta.dtype, meta.shape),
      scratch: dummy,
      events: () => null,
      dispatch: (p, args) => {
        const { span, count } = this.#grid(p, args);
        if (count === 0) return;
        packParams(p, args.params, view, 0, span);
        this.#packSink(p, new Uint8Array(view.buffer, 0, p.paramBytes));
      },
    };
  }

  /** Upper bound on elements per invocation of element programs (1: one each, as on a GPU; benchmarks compare). */
  maxElementSpan = Infinity;

  /** Dispatches per command-buffer submit (bench/experiments/dispatch.ts sweeps it). */
  get submitEvery(): number {
    return this.#batch.submitEvery;
  }

  set submitEvery(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new SpikegradError(`submitEvery: expected a positive integer, got ${n}`);
    this.flush();
    this.#batch.submitEvery = n;
  }

  /** Submits the open batch of dispatches, if any. */
  flush(): void {
    this.#batch.flush();
  }

  memory(): MemoryInfo {
    return {
      bytesInUse: this.#bytesInUse,
      liveBuffers: this.#live,
      bytesAllocated: this.#pool.allocatedBytes + ARENA_BYTES,
      peakBytesInUse: this.#peak,
    };
  }

  resetPeak(): void {
    this.#peak = this.#bytesInUse;
  }

  /**
   * Runtime statistics beyond MemoryInfo: compiled pipelines, pooled buffers, and bind groups (created since
   * the start, evicted from the bounded cache, held now: a repeated step should create none after warming up).
   */
  stats(): { pipelines: number; pooledBuffers: number; pooledFreeBytes: number; bindGroups: BindGroupStats } {
    return { pipelines: this.#pipelines.size, pooledBuffers: this.#pool.bufferCount, pooledFreeBytes: this.#pool.freeBytes, bindGroups: this.#pipelines.bindGroupStats };
  }

  async sync(): Promise<void> {
    this.#check('sync');
    const taken = this.#takeChecks();
    if (taken) {
      this.#batch.flush(taken.copy);
      await this.#settleChecks(taken);
    }
    this.flush();
    await this.#wait(() => this.device.queue.onSubmittedWorkDone());
    this.#check('sync');
    await this.#throwDeviceError();
  }

  async shutdown(): Promise<void> {
    if (this.#closed) return;
    if (!this.#lost) {
      this.flush();
      await this.device.queue.onSubmittedWorkDone().catch(() => {});
    }
    this.#closed = true;
    this.#pipelines.forgetBindGroups();
    this.device.destroy();
  }
}
