/**
 * Training checkpoints: everything a run needs to continue exactly where it stopped, in one safetensors file.
 *
 *   tensors   model.<path>             the network's parameters (or the states `states` selects)
 *             optimizer.<path>.<slot>  the optimizer's slots (Adam's mu and nu, SGD's trace)
 *             generator.state          the random generator's 128-bit state, U32 [4]
 *             generator.<name>.state   further generators by name (a data loader's, an encoder's)
 *   metadata  spikegrad.format 'checkpoint', spikegrad.version, spikegrad.model (the module's description),
 *             spikegrad.epoch, spikegrad.config (the run's configuration, JSON),
 *             spikegrad.optimizer (JSON: kind, stepCount — the schedule's position —, slotNames, schedule),
 *             spikegrad.generator 'xoshiro128**'
 *
 * Restoring all of it makes a resumed run on the CPU backend bit-identical to one that never stopped (the
 * test spawns a fresh process to show it). A checkpoint is also a weights file: `io.load(net, file)` reads
 * its model part.
 */
import { SpikegradError, describeValue } from '../engine/errors.js';
import { checkGeneratorState, defaultGenerator, Generator } from '../engine/random.js';
import type { DType } from '../engine/dtype.js';
import type { StateFilter } from '../nn/module.js';
import { assignStates } from '../nn/stateDict.js';
import { Optimizer, type OptimizerStateDict } from '../optim/optimizer.js';
import { writeFileAtomic } from './files.js';
import { SafetensorsError, decodeSafetensors, encodeSafetensors, type SafeTensor } from './safetensors.js';
import { META, metadataFor, planLoad, readSource, statesOf, tensorsOf, type Source, type Target } from './weights.js';

const CKPT = {
  epoch: 'spikegrad.epoch',
  config: 'spikegrad.config',
  optimizer: 'spikegrad.optimizer',
  generator: 'spikegrad.generator',
} as const;
const GENERATOR_TENSOR = 'generator.state';

/** The named generators, checked: names that make tensor names of their own, each a Generator. */
function checkGenerators(where: string, generators: unknown): [string, Generator][] {
  if (generators === undefined) return [];
  if (generators === null || typeof generators !== 'object' || Array.isArray(generators)) throw new SpikegradError(`${where}: argument 'generators' expected a record of random.Generator by name, got ${describeValue(generators)}`);
  const list = Object.entries(generators as Record<string, unknown>);
  for (const [name, g] of list) {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new SpikegradError(`${where}: argument 'generators' has the name '${name}'; expected letters, digits, '_' or '-'`);
    if (!(g instanceof Generator)) throw new SpikegradError(`${where}: argument 'generators' maps '${name}' to ${describeValue(g)}; expected a random.Generator`);
  }
  return list as [string, Generator][];
}

/** What `saveCheckpoint` writes: the network, and optionally the optimizer, the random generators, the epoch, the run's configuration and metadata. */
export interface Checkpoint {
  /** The network (its parameters are saved, or the states `states` selects). */
  net: Target;
  /** The optimizer whose slots and step count are saved (optional). */
  optimizer?: Optimizer | null;
  /** The random generator whose state is saved: the default one unless given; `null` saves none. */
  generator?: Generator | null;
  /** Further generators to save, by name (e.g. `{ encoder: g }` for a data loader's own generator). */
  generators?: Readonly<Record<string, Generator>>;
  /** Epochs completed. */
  epoch?: number;
  /** The run's configuration (anything JSON can hold), handed back by loadCheckpoint. */
  config?: unknown;
  /** Extra `__metadata__` strings. */
  metadata?: Readonly<Record<string, string>>;
  /** Which states of a module (default its parameters and running statistics). */
  states?: StateFilter;
}

/** What loadCheckpoint restores into: the network, and the optimizer and generator (see their notes). */
export interface RestoreTargets {
  net: Target;
  /**
   * The optimizer to restore (its weights registered, as when the run started). A checkpoint that holds an
   * optimizer's state needs one here, or `null` to leave it out.
   */
  optimizer?: Optimizer | null;
  /** The generator to restore: the default one unless given; `null` leaves the generator alone. */
  generator?: Generator | null;
  /** The named generators to restore: exactly those the checkpoint holds. */
  generators?: Readonly<Record<string, Generator>>;
  states?: StateFilter;
}

/** What `loadCheckpoint` returns besides restoring: the epoch, configuration, optimizer step count and metadata saved. */
export interface CheckpointInfo {
  /** Epochs completed when it was saved (null if not recorded). */
  epoch: number | null;
  /** The run's configuration as saved (undefined if none). */
  config: unknown;
  /** The optimizer's step count restored (null if the checkpoint has no optimizer). */
  stepCount: number | null;
  metadata: Record<string, string>;
}

interface OptimizerMeta {
  kind: string;
  stepCount: number;
  slotNames: string[];
  schedule?: string;
}

function safeDtype(d: DType): 'F32' | 'F64' {
  if (d !== 'float32' && d !== 'float64') throw new SpikegradError(`optimizer slots are float, got ${d}`);
  return d === 'float32' ? 'F32' : 'F64';
}

async function encodeCheckpoint(where: string, c: Checkpoint): Promise<Uint8Array<ArrayBuffer>> {
  if (c === null || typeof c !== 'object') throw new SpikegradError(`${where}: argument 'checkpoint' expected { net, optimizer?, epoch?, config? }, got ${describeValue(c)}`);
  if (c.optimizer != null && !(c.optimizer instanceof Optimizer)) throw new SpikegradError(`${where}: argument 'optimizer' expected an optim optimizer, got ${describeValue(c.optimizer)}`);
  if (c.generator != null && !(c.generator instanceof Generator)) throw new SpikegradError(`${where}: argument 'generator' expected a random.Generator, got ${describeValue(c.generator)}`);
  if (c.epoch !== undefined && !(Number.isSafeInteger(c.epoch) && c.epoch >= 0)) throw new SpikegradError(`${where}: argument 'epoch' expected a non-negative integer, got ${describeValue(c.epoch)}`);
  let config: string | undefined;
  if (c.config !== undefined) {
    try {
      config = JSON.stringify(c.config);
    } catch (e) {
      throw new SpikegradError(`${where}: argument 'config' cannot be written as JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    if (config === undefined) throw new SpikegradError(`${where}: argument 'config' expected something JSON can hold, got ${describeValue(c.config)}`);
  }
  const states = statesOf(where, c.net, c.states);
  const tensors: Record<string, SafeTensor> = await tensorsOf(where, states, {}, 'model.');
  const meta: Record<string, string> = {};
  if (c.epoch !== undefined) meta[CKPT.epoch] = String(c.epoch);
  if (config !== undefined) meta[CKPT.config] = config;
  if (c.optimizer) {
    const s = await c.optimizer.stateDict();
    for (const [path, slots] of Object.entries(s.slots)) {
      for (const [name, e] of Object.entries(slots)) tensors[`optimizer.${path}.${name}`] = { dtype: safeDtype(e.dtype), shape: [...e.shape], data: e.data as Float32Array | Float64Array };
    }
    const om: OptimizerMeta = { kind: s.kind, stepCount: s.stepCount, slotNames: s.slotNames, schedule: String(c.optimizer.schedule) };
    meta[CKPT.optimizer] = JSON.stringify(om);
  }
  const named = checkGenerators(where, c.generators);
  const generator = c.generator === undefined ? defaultGenerator : c.generator;
  if (generator) tensors[GENERATOR_TENSOR] = { dtype: 'U32', shape: [4], data: Uint32Array.from(generator.getState()) };
  for (const [name, g] of named) tensors[`generator.${name}.state`] = { dtype: 'U32', shape: [4], data: Uint32Array.from(g.getState()) };
  if (generator || named.length) meta[CKPT.generator] = 'xoshiro128**';
  return encodeSafetensors(tensors, { ...metadataFor(where, c.net, 'checkpoint', c.metadata), ...meta }, where);
}

/**
 * The checkpoint's bytes (Node or a browser).
 * @example const bytes = await io.checkpointToBytes({ net, optimizer, epoch, config });
 */
export function checkpointToBytes(checkpoint: Checkpoint): Promise<Uint8Array<ArrayBuffer>> {
  return encodeCheckpoint('io.checkpointToBytes', checkpoint);
}

/**
 * Saves a training checkpoint, atomically (an interrupted save leaves the previous checkpoint intact). Node.
 * @example await io.saveCheckpoint('run.ckpt.safetensors', { net, optimizer, epoch: 5, config });
 */
export async function saveCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  const bytes = await encodeCheckpoint('io.saveCheckpoint', checkpoint);
  await writeFileAtomic('io.saveCheckpoint', path, bytes);
}

/**
 * Restores a checkpoint into the network, the optimizer and the generator, and returns the epoch and the
 * configuration it was saved with. Build the network and optimizer as for the original run (same layers,
 * same registered weights), then load: every tensor is checked before anything changes.
 * @example const { epoch, config } = await io.loadCheckpoint('run.ckpt.safetensors', { net, optimizer });
 *          for (let e = epoch!; e < config.epochs; e++) trainEpoch();
 */
export async function loadCheckpoint(source: Source, into: RestoreTargets, opts: { name?: string; strict?: boolean } = {}): Promise<CheckpointInfo> {
  const where = 'io.loadCheckpoint';
  if (into === null || typeof into !== 'object') throw new SpikegradError(`${where}: argument 'into' expected { net, optimizer?, generator? }, got ${describeValue(into)}`);
  if (into.optimizer != null && !(into.optimizer instanceof Optimizer)) throw new SpikegradError(`${where}: argument 'optimizer' expected an optim optimizer or null, got ${describeValue(into.optimizer)}`);
  if (into.generator != null && !(into.generator instanceof Generator)) throw new SpikegradError(`${where}: argument 'generator' expected a random.Generator or null, got ${describeValue(into.generator)}`);
  checkGenerators(where, into.generators);
  const states = statesOf(where, into.net, into.states);
  const { bytes, label } = await readSource(where, source, opts.name);
  const fail = (problem: string): never => { throw new SafetensorsError(where, label, problem); };
  const { tensors, metadata } = decodeSafetensors(bytes, { where, source: label });
  if (metadata[META.format] !== 'checkpoint') {
    fail(`not a spikegrad checkpoint (its metadata has ${META.format} ${metadata[META.format] === undefined ? 'absent' : `'${metadata[META.format]}'`}); to load weights use io.load`);
  }
  const parseJson = (key: string): unknown => {
    try {
      return JSON.parse(metadata[key]!);
    } catch {
      return fail(`the metadata '${key}' is not JSON`);
    }
  };
  let epoch: number | null = null;
  if (metadata[CKPT.epoch] !== undefined) {
    epoch = /^\d{1,15}$/.test(metadata[CKPT.epoch]!) ? Number(metadata[CKPT.epoch]) : fail(`the metadata '${CKPT.epoch}' is '${metadata[CKPT.epoch]}', not a non-negative integer`);
  }
  const config = metadata[CKPT.config] === undefined ? undefined : parseJson(CKPT.config);

  const used = new Set<string>();
  const plan = planLoad(fail, states, tensors, (n) => (n.startsWith('model.') ? n.slice(6) : null), { strict: opts.strict ?? true });
  for (const p of plan.loaded) used.add(`model.${p}`);
  for (const n of plan.unexpected) used.add(n);

  // The optimizer: its state is assembled from the file, then checked (and applied) by the optimizer itself.
  let optState: OptimizerStateDict | null = null;
  const om = metadata[CKPT.optimizer] === undefined ? null : parseJson(CKPT.optimizer) as OptimizerMeta;
  if (om !== null && (typeof om !== 'object' || typeof om.kind !== 'string' || !Array.isArray(om.slotNames) || om.slotNames.some((n) => typeof n !== 'string'))) {
    fail(`the metadata '${CKPT.optimizer}' expected { kind, stepCount, slotNames }, got ${metadata[CKPT.optimizer]}`);
  }
  if (into.optimizer === undefined && om) fail(`the checkpoint holds the state of an optimizer (${om.kind}, step ${om.stepCount}); pass { optimizer } to restore it, or { optimizer: null } to leave it out`);
  if (into.optimizer && !om) fail('the checkpoint holds no optimizer state (it was saved without an optimizer); pass { optimizer: null }');
  if (into.optimizer && om) {
    const slots: OptimizerStateDict['slots'] = {};
    for (const path of into.optimizer.paths) {
      const rec: OptimizerStateDict['slots'][string] = {};
      for (const n of om.slotNames) {
        const t = tensors[`optimizer.${path}.${n}`];
        if (!t) continue; // the optimizer names what is missing
        used.add(`optimizer.${path}.${n}`);
        const dtype = t.dtype === 'F32' ? 'float32' : t.dtype === 'F64' ? 'float64' : fail(`the optimizer slot 'optimizer.${path}.${n}' is ${t.dtype}; slots are F32 or F64`);
        rec[n] = { shape: t.shape, dtype, data: t.data as Float32Array | Float64Array };
      }
      slots[path] = rec;
    }
    const stray = Object.keys(tensors).filter((n) => n.startsWith('optimizer.') && !used.has(n));
    if (stray.length) fail(`the optimizer slots ${stray.map((n) => `'${n}'`).join(', ')} belong to no parameter the optimizer trains (it trains ${into.optimizer.paths.map((p) => `'${p}'`).join(', ')})`);
    optState = { kind: om.kind, stepCount: om.stepCount, slotNames: om.slotNames, slots };
  } else {
    for (const n of Object.keys(tensors)) if (n.startsWith('optimizer.')) used.add(n);
  }

  // The generators: the main one and the named ones, each a valid xoshiro128** state.
  const generatorState = (tensorName: string): number[] => {
    const g = tensors[tensorName]!;
    used.add(tensorName);
    if (g.dtype !== 'U32' || g.shape.length !== 1 || g.shape[0] !== 4) fail(`'${tensorName}' is ${g.dtype} [${g.shape.join(', ')}]; expected U32 [4]`);
    if (metadata[CKPT.generator] !== 'xoshiro128**') fail(`the generator state is for '${metadata[CKPT.generator] ?? 'an unnamed generator'}'; spikegrad's is xoshiro128**`);
    try {
      checkGeneratorState(where, g.data);
    } catch (e) {
      fail(`'${tensorName}' is not a valid generator state (${(e as Error).message.replace(/^.*?got /, 'got ')})`);
    }
    return Array.from(g.data);
  };
  const restores: [Generator, number[]][] = [];
  const generator = into.generator === undefined ? defaultGenerator : into.generator;
  if (tensors[GENERATOR_TENSOR]) {
    const st = generatorState(GENERATOR_TENSOR);
    if (generator) restores.push([generator, st]);
  } else if (into.generator) {
    fail('the checkpoint holds no generator state; pass { generator: null }');
  }
  const named = new Map(checkGenerators(where, into.generators));
  const inFile = Object.keys(tensors).filter((n) => /^generator\.[^.]+\.state$/.test(n)).map((n) => n.slice(10, -6));
  const unclaimed = inFile.filter((n) => !named.has(n));
  if (unclaimed.length) fail(`the checkpoint holds the state of the generator${unclaimed.length > 1 ? 's' : ''} ${unclaimed.map((n) => `'${n}'`).join(', ')}; pass { generators: { ${unclaimed.join(', ')} } } to restore ${unclaimed.length > 1 ? 'them' : 'it'}`);
  for (const [name, g] of named) {
    if (!inFile.includes(name)) fail(`the checkpoint holds no state for the generator '${name}' (it has ${inFile.length ? inFile.map((n) => `'${n}'`).join(', ') : 'no named generators'})`);
    restores.push([g, generatorState(`generator.${name}.state`)]);
  }
  const leftover = Object.keys(tensors).filter((n) => !used.has(n));
  if ((opts.strict ?? true) && leftover.length) fail(`the tensor${leftover.length > 1 ? 's' : ''} ${leftover.map((n) => `'${n}'`).join(', ')} ${leftover.length > 1 ? 'are' : 'is'} not part of a checkpoint (model.*, optimizer.*, generator.*state); pass { strict: false } to ignore ${leftover.length > 1 ? 'them' : 'it'}`);

  // Everything checked: the optimizer checks its part before changing anything, then the rest is applied.
  if (optState && into.optimizer) into.optimizer.loadStateDict(optState, `${where}: ${label}`);
  assignStates(plan.writes);
  for (const [g, st] of restores) g.setState(st);
  return { epoch, config, stepCount: optState ? optState.stepCount : null, metadata };
}
