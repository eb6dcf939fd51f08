/**
 * transform.jit on WebGPU: a recorded step (engine/jitRecord.ts) compiled to a command list and replayed by
 * encoding it, without running the kernels' JavaScript.
 *
 * The first replay of a recording runs its kernels (as the engine's replay does) while the backend captures
 * every dispatch: program, the storage it binds, its uniform bytes and workgroup counts, plus the scratch
 * storage and event lists the kernels asked for. Compiling turns that into a plan:
 * - a static memory plan: every storage that lives only inside the step (intermediate slots, kernels'
 *   scratch, uploads of constants and random draws) gets a buffer owned by the plan, buffers shared by
 *   storage whose lifetimes (first to last entry using it) do not overlap; the step's results and the
 *   States' new values get fresh pooled storage every call (they outlive it); arguments, States' values and
 *   captured tensors are bound where they are;
 * - one uniform buffer holding every dispatch's parameters at its own aligned offset, written once;
 * - bind groups made once for dispatches that bind only fixed buffers, and cached by buffer ids for the
 *   others (their argument or result buffers may differ from call to call).
 * A replay then writes what changed (random draws into their buffers, the uniforms of kernels whose
 * attributes are host values: Adam's step count and learning rate, recomputed by running just those kernels'
 * parameter packing), encodes every dispatch into one command encoder and submits it once. Nothing is read
 * back. A plan that cannot be compiled (storage of unknown origin) or a call whose inputs would take another
 * kernel path (an event list that is no longer sparse enough) falls back to running the kernels.
 */
import type { BackendCounters, DataId, TensorInfo } from '../../engine/backend.js';
import type { DType, TypedArray } from '../../engine/dtype.js';
import { hostMember, uploadArray, type HostRef, type RecEntry, type Recording } from '../../engine/jitRecord.js';
import { sizeClass, type PooledBuffer } from './bufferPool.js';
import type { EventStore } from './events.js';
import type { Program } from './program.js';
import type { EventList } from './types.js';

export interface GpuStorage {
  buf: PooledBuffer;
  refs: number;
}

/** One dispatch as the backend encoded it during a capture. */
export interface CapturedDispatch {
  entry: number;
  program: Program;
  storages: GpuStorage[];
  params: Uint8Array;
  x: number;
  y: number;
}

/** What a capture collects while the recording's kernels run once. */
export interface Capture {
  /** The entry being run (incremented by the backend before each run, update or upload). */
  entry: number;
  dispatches: CapturedDispatch[];
  scratch: Map<GpuStorage, number>;
  /** Every event-list query of a kernel, with its answer (null: the kernel took its dense path). */
  events: { entry: number; input: TensorInfo; cols: number; by: 'row' | 'col'; density: number; list: EventList | null }[];
}

export function newCapture(): Capture {
  return { entry: -1, dispatches: [], scratch: new Map(), events: [] };
}

/** The backend's side of a replay. */
export interface ReplayHost {
  readonly device: GPUDevice;
  readonly counters: BackendCounters;
  readonly events: EventStore;
  pipelineOf(p: Program): { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout };
  /** Creates a bind group outside the backend's cache, counted in its stats like the cached ones. */
  createBindGroup(desc: GPUBindGroupDescriptor): GPUBindGroup;
  /** A buffer for the plan (not a tensor's: not counted in bytes in use). */
  acquire(bytes: number): PooledBuffer;
  /** Gives a plan buffer back (destroyed: a plan is dropped at a moment no program chose). */
  discard(b: PooledBuffer): void;
  /** Fresh storage for a tensor that leaves the step. */
  storage(dtype: DType, shape: readonly number[]): GpuStorage;
  /** Uploads `values` to fresh storage (with the event scan of a float32 upload). */
  upload(values: TypedArray, dtype: DType): GpuStorage;
  release(id: DataId): void;
  /** Submits the backend's open batch (its commands come before the replay's). */
  flush(): void;
  /**
   * Runs `entry`'s kernel with `attrs` only to compute its dispatches' uniforms: `sink` receives each
   * dispatch's program and packed parameter bytes (no buffers are allocated, nothing is encoded).
   */
  packOnly(entry: RecEntry, attrs: unknown, sink: (p: Program, params: Uint8Array) => void): void;
  /** Counts every buffer the pool destroyed so far (cached bind groups of a destroyed buffer are stale). */
  readonly destroyed: number;
}

/** Where a bound buffer comes from at replay. */
type Binding =
  | { kind: 'fixed'; buf: PooledBuffer }
  | { kind: 'ext'; index: number }
  | { kind: 'escape'; slot: number }
  | { kind: 'events'; event: number; part: 'ptr' | 'idx' | 'val' };

/** A dispatch while the plan is compiled. */
interface PlanDispatch {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  paramBytes: number;
  offset: number;
  bindings: Binding[];
  x: number;
  y: number;
}

/** A dispatch that binds a buffer that may differ from call to call (an argument, a State, a result). */
interface VariableDispatch {
  /** Its index in the command list. */
  index: number;
  layout: GPUBindGroupLayout;
  paramBytes: number;
  /** Per binding: the fixed buffer, or null where `sources` names the variable one. */
  fixed: (PooledBuffer | null)[];
  /** Per binding: the index of its variable source (-1: fixed). */
  sources: Int32Array;
}

/** An entry whose attributes are host values (Adam's update): its uniforms are packed again at each replay. */
interface HostEntry {
  entry: Exclude<RecEntry, { kind: 'upload' }>;
  host: HostRef;
  dispatches: { program: Program; offset: number; paramBytes: number }[];
}

/** Cached bind groups of variable dispatches before the cache is cleared (lavapipe's descriptor pool is bounded). */
const MAX_VARIABLE_GROUPS = 4096;

/** Int32s per dispatch in the command list: pipeline index (-1: the previous dispatch's), uniform offset, x, y. */
const STRIDE = 4;

export class ReplayPlan {
  readonly #host: ReplayHost;
  readonly #rec: Recording;
  /**
   * The command list, walked by each replay: STRIDE int32s per dispatch, with its bind group in `#groups` at
   * the same index (fixed ones made at compile time; variable ones resolved before encoding).
   */
  readonly #code: Int32Array;
  readonly #pipelines: GPUComputePipeline[];
  readonly #groups: GPUBindGroup[];
  readonly #variable: VariableDispatch[];
  /** The variable sources (argument, State, result or event-list buffers), one entry per distinct source. */
  readonly #sources: Binding[];
  /** Per source, the variable dispatches that bind it (indices into #variable). */
  readonly #dependents: Int32Array[];
  /** Per source, the buffer the last replay bound (null: resolve again). */
  readonly #lastSource: (PooledBuffer | null)[];
  readonly #dirty: Uint8Array;
  readonly #uniform: GPUBuffer;
  readonly #queue: GPUQueue;
  readonly #uniformData: Uint8Array<ArrayBuffer>;
  readonly #owned: PooledBuffer[];
  /** Plan storage of the non-escaping uploads (written at each replay when they are host values). */
  readonly #uploadStorage: Map<number, GpuStorage>;
  readonly #events: Capture['events'];
  /** Slot and ext of each event list's input, to look the list up again at replay. */
  readonly #eventInputs: ({ slot: number } | { ext: number })[];
  /** The entries whose attributes are host values, with their dispatches. */
  readonly #hostEntries: HostEntry[];
  /** The uniform bytes those dispatches own: from the first to the end of the last (one write per replay). */
  readonly #hostFrom: number;
  readonly #hostTo: number;
  /** Escaping slots a kernel makes: fresh storage each replay. */
  readonly #escapeRuns: { slot: number; dtype: DType; shape: readonly number[] }[];
  readonly #uploads: Extract<RecEntry, { kind: 'upload' }>[];
  /** Bind groups of variable dispatches, by layout and buffers (a result's buffers alternate between calls). */
  readonly #groupCache = new Map<string, GPUBindGroup>();
  #groupsEpoch: number;
  readonly #offsets = [0];
  readonly #bufs: PooledBuffer[] = [];

  private constructor(host: ReplayHost, rec: Recording, parts: {
    dispatches: PlanDispatch[]; fixedGroups: (GPUBindGroup | null)[]; uniform: GPUBuffer; uniformData: Uint8Array<ArrayBuffer>; owned: PooledBuffer[]; uploadStorage: Map<number, GpuStorage>;
    events: Capture['events']; eventInputs: ({ slot: number } | { ext: number })[]; hostEntries: HostEntry[];
    escapeRuns: { slot: number; dtype: DType; shape: readonly number[] }[];
  }) {
    this.#host = host;
    this.#rec = rec;
    const ds = parts.dispatches;
    this.#code = new Int32Array(ds.length * STRIDE);
    this.#pipelines = [];
    this.#groups = new Array<GPUBindGroup>(ds.length);
    this.#variable = [];
    this.#sources = [];
    const sourceOf = new Map<string, number>();
    const dependents: number[][] = [];
    let previous: GPUComputePipeline | null = null;
    ds.forEach((d, i) => {
      let p = -1;
      if (d.pipeline !== previous) {
        p = this.#pipelines.indexOf(d.pipeline);
        if (p < 0) p = this.#pipelines.push(d.pipeline) - 1;
        previous = d.pipeline;
      }
      this.#code.set([p, d.offset, d.x, d.y], i * STRIDE);
      const g = parts.fixedGroups[i];
      if (g) {
        this.#groups[i] = g;
        return;
      }
      const v: VariableDispatch = { index: i, layout: d.layout, paramBytes: d.paramBytes, fixed: [], sources: new Int32Array(d.bindings.length).fill(-1) };
      d.bindings.forEach((b, k) => {
        if (b.kind === 'fixed') {
          v.fixed.push(b.buf);
          return;
        }
        v.fixed.push(null);
        const key = b.kind === 'ext' ? `e${b.index}` : b.kind === 'escape' ? `s${b.slot}` : `v${b.event}${b.part}`;
        let src = sourceOf.get(key);
        if (src === undefined) {
          sourceOf.set(key, (src = this.#sources.push(b) - 1));
          dependents.push([]);
        }
        v.sources[k] = src;
        const deps = dependents[src]!;
        if (deps[deps.length - 1] !== this.#variable.length) deps.push(this.#variable.length);
      });
      this.#variable.push(v);
    });
    this.#dependents = dependents.map((d) => Int32Array.from(d));
    this.#lastSource = new Array<PooledBuffer | null>(this.#sources.length).fill(null);
    this.#dirty = new Uint8Array(this.#variable.length);
    this.#uniform = parts.uniform;
    this.#queue = host.device.queue;
    this.#uniformData = parts.uniformData;
    this.#owned = parts.owned;
    this.#uploadStorage = parts.uploadStorage;
    this.#events = parts.events;
    this.#eventInputs = parts.eventInputs;
    this.#hostEntries = parts.hostEntries;
    let from = Infinity, to = 0;
    for (const h of parts.hostEntries) for (const d of h.dispatches) { from = Math.min(from, d.offset); to = Math.max(to, d.offset + d.paramBytes); }
    this.#hostFrom = from;
    this.#hostTo = to;
    this.#escapeRuns = parts.escapeRuns;
    this.#uploads = rec.entries.filter((e): e is Extract<RecEntry, { kind: 'upload' }> => e.kind === 'upload');
    this.#groupsEpoch = host.destroyed;
  }

  /** Dispatches one replay encodes. */
  get dispatchCount(): number {
    return this.#groups.length;
  }

  /**
   * Compiles a captured run of `rec` (`store`: its storage per slot; `ext`: its external inputs), or returns
   * why it cannot be.
   */
  static compile(host: ReplayHost, rec: Recording, cap: Capture, store: readonly DataId[], ext: readonly TensorInfo[]): ReplayPlan | string {
    const entries = rec.entries;
    // Lifetimes by entry: a slot from the entry that makes it to its last use; escaping slots never end.
    const escaping = new Array<boolean>(rec.slotCount).fill(true);
    for (const f of rec.frees) for (const s of f) escaping[s] = false;
    const def = new Array<number>(rec.slotCount).fill(-1);
    const last = new Array<number>(rec.slotCount).fill(-1);
    const isUpload = new Array<boolean>(rec.slotCount).fill(false);
    entries.forEach((e, i) => {
      const made = e.kind === 'run' ? e.outSlots : e.kind === 'upload' ? [e.slot] : [];
      for (const s of made) def[s] = last[s] = i;
      if (e.kind === 'upload') isUpload[e.slot] = true;
      const uses = e.kind === 'run' ? e.ins : e.kind === 'update' ? [...e.targets, ...e.ins] : [];
      for (const u of uses) if (u.ref >= 0) last[u.ref] = Math.max(last[u.ref]!, i);
    });
    // Storage → what it is.
    type Role = { slot: number } | { ext: number } | { scratch: number };
    const roles = new Map<GpuStorage, Role>();
    ext.forEach((t, j) => { if (!roles.has(t.dataId as GpuStorage)) roles.set(t.dataId as GpuStorage, { ext: j }); });
    store.forEach((id, s) => { if (id) roles.set(id as GpuStorage, { slot: s }); });
    for (const [st, entry] of cap.scratch) roles.set(st, { scratch: entry });
    const eventParts = new Map<GpuStorage, { event: number; part: 'ptr' | 'idx' | 'val' }>();
    const eventInputs: ({ slot: number } | { ext: number })[] = [];
    for (let k = 0; k < cap.events.length; k++) {
      const ev = cap.events[k]!;
      const role = roles.get(ev.input.dataId as GpuStorage);
      if (!role || 'scratch' in role) return 'a kernel used the event list of storage that is not an input or a slot of the step';
      eventInputs.push(role);
      if (ev.list) for (const part of ['ptr', 'idx', 'val'] as const) eventParts.set(ev.list[part].dataId as GpuStorage, { event: k, part });
    }

    // The static memory plan: owned buffers for non-escaping slots and scratch, shared across disjoint lifetimes.
    interface Need { key: GpuStorage; bytes: number; from: number; to: number; dedicated: boolean }
    const needs: Need[] = [];
    store.forEach((id, s) => {
      if (!id || escaping[s]) return;
      // Uploads are written before the command buffer runs, so their buffer must not be shared within the step.
      needs.push({ key: id as GpuStorage, bytes: (id as GpuStorage).buf.size, from: def[s]!, to: last[s]!, dedicated: isUpload[s]! });
    });
    for (const [st, entry] of cap.scratch) needs.push({ key: st, bytes: st.buf.size, from: entry, to: entry, dedicated: false });
    needs.sort((a, b) => a.from - b.from);
    const owned: PooledBuffer[] = [];
    const bufferOf = new Map<GpuStorage, PooledBuffer>();
    const free = new Map<number, PooledBuffer[]>();
    const active: { to: number; buf: PooledBuffer }[] = [];
    for (const n of needs) {
      if (n.dedicated) {
        const b = host.acquire(n.bytes);
        owned.push(b);
        bufferOf.set(n.key, b);
        continue;
      }
      // Buffers whose last user ran before this one's first are free again.
      for (let i = active.length - 1; i >= 0; i--) {
        if (active[i]!.to < n.from) {
          const b = active[i]!.buf;
          const list = free.get(b.size) ?? [];
          list.push(b);
          free.set(b.size, list);
          active.splice(i, 1);
        }
      }
      const size = sizeClass(n.bytes);
      let b = free.get(size)?.pop();
      if (!b) {
        b = host.acquire(size);
        owned.push(b);
      }
      active.push({ to: n.to, buf: b });
      bufferOf.set(n.key, b);
    }

    // Dispatches: bindings, uniform offsets, fixed bind groups.
    const align = host.device.limits.minUniformBufferOffsetAlignment;
    let uniformBytes = 0;
    const dispatches: PlanDispatch[] = [];
    for (const d of cap.dispatches) {
      const { pipeline, layout } = host.pipelineOf(d.program);
      const bindings: Binding[] = [];
      for (const st of d.storages) {
        const role = roles.get(st);
        const ev = eventParts.get(st);
        if (ev) bindings.push({ kind: 'events', ...ev });
        else if (!role) return `the '${d.program.key}' kernel bound storage the plan does not know`;
        else if ('ext' in role) {
          const src = rec.ext[role.ext]!;
          bindings.push(src.kind === 'const' ? { kind: 'fixed', buf: st.buf } : { kind: 'ext', index: role.ext });
        } else if ('slot' in role && escaping[role.slot]) bindings.push({ kind: 'escape', slot: role.slot });
        else bindings.push({ kind: 'fixed', buf: bufferOf.get(st)! });
      }
      dispatches.push({ pipeline, layout, paramBytes: d.params.length, offset: uniformBytes, bindings, x: d.x, y: d.y });
      uniformBytes += Math.ceil(d.params.length / align) * align;
    }
    const uniformData = new Uint8Array(Math.max(uniformBytes, 16));
    cap.dispatches.forEach((d, i) => uniformData.set(d.params, dispatches[i]!.offset));
    const uniform = host.device.createBuffer({ size: uniformData.length, usage: 0x40 | 0x8 /* UNIFORM | COPY_DST */ });
    host.device.queue.writeBuffer(uniform, 0, uniformData);
    // Bind groups are shared by dispatches that bind the same buffers through the same layout (the uniform
    // offset is dynamic): lavapipe has a bounded pool of descriptor sets, and step mode makes ~12,000 dispatches.
    const fixed = new Map<string, GPUBindGroup>();
    const fixedGroups = dispatches.map((d) => {
      if (!d.bindings.every((b) => b.kind === 'fixed')) return null;
      const bufs = d.bindings.map((b) => (b as { buf: PooledBuffer }).buf);
      const key = groupKey(d.layout, d.paramBytes, bufs, bufs.length);
      let g = fixed.get(key);
      if (!g) fixed.set(key, (g = makeGroup(host, d.layout, d.paramBytes, uniform, bufs)));
      return g;
    });

    // Non-escaping uploads: plan storage, filled now with this capture's values (a host value is rewritten each replay).
    const uploadStorage = new Map<number, GpuStorage>();
    entries.forEach((e, i) => {
      if (e.kind !== 'upload' || escaping[e.slot]) return;
      const ps: GpuStorage = { buf: bufferOf.get(store[e.slot] as GpuStorage)!, refs: 1 };
      uploadStorage.set(e.slot, ps);
      if (!e.host) writeUpload(host, ps, e.values!, e.dtype);
      void i;
    });
    const hostEntries: HostEntry[] = [];
    entries.forEach((e, i) => {
      if (e.kind === 'upload' || !e.host) return;
      const ds: HostEntry['dispatches'] = [];
      cap.dispatches.forEach((d, k) => { if (d.entry === i) ds.push({ program: d.program, offset: dispatches[k]!.offset, paramBytes: d.params.length }); });
      hostEntries.push({ entry: e, host: e.host, dispatches: ds });
    });
    const escapeRuns: { slot: number; dtype: DType; shape: readonly number[] }[] = [];
    for (const e of entries) {
      if (e.kind === 'run') e.outSlots.forEach((s, k) => { if (escaping[s]) escapeRuns.push({ slot: s, dtype: e.outs[k]!.dtype, shape: e.outs[k]!.shape }); });
    }
    return new ReplayPlan(host, rec, { dispatches, fixedGroups, uniform, uniformData, owned, uploadStorage, events: cap.events, eventInputs, hostEntries, escapeRuns });
  }

  /**
   * One replay: returns the storage of the escaping slots, or null when this call must run the kernels
   * instead (nothing was encoded; the caller runs them with the same host values, and captures again).
   */
  replay(ext: readonly TensorInfo[], hosts: readonly unknown[]): DataId[] | null {
    const host = this.#host, rec = this.#rec;
    // Uniforms of kernels whose attributes are host values (Adam's step and learning rate).
    for (const h of this.#hostEntries) {
      const ds = h.dispatches;
      let k = 0, ok = true;
      host.packOnly(h.entry, hostMember(hosts, h.host), (p, params) => {
        const d = ds[k++];
        if (!d || d.program !== p || params.length !== d.paramBytes) ok = false;
        else this.#uniformData.set(params, d.offset);
      });
      if (!ok || k !== ds.length) return null;
    }
    const store = new Array<DataId>(rec.slotCount);
    const made: GpuStorage[] = [];
    host.flush(); // earlier work first; writes below are queued after it
    for (const r of this.#escapeRuns) made.push((store[r.slot] = host.storage(r.dtype, r.shape)) as GpuStorage);
    for (const e of this.#uploads) {
      const values = e.host ? uploadArray(hostMember(hosts, e.host), e.dtype) : e.values!;
      const ps = this.#uploadStorage.get(e.slot);
      if (ps) {
        if (e.host) writeUpload(host, ps, values, e.dtype);
      } else made.push((store[e.slot] = host.upload(values, e.dtype)) as GpuStorage);
    }
    // Event lists of this call's inputs (a sparse upload or argument): each kernel's path (event-driven or
    // dense) must be the one captured, or the results would differ in rounding from a call without jit.
    const lists: (EventList | null)[] = [];
    for (let k = 0; k < this.#events.length; k++) {
      const ev = this.#events[k]!, input = this.#eventInputs[k]!;
      const dataId = 'ext' in input ? ext[input.ext]!.dataId : (this.#uploadStorage.get(input.slot) ?? store[input.slot]);
      const list = dataId ? host.events.list({ dataId, shape: ev.input.shape, dtype: ev.input.dtype, size: ev.input.size }, ev.cols, ev.by, ev.density) : null;
      if ((list === null) !== (ev.list === null)) {
        for (const m of made) host.release(m);
        return null;
      }
      lists.push(list);
    }
    // One write from the first host-valued uniform byte to the last (the bytes between are the plan's own).
    if (this.#hostTo > this.#hostFrom) this.#queue.writeBuffer(this.#uniform, this.#hostFrom, this.#uniformData, this.#hostFrom, this.#hostTo - this.#hostFrom);
    this.#resolveGroups(ext, store, lists);

    // The command list: a tight loop over int32s, one native call per pipeline change, bind group and dispatch.
    const encoder = host.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    const code = this.#code, pipelines = this.#pipelines, groups = this.#groups, offsets = this.#offsets;
    const n = groups.length;
    for (let i = 0, o = 0; i < n; i++, o += STRIDE) {
      const p = code[o]!;
      if (p >= 0) pass.setPipeline(pipelines[p]!);
      offsets[0] = code[o + 1]!;
      pass.setBindGroup(0, groups[i]!, offsets);
      pass.dispatchWorkgroups(code[o + 2]!, code[o + 3]!);
    }
    pass.end();
    this.#queue.submit([encoder.finish()]);
    host.counters.dispatches += n;
    host.counters.submits++;
    return store;
  }

  /**
   * The bind groups of the dispatches that bind an argument's, a State's, a result's or an event list's
   * buffer: only those whose source buffer changed since the last replay are looked up again (a State
   * updated in place keeps its buffer; a result alternates between two pooled buffers, both cached).
   */
  #resolveGroups(ext: readonly TensorInfo[], store: readonly DataId[], lists: readonly (EventList | null)[]): void {
    const host = this.#host;
    const last = this.#lastSource, dirty = this.#dirty;
    if (this.#groupsEpoch !== host.destroyed || this.#groupCache.size > MAX_VARIABLE_GROUPS) {
      this.#groupCache.clear(); // a pooled buffer was destroyed: a cached group may bind it
      last.fill(null);
      this.#groupsEpoch = host.destroyed;
    }
    const sources = this.#sources;
    let any = false;
    for (let s = 0; s < sources.length; s++) {
      const b = sources[s]!;
      const buf = b.kind === 'ext' ? (ext[b.index]!.dataId as GpuStorage).buf
        : b.kind === 'escape' ? (store[b.slot] as GpuStorage).buf
        : b.kind === 'events' ? (lists[b.event]![b.part].dataId as GpuStorage).buf // non-null: checked by replay
        : b.buf;
      if (buf === last[s]) continue;
      last[s] = buf;
      const deps = this.#dependents[s]!;
      for (let k = 0; k < deps.length; k++) dirty[deps[k]!] = 1;
      any = true;
    }
    if (!any) return;
    const bufs = this.#bufs;
    for (let j = 0; j < this.#variable.length; j++) {
      if (!dirty[j]) continue;
      dirty[j] = 0;
      const v = this.#variable[j]!;
      const m = v.fixed.length;
      for (let k = 0; k < m; k++) bufs[k] = v.fixed[k] ?? last[v.sources[k]!]!;
      const key = groupKey(v.layout, v.paramBytes, bufs, m);
      let g = this.#groupCache.get(key);
      if (!g) this.#groupCache.set(key, (g = makeGroup(host, v.layout, v.paramBytes, this.#uniform, bufs.slice(0, m))));
      this.#groups[v.index] = g;
    }
  }

  #disposed = false;

  /** Gives the plan's buffers back (once). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const b of this.#owned) this.#host.discard(b);
    for (const ps of this.#uploadStorage.values()) this.#host.events.drop(ps);
    this.#uniform.destroy();
  }
}

const layoutIds = new WeakMap<GPUBindGroupLayout, number>();
let nextLayoutId = 1;

/** Identifies a bind group: its layout, its uniform binding's size and the buffers it binds. */
function groupKey(layout: GPUBindGroupLayout, paramBytes: number, bufs: readonly PooledBuffer[], n: number): string {
  let id = layoutIds.get(layout);
  if (id === undefined) layoutIds.set(layout, (id = nextLayoutId++));
  let key = `${id}:${paramBytes}`;
  for (let k = 0; k < n; k++) key += `,${bufs[k]!.id}`;
  return key;
}

function makeGroup(host: ReplayHost, layout: GPUBindGroupLayout, paramBytes: number, uniform: GPUBuffer, bufs: readonly PooledBuffer[]): GPUBindGroup {
  const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniform, offset: 0, size: paramBytes } }];
  bufs.forEach((b, i) => entries.push({ binding: 1 + i, resource: { buffer: b.buffer } }));
  return host.createBindGroup({ layout, entries });
}

/** Writes an upload's values into plan storage, and rescans a float32 one for its event list. */
function writeUpload(host: ReplayHost, ps: GpuStorage, values: TypedArray, dtype: DType): void {
  const data = dtype === 'bool' ? Uint32Array.from(values)
    : dtype === 'int32' ? (values instanceof Int32Array ? values : Int32Array.from(values))
    : values instanceof Float32Array ? values : Float32Array.from(values);
  if (data.byteLength) host.device.queue.writeBuffer(ps.buf.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  host.events.drop(ps);
  if (data instanceof Float32Array) host.events.scan(ps, data);
}
