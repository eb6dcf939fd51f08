/**
 * The optimizer base (braintools.optim's OptaxOptimizer, written for spikegrad): it holds the trainable
 * states by path, one set of slot tensors per parameter (Adam's mu/nu, SGD's momentum trace), the step count
 * and the learning-rate schedule. `update(grads)` applies one step: optional clipping (tensor ops, no
 * readback), then ONE in-place backend `update` kernel per parameter, outside the tape, so that the
 * parameter's storage is rewritten rather than reallocated (on WebGPU: one fused dispatch per parameter).
 *
 * In-place means every handle on a parameter's storage sees the new values; to keep a snapshot of a weight,
 * copy it first (`w.value.add(0)`).
 */
import type { UpdateAttrs, UpdateName } from '../engine/backend.js';
import { isFloat } from '../engine/dtype.js';
import { SpikegradError, describeValue, fmtShape } from '../engine/errors.js';
import { keep, tidy } from '../engine/scope.js';
import { sameShape } from '../engine/shape.js';
import { State } from '../engine/state.js';
import { checkUpdated, numerics } from '../engine/numerics.js';
import { hostValue } from '../engine/jitRecord.js';
import { noGrad } from '../engine/tape.js';
import { Tensor } from '../engine/tensor.js';
import { tensor, zerosLike } from '../engine/api.js';
import type { DType, TypedArray } from '../engine/dtype.js';
import { clipByGlobalNorm, clipByValue } from './clip.js';
import { toSchedule, type LearningRate, type Schedule } from './schedule.js';

export interface OptimizerOptions {
  /** A number, a function of the step count, or a schedule (`optim.cosineLR(...)`). */
  lr?: LearningRate;
  /** Rescale the gradients so their global L2 norm is at most this (optax `clip_by_global_norm`). */
  gradClipNorm?: number;
  /** Clip each gradient element to [−v, v] (optax `clip`); applied before the norm clipping. */
  gradClipValue?: number;
}

interface Entry {
  state: State;
  slots: Tensor[];
}

export type GradRecord = Readonly<Record<string, Tensor>>;

/**
 * An optimizer's state, as `stateDict()` returns it and `loadStateDict` takes it: what a checkpoint needs to
 * continue training exactly where it stopped. The learning-rate schedule is a function of `stepCount`, so the
 * step count is also the schedule's position.
 */
export interface OptimizerStateDict {
  /** 'Adam', 'AdamW', 'SGD': a state loads only into an optimizer of the same kind. */
  kind: string;
  /** Updates applied so far. */
  stepCount: number;
  /** Names of each parameter's slots, in order (Adam: ['mu', 'nu']; SGD with momentum: ['trace']). */
  slotNames: string[];
  /** Each registered parameter's slots by path, then by slot name. */
  slots: Record<string, Record<string, { shape: readonly number[]; dtype: DType; data: TypedArray }>>;
}

export abstract class Optimizer {
  /** Updates applied so far (optax's `count`; braintools' `step_count`). */
  stepCount = 0;
  readonly schedule: Schedule;
  readonly gradClipNorm: number | undefined;
  readonly gradClipValue: number | undefined;
  readonly #entries = new Map<string, Entry>();
  readonly #name: string;

  protected constructor(name: string, opts: OptimizerOptions, defaultLr: number) {
    this.#name = name;
    if (opts === null || typeof opts !== 'object') throw new SpikegradError(`${name}: expected an options object such as { lr: 1e-3 }, got ${describeValue(opts)}`);
    this.schedule = toSchedule(name, opts.lr ?? defaultLr);
    this.gradClipNorm = optionalPositive(name, 'gradClipNorm', opts.gradClipNorm);
    this.gradClipValue = optionalPositive(name, 'gradClipValue', opts.gradClipValue);
  }

  /** How many slot tensors (zeros like the parameter) each parameter needs. */
  protected abstract readonly slotCount: number;
  /** The backend update kernel and its attributes for the step about to be applied (1-based `step`). */
  protected abstract kernel(lr: number, step: number): { [K in UpdateName]: [K, UpdateAttrs[K]] }[UpdateName];

  /** The optimizer's kind: 'Adam', 'AdamW', 'SGD'. */
  get kind(): string {
    return this.#name;
  }

  /** The name of slot `i` in state dicts and checkpoints (Adam: mu, nu; SGD: trace). */
  protected slotName(i: number): string {
    return `slot${i}`;
  }

  /** The names of each parameter's slots, in order. */
  get slotNames(): string[] {
    return Array.from({ length: this.slotCount }, (_, i) => this.slotName(i));
  }

  /** The learning rate the next update will use. */
  get lr(): number {
    return this.schedule.at(this.stepCount);
  }

  /** The registered paths, in registration order. */
  get paths(): string[] {
    return [...this.#entries.keys()];
  }

  /**
   * Registers the states to train, keyed by path (`net.states(ParamState)`); may be called again to add more.
   * Creates the optimizer's slots (zeros) for each.
   */
  registerTrainableWeights(states: Readonly<Record<string, State>>): this {
    const where = `${this.#name}.registerTrainableWeights`;
    if (states === null || typeof states !== 'object' || Array.isArray(states)) {
      throw new SpikegradError(`${where}: argument 'states' expected a record of path → ParamState (net.states(ParamState)), got ${describeValue(states)}`);
    }
    const known = new Map([...this.#entries].map(([k, e]) => [e.state, k]));
    for (const [path, st] of Object.entries(states)) {
      if (!(st instanceof State)) throw new SpikegradError(`${where}: states['${path}'] expected a State, got ${describeValue(st)}`);
      const prev = this.#entries.get(path);
      if (prev) {
        if (prev.state !== st) throw new SpikegradError(`${where}: path '${path}' is already registered with another state`);
        continue;
      }
      const other = known.get(st);
      if (other !== undefined) throw new SpikegradError(`${where}: the state at '${path}' is already registered as '${other}' (it would be updated twice per step)`);
      const v = st.value;
      if (!isFloat(v.dtype)) throw new SpikegradError(`${where}: states['${path}'] holds a ${v.dtype} tensor ${fmtShape(v.shape)}; only float parameters can be trained`);
      const slots = noGrad(() => Array.from({ length: this.slotCount }, () => keep(zerosLike(v))));
      this.#entries.set(path, { state: st, slots });
      known.set(st, path);
    }
    return this;
  }

  /**
   * Applies one step with `grads` keyed like the registered states (as `transform.grad` returns them).
   * Keys that were not registered are ignored; a registered path without a gradient is an error.
   * Everything is validated before any parameter changes.
   */
  update(grads: GradRecord): void {
    const where = `${this.#name}.update`;
    if (grads === null || typeof grads !== 'object' || Array.isArray(grads) || grads instanceof Tensor) {
      throw new SpikegradError(`${where}: argument 'grads' expected a record of path → Tensor (as transform.grad returns), got ${describeValue(grads)}`);
    }
    if (this.#entries.size === 0) throw new SpikegradError(`${where}: no trainable weights registered; call registerTrainableWeights(net.states(ParamState)) first`);
    const missing = this.paths.filter((p) => !(p in grads));
    if (missing.length) {
      throw new SpikegradError(`${where}: argument 'grads' has no gradient for ${missing.map((p) => `'${p}'`).join(', ')} (registered: ${this.paths.join(', ')})`);
    }
    const items = [...this.#entries].map(([path, e]) => {
      const p = e.state.value, g = grads[path];
      if (!(g instanceof Tensor)) throw new SpikegradError(`${where}: grads['${path}'] expected a Tensor, got ${describeValue(g)}`);
      if (g.isDisposed) throw new SpikegradError(`${where}: grads['${path}'] was disposed before the update`);
      if (!sameShape(g.shape, p.shape) || g.dtype !== p.dtype) {
        throw new SpikegradError(`${where}: grads['${path}'] expected ${p.dtype} ${fmtShape(p.shape)} like its parameter, got ${g.dtype} ${fmtShape(g.shape)}`);
      }
      if (g.backend !== p.backend) throw new SpikegradError(`${where}: grads['${path}'] lives on ${g.backend.name}, its parameter on ${p.backend.name}`);
      if (!sameShape(e.slots[0]?.shape ?? p.shape, p.shape)) {
        throw new SpikegradError(`${where}: the parameter at '${path}' changed shape to ${fmtShape(p.shape)} since it was registered with ${fmtShape(e.slots[0]!.shape)}`);
      }
      return { p, g, slots: e.slots, path };
    });
    // The step count and learning rate change every call: a transform.jit replay recomputes them here.
    const [kernel, attrs] = hostValue(() => {
      const ka = this.kernel(this.lr, this.stepCount + 1);
      this.stepCount++;
      return ka;
    });
    try {
      tidy(() => noGrad(() => {
        let gs = items.map((it) => it.g);
        if (this.gradClipValue !== undefined) gs = gs.map((g) => clipByValue(g, this.gradClipValue!));
        if (this.gradClipNorm !== undefined) gs = clipByGlobalNorm(gs, this.gradClipNorm);
        items.forEach((it, i) => {
          it.p.backend.update(kernel, [it.p, ...it.slots], [gs[i]!], attrs as never);
          if (numerics.on) checkUpdated(`${where} of '${it.path}'`, it.p.backend, [it.p, ...it.slots], ['the parameter', ...it.slots.map((_, k) => `optimizer slot ${k}`)]);
        });
      }));
    } catch (e) {
      this.stepCount--; // the update did not happen
      throw e;
    }
  }

  /** The slot tensors of the parameter at `path` (e.g. Adam's [mu, nu]); for inspection and tests. */
  slots(path: string): readonly Tensor[] {
    const e = this.#entries.get(path);
    if (!e) throw new SpikegradError(`${this.#name}.slots: no parameter registered at '${path}' (registered: ${this.paths.join(', ')})`);
    return e.slots;
  }

  /**
   * The step count and every slot, read back from the backend (Adam's moments, SGD's trace), by parameter
   * path: with the parameters and the random generator's state, what resuming a run needs.
   * @example const state = await optimizer.stateDict();   // { kind: 'Adam', stepCount: 5, slotNames: ['mu', 'nu'], slots: { 'i2r.0.weight': { mu, nu }, … } }
   */
  async stateDict(): Promise<OptimizerStateDict> {
    const names = this.slotNames;
    const slots: OptimizerStateDict['slots'] = {};
    for (const [path, e] of this.#entries) {
      const rec: Record<string, { shape: number[]; dtype: DType; data: TypedArray }> = {};
      for (let i = 0; i < e.slots.length; i++) rec[names[i]!] = { shape: [...e.slots[i]!.shape], dtype: e.slots[i]!.dtype, data: await e.slots[i]!.data() };
      slots[path] = rec;
    }
    return { kind: this.#name, stepCount: this.stepCount, slotNames: names, slots };
  }

  /**
   * Restores a state from `stateDict()` into this optimizer, whose trainable weights must already be
   * registered (the same paths, shapes and dtypes). Everything is checked before anything changes: a state
   * of another kind, a missing or extra path or slot, a wrong shape, dtype or length, or a step count that is
   * not a non-negative integer is an error naming it, and the optimizer keeps its own state.
   */
  loadStateDict(state: OptimizerStateDict, where = `${this.#name}.loadStateDict`): void {
    if (state === null || typeof state !== 'object') throw new SpikegradError(`${where}: argument 'state' expected an optimizer state (as stateDict() returns), got ${describeValue(state)}`);
    if (state.kind !== this.#name) throw new SpikegradError(`${where}: the state was saved by ${String(state.kind)}; this optimizer is ${this.#name}`);
    if (!Number.isSafeInteger(state.stepCount) || state.stepCount < 0) throw new SpikegradError(`${where}: the step count expected a non-negative integer, got ${describeValue(state.stepCount)}`);
    const names = this.slotNames;
    const slots = state.slots;
    if (slots === null || typeof slots !== 'object') throw new SpikegradError(`${where}: the slots expected a record by parameter path, got ${describeValue(slots)}`);
    const extra = Object.keys(slots).filter((p) => !this.#entries.has(p));
    if (extra.length) throw new SpikegradError(`${where}: the state has slots for ${extra.map((p) => `'${p}'`).join(', ')}, which this optimizer does not train (registered: ${this.paths.map((p) => `'${p}'`).join(', ') || 'none'})`);
    const values: [Entry, TypedArray[]][] = [];
    for (const [path, e] of this.#entries) {
      const rec = Object.hasOwn(slots, path) ? slots[path] : undefined;
      if (rec === undefined || rec === null || typeof rec !== 'object') throw new SpikegradError(`${where}: the state has no slots for the registered parameter '${path}'`);
      const odd = Object.keys(rec).filter((n) => !names.includes(n));
      if (odd.length) throw new SpikegradError(`${where}: the slots of '${path}' include ${odd.map((n) => `'${n}'`).join(', ')}; ${this.#name} keeps ${names.length ? names.map((n) => `'${n}'`).join(', ') : 'no slots'}`);
      const p = e.state.value;
      const list: TypedArray[] = [];
      for (const n of names) {
        const s = Object.hasOwn(rec, n) ? rec[n] : undefined;
        if (!s || typeof s !== 'object' || !ArrayBuffer.isView(s.data)) throw new SpikegradError(`${where}: the state has no slot '${n}' for '${path}'`);
        if (s.dtype !== p.dtype || !sameShape(s.shape, p.shape) || s.data.length !== p.size) {
          throw new SpikegradError(`${where}: slot '${n}' of '${path}' is ${String(s.dtype)} ${fmtShape(s.shape)} with ${s.data.length} values; the parameter is ${p.dtype} ${fmtShape(p.shape)}`);
        }
        list.push(s.data);
      }
      values.push([e, list]);
    }
    // Every new slot exists before any old one is replaced, so a failure here (device memory) changes nothing.
    const made: Tensor[][] = [];
    try {
      for (const [e, list] of values) {
        const p = e.state.value;
        const ts: Tensor[] = [];
        made.push(ts);
        for (const data of list) ts.push(noGrad(() => keep(tensor(data, [...p.shape], p.dtype, p.backend))));
      }
    } catch (err) {
      for (const t of made.flat()) t.dispose();
      throw err;
    }
    values.forEach(([e], i) => {
      for (const old of e.slots) old.dispose();
      e.slots = made[i]!;
    });
    this.stepCount = state.stepCount;
  }

  /** Frees the slots; the optimizer is empty afterwards. */
  dispose(): void {
    for (const e of this.#entries.values()) for (const s of e.slots) s.dispose();
    this.#entries.clear();
  }
}

function optionalPositive(where: string, name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) {
    throw new SpikegradError(`${where}: argument '${name}' expected a positive finite number, got ${describeValue(v)}`);
  }
  return v;
}

export function requireUnitInterval(where: string, name: string, v: unknown, fallback: number): number {
  const x = v ?? fallback;
  if (typeof x !== 'number' || !(x >= 0 && x < 1)) throw new SpikegradError(`${where}: argument '${name}' expected a number in [0, 1), got ${describeValue(x)}`);
  return x;
}

export function requireNonNegative(where: string, name: string, v: unknown, fallback: number): number {
  const x = v ?? fallback;
  if (typeof x !== 'number' || !(x >= 0) || !Number.isFinite(x)) throw new SpikegradError(`${where}: argument '${name}' expected a non-negative finite number, got ${describeValue(x)}`);
  return x;
}
