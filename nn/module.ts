/**
 * nn.Module, brainstate-style: a module is found to own the child modules and States it holds in its
 * properties (in declaration order, arrays and plain records included), so `net.states(ParamState)` lists the
 * trainables under stable dotted paths (`i2r.0.weight`, `r.V`) with no registration calls.
 *
 * Two ways to run a module over time:
 * - step mode, `update(x)`: one time step on the HiddenStates; `transform.forLoop(net.update, xs)` gives BPTT
 *   through every step (update and run are bound to the instance, so they can be passed around);
 * - sequence mode, `run(xs)`: the whole [T, …] sequence at once. The layers override it with one fused op;
 *   the default here falls back to the step loop.
 */
import type { Backend } from '../engine/backend.js';
import { SpikegradError, describeValue } from '../engine/errors.js';
import { HiddenState, ParamState, State, savedStates, type StateClass } from '../engine/state.js';
import type { Tensor } from '../engine/tensor.js';
import { forLoop } from '../engine/transform.js';
import { inLayer, numerics, setModulePath } from '../engine/numerics.js';
import type { FloatDType } from './expEuler.js';
import { recordAround, recording } from './record.js';
import { loadStateDictInto, readStateDict, type LoadOptions, type StateDict, type StateDictInput } from './stateDict.js';

export interface InitStateOptions {
  /** Leading batch axis of every hidden state; omitted: states of shape [n] (no batch axis). */
  batchSize?: number;
  /** Precision of the hidden states (default float32; float64 on the CPU backend for checks). */
  dtype?: FloatDType;
  /**
   * Where the states live. initAllStates defaults it to the backend of the network's parameters (so a net
   * built before `setBackend` still gets states next to its weights), else the current default backend.
   */
  backend?: Backend;
}

/** A State subclass (ParamState, HiddenState, …) or a predicate on a state and its path. */
export type StateFilter<S extends State = State> = (abstract new (...args: never[]) => S) | ((s: State, path: string) => boolean);

type Found = [path: string, value: Module | State];

function visit(v: unknown, path: string, seen: Set<object>, out: Found[], depth: number): void {
  if (depth > 32 || v === null || typeof v !== 'object') return;
  if (seen.has(v)) return;
  if (v instanceof State) {
    seen.add(v);
    out.push([path, v]);
  } else if (v instanceof Module) {
    seen.add(v);
    out.push([path, v]);
    setModulePath(v, path); // for checkNumerics messages
    walkChildren(v, path, seen, out, depth + 1);
  } else if (Array.isArray(v)) {
    v.forEach((e, i) => visit(e, `${path}.${i}`, seen, out, depth + 1));
  } else if (Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, e] of Object.entries(v)) visit(e, `${path}.${k}`, seen, out, depth + 1);
  }
}

function walkChildren(m: Module, prefix: string, seen: Set<object>, out: Found[], depth = 0): void {
  for (const key of Object.keys(m)) visit((m as unknown as Record<string, unknown>)[key], prefix ? `${prefix}.${key}` : key, seen, out, depth);
}

/** Every module and state under `root` (root excluded), depth first in property order, each once. */
function descendants(root: Module): Found[] {
  const out: Found[] = [];
  walkChildren(root, '', new Set<object>([root]), out);
  return out;
}

function matches(filter: StateFilter | undefined, s: State, path: string): boolean {
  if (filter === undefined) return true;
  if (filter.prototype instanceof State || filter === State) return s instanceof (filter as StateClass);
  return (filter as (s: State, path: string) => boolean)(s, path);
}

/** Stands in for an `update` a subclass did not define: calling it is a clear error, not "reading 'bind'". */
function missingMethod(m: object, key: 'update' | 'run'): () => never {
  return () => {
    throw new SpikegradError(`${m.constructor.name}.${key}: this module defines no ${key}() method${key === 'update' ? "; define update(x) (one time step) to use it in step mode (transform.forLoop), or call run(xs) for a whole sequence" : ''}`);
  };
}

export abstract class Module {
  constructor() {
    // Bound, so that `transform.forLoop(net.update, xs)` and `xs.map(net.run)` work like arrow functions.
    for (const key of ['update', 'run'] as const) {
      let fn = (this as unknown as Record<string, unknown>)[key];
      // A JavaScript subclass may define only `run` (sequence mode only): its update says so when called.
      if (typeof fn !== 'function') fn = missingMethod(this, key);
      const bound = (fn as (...a: unknown[]) => unknown).bind(this);
      // In the checkNumerics debug mode, ops inside name this module as their layer; otherwise one test.
      const checked = (...a: unknown[]) => (numerics.on ? inLayer(this, key, () => bound(...a)) : bound(...a));
      // nn.record (nn/record.ts): one counter test when nothing records.
      const value = (...a: unknown[]) => (recording.active === 0 ? checked(...a) : recordAround(this, key, () => checked(...a)));
      Object.defineProperty(this, key, { value, enumerable: false, writable: true, configurable: true });
    }
  }

  /** One time step: reads and writes the HiddenStates, returns this step's output. */
  abstract update(x: Tensor, ...rest: unknown[]): Tensor;

  /**
   * The whole sequence `xs` (shape [T, …]): the outputs stacked along time. Layers override this with one fused op;
   * this default runs `update` step by step (the same numbers, T times the ops).
   */
  run(xs: Tensor): Tensor {
    return forLoop((x: Tensor) => this.update(x), xs);
  }

  /** (Re)creates this module's own HiddenStates; nn.initAllStates calls it on every module. */
  initState(_opts: InitStateOptions): void {}

  /**
   * The states under this module, by dotted path, in a stable order (property order, depth first).
   * @example net.states(ParamState)   // { 'i2r.0.weight': …, 'i2r.0.bias': …, 'r2o.weight': … }
   */
  states<S extends State = State>(filter?: StateFilter<S>): Record<string, S> {
    if (filter !== undefined && typeof filter !== 'function') {
      throw new SpikegradError(`states: argument 'filter' expected a State class (e.g. ParamState) or a predicate, got ${describeValue(filter)}`);
    }
    const out: Record<string, S> = {};
    for (const [path, v] of descendants(this)) {
      if (!(v instanceof State)) continue;
      v.name = path;
      if (matches(filter, v, path)) out[path] = v as S;
    }
    return out;
  }

  /** The child modules at every depth, by dotted path (this module itself excluded). */
  modules(): Record<string, Module> {
    const out: Record<string, Module> = {};
    for (const [path, v] of descendants(this)) if (v instanceof Module) out[path] = v;
    return out;
  }

  /**
   * The parameters and running statistics (nn.BatchNorm2d's; PyTorch's parameters and buffers), or the
   * states `filter` selects, as typed arrays with shapes, read back from the backend.
   */
  stateDict(filter: StateFilter = savedStates): Promise<StateDict> {
    return readStateDict(this.states(filter));
  }

  /**
   * Writes the parameters and running statistics from `dict` (as `stateDict` returns it). Every one must be
   * present with its shape; with `strict` (default) unknown entries are errors too. Nothing is written unless
   * all entries check.
   */
  loadStateDict(dict: StateDictInput, opts: LoadOptions = {}): void {
    loadStateDictInto(this.states(savedStates), dict, opts);
  }

  toString(): string {
    const kids = Object.entries(this.modules()).filter(([p]) => !p.includes('.'));
    if (kids.length === 0) return `${this.constructor.name}()`;
    return `${this.constructor.name}(\n${kids.map(([p, m]) => `  (${p}): ${String(m).replace(/\n/g, '\n  ')}`).join('\n')}\n)`;
  }
}

/**
 * (Re)creates every HiddenState of `net` for a batch (brainstate.nn.init_all_states): call it at the start of
 * every training step, so that no state carries over from the previous batch.
 * @example nn.initAllStates(net, { batchSize: 256 });
 */
export function initAllStates<M extends Module>(net: M, opts: InitStateOptions = {}): M {
  if (!(net instanceof Module)) throw new SpikegradError(`initAllStates: argument 'net' expected an nn.Module, got ${describeValue(net)}`);
  const { batchSize, dtype = 'float32' } = opts;
  if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize > 0)) {
    throw new SpikegradError(`initAllStates: argument 'batchSize' expected a positive integer, got ${describeValue(batchSize)}`);
  }
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new SpikegradError(`initAllStates: argument 'dtype' expected 'float32' or 'float64', got ${describeValue(dtype)}`);
  }
  const backend = opts.backend ?? Object.values(net.states(ParamState)).find((p) => p.initialized)?.value.backend;
  const init: InitStateOptions = { dtype, ...(batchSize !== undefined ? { batchSize } : {}), ...(backend ? { backend } : {}) };
  net.initState(init);
  for (const m of Object.values(net.modules())) m.initState(init);
  net.states(HiddenState); // names every state by its path, for error messages
  return net;
}
