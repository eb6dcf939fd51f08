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
import { hostMember, uploadArray, type RecEntry, type Recording } from '../../engine/jitRecord.js';
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

interface PlanDispatch {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  paramBytes: number;
  offset: number;
  bindings: Binding[];
  /** Made once when every binding is fixed. */
  group: GPUBindGroup | null;
  /** Variable bindings: the buffers and group of the last replay (a step usually binds the same again). */
  lastBuffers: PooledBuffer[] | null;
  lastGroup: GPUBindGroup | null;
  x: number;
  y: number;
  program: Program;
}

const MAX_VARIABLE_GROUPS = 4096;

export class ReplayPlan {
  readonly #host: ReplayHost;
  readonly #rec: Recording;
  readonly #dispatches: PlanDispatch[];
  readonly #uniform: GPUBuffer;
  readonly #uniformData: Uint8Array<ArrayBuffer>;
  readonly #owned: PooledBuffer[];
  /** Plan storage of the non-escaping uploads (written at each replay when they are host values). */
  readonly #uploadStorage: Map<number, GpuStorage>;
  readonly #events: Capture['events'];
  /** Slot and ext of each event list's input, to look the list up again at replay. */
  readonly #eventInputs: ({ slot: number } | { ext: number })[];
  /** Dispatch index ranges of each entry whose attributes are host values. */
  readonly #hostEntries: { entry: number; first: number; count: number }[];
  /** Escaping slots a kernel makes: fresh storage each replay. */
  readonly #escapeRuns: { slot: number; dtype: DType; shape: readonly number[] }[];
  readonly #uploads: Extract<RecEntry, { kind: 'upload' }>[];
  readonly #groups = new Map<string, GPUBindGroup>();
  #groupsEpoch: number;
  readonly #offsets = [0];

  private constructor(host: ReplayHost, rec: Recording, parts: {
    dispatches: PlanDispatch[]; uniform: GPUBuffer; uniformData: Uint8Array<ArrayBuffer>; owned: PooledBuffer[]; uploadStorage: Map<number, GpuStorage>;
    events: Capture['events']; eventInputs: ({ slot: number } | { ext: number })[]; hostEntries: { entry: number; first: number; count: number }[];
    escapeRuns: { slot: number; dtype: DType; shape: readonly number[] }[];
  }) {
    this.#host = host;
    this.#rec = rec;
    this.#dispatches = parts.dispatches;
    this.#uniform = parts.uniform;
    this.#uniformData = parts.uniformData;
    this.#owned = parts.owned;
    this.#uploadStorage = parts.uploadStorage;
    this.#events = parts.events;
    this.#eventInputs = parts.eventInputs;
    this.#hostEntries = parts.hostEntries;
    this.#escapeRuns = parts.escapeRuns;
    this.#uploads = rec.entries.filter((e): e is Extract<RecEntry, { kind: 'upload' }> => e.kind === 'upload');
    this.#groupsEpoch = host.destroyed;
  }

  /** Dispatches one replay encodes. */
  get dispatchCount(): number {
    return this.#dispatches.length;
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
      dispatches.push({ pipeline, layout, paramBytes: d.params.length, offset: uniformBytes, bindings, group: null, lastBuffers: null, lastGroup: null, x: d.x, y: d.y, program: d.program });
      uniformBytes += Math.ceil(d.params.length / align) * align;
    }
    const uniformData = new Uint8Array(Math.max(uniformBytes, 16));
    cap.dispatches.forEach((d, i) => uniformData.set(d.params, dispatches[i]!.offset));
    const uniform = host.device.createBuffer({ size: uniformData.length, usage: 0x40 | 0x8 /* UNIFORM | COPY_DST */ });
    host.device.queue.writeBuffer(uniform, 0, uniformData);
    // Bind groups are shared by dispatches that bind the same buffers through the same layout (the uniform
    // offset is dynamic): lavapipe has a bounded pool of descriptor sets, and step mode makes ~12,000 dispatches.
    const fixed = new Map<string, GPUBindGroup>();
    for (const d of dispatches) {
      if (!d.bindings.every((b) => b.kind === 'fixed')) continue;
      const bufs = d.bindings.map((b) => (b as { buf: PooledBuffer }).buf);
      const key = groupKey(d, bufs, bufs.length);
      let g = fixed.get(key);
      if (!g) fixed.set(key, (g = makeGroup(host, d, uniform, bufs)));
      d.group = g;
    }

    // Non-escaping uploads: plan storage, filled now with this capture's values (a host value is rewritten each replay).
    const uploadStorage = new Map<number, GpuStorage>();
    entries.forEach((e, i) => {
      if (e.kind !== 'upload' || escaping[e.slot]) return;
      const ps: GpuStorage = { buf: bufferOf.get(store[e.slot] as GpuStorage)!, refs: 1 };
      uploadStorage.set(e.slot, ps);
      if (!e.host) writeUpload(host, ps, e.values!, e.dtype);
      void i;
    });
    const hostEntries: { entry: number; first: number; count: number }[] = [];
    entries.forEach((e, i) => {
      if (e.kind === 'upload' || !e.host) return;
      const first = cap.dispatches.findIndex((d) => d.entry === i);
      const count = cap.dispatches.filter((d) => d.entry === i).length;
      hostEntries.push({ entry: i, first: first < 0 ? 0 : first, count });
    });
    const escapeRuns: { slot: number; dtype: DType; shape: readonly number[] }[] = [];
    for (const e of entries) {
      if (e.kind === 'run') e.outSlots.forEach((s, k) => { if (escaping[s]) escapeRuns.push({ slot: s, dtype: e.outs[k]!.dtype, shape: e.outs[k]!.shape }); });
    }
    return new ReplayPlan(host, rec, { dispatches, uniform, uniformData, owned, uploadStorage, events: cap.events, eventInputs, hostEntries, escapeRuns });
  }

  /**
   * One replay: returns the storage of the escaping slots, or null when this call must run the kernels
   * instead (nothing was encoded; the caller runs them with the same host values, and captures again).
   */
  replay(ext: readonly TensorInfo[], hosts: readonly unknown[]): DataId[] | null {
    const host = this.#host, rec = this.#rec;
    // Uniforms of kernels whose attributes are host values (Adam's step and learning rate).
    const dirty: [number, number][] = [];
    for (const h of this.#hostEntries) {
      const e = rec.entries[h.entry]!;
      if (e.kind === 'upload' || !e.host) continue;
      let k = 0, ok = true;
      host.packOnly(e, hostMember(hosts, e.host), (p, params) => {
        const d = this.#dispatches[h.first + k];
        if (k >= h.count || !d || d.program !== p || params.length !== d.paramBytes) ok = false;
        else this.#uniformData.set(params, d.offset);
        k++;
      });
      if (!ok || k !== h.count) return null;
      if (h.count) dirty.push([this.#dispatches[h.first]!.offset, this.#dispatches[h.first + h.count - 1]!.offset + this.#dispatches[h.first + h.count - 1]!.paramBytes]);
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
    if (dirty.length) {
      // One write from the first changed byte to the last (the bytes between are the plan's own, unchanged).
      let from = Infinity, to = 0;
      for (const [a, b] of dirty) { from = Math.min(from, a); to = Math.max(to, b); }
      host.device.queue.writeBuffer(this.#uniform, from, this.#uniformData, from, to - from);
    }
    if (this.#groupsEpoch !== host.destroyed || this.#groups.size > MAX_VARIABLE_GROUPS) {
      this.#groups.clear(); // a pooled buffer was destroyed: a cached group may bind it
      for (const d of this.#dispatches) d.lastBuffers = d.lastGroup = null;
      this.#groupsEpoch = host.destroyed;
    }
    const encoder = host.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    let pipeline: GPUComputePipeline | null = null;
    const offsets = this.#offsets;
    const ds = this.#dispatches;
    const bufs: PooledBuffer[] = [];
    for (let i = 0; i < ds.length; i++) {
      const d = ds[i]!;
      let group = d.group;
      if (!group) {
        const bs = d.bindings, last = d.lastBuffers;
        let same = last !== null;
        for (let k = 0; k < bs.length; k++) {
          const b = bs[k]!;
          const buf = b.kind === 'fixed' ? b.buf
            : b.kind === 'ext' ? (ext[b.index]!.dataId as GpuStorage).buf
            : b.kind === 'escape' ? (store[b.slot] as GpuStorage).buf
            : (lists[b.event]![b.part].dataId as GpuStorage).buf; // non-null: checked above
          bufs[k] = buf;
          if (same && last![k] !== buf) same = false;
        }
        if (same && d.lastGroup) group = d.lastGroup;
        else {
          const key = groupKey(d, bufs, bs.length);
          group = this.#groups.get(key) ?? null;
          if (!group) {
            group = makeGroup(host, d, this.#uniform, bufs.slice(0, bs.length));
            this.#groups.set(key, group);
          }
          d.lastBuffers = bufs.slice(0, bs.length);
          d.lastGroup = group;
        }
      }
      if (d.pipeline !== pipeline) {
        pass.setPipeline(d.pipeline);
        pipeline = d.pipeline;
      }
      offsets[0] = d.offset;
      pass.setBindGroup(0, group, offsets);
      pass.dispatchWorkgroups(d.x, d.y);
    }
    pass.end();
    host.device.queue.submit([encoder.finish()]);
    host.counters.dispatches += ds.length;
    host.counters.submits++;
    return store;
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
function groupKey(d: PlanDispatch, bufs: readonly PooledBuffer[], n: number): string {
  let id = layoutIds.get(d.layout);
  if (id === undefined) layoutIds.set(d.layout, (id = nextLayoutId++));
  let key = `${id}:${d.paramBytes}`;
  for (let k = 0; k < n; k++) key += `,${bufs[k]!.id}`;
  return key;
}

function makeGroup(host: ReplayHost, d: PlanDispatch, uniform: GPUBuffer, bufs: readonly PooledBuffer[]): GPUBindGroup {
  const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniform, offset: 0, size: d.paramBytes } }];
  bufs.forEach((b, i) => entries.push({ binding: 1 + i, resource: { buffer: b.buffer } }));
  return host.createBindGroup({ layout: d.layout, entries });
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
