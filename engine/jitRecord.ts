/**
 * Recording a `transform.jit` step and replaying it (engine/jit.ts decides when).
 *
 * A recording watches one real call of the step at the backend's boundary: every kernel run (`run`), in-place
 * update (`update`) and upload, in order, with their inputs named by where their storage came from:
 * - a slot: storage the step itself produced (a kernel output or an upload inside the step);
 * - an argument of the call, the value a State held when the call began, or a captured tensor (a constant).
 * It also notes which States the step read and wrote, and the structure of its result.
 *
 * Replaying runs that list again without the step's JavaScript: no op-table inference, no tape, no Tensor
 * objects but the results and the States' new values, each kernel handed its inputs' storage directly, each
 * slot freed after its last use. A backend that records its own commands (WebGPU: kernels/webgpu/replay.ts)
 * replays below this level; the CPU backend runs its kernels from this list.
 *
 * Values that change from call to call without being tensors (the Adam step count, a learning-rate
 * schedule, random draws) are computed on the host inside `hostValue(fn)`: a recording keeps `fn` and a
 * replay calls it again, in the recorded order, so the generator and the step count advance exactly as
 * they would without jit. Whatever else the step computes in JavaScript is a constant of the recording
 * (as in JAX): jit records twice and compares before it replays (engine/jit.ts), which catches a constant
 * that changed between the two calls.
 */
import type { Backend, DataId, TensorInfo, UpdateAttrs, UpdateName } from './backend.js';
import { toTypedArray, type DType, type TypedArray } from './dtype.js';
import type { OpAttrs, OpName, OutMeta } from './ops.js';
import { stateHooks, type State } from './state.js';
import { Tensor } from './tensor.js';

/** Where an input's storage comes from: a slot (>= 0) or external `-1 - i` (index i into `Recording.ext`). */
export type Ref = number;

/**
 * An external source, with the tensor the recording saw (its shape and dtype are what a replay expects).
 * A captured constant is known by its storage: the step may see it only through views it makes itself
 * (a reshape), which are gone after the call.
 */
export type ExtSource =
  | { kind: 'arg'; index: number; tensor: Tensor }
  | { kind: 'state'; state: State; tensor: Tensor }
  | { kind: 'const'; tensor: Tensor; dataId: DataId };

export interface RecIn {
  ref: Ref;
  shape: readonly number[];
  dtype: DType;
  size: number;
}

/** A value computed by `hostValue`: index into the host functions, and (for a record or tuple) the member. */
export interface HostRef {
  index: number;
  key: string | null;
}

export type RecEntry =
  | { kind: 'run'; op: OpName; attrs: unknown; host: HostRef | null; ins: RecIn[]; outs: readonly OutMeta[]; outSlots: number[] }
  | { kind: 'update'; name: UpdateName; attrs: unknown; host: HostRef | null; targets: RecIn[]; ins: RecIn[] }
  | { kind: 'upload'; slot: number; dtype: DType; values: TypedArray | null; host: HostRef | null };

/** A tensor that leaves the step (a result, a State's new value): its storage, shape and dtype. */
export interface Escape {
  ref: Ref;
  shape: readonly number[];
  dtype: DType;
  /** The escaping tensor is the external tensor itself (returned unchanged), not a new view of its storage. */
  same: boolean;
  /** The step `keep()`-ed it: a replay's tensor is kept too (jit does not free it at the next call). */
  kept: boolean;
}

/** The result's structure with each tensor replaced by the index of its Escape. */
export type Template = { escape: number } | { array: Template[] } | { record: [string, Template][] } | { value: unknown };

export interface Recording {
  entries: RecEntry[];
  ext: ExtSource[];
  slotCount: number;
  hosts: (() => unknown)[];
  escapes: Escape[];
  result: Template;
  stateWrites: [State, number][];
  /** Per entry, the slots to free after it (their last use; escaping slots are never freed by a replay). */
  frees: number[][];
  /** Ops the recorded call ran through the op table (so that stats compare a replay with a traced call). */
  ops: number;
  /** Why this step cannot be replayed at all (null: it can). */
  unrecordable: string | null;
  /** Why this one recording cannot be replayed, though a later one may be (a tensor kept on the first call). */
  unusable: string | null;
}

// ---- host values --------------------------------------------------------------------------------------

let active: Recorder | null = null;

/**
 * Computes a host-side value that changes from call to call of a jitted step (a random draw, the optimizer's
 * step count and learning rate): outside a recording it is just `fn()`; a recording keeps `fn` so that each
 * replay calls it again. `fn` must do only host work (no tensor ops).
 */
export function hostValue<T>(fn: () => T): T {
  const r = active;
  return r ? r.host(fn) : fn();
}

/** True while a jit recording is watching (hooks elsewhere may skip work that only a recording needs). */
export function isRecordingStep(): boolean {
  return active !== null;
}

// ---- recording ------------------------------------------------------------------------------------------

type Patchable = 'run' | 'update' | 'upload' | 'read' | 'readSync' | 'incRef' | 'release';
const PATCHED: readonly Patchable[] = ['run', 'update', 'upload', 'read', 'readSync', 'incRef', 'release'];

class Recorder {
  readonly entries: RecEntry[] = [];
  readonly ext: ExtSource[] = [];
  readonly hosts: (() => unknown)[] = [];
  readonly #slotOf = new Map<DataId, number>();
  /** Live references to each slot's storage during the recorded call. */
  readonly slotRefs: number[] = [];
  readonly #extOf = new Map<DataId, number>();
  readonly #argOf = new Map<DataId, { index: number; tensor: Tensor }>();
  readonly #stateOf = new Map<DataId, { state: State; tensor: Tensor }>();
  readonly stateWrites = new Map<State, Tensor>();
  #pending: { index: number; value: unknown } | null = null;
  unrecordable: string | null = null;
  unusable: string | null = null;

  constructor(args: readonly Tensor[]) {
    args.forEach((t, index) => { if (!t.isDisposed && !this.#argOf.has(t.dataId)) this.#argOf.set(t.dataId, { index, tensor: t }); });
  }

  host<T>(fn: () => T): T {
    const v = fn();
    this.#pending = { index: this.hosts.length, value: v };
    this.hosts.push(fn);
    return v;
  }

  /** The host value `v` is, or is a member of (the optimizer's [kernel, attrs]). */
  #hostRef(v: unknown): HostRef | null {
    const p = this.#pending;
    if (!p || v === null || typeof v !== 'object') return null;
    if (p.value === v) return { index: p.index, key: null };
    if (p.value !== null && typeof p.value === 'object') {
      for (const [k, m] of Object.entries(p.value)) if (m === v) return { index: p.index, key: k };
    }
    return null;
  }

  noteStateRead(s: State, t: Tensor): void {
    const id = t.dataId;
    if (!this.#slotOf.has(id) && !this.#stateOf.has(id)) this.#stateOf.set(id, { state: s, tensor: t });
  }

  noteStateWrite(s: State, t: Tensor): void {
    this.stateWrites.set(s, t);
  }

  /** The Ref of `t`'s storage, naming a new external source the first time one is seen. */
  ref(t: TensorInfo): Ref {
    const id = t.dataId;
    const slot = this.#slotOf.get(id);
    if (slot !== undefined) return slot;
    let e = this.#extOf.get(id);
    if (e === undefined) {
      const arg = this.#argOf.get(id), st = this.#stateOf.get(id);
      let src: ExtSource;
      if (arg) src = { kind: 'arg', index: arg.index, tensor: arg.tensor };
      else if (st) src = { kind: 'state', state: st.state, tensor: st.tensor };
      else if (t instanceof Tensor) src = { kind: 'const', tensor: t, dataId: id };
      else {
        this.unrecordable ??= 'a kernel was handed storage that belongs to no tensor';
        src = { kind: 'const', tensor: null as unknown as Tensor, dataId: id };
      }
      e = this.ext.length;
      this.ext.push(src);
      this.#extOf.set(id, e);
    }
    return -1 - e;
  }

  recIn(t: TensorInfo): RecIn {
    return { ref: this.ref(t), shape: [...t.shape], dtype: t.dtype, size: t.size };
  }

  newSlot(id: DataId, what: string): number {
    if (this.#slotOf.has(id) || this.#extOf.has(id)) {
      this.unrecordable ??= `the ${what} kernel returned storage that already holds another tensor`;
    }
    const s = this.slotRefs.length;
    this.slotRefs.push(1);
    this.#slotOf.set(id, s);
    return s;
  }

  slotOf(id: DataId): number | undefined {
    return this.#slotOf.get(id);
  }

  /** Installs the recording hooks on `be` (own properties shadowing its methods); returns the undo. */
  attach(be: Backend): () => void {
    const target = be as unknown as Record<Patchable, unknown>;
    const saved = PATCHED.map((k) => [k, Object.getOwnPropertyDescriptor(be, k)] as const);
    const orig = Object.fromEntries(PATCHED.map((k) => [k, target[k]])) as unknown as Backend;
    target.run = <K extends OpName>(op: K, inputs: readonly TensorInfo[], attrs: OpAttrs[K], outs: readonly OutMeta[]): DataId[] => {
      const ins = inputs.map((t) => this.recIn(t));
      const host = this.#hostRef(attrs);
      const ids = orig.run.call(be, op, inputs, attrs, outs);
      const outSlots = ids.map((id) => this.newSlot(id, op));
      this.entries.push({ kind: 'run', op, attrs, host, ins, outs: outs.map((o) => ({ shape: [...o.shape], dtype: o.dtype })), outSlots });
      return ids;
    };
    target.update = <K extends UpdateName>(name: K, targets: readonly TensorInfo[], inputs: readonly TensorInfo[], attrs: UpdateAttrs[K]): void => {
      const entry: RecEntry = { kind: 'update', name, attrs, host: this.#hostRef(attrs), targets: targets.map((t) => this.recIn(t)), ins: inputs.map((t) => this.recIn(t)) };
      orig.update.call(be, name, targets, inputs, attrs);
      this.entries.push(entry);
    };
    target.upload = (values: TypedArray, dtype: DType): DataId => {
      // A host-computed array (a random draw) feeds the upload that follows it, as is or converted by tensor().
      const p = this.#pending;
      const host = p && ArrayBuffer.isView(p.value) && (p.value as TypedArray).length === values.length ? { index: p.index, key: null } : null;
      if (host) this.#pending = null;
      const id = orig.upload.call(be, values, dtype);
      const slot = this.newSlot(id, 'upload');
      this.entries.push({ kind: 'upload', slot, dtype, values: host ? null : values.slice(), host });
      return id;
    };
    const reading = (what: string) => {
      this.unrecordable ??= `the step reads a tensor's values (${what}) while it runs, so its JavaScript may depend on them; read results after the call instead`;
    };
    target.read = (id: DataId, dtype: DType, size: number) => {
      reading('data(), item() or array()');
      return orig.read.call(be, id, dtype, size);
    };
    if (orig.readSync) {
      target.readSync = (id: DataId, dtype: DType, size: number) => {
        reading('dataSync()');
        return orig.readSync!.call(be, id, dtype, size);
      };
    }
    target.incRef = (id: DataId): void => {
      const s = this.#slotOf.get(id);
      if (s !== undefined) this.slotRefs[s]!++;
      orig.incRef.call(be, id);
    };
    target.release = (id: DataId, collected?: boolean): void => {
      const s = this.#slotOf.get(id);
      if (s !== undefined && this.slotRefs[s]! > 0) this.slotRefs[s]!--;
      orig.release.call(be, id, collected);
    };
    const prevHook = stateHooks.observe;
    stateHooks.observe = (kind, s, t) => (kind === 'get' ? this.noteStateRead(s, t) : this.noteStateWrite(s, t));
    const prevActive = active;
    active = this;
    return () => {
      active = prevActive;
      stateHooks.observe = prevHook;
      for (const [k, d] of saved) {
        if (d) Object.defineProperty(be, k, d);
        else delete target[k];
      }
    };
  }
}

/** Is `v` a plain container jit walks (arrays and plain objects, as `tidy` does)? */
function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * Runs `fn` (one real call of the step, inside the jit's tidy) while recording it on `be`. Returns what `fn`
 * returned and the recording; `finish` must be called once `fn`'s tidy has closed (so that the references
 * the step dropped are counted), with the result.
 */
export function record<T>(be: Backend, args: readonly Tensor[], fn: () => T): { value: T; finish: (result: unknown) => Recording } {
  const rec = new Recorder(args);
  const opsBefore = be.counters.ops;
  const detach = rec.attach(be);
  let value: T;
  try {
    value = fn();
  } finally {
    detach();
  }
  const ops = be.counters.ops - opsBefore;
  return { value, finish: (result) => finishRecording(rec, result, ops) };
}

function finishRecording(rec: Recorder, result: unknown, ops: number): Recording {
  const escapes: Escape[] = [];
  const escapeOf = new Map<Tensor, number>();
  const holders = new Array<number>(rec.slotRefs.length).fill(0);
  const escape = (t: Tensor): number => {
    let i = escapeOf.get(t);
    if (i !== undefined) return i;
    if (t.isDisposed) {
      rec.unrecordable ??= 'the step returned or stored a tensor that was already disposed';
      return -1;
    }
    const slot = rec.slotOf(t.dataId);
    let ref: Ref, same = false;
    if (slot !== undefined) {
      ref = slot;
      holders[slot]!++;
    } else {
      ref = rec.ref(t);
      same = rec.ext[-1 - ref]!.tensor === t;
    }
    i = escapes.length;
    escapes.push({ ref, shape: [...t.shape], dtype: t.dtype, same, kept: t.kept });
    escapeOf.set(t, i);
    return i;
  };
  const template = (v: unknown, depth: number): Template => {
    if (v instanceof Tensor) return { escape: escape(v) };
    if (depth <= 8 && Array.isArray(v)) return { array: v.map((x) => template(x, depth + 1)) };
    if (depth <= 8 && isPlainRecord(v)) return { record: Object.entries(v).map(([k, x]) => [k, template(x, depth + 1)]) };
    return { value: v };
  };
  const resultT = template(result, 0);
  const stateWrites: [State, number][] = [];
  for (const [s, t] of rec.stateWrites) stateWrites.push([s, escape(t)]);
  // Every storage the step made and did not free must be held by what leaves it (results, States):
  // anything else was kept by the step itself (keep(), share(), a cache) and would be lost by a replay.
  for (let s = 0; s < rec.slotRefs.length; s++) {
    if (rec.slotRefs[s]! !== holders[s]!) {
      rec.unusable ??= 'the step kept a tensor it created beyond the call without returning it or storing it in a State (keep(), share() or a cache)';
    }
  }
  // Last uses: a slot is freed after the last entry that reads or updates it, unless it escapes.
  const last = new Array<number>(rec.slotRefs.length).fill(-1);
  rec.entries.forEach((e, i) => {
    const uses = e.kind === 'run' ? e.ins : e.kind === 'update' ? [...e.targets, ...e.ins] : [];
    for (const u of uses) if (u.ref >= 0) last[u.ref] = i;
    const made = e.kind === 'run' ? e.outSlots : e.kind === 'upload' ? [e.slot] : [];
    for (const s of made) if (last[s]! < i) last[s] = i;
  });
  const frees = rec.entries.map((): number[] => []);
  last.forEach((i, s) => { if (i >= 0 && holders[s] === 0) frees[i]!.push(s); });
  return {
    entries: rec.entries, ext: rec.ext, slotCount: rec.slotRefs.length, hosts: rec.hosts, escapes, result: resultT, stateWrites, frees, ops,
    unrecordable: rec.unrecordable, unusable: rec.unusable,
  };
}

// ---- comparing two recordings ----------------------------------------------------------------------------

const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;
function objectId(o: object): number {
  let id = objectIds.get(o);
  if (id === undefined) objectIds.set(o, (id = nextObjectId++));
  return id;
}

function attrsKey(a: unknown): string {
  return JSON.stringify(a, (_k, v: unknown) => (typeof v === 'function' ? `fn#${objectId(v)}` : ArrayBuffer.isView(v) ? `view#${hashBytes(v)}` : v)) ?? 'undefined';
}

function hashBytes(v: ArrayBufferView): string {
  const b = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return `${b.length}:${(h >>> 0).toString(16)}`;
}

function extKey(e: ExtSource): string {
  return e.kind === 'arg' ? `arg${e.index}` : e.kind === 'state' ? `state#${objectId(e.state)}` : `const#${objectId(e.dataId)}`;
}

function inKey(r: Recording, x: RecIn): string {
  return `${x.ref >= 0 ? `s${x.ref}` : extKey(r.ext[-1 - x.ref]!)}:${x.dtype}[${x.shape.join(',')}]`;
}

/** One line per recorded event: two recordings of a step with the same lines do the same work. */
export function describeEntries(r: Recording): string[] {
  const lines = r.entries.map((e) => {
    if (e.kind === 'upload') return `upload s${e.slot} ${e.dtype} ${e.host ? `host${e.host.index}` : hashBytes(e.values!)}`;
    const attrs = e.host ? `host${e.host.index}.${e.host.key}` : attrsKey(e.attrs);
    if (e.kind === 'update') return `update ${e.name} ${attrs} targets ${e.targets.map((x) => inKey(r, x)).join(' ')} inputs ${e.ins.map((x) => inKey(r, x)).join(' ')}`;
    return `${e.op} ${attrs} (${e.ins.map((x) => inKey(r, x)).join(' ')}) -> ${e.outSlots.map((s) => `s${s}`).join(' ')}`;
  });
  lines.push(`escapes ${r.escapes.map((x) => `${x.ref >= 0 ? `s${x.ref}` : extKey(r.ext[-1 - x.ref]!)}${x.same ? '=' : ''}:${x.dtype}[${x.shape.join(',')}]`).join(' ')}`);
  lines.push(`states ${r.stateWrites.map(([s, i]) => `#${objectId(s)}=${i}`).join(' ')}`);
  lines.push(`result ${JSON.stringify(r.result)}`);
  lines.push(`hosts ${r.hosts.length}`);
  return lines;
}

/** The first difference between two recordings, in words, or null when they do the same work. */
export function firstDifference(a: Recording, b: Recording): string | null {
  const la = describeEntries(a), lb = describeEntries(b);
  const n = Math.max(la.length, lb.length);
  for (let i = 0; i < n; i++) {
    if (la[i] !== lb[i]) {
      const cut = (s: string | undefined) => (s === undefined ? '(nothing)' : s.length > 160 ? `${s.slice(0, 160)}…` : s);
      return i < a.entries.length || i < b.entries.length
        ? `event ${i + 1} was '${cut(la[i])}', then '${cut(lb[i])}'`
        : `'${cut(la[i])}', then '${cut(lb[i])}'`;
    }
  }
  return null;
}

// ---- replaying (the engine's way: run each recorded kernel on the backend) ------------------------------

/**
 * The current storage of each external source (an argument, a State's value, a captured tensor), or why the
 * recording no longer fits: a shape or dtype changed, a State has no value, a captured tensor was freed.
 * For arguments and States, the tensor itself (a result may return it unchanged).
 */
export function resolveExternals(r: Recording, be: Backend, args: readonly Tensor[]): { infos: TensorInfo[]; tensors: (Tensor | null)[] } | { miss: string } {
  const infos = new Array<TensorInfo>(r.ext.length);
  const tensors = new Array<Tensor | null>(r.ext.length);
  for (let i = 0; i < r.ext.length; i++) {
    const e = r.ext[i]!;
    const want = e.tensor;
    if (e.kind === 'const') {
      if (be.isLive && !be.isLive(e.dataId)) return { miss: 'a tensor the step captured (a constant of its recording) was freed' };
      infos[i] = { dataId: e.dataId, shape: want.shape, dtype: want.dtype, size: want.size };
      tensors[i] = want.isDisposed ? null : want;
      continue;
    }
    const t = e.kind === 'arg' ? args[e.index] : (e.state.initialized ? e.state.value : undefined);
    const name = e.kind === 'arg' ? `tensor argument ${e.index}` : `State${e.state.name ? ` '${e.state.name}'` : ''}`;
    if (!t || t.isDisposed) return { miss: `${name} has no live value` };
    if (t.dtype !== want.dtype || t.shape.length !== want.shape.length || t.shape.some((d, k) => d !== want.shape[k])) {
      return { miss: `${name} changed from ${want.dtype} [${want.shape.join(', ')}] to ${t.dtype} [${t.shape.join(', ')}]` };
    }
    if (t.backend !== be) return { miss: `${name} lives on the ${t.backend.name} backend` };
    infos[i] = t;
    tensors[i] = t;
  }
  return { infos, tensors };
}

/** The host values of one replay, in the recorded order. */
export function hostValues(r: Recording): unknown[] {
  return r.hosts.map((f) => f());
}

export function hostMember(vals: readonly unknown[], h: HostRef): unknown {
  const v = vals[h.index];
  return h.key === null ? v : (v as Record<string, unknown>)[h.key];
}

/** Converts a host value feeding an upload to the storage array of `dtype`, as `tensor()` does. */
export function uploadArray(v: unknown, dtype: DType): TypedArray {
  const ok = (dtype === 'float32' && v instanceof Float32Array) || (dtype === 'float64' && v instanceof Float64Array)
    || (dtype === 'int32' && v instanceof Int32Array) || (dtype === 'bool' && v instanceof Uint8Array);
  return ok ? (v as TypedArray) : toTypedArray(v as ArrayLike<number>, dtype);
}

/**
 * A recording prepared for replays by running its kernels: per entry, the TensorInfo objects handed to the
 * kernel (made once, their storage filled in at each replay) and where each input's storage comes from, so
 * that a replay allocates nothing per op but what the kernels themselves make.
 */
interface KernelPlan {
  ins: TensorInfo[][];
  targets: TensorInfo[][];
}

const kernelPlans = new WeakMap<Recording, KernelPlan>();

function kernelPlan(r: Recording): KernelPlan {
  let p = kernelPlans.get(r);
  if (p) return p;
  const infos = (xs: readonly RecIn[]): TensorInfo[] => xs.map((x) => ({ dataId: null as unknown as DataId, shape: x.shape, dtype: x.dtype, size: x.size }));
  p = {
    ins: r.entries.map((e) => (e.kind === 'upload' ? [] : infos(e.ins))),
    targets: r.entries.map((e) => (e.kind === 'update' ? infos(e.targets) : [])),
  };
  kernelPlans.set(r, p);
  return p;
}

/**
 * Replays `r` on `be` by running its kernels: storage per slot, freed after its last use. Returns the
 * storage of every escaping slot (one reference held for each of its escapes).
 */
export function replayKernels(r: Recording, be: Backend, ext: readonly TensorInfo[], hosts: readonly unknown[]): DataId[] {
  const store = new Array<DataId>(r.slotCount);
  const plan = kernelPlan(r);
  const fill = (xs: readonly RecIn[], infos: TensorInfo[]): TensorInfo[] => {
    for (let k = 0; k < xs.length; k++) {
      const ref = xs[k]!.ref;
      (infos[k] as { dataId: DataId }).dataId = ref >= 0 ? store[ref]! : ext[-1 - ref]!.dataId;
    }
    return infos;
  };
  const entries = r.entries;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.kind === 'run') {
      const ids = be.run(e.op, fill(e.ins, plan.ins[i]!), (e.host ? hostMember(hosts, e.host) : e.attrs) as never, e.outs);
      for (let k = 0; k < ids.length; k++) store[e.outSlots[k]!] = ids[k]!;
    } else if (e.kind === 'update') {
      be.update(e.name, fill(e.targets, plan.targets[i]!), fill(e.ins, plan.ins[i]!), (e.host ? hostMember(hosts, e.host) : e.attrs) as never);
    } else {
      store[e.slot] = be.upload(e.host ? uploadArray(hostMember(hosts, e.host), e.dtype) : e.values!, e.dtype);
    }
    const f = r.frees[i]!;
    for (let k = 0; k < f.length; k++) be.release(store[f[k]!]!);
  }
  return store;
}

/**
 * Wraps a replay's storage as the step's results and new State values (one Tensor per escape; an escape of
 * an external tensor returns it or a new view of it) and assigns the States. Call inside the jit's tidy.
 */
export function finishReplay(r: Recording, be: Backend, store: readonly DataId[], ext: readonly TensorInfo[], extTensors: readonly (Tensor | null)[]): unknown {
  const made = new Array<Tensor>(r.escapes.length);
  const taken = new Set<number>();
  r.escapes.forEach((x, i) => {
    if (x.ref < 0) {
      const src = ext[-1 - x.ref]!, same = extTensors[-1 - x.ref];
      if (x.same && same) made[i] = same;
      else {
        be.incRef(src.dataId);
        made[i] = new Tensor(be, src.dataId, x.shape, x.dtype);
      }
      return;
    }
    // The kernel's output reference goes to the first escape of a slot; each further one takes its own.
    if (taken.has(x.ref)) be.incRef(store[x.ref]!);
    else taken.add(x.ref);
    made[i] = new Tensor(be, store[x.ref]!, x.shape, x.dtype);
  });
  for (let i = 0; i < made.length; i++) if (r.escapes[i]!.kept && !r.escapes[i]!.same) made[i]!.kept = true;
  for (const [s, i] of r.stateWrites) s.value = made[i]!;
  const build = (t: Template): unknown =>
    'escape' in t ? made[t.escape] : 'array' in t ? t.array.map(build) : 'record' in t ? Object.fromEntries(t.record.map(([k, v]) => [k, build(v)])) : t.value;
  return build(r.result);
}
