/**
 * A network's states to and from safetensors: the tensors are named by state path (`i2r.0.weight`), the
 * metadata carries spikegrad's version and the module's description. Loading validates the whole file and
 * its fit to the module (names, dtypes, shapes) before any state changes, so a bad file leaves the module
 * with its old values. Name maps and transposition make files written by PyTorch (whose Linear stores its
 * weight as [out, in], where spikegrad's is [in, out]) load, and files for PyTorch save.
 */
import type { DType, TypedArray } from '../engine/dtype.js';
import { SpikegradError, describeValue, fmtShape } from '../engine/errors.js';
import { sameShape } from '../engine/shape.js';
import { State, savedStates } from '../engine/state.js';
import { Module, type StateFilter } from '../nn/module.js';
import { assignStates, readStateDict } from '../nn/stateDict.js';
import { version } from '../package.json';
import { readFileBytes, writeFileAtomic } from './files.js';
import { SafetensorsError, decodeSafetensors, encodeSafetensors, type SafeArray, type SafeDType, type SafeTensor, type SafetensorsContents } from './safetensors.js';

/** What is saved or loaded: a module (its parameters, or the states `states` selects) or a record of States by name. */
export type Target = Module | Readonly<Record<string, State>>;

/** Where a file is read from: a path (Node), its bytes, a Blob or File (browser), or a fetch Response. */
export type Source = string | ArrayBuffer | ArrayBufferView | Blob | Response;

/** Metadata keys spikegrad writes and reads (the rest of `__metadata__` is the user's). */
export const META = {
  version: 'spikegrad.version',
  format: 'spikegrad.format',
  model: 'spikegrad.model',
} as const;

export interface SaveOptions {
  /** Which states of a module (default: its parameters and running statistics, `ParamState` and `nn.RunningState`). */
  states?: StateFilter;
  /** Extra `__metadata__` entries (strings); keys starting with 'spikegrad.' are spikegrad's own. */
  metadata?: Readonly<Record<string, string>>;
  /**
   * The names in the file: a record from state path to file name (unlisted paths keep theirs), or a
   * function of the path. @example { names: { 'i2r.0.weight': 'fc1.weight' } }
   */
  names?: Readonly<Record<string, string>> | ((path: string) => string);
  /**
   * Store 2-D tensors transposed, as PyTorch's Linear keeps its weight ([out, in]; spikegrad's is [in, out]):
   * `true` for every 2-D tensor (others are stored as they are), or a list of state paths (each must be 2-D).
   */
  transpose?: boolean | readonly string[];
}

export interface LoadOptions {
  /** Which states of a module to load (default: its parameters and running statistics, `ParamState` and `nn.RunningState`). */
  states?: StateFilter;
  /**
   * Every state must be in the file and every tensor of the file must be a state (default true). With
   * `false`, states the file lacks keep their values and tensors the module lacks are ignored; at least one
   * must match.
   */
  strict?: boolean;
  /**
   * From the file's names to state paths: a record (unlisted names keep theirs; `null` skips a tensor) or a
   * function (returning `null` skips the tensor). @example { names: { 'fc1.weight': 'i2r.0.weight', 'fc1.bias': 'i2r.0.bias' } }
   */
  names?: Readonly<Record<string, string | null>> | ((fileName: string) => string | null);
  /** Transpose 2-D tensors while loading ([out, in] from PyTorch → [in, out]): `true` for every 2-D one, or a list of state paths. */
  transpose?: boolean | readonly string[];
  /** What to call the file in errors when `source` is bytes (a path, a File's name or a URL names itself). */
  name?: string;
}

export interface LoadResult {
  /** The state paths that received values. */
  loaded: string[];
  /** States the file had no tensor for (only with `strict: false`). */
  missing: string[];
  /** File tensors (by their name in the file) that matched no state (only with `strict: false`). */
  unexpected: string[];
  /** The file's `__metadata__`. */
  metadata: Record<string, string>;
}

const TO_SAFE: Record<DType, SafeDType> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };
const FROM_SAFE: Partial<Record<SafeDType, DType>> = { F32: 'float32', F64: 'float64', I32: 'int32', BOOL: 'bool' };

/** The states of a target by path; every one must hold a value (a hidden state before initAllStates has none). */
export function statesOf(where: string, target: Target, filter: StateFilter = savedStates): Record<string, State> {
  let states: Record<string, State>;
  if (target instanceof Module) states = target.states(filter);
  else if (target !== null && typeof target === 'object' && !Array.isArray(target) && Object.values(target).every((s) => s instanceof State)) states = { ...target };
  else throw new SpikegradError(`${where}: argument 'net' expected an nn.Module or a record of States by name, got ${describeValue(target)}`);
  const empty = Object.keys(states).filter((p) => !states[p]!.initialized);
  if (empty.length) {
    throw new SpikegradError(`${where}: the state${empty.length > 1 ? 's' : ''} ${empty.map((p) => `'${p}'`).join(', ')} ha${empty.length > 1 ? 've' : 's'} no value yet (hidden states: call nn.initAllStates first, or select the parameters only)`);
  }
  return states;
}

function inList(list: boolean | readonly string[] | undefined, path: string): boolean {
  return list === true || (Array.isArray(list) && list.includes(path));
}

function checkList(where: string, arg: string, list: unknown, known: readonly string[], side: string): void {
  if (list === undefined || typeof list === 'boolean') return;
  if (!Array.isArray(list) || list.some((x) => typeof x !== 'string')) throw new SpikegradError(`${where}: argument '${arg}' expected true, false or a list of state paths, got ${describeValue(list)}`);
  const odd = list.filter((x) => !known.includes(x));
  if (odd.length) throw new SpikegradError(`${where}: argument '${arg}' names ${odd.map((x) => `'${x}'`).join(', ')}, which ${odd.length > 1 ? 'are' : 'is'} not among the ${side} (${known.map((x) => `'${x}'`).join(', ')})`);
}

/** A row-major [r, c] array as [c, r]. */
export function transpose2d<A extends SafeArray | TypedArray>(a: A, r: number, c: number): A {
  const out = new (a.constructor as new (n: number) => A)(a.length);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a[i * c + j]!;
  return out;
}

/** The file's tensors from a target's states, as `toBytes` writes them (names mapped, 2-D tensors transposed on request). */
export async function tensorsOf(where: string, states: Record<string, State>, opts: Pick<SaveOptions, 'names' | 'transpose'>, prefix = ''): Promise<Record<string, SafeTensor>> {
  const paths = Object.keys(states);
  checkList(where, 'transpose', opts.transpose, paths, 'saved states');
  const { names } = opts;
  if (names !== undefined && typeof names !== 'function' && (names === null || typeof names !== 'object')) {
    throw new SpikegradError(`${where}: argument 'names' expected a record from state path to file name or a function, got ${describeValue(names)}`);
  }
  const dict = await readStateDict(states);
  const out: Record<string, SafeTensor> = {};
  const from = new Map<string, string>();
  for (const [path, e] of Object.entries(dict)) {
    const fileName = prefix + (typeof names === 'function' ? names(path) : names && Object.hasOwn(names, path) ? names[path]! : path);
    if (typeof fileName !== 'string' || fileName === prefix) throw new SpikegradError(`${where}: argument 'names' gave ${describeValue(fileName)} for '${path}'; expected a non-empty file name`);
    if (from.has(fileName)) throw new SpikegradError(`${where}: argument 'names' gives '${from.get(fileName)}' and '${path}' the same name '${fileName}'`);
    from.set(fileName, path);
    let { shape, data } = e;
    if (inList(opts.transpose, path) && (shape.length === 2 || opts.transpose !== true)) {
      if (shape.length !== 2) throw new SpikegradError(`${where}: argument 'transpose' names '${path}', which is ${fmtShape(shape)}; only 2-D tensors are transposed`);
      data = transpose2d(data, shape[0]!, shape[1]!);
      shape = [shape[1]!, shape[0]!];
    }
    out[fileName] = { dtype: TO_SAFE[e.dtype], shape, data: data as SafeArray };
  }
  return out;
}

/** Metadata for a file of `target`: the version, the format, the module's description, then the user's. */
export function metadataFor(where: string, target: Target, format: string, user: Readonly<Record<string, string>> | undefined): Record<string, string> {
  if (user !== undefined && (user === null || typeof user !== 'object')) throw new SpikegradError(`${where}: argument 'metadata' expected a record of strings, got ${describeValue(user)}`);
  const own = Object.keys(user ?? {}).filter((k) => k.startsWith('spikegrad.'));
  if (own.length) throw new SpikegradError(`${where}: metadata keys starting with 'spikegrad.' are spikegrad's own (${own.map((k) => `'${k}'`).join(', ')}); choose other names`);
  return { [META.version]: version, [META.format]: format, ...(target instanceof Module ? { [META.model]: String(target) } : {}), ...user };
}

/**
 * The safetensors bytes of a network's parameters (or the states `opts.states` selects), in Node or a browser.
 * @example const bytes = await io.toBytes(net);   // Uint8Array
 */
export async function toBytes(net: Target, opts: SaveOptions = {}): Promise<Uint8Array<ArrayBuffer>> {
  return encodeWeights('io.toBytes', net, opts);
}

export async function encodeWeights(where: string, net: Target, opts: SaveOptions): Promise<Uint8Array<ArrayBuffer>> {
  if (opts === null || typeof opts !== 'object') throw new SpikegradError(`${where}: argument 'opts' expected an options object, got ${describeValue(opts)}`);
  const states = statesOf(where, net, opts.states);
  return encodeSafetensors(await tensorsOf(where, states, opts), metadataFor(where, net, 'weights', opts.metadata), where);
}

/**
 * Saves a network's parameters (or the states `opts.states` selects) to a safetensors file, atomically: an
 * interrupted save leaves the previous file intact. Node only; in a browser use `toBytes` or `toBlob`.
 * @example await io.save(net, 'net.safetensors');
 *          await io.save(net, 'for-torch.safetensors', { names: { 'i2r.0.weight': 'fc1.weight' }, transpose: true });
 */
export async function save(net: Target, path: string, opts: SaveOptions = {}): Promise<void> {
  const bytes = await encodeWeights('io.save', net, opts);
  await writeFileAtomic('io.save', path, bytes);
}

/**
 * The same as a Blob (application/octet-stream), e.g. for a download link in a page.
 * @example a.href = URL.createObjectURL(await io.toBlob(net)); a.download = 'net.safetensors';
 */
export async function toBlob(net: Target, opts: SaveOptions = {}): Promise<Blob> {
  return new Blob([await toBytes(net, opts)], { type: 'application/octet-stream' });
}

/** The bytes of `source` and the name errors call it by. */
export async function readSource(where: string, source: Source, name?: string): Promise<{ bytes: Uint8Array; label: string }> {
  if (typeof source === 'string') return { bytes: await readFileBytes(where, source), label: `'${source}'` };
  if (source instanceof Uint8Array) return { bytes: source, label: name ?? 'the given bytes' };
  if (source instanceof ArrayBuffer) return { bytes: new Uint8Array(source), label: name ?? 'the given bytes' };
  if (ArrayBuffer.isView(source)) return { bytes: new Uint8Array(source.buffer, source.byteOffset, source.byteLength), label: name ?? 'the given bytes' };
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    const fileName = (source as Blob & { name?: unknown }).name;
    return { bytes: new Uint8Array(await source.arrayBuffer()), label: name ?? (typeof fileName === 'string' ? `the file '${fileName}'` : 'the given Blob') };
  }
  if (typeof Response !== 'undefined' && source instanceof Response) {
    const label = name ?? `'${source.url || 'the response'}'`;
    if (!source.ok) throw new SpikegradError(`${where}: ${label}: the server answered ${source.status} ${source.statusText}`.trimEnd());
    return { bytes: new Uint8Array(await source.arrayBuffer()), label };
  }
  throw new SpikegradError(`${where}: argument 'source' expected a file path, an ArrayBuffer, a Uint8Array, a Blob or File, or a fetch Response, got ${describeValue(source)}`);
}

/**
 * Any safetensors file's tensors and metadata, checked strictly (see io/safetensors.ts), without a module:
 * to inspect a file, or to feed it to your own code.
 * @example const { tensors, metadata } = await io.read('net.safetensors');
 */
export async function read(source: Source, opts: { name?: string } = {}): Promise<SafetensorsContents> {
  const { bytes, label } = await readSource('io.read', source, opts.name);
  return decodeSafetensors(bytes, { where: 'io.read', source: label });
}

/** One state's new value, checked against the state. */
export interface PlannedWrite {
  state: State;
  data: TypedArray;
}

/**
 * Matches a file's tensors to states and checks every one (see `load`); returns what to write, without
 * writing anything. `fileNames` maps each file tensor to its state path (or null to leave it out).
 */
export function planLoad(
  fail: (problem: string) => never,
  states: Record<string, State>,
  tensors: Record<string, SafeTensor>,
  fileNames: (name: string) => string | null,
  opts: Pick<LoadOptions, 'strict' | 'transpose'>,
): { writes: PlannedWrite[]; loaded: string[]; missing: string[]; unexpected: string[] } {
  const strict = opts.strict ?? true;
  const byPath = new Map<string, string>();
  const unexpected: string[] = [];
  for (const name of Object.keys(tensors)) {
    const path = fileNames(name);
    if (path === null) continue;
    if (byPath.has(path)) fail(`the tensors '${byPath.get(path)}' and '${name}' both map to '${path}'`);
    if (!Object.hasOwn(states, path)) {
      unexpected.push(name);
      continue;
    }
    byPath.set(path, name);
  }
  const paths = Object.keys(states);
  const missing = paths.filter((p) => !byPath.has(p));
  const list = (xs: string[]) => xs.map((x) => `'${x}'`).join(', ');
  if (strict && missing.length) {
    const want = missing.map((p) => `'${p}' (${states[p]!.value.dtype} ${fmtShape(states[p]!.value.shape)})`).join(', ');
    fail(`the file has no tensor for ${want}; its tensors are ${list(Object.keys(tensors)) || 'none'} (pass { names } to map the file's names to the module's, or { strict: false } to load only what matches)`);
  }
  if (strict && unexpected.length) fail(`the file's tensor${unexpected.length > 1 ? 's' : ''} ${list(unexpected)} match${unexpected.length > 1 ? '' : 'es'} no state of the module (which has ${list(paths)}); pass { strict: false } to ignore ${unexpected.length > 1 ? 'them' : 'it'}`);
  if (byPath.size === 0) fail(`none of the file's tensors (${list(Object.keys(tensors)) || 'none'}) matches a state of the module (${list(paths)}); pass { names } to map them`);

  const writes: PlannedWrite[] = [];
  for (const [path, name] of byPath) {
    const want = states[path]!.value;
    const t = tensors[name]!;
    const as = name === path ? `'${name}'` : `'${name}' (for '${path}')`;
    const dt = FROM_SAFE[t.dtype];
    let { shape, data } = t;
    const transposed = inList(opts.transpose, path) && (shape.length === 2 || opts.transpose !== true);
    if (transposed) {
      if (shape.length !== 2) fail(`tensor ${as} is ${fmtShape(shape)}; only 2-D tensors can be transposed`);
      data = transpose2d(data, shape[0]!, shape[1]!);
      shape = [shape[1]!, shape[0]!];
    }
    if (dt !== want.dtype || !sameShape(shape, want.shape)) {
      const hint = dt === want.dtype && shape.length === 2 && sameShape([shape[1]!, shape[0]!], want.shape) ? (transposed ? ' (remove it from { transpose })' : ' (a PyTorch [out, in] weight? pass { transpose: true } or a list of paths)') : '';
      fail(`tensor ${as} is ${t.dtype} ${fmtShape(shape)}${transposed ? ' after transposing' : ''}; the module's '${path}' is ${want.dtype} ${fmtShape(want.shape)}${hint}`);
    }
    writes.push({ state: states[path]!, data: data as TypedArray });
  }
  return { writes, loaded: paths.filter((p) => byPath.has(p)), missing, unexpected };
}

/** The file-name mapping of `load`'s `names` option, checked. */
export function nameMap(where: string, names: LoadOptions['names']): (name: string) => string | null {
  if (names === undefined) return (n) => n;
  if (typeof names === 'function') {
    return (n) => {
      const p = names(n);
      if (p !== null && (typeof p !== 'string' || p === '')) throw new SpikegradError(`${where}: the 'names' function returned ${describeValue(p)} for '${n}'; expected a state path or null`);
      return p;
    };
  }
  if (names === null || typeof names !== 'object') throw new SpikegradError(`${where}: argument 'names' expected a record from the file's names to state paths, or a function, got ${describeValue(names)}`);
  for (const [k, v] of Object.entries(names)) {
    if (v !== null && (typeof v !== 'string' || v === '')) throw new SpikegradError(`${where}: argument 'names' maps '${k}' to ${describeValue(v)}; expected a state path or null`);
  }
  return (n) => (Object.hasOwn(names, n) ? names[n]! : n);
}

/**
 * Loads a safetensors file into a network's parameters (or the states `opts.states` selects). `source` is a
 * path in Node, or the file's bytes, a Blob/File or a fetch Response anywhere. Every defect of the file, and
 * every mismatch with the module, is a SafetensorsError naming the file; the module then keeps its values.
 * A spikegrad checkpoint loads too (its model part).
 * @example await io.load(net, 'net.safetensors');
 *          await io.load(net, input.files[0]);                                   // in a page
 *          await io.load(net, 'torch.safetensors', { names: { 'fc1.weight': 'i2r.0.weight', 'fc1.bias': 'i2r.0.bias' }, transpose: true, strict: false });
 */
export async function load(net: Target, source: Source, opts: LoadOptions = {}): Promise<LoadResult> {
  const where = 'io.load';
  if (opts === null || typeof opts !== 'object') throw new SpikegradError(`${where}: argument 'opts' expected an options object, got ${describeValue(opts)}`);
  const states = statesOf(where, net, opts.states);
  checkList(where, 'transpose', opts.transpose, Object.keys(states), "module's states");
  let names = nameMap(where, opts.names);
  const { bytes, label } = await readSource(where, source, opts.name);
  const fail = (problem: string): never => { throw new SafetensorsError(where, label, problem); };
  const { tensors, metadata } = decodeSafetensors(bytes, { where, source: label });
  // A checkpoint's weights are its 'model.' tensors.
  if (opts.names === undefined && metadata[META.format] === 'checkpoint') names = (n) => (n.startsWith('model.') ? n.slice(6) : null);
  const plan = planLoad(fail, states, tensors, names, opts);
  assignStates(plan.writes);
  return { loaded: plan.loaded, missing: plan.missing, unexpected: plan.unexpected, metadata };
}
