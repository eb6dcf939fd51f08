/**
 * nn.Recurrent: a spiking population with recurrent connections (snnTorch's RLeaky with all-to-all
 * connections, the LSNN's recurrent layer). One step, for any neuron layer whose `update` returns spikes:
 *   I_t = (x_t · W_in + b) + s_{t−1} · (W_rec ⊙ M),   s_t = neuron.update(I_t),
 * with W_in [in, n] and W_rec [n, n] in spikegrad's [from, to] convention, M the fixed 0/1 connectivity
 * (the `mask` option, with the diagonal cleared when `selfConnections` is false) and s_0 = 0 (snnTorch's
 * initial spike). The recurrent spikes are not detached: the surrogate gradient flows back through them (BPTT
 * through the recurrence, as in snnTorch and the LSNN).
 *
 * Fused (the neurons that run the generic neuronRun: nn.ALIF and every declared neuron, and nn.LIF/nn.IF
 * through the LIF declaration below) on the CPU and WebGPU backends: `run` projects all T·B input rows with one
 * `linear` and runs the whole sequence in one `recurrentRun` op (engine/opsRecurrent.ts), the recurrence inside
 * the time loop, so a training step runs a fixed number of ops whatever T is (on WebGPU one dispatch per
 * direction, kernels/neuron/recurrentWebgpu.ts); `update` runs the same op for one step, so both modes compute
 * the same bits. `run(xs, { checkpoint: k })` keeps the states every k steps only and the backward recomputes
 * each segment (docs/memory.md). Other neuron layers compose tape ops per step in both modes, as before: the
 * masked weight is W_rec ⊙ M with M exactly 0 or 1, so both modes see the same bits there too.
 */
import { add, index, linear, matmul, mul, reshape, stack, tensor } from '../engine/api.js';
import { runOp } from '../engine/dispatch.js';
import { bytesPerElement, isFloat } from '../engine/dtype.js';
import { SpikegradError, describeValue, fmtShape } from '../engine/errors.js';
import { HiddenState, ParamState } from '../engine/state.js';
import { Tensor } from '../engine/tensor.js';
import { sameShape } from '../engine/shape.js';
import type { BoundNeuron } from '../dynamics/bind.js';
import type { FloatDType } from './expEuler.js';
import { Constant, KaimingUniform, Uniform, toInitializer, type InitLike } from './init.js';
import { Layer, checkSize } from './layer.js';
import { Module, type InitStateOptions } from './module.js';
import { recordAround, recordSequence, recording } from './record.js';
import type { SpikeFunction } from './spikeFunction.js';

/** Options of `nn.Recurrent`. */
export interface RecurrentOptions {
  /** Input weight W_in [in, n] (default PyTorch's nn.Linear init: U(±1/√in), i.e. KaimingUniform({ scale: 1/3 })). */
  wInit?: InitLike;
  /** Recurrent weight W_rec [n, n] (default U(±1/√n): snnTorch RLeaky's recurrent nn.Linear). */
  recInit?: InitLike;
  /** Bias [n] (default U(±1/√in), PyTorch's nn.Linear bias); null for no bias. */
  bInit?: InitLike | null;
  /** Whether a neuron feeds its own spikes back (default true, as RLeaky's all-to-all nn.Linear). */
  selfConnections?: boolean;
  /**
   * Fixed connectivity of W_rec, [n, n] with entry [i, j] = 1 where neuron i connects to neuron j, 0 where not:
   * an array of n rows, or a flat array (or typed array) of n·n entries, row-major; numbers 0/1 or booleans.
   * Absent entries get no gradient and contribute nothing, whatever W_rec holds there.
   */
  mask?: ArrayLike<number | boolean> | ArrayLike<ArrayLike<number | boolean>>;
  /** Parameter precision (default float32; float64 on the CPU backend for checks). */
  dtype?: FloatDType;
  /**
   * Bytes the fused `run` may keep of the neuron states for the backward pass before it checkpoints on its own
   * (`checkpoint: 'auto'`, the default): over the budget it keeps every ⌈√T⌉-th step (docs/memory.md).
   * Default 256 MiB.
   */
  memoryBudget?: number;
}

/** Options of `nn.Recurrent.run`. */
export interface RecurrentRunOptions {
  /**
   * Checkpointed BPTT (fused path): keep the neuron states every `checkpoint` steps and recompute each segment
   * in the backward pass, an integer from 1 (keep every step) to T; 'auto' (default) keeps every step while the
   * states fit the layer's `memoryBudget`, else every ⌈√T⌉-th. The gradients do not depend on it (bit for bit
   * on the CPU); the backward costs up to one more forward pass.
   */
  checkpoint?: number | 'auto';
}

/** The default `memoryBudget`: 256 MiB of saved states. */
const DEFAULT_MEMORY_BUDGET = 256 * 2 ** 20;

/**
 * The checkpoint interval `run` uses: `requested` when a number, else 1 while T·K·B·n elements of `bytes` fit
 * `budget`, else ⌈√T⌉ (which minimises the ⌈T/k⌉ kept rows plus the k recomputed ones: about 2√T rows).
 */
export function autoCheckpoint(T: number, rowBytes: number, budget: number): number {
  return T * rowBytes <= budget ? 1 : Math.ceil(Math.sqrt(T));
}

/** What the fused op needs of a neuron: the trees of its generated step, its states in order, its surrogate. */
interface FusedNeuron {
  bound(dtype: FloatDType): BoundNeuron;
  hiddenStates(): HiddenState[];
  readonly spkFun: SpikeFunction;
  readonly detachReset: boolean;
}

/** The neuron as the fused op sees it, or undefined for a layer it cannot run (composed per step instead). */
function fusedNeuron(neuron: Layer): FusedNeuron | undefined {
  const f = neuron as Partial<FusedNeuron>;
  return typeof f.bound === 'function' && typeof f.hiddenStates === 'function' && f.spkFun !== undefined ? (neuron as unknown as FusedNeuron) : undefined;
}

/** A neuron layer usable inside nn.Recurrent: a Layer whose update(current [B, n]) returns spikes [B, n]. */
export type RecurrentNeuron = Layer;

export class Recurrent<Neuron extends RecurrentNeuron = RecurrentNeuron> extends Module {
  readonly inFeatures: number;
  readonly size: number;
  readonly neuron: Neuron;
  /** W_in [in, n]. */
  readonly weight: ParamState;
  /** W_rec [n, n] (from, to); only the entries the connectivity keeps are used. */
  readonly recWeight: ParamState;
  readonly bias: ParamState | undefined;
  /** The previous step's spikes s_{t−1} [B, n] (zeros after initAllStates). */
  readonly spike = new HiddenState(undefined, 'spike');
  readonly selfConnections: boolean;
  /** The 0/1 connectivity M, row-major [n, n], or undefined when every connection is kept. */
  readonly #mask: Float64Array | undefined;
  /** M as a tensor, per backend and dtype (created on first use: the layer may be built before setBackend). */
  #maskTensor: Tensor | undefined;
  /** Bytes of saved states above which `run` checkpoints on its own. */
  readonly memoryBudget: number;

  /**
   * @param inFeatures width of the input x_t
   * @param neuron the population (nn.LIF, nn.ALIF, a declared neuron…): its size is n
   * @example const rec = new nn.Recurrent(40, new nn.LIF(128, { tau: 20 }), { selfConnections: false });
   */
  constructor(inFeatures: number, neuron: Neuron, opts: RecurrentOptions = {}) {
    super();
    const where = 'Recurrent';
    this.inFeatures = checkSize(where, 'inFeatures', inFeatures);
    if (!(neuron instanceof Layer) || typeof (neuron as { update?: unknown }).update !== 'function') {
      throw new SpikegradError(`${where}: argument 'neuron' expected a neuron layer (e.g. new nn.LIF(128)), got ${describeValue(neuron)}`);
    }
    this.neuron = neuron;
    const n = (this.size = neuron.size);
    if (opts === null || typeof opts !== 'object') throw new SpikegradError(`${where}: argument 'opts' expected an options object, got ${describeValue(opts)}`);
    const dtype = opts.dtype ?? 'float32';
    if (dtype !== 'float32' && dtype !== 'float64') throw new SpikegradError(`${where}: argument 'dtype' expected 'float32' or 'float64', got ${describeValue(dtype)}`);
    if (opts.selfConnections !== undefined && typeof opts.selfConnections !== 'boolean') {
      throw new SpikegradError(`${where}: argument 'selfConnections' expected a boolean, got ${describeValue(opts.selfConnections)}`);
    }
    this.selfConnections = opts.selfConnections ?? true;
    this.#mask = connectivity(n, opts.mask, this.selfConnections);
    if (opts.memoryBudget !== undefined && !(typeof opts.memoryBudget === 'number' && opts.memoryBudget > 0)) {
      throw new SpikegradError(`${where}: argument 'memoryBudget' expected a positive number of bytes, got ${describeValue(opts.memoryBudget)}`);
    }
    this.memoryBudget = opts.memoryBudget ?? DEFAULT_MEMORY_BUDGET;
    const boundIn = 1 / Math.sqrt(this.inFeatures);
    const wInit = toInitializer(where, 'wInit', opts.wInit ?? new KaimingUniform({ scale: 1 / 3 }));
    const recInit = toInitializer(where, 'recInit', opts.recInit ?? new KaimingUniform({ scale: 1 / 3 }));
    this.weight = new ParamState(wInit.create([this.inFeatures, n], { dtype, where, name: 'wInit' }), 'weight');
    this.recWeight = new ParamState(recInit.create([n, n], { dtype, where, name: 'recInit' }), 'recWeight');
    if (opts.bInit !== null) {
      const bInit = toInitializer(where, 'bInit', opts.bInit ?? new Uniform({ low: -boundIn, high: boundIn }));
      this.bias = new ParamState(bInit.create([n], { dtype, where, name: 'bInit' }), 'bias');
    } else this.bias = undefined;
  }

  protected get label(): string {
    return `Recurrent(${this.inFeatures}→${this.size})`;
  }

  override initState(opts: InitStateOptions): void {
    const shape = opts.batchSize === undefined ? [this.size] : [opts.batchSize, this.size];
    this.spike.value = new Constant(0).create(shape, { dtype: opts.dtype ?? 'float32', where: this.label, name: 'spike', ...(opts.backend ? { backend: opts.backend } : {}) });
  }

  /** One step: x [B, in] → spikes [B, n]. */
  update(x: Tensor): Tensor {
    this.checkInput(x, 'update', false);
    const fused = this.fused(x, 'update'); // checks the neuron's states before any op runs
    const wRec = this.maskedRecWeight('update');
    if (fused) {
      const cur = this.project(x);
      return this.runFused(fused, reshape(cur, [1, ...this.batchRows(cur.shape)]), wRec, 1, false);
    }
    return this.step(this.project(x), wRec);
  }

  /**
   * xs [T, B, in] → spikes [T, B, n]: the same numbers as transform.forLoop(update, xs). Fused (see the file's
   * comment) with `opts.checkpoint` (default 'auto'), else composed per step.
   */
  override run(xs: Tensor, opts: RecurrentRunOptions = {}): Tensor {
    if (!(xs instanceof Tensor) || !isFloat(xs.dtype) || xs.rank < 2) {
      throw new SpikegradError(`${this.label}.run: argument 'xs' expected a float tensor [T, batch, ${this.inFeatures}], got ${describeValue(xs)}`);
    }
    this.checkInput(xs, 'run', true);
    if (opts === null || typeof opts !== 'object') throw new SpikegradError(`${this.label}.run: argument 'opts' expected an options object, got ${describeValue(opts)}`);
    const T = xs.shape[0]!;
    const fused = this.fused(xs, 'run');
    const rowBytes = this.spike.value.size * bytesPerElement(xs.dtype) * (fused ? fused.hiddenStates().length : 1);
    const k = checkCheckpoint(`${this.label}.run`, opts.checkpoint, T, rowBytes, this.memoryBudget);
    const wRec = this.maskedRecWeight('run'); // masked once for the whole sequence
    if (fused) {
      // Every input row projected by one op: [T·B, in] · W_in + b.
      const cur = this.projectRows(reshape(xs, [-1, this.inFeatures]));
      return this.runFused(fused, reshape(cur, [T, ...this.batchRows(this.spike.value.shape)]), wRec, k, true);
    }
    // Composed: the input projection per step, not one matmul over all T·B rows: slicing a [T, B, n] product per
    // step costs a [T, B, n] zero-padded gradient per step in the backward pass (O(T²·B·n)).
    const out: Tensor[] = [];
    for (let t = 0; t < T; t++) out.push(this.step(this.project(index(xs, t)), wRec));
    return stack(out, 0);
  }

  /** The neuron as the fused op sees it, on the backends that have the op's kernels; its states checked. */
  private fused(x: Tensor, method: string): FusedNeuron | undefined {
    const f = fusedNeuron(this.neuron);
    if (!f || (x.backend.name !== 'cpu' && x.backend.name !== 'webgpu')) return undefined;
    const want = this.spike.value.shape;
    for (const h of f.hiddenStates()) {
      if (!h.initialized) {
        throw new SpikegradError(`${this.label}: hidden state '${h.name ?? '?'}' is not initialized; call nn.initAllStates(net, { batchSize }) before update() or run() (at the start of every training step)`);
      }
      const v = h.value;
      if (!sameShape(v.shape, want) || v.dtype !== x.dtype) {
        throw new SpikegradError(`${this.label}.${method}: hidden state '${h.name ?? '?'}' expected ${x.dtype} ${fmtShape(want)} (the spikes' shape), got ${v.dtype} ${fmtShape(v.shape)}; call nn.initAllStates(net, { batchSize${want.length === 2 ? `: ${want[0]}` : ''} }) for this input`);
      }
    }
    return f;
  }

  /** [B, n] for batched states, [1, n] for an unbatched step. */
  private batchRows(shape: readonly number[]): number[] {
    return shape.length === 1 ? [1, shape[0]!] : [shape.at(-2)!, shape.at(-1)!];
  }

  /**
   * The `recurrentRun` op on currents [T, B, n]; the spike and neuron states advance to the last step. Returns
   * the spikes, [T, …] (`seq`) or the last step's. nn.record sees it as a call of the neuron's own run/update
   * (its output, and its states: per step in step mode, the whole sequence in sequence mode when every step is
   * kept, checkpoint 1).
   */
  private runFused(f: FusedNeuron, cur: Tensor, wRec: Tensor, checkpoint: number, seq: boolean): Tensor {
    const shape = this.spike.value.shape, T = cur.shape[0]!;
    const body = (): Tensor => {
      const rows = this.batchRows(shape);
      const hs = f.hiddenStates();
      const s0 = stack(hs.map((h) => reshape(h.value, rows)), 0);
      const [spikes, states] = runOp('recurrentRun', [cur, wRec, reshape(this.spike.value, rows), s0], {
        neuron: f.bound(cur.dtype === 'float64' ? 'float64' : 'float32'), spkFun: f.spkFun, detachReset: f.detachReset, checkpoint,
      });
      if (seq && checkpoint === 1 && recording.active > 0) {
        const neuron = this.neuron as unknown as Record<string, unknown>;
        hs.forEach((h, k) => {
          const name = Object.keys(neuron).find((key) => neuron[key] === h);
          if (name !== undefined) recordSequence(this.neuron, name, reshape(index(states!, k, 1), [T, ...shape]));
        });
      }
      const last = index(states!, -1);
      hs.forEach((h, k) => (h.value = reshape(index(last, k), shape)));
      this.spike.value = reshape(index(spikes!, -1), shape);
      return seq ? reshape(spikes!, [T, ...shape]) : this.spike.value;
    };
    return recording.active === 0 ? body() : recordAround(this.neuron, seq ? 'run' : 'update', body);
  }

  /** x W_in + b (the `linear` op, as nn.Linear). */
  private project(x: Tensor): Tensor {
    return asRows(x, (r) => this.projectRows(r));
  }

  private projectRows(r: Tensor): Tensor {
    return this.bias ? linear(r, this.weight.value, this.bias.value) : matmul(r, this.weight.value);
  }

  private step(inputCurrent: Tensor, wRec: Tensor): Tensor {
    const s = this.neuron.update(add(inputCurrent, asRows(this.spike.value, (r) => matmul(r, wRec))));
    this.spike.value = s;
    return s;
  }

  /** W_rec ⊙ M, after checking W_rec (a user may have assigned recWeight.value). */
  private maskedRecWeight(method: string): Tensor {
    const w = this.recWeight.value;
    const n = this.size;
    if (!sameShape(w.shape, [n, n])) {
      throw new SpikegradError(`${this.label}.${method}: parameter 'recWeight' expected shape [${n}, ${n}] (the neuron's size), got ${fmtShape(w.shape)}`);
    }
    if (this.#mask === undefined) return w;
    const m = this.#maskTensor;
    if (m === undefined || m.isDisposed || m.backend !== w.backend || m.dtype !== w.dtype) {
      if (m && !m.isDisposed) m.dispose();
      const t = tensor(this.#mask, [n, n], w.dtype, w.backend);
      t.kept = true; // lives as long as the layer, outside any tidy scope
      this.#maskTensor = t;
    }
    return mul(w, this.#maskTensor!);
  }

  /** Everything a step needs, checked before any op runs. */
  private checkInput(x: unknown, method: string, seq: boolean): void {
    const argName = seq ? 'xs' : 'x';
    if (!(x instanceof Tensor) || !isFloat(x.dtype) || x.rank < 1) {
      throw new SpikegradError(`${this.label}.${method}: argument '${argName}' expected a float tensor [batch, ${this.inFeatures}], got ${describeValue(x)}`);
    }
    if (x.shape.at(-1) !== this.inFeatures) {
      throw new SpikegradError(`${this.label}.${method}: argument '${argName}' expected last dimension ${this.inFeatures} (in features), got ${fmtShape(x.shape)}`);
    }
    const step = seq ? x.shape.slice(1) : x.shape;
    const W = this.weight.value;
    if (!sameShape(W.shape, [this.inFeatures, this.size])) {
      throw new SpikegradError(`${this.label}.${method}: parameter 'weight' expected shape [${this.inFeatures}, ${this.size}], got ${fmtShape(W.shape)}`);
    }
    if (this.bias && !sameShape(this.bias.value.shape, [this.size])) {
      throw new SpikegradError(`${this.label}.${method}: parameter 'bias' expected shape [${this.size}], got ${fmtShape(this.bias.value.shape)}`);
    }
    if (x.dtype !== W.dtype || this.recWeight.value.dtype !== W.dtype) {
      throw new SpikegradError(`${this.label}.${method}: argument '${argName}' is ${x.dtype} but the weights are ${W.dtype}/${this.recWeight.value.dtype}; create the layer with { dtype: '${x.dtype}' }`);
    }
    if (!this.spike.initialized) {
      throw new SpikegradError(`${this.label}: hidden state 'spike' is not initialized; call nn.initAllStates(net, { batchSize }) before update() or run() (at the start of every training step)`);
    }
    const expected = [...step.slice(0, -1), this.size];
    const s = this.spike.value;
    if (!sameShape(s.shape, expected)) {
      throw new SpikegradError(`${this.label}.${method}: hidden state 'spike' expected shape ${fmtShape(expected)} for input ${fmtShape(step)}${seq ? ' (per time step)' : ''}, got ${fmtShape(s.shape)}; call nn.initAllStates(net, { batchSize: ${step.length >= 2 ? step.at(-2) : '…'} }) for this input`);
    }
    if (s.dtype !== x.dtype) {
      throw new SpikegradError(`${this.label}.${method}: hidden state 'spike' is ${s.dtype} but the input is ${x.dtype}; pass { dtype: '${x.dtype}' } to nn.initAllStates`);
    }
  }

  override toString(): string {
    const conn = this.#mask === undefined ? '' : `, ${countOnes(this.#mask)}/${this.size * this.size} connections`;
    return `Recurrent(${this.inFeatures}→${this.size}${this.bias ? '' : ', no bias'}${this.selfConnections ? '' : ', no self-connections'}${conn}, neuron=${this.neuron})`;
  }
}

/** The checkpoint interval of a run, checked (before any op runs): see RecurrentRunOptions. */
function checkCheckpoint(where: string, c: unknown, T: number, rowBytes: number, budget: number): number {
  if (c === undefined || c === 'auto') return autoCheckpoint(T, rowBytes, budget);
  if (typeof c !== 'number' || !Number.isInteger(c) || c < 1 || c > T) {
    throw new SpikegradError(`${where}: argument 'checkpoint' expected an integer from 1 to T = ${T} (the sequence's length) or 'auto', got ${describeValue(c)}`);
  }
  return c;
}

/** `f` on x as a matrix: an unbatched step (states of shape [n], no batch axis) is one row. */
function asRows(x: Tensor, f: (rows: Tensor) => Tensor): Tensor {
  if (x.rank === 2) return f(x);
  const y = f(reshape(x, [1, x.shape[0]!]));
  return reshape(y, [y.shape[1]!]);
}

function countOnes(m: Float64Array): number {
  let c = 0;
  for (const v of m) c += v;
  return c;
}

function entry(v: unknown, at: string): number {
  if (v === true || v === 1) return 1;
  if (v === false || v === 0) return 0;
  throw new SpikegradError(`Recurrent: argument 'mask' expected entries 0/1 or booleans, got ${describeValue(v)} at ${at}`);
}

/** The 0/1 connectivity, or undefined when all n² connections are kept (no work per step). */
function connectivity(n: number, mask: RecurrentOptions['mask'], selfConnections: boolean): Float64Array | undefined {
  if (mask === undefined && selfConnections) return undefined;
  const m = new Float64Array(n * n).fill(1);
  if (mask !== undefined) {
    if (mask === null || typeof mask !== 'object' || typeof (mask as ArrayLike<unknown>).length !== 'number') {
      throw new SpikegradError(`Recurrent: argument 'mask' expected an [${n}, ${n}] array (n rows, or n·n = ${n * n} entries), got ${describeValue(mask)}`);
    }
    const rows = mask as ArrayLike<unknown>;
    const nested = rows.length > 0 && typeof rows[0] === 'object' && rows[0] !== null;
    if (nested) {
      if (rows.length !== n) throw new SpikegradError(`Recurrent: argument 'mask' expected ${n} rows (the neuron's size), got ${rows.length}`);
      for (let i = 0; i < n; i++) {
        const row = rows[i] as ArrayLike<unknown> | null;
        if (row === null || typeof row !== 'object' || row.length !== n) {
          throw new SpikegradError(`Recurrent: argument 'mask' expected row ${i} of length ${n}, got ${describeValue(row)}`);
        }
        for (let j = 0; j < n; j++) m[i * n + j] = entry(row[j], `[${i}, ${j}]`);
      }
    } else {
      if (rows.length !== n * n) throw new SpikegradError(`Recurrent: argument 'mask' expected shape [${n}, ${n}] (${n * n} entries, row-major), got ${rows.length} entries`);
      for (let k = 0; k < n * n; k++) m[k] = entry(rows[k], `[${Math.floor(k / n)}, ${k % n}]`);
    }
  }
  if (!selfConnections) for (let i = 0; i < n; i++) m[i * n + i] = 0;
  return m;
}
