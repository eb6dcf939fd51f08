/**
 * nn.record: records layer outputs and hidden states (membrane V, synaptic current g, adaptation a, …) while a
 * network runs, in step mode (`transform.forLoop(net.update, xs)`) or sequence mode (`net.run(xs)`), for
 * chosen samples and neurons only.
 *
 * How it stays free when off: Module wraps every `update`/`run` (nn/module.ts); the wrapper tests one
 * counter (`recording.active`) and calls straight through when no recorder is on. When on, after each call of
 * a recorded module it gathers the asked samples × neurons into a new, small tensor on the same backend
 * (no gradient, kept past any `tidy`/`jit`), so nothing else is copied and nothing is read back until
 * `read()`, which joins the pieces on the device and reads each probe once.
 *
 * In sequence mode a layer's fused op computes the whole state sequence; the layers hand it over with
 * `recordSequence` (LIF and IF: V; ALIF and the declared neurons and synapses: every state, e.g. Expon's g,
 * DualExpon's gRise and gDecay, LeakyRateReadout's r). A state a fused op does not produce per step is
 * recorded in step mode only; asking for it in sequence mode is an error that says so.
 */
import { concat, gather, reshape, tensor } from '../engine/api.js';
import { SpikegradError, describeValue, fmtShape } from '../engine/errors.js';
import { HiddenState } from '../engine/state.js';
import { keep } from '../engine/scope.js';
import { noGrad } from '../engine/tape.js';
import { Tensor } from '../engine/tensor.js';
import type { Module } from './module.js';

/** What to record of one output or state: which samples (batch rows) and neurons (last axis); all if omitted. */
export interface ProbeOptions {
  samples?: readonly number[];
  neurons?: readonly number[];
}

/** One recorded probe: `data` holds [T, samples, neurons] in row-major order. */
export interface Trace {
  /** The probe's key: a module path (its output) or a state path ('r.V'). */
  readonly key: string;
  readonly kind: 'output' | 'state';
  /** The recorded module's label, e.g. `LIF(4, tau=20 ms, …)`. */
  readonly module: string;
  /** [T, samples.length, neurons.length] */
  readonly shape: readonly [number, number, number];
  readonly data: Float32Array;
  /** The batch rows recorded (for a state without a batch axis: [0]). */
  readonly samples: readonly number[];
  /** The neurons recorded (indices on the last axis). */
  readonly neurons: readonly number[];
  /** The value at time step t of the i-th recorded sample and j-th recorded neuron. */
  at(t: number, i: number, j: number): number;
}

interface Probe {
  key: string;
  kind: 'output' | 'state';
  module: Module;
  stateName?: string;
  samples?: readonly number[];
  neurons?: readonly number[];
  chunks: Tensor[];
  /** Samples/neurons resolved at the first recorded value (when 'all'), then fixed. */
  resolvedSamples?: number[];
  resolvedNeurons?: number[];
  indexCache: Map<string, Tensor>;
}

/** The global switch the Module wrapper tests: how many recorders are on. */
export const recording = { active: 0 };
const recorders = new Set<Recorder>();

function checkIndices(key: string, name: 'samples' | 'neurons', v: unknown): readonly number[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0 || !v.every((i) => Number.isInteger(i) && i >= 0)) {
    throw new SpikegradError(`nn.record: probe '${key}' argument '${name}' expected a non-empty array of indices ≥ 0, got ${describeValue(v)}`);
  }
  return v as number[];
}

/** What `nn.record(net, probes)` returns: it collects the probed states and outputs while the network runs; `read()` returns the traces, `stop()` ends recording. */
export class Recorder {
  readonly #probes: Probe[];
  #on = true;

  /** Use nn.record(net, probes). */
  constructor(probes: Probe[]) {
    this.#probes = probes;
    recorders.add(this);
    recording.active++;
  }

  /** Whether this recorder still records. */
  get recording(): boolean {
    return this.#on;
  }

  /** Stops recording (what was recorded can still be read). */
  stop(): void {
    if (!this.#on) return;
    this.#on = false;
    recorders.delete(this);
    recording.active--;
  }

  /** Forgets what was recorded so far (e.g. before the next epoch), keeps recording. */
  clear(): void {
    for (const p of this.#probes) {
      for (const c of p.chunks) c.dispose();
      p.chunks = [];
    }
  }

  /**
   * The recorded traces by probe key, each [T, samples, neurons] over every step recorded since the last
   * read() or clear(); then starts afresh. One readback per probe.
   */
  async read(): Promise<Record<string, Trace>> {
    const out: Record<string, Trace> = {};
    for (const p of this.#probes) {
      const chunks = p.chunks;
      p.chunks = [];
      const S = p.resolvedSamples?.length ?? 0, N = p.resolvedNeurons?.length ?? 0;
      let data: Float32Array = new Float32Array(0), T = 0;
      if (chunks.length > 0) {
        const joined = chunks.length === 1 ? chunks[0]! : noGrad(() => concat(chunks, 0));
        const raw = await joined.data();
        data = raw instanceof Float32Array ? raw : Float32Array.from(raw as ArrayLike<number>);
        T = joined.shape[0]!;
        if (joined !== chunks[0]) joined.dispose();
        for (const c of chunks) c.dispose();
      }
      const shape = [T, S, N] as const;
      out[p.key] = {
        key: p.key, kind: p.kind, module: String(p.module), shape, data,
        samples: p.resolvedSamples ?? [], neurons: p.resolvedNeurons ?? [],
        at: (t, i, j) => data[(t * S + i) * N + j]!,
      };
    }
    return out;
  }

  /** The probes that record `m`'s output or its states (Module's wrapper asks). */
  probesOf(m: Module): Probe[] {
    return this.#probes.filter((p) => p.module === m);
  }

  /** Stores the asked slice of `value` ([T, B, n], [B, n] or [n]) as one kept chunk of `p`. */
  take(p: Probe, value: Tensor, seq: boolean): void {
    const where = `nn.record: probe '${p.key}'`;
    const stepShape = seq ? value.shape.slice(1) : value.shape;
    if (stepShape.length < 1 || stepShape.length > 2) {
      throw new SpikegradError(`${where} expected a value of shape [batch, n] or [n] per time step, got ${fmtShape(value.shape)}${seq ? ' (a sequence)' : ''}`);
    }
    const batched = stepShape.length === 2;
    const B = batched ? stepShape[0]! : 1, n = stepShape.at(-1)!;
    if (!batched && p.samples !== undefined) throw new SpikegradError(`${where}: argument 'samples' given, but the value has no batch axis (shape ${fmtShape(value.shape)})`);
    p.resolvedSamples ??= p.samples ? [...p.samples] : Array.from({ length: B }, (_, i) => i);
    p.resolvedNeurons ??= p.neurons ? [...p.neurons] : Array.from({ length: n }, (_, i) => i);
    const bad = (idx: number[], size: number, name: string) => {
      const i = idx.find((k) => k >= size);
      if (i !== undefined) throw new SpikegradError(`${where}: argument '${name}' expected indices below ${size}, got ${i} (value ${fmtShape(value.shape)})`);
    };
    if (batched) bad(p.resolvedSamples, B, 'samples');
    bad(p.resolvedNeurons, n, 'neurons');
    const idx = (list: number[]) => {
      const k = `${value.backend.name}:${list.join(',')}`;
      let t = p.indexCache.get(k);
      if (!t || t.isDisposed) p.indexCache.set(k, t = keep(tensor(Int32Array.from(list), [list.length], 'int32', value.backend)));
      return t;
    };
    const chunk = noGrad(() => {
      let v = value.dtype === 'float32' ? value : value.astype('float32');
      if (!seq) v = reshape(v, [1, ...(batched ? stepShape : [1, n])]);
      else if (!batched) v = reshape(v, [value.shape[0]!, 1, n]);
      if (batched) v = gather(v, idx(p.resolvedSamples!), 1);
      return gather(v, idx(p.resolvedNeurons!), 2);
    });
    p.chunks.push(keep(chunk));
  }

  /** Frees the recorded chunks and index tensors. */
  dispose(): void {
    this.stop();
    this.clear();
    for (const p of this.#probes) for (const t of p.indexCache.values()) t.dispose();
  }
}

/**
 * Starts recording outputs and hidden states of `net`'s modules. Keys: a module path (as `net.modules()`
 * names it, e.g. 'r' or 'i2r.1'; '' for `net` itself) records that module's output; a hidden-state path (as
 * `net.states()` names it, e.g. 'r.V') records the state after each step. Each probe chooses its samples and
 * neurons (all if omitted). Recording stops with `stop()`; `read()` returns the traces.
 * @example
 *   const rec = nn.record(net, { 'r.V': { samples: [0], neurons: [0, 1] }, r: { samples: [0] } });
 *   net.run(xs);
 *   const { 'r.V': v, r: spikes } = await rec.read();   // v.shape: [T, 1, 2], spikes.shape: [T, 1, nRec]
 *   rec.stop();
 */
export function record(net: Module, probes: Record<string, ProbeOptions>): Recorder {
  // Module is imported lazily by type only (module.ts imports this file); test its shape instead.
  if (net === null || typeof net !== 'object' || typeof (net as Module).modules !== 'function') {
    throw new SpikegradError(`nn.record: argument 'net' expected an nn.Module, got ${describeValue(net)}`);
  }
  if (probes === null || typeof probes !== 'object' || Array.isArray(probes) || Object.keys(probes).length === 0) {
    throw new SpikegradError(`nn.record: argument 'probes' expected a record of paths to { samples?, neurons? }, e.g. { 'r.V': { neurons: [0] } }, got ${describeValue(probes)}`);
  }
  const modules = net.modules();
  const states = net.states(HiddenState);
  const list: Probe[] = [];
  for (const [key, opts] of Object.entries(probes)) {
    if (opts === null || typeof opts !== 'object') throw new SpikegradError(`nn.record: probe '${key}' expected { samples?, neurons? }, got ${describeValue(opts)}`);
    const samples = checkIndices(key, 'samples', opts.samples), neurons = checkIndices(key, 'neurons', opts.neurons);
    const base = { key, samples, neurons, chunks: [], indexCache: new Map() };
    if (key === '' || modules[key]) {
      list.push({ ...base, kind: 'output', module: key === '' ? net : modules[key]! });
    } else if (states[key]) {
      const dot = key.lastIndexOf('.');
      const owner = dot < 0 ? net : modules[key.slice(0, dot)];
      if (!owner) throw new SpikegradError(`nn.record: state '${key}' belongs to no module of the network`);
      list.push({ ...base, kind: 'state', module: owner, stateName: key.slice(dot + 1) });
    } else {
      const known = [...Object.keys(modules), ...Object.keys(states)].map((k) => `'${k}'`).join(', ');
      throw new SpikegradError(`nn.record: probe '${key}' expected a module path (its output) or a hidden-state path, one of ${known}, got '${key}'`);
    }
  }
  return new Recorder(list);
}

// --- Hooks: called by Module's update/run wrapper and by the layers' fused run ----------------------------

/** Sequences handed over by a layer's run (see recordSequence), by module, during that run. */
const sequences = new Map<Module, Map<string, Tensor>>();

/**
 * Called by a layer's `run` with the whole sequence of one of its states ([T, B, n]), before the state is
 * reduced to its last step. Free when nothing records.
 */
export function recordSequence(m: Module, stateName: string, seq: Tensor): void {
  if (recording.active === 0) return;
  let byName = sequences.get(m);
  if (!byName) sequences.set(m, byName = new Map());
  byName.set(stateName, seq);
}

/** Runs one update/run call of `m` and records what the active recorders ask of it. */
export function recordAround<R>(m: Module, key: 'update' | 'run', call: () => R): R {
  const probes: [Recorder, Probe][] = [];
  for (const r of recorders) for (const p of r.probesOf(m)) probes.push([r, p]);
  if (probes.length === 0) return call();
  const before = probes.map(([, p]) => p.chunks.length);
  const out = call();
  const handed = sequences.get(m);
  sequences.delete(m);
  probes.forEach(([r, p], i) => {
    // A run that fell back to the step loop already recorded every step through update.
    if (key === 'run' && p.chunks.length > before[i]!) return;
    if (p.kind === 'output') {
      if (!(out instanceof Tensor)) throw new SpikegradError(`nn.record: probe '${p.key}': ${m.constructor.name}.${key} returned ${describeValue(out)}, not a tensor`);
      r.take(p, out, key === 'run');
    } else if (key === 'update') {
      r.take(p, (m as unknown as Record<string, HiddenState>)[p.stateName!]!.value, false);
    } else {
      const seq = handed?.get(p.stateName!);
      if (!seq) {
        throw new SpikegradError(`nn.record: state '${p.key}' is not produced per step by ${m.constructor.name}.run (sequence mode); record it in step mode, transform.forLoop(net.update, xs)`);
      }
      r.take(p, seq, true);
    }
  });
  return out;
}
