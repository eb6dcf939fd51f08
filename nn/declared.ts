/**
 * What nn.defineNeuron and nn.defineSynapse share: the checks a declared model passes before a layer class is
 * made for it, and the reading of a declared layer's options (its parameters with their units, its states'
 * initializers). One place, so that a neuron and a synapse declaration are held to the same rules.
 */
import { SpikegradError, describeValue } from '../engine/errors.js';
import { HiddenState } from '../engine/state.js';
import { parseUnit } from '../dynamics/units.js';
import { UNITLESS, type Quantity } from '../units/index.js';
import type { FloatDType } from './expEuler.js';
import { Constant, toInitializer, type InitLike, type Initializer } from './init.js';
import { readParam } from './layer.js';

/** The parts of a checked declaration (a NeuronModel or a SynapseModel) a layer reads. */
interface DeclaredParts {
  readonly name: string;
  readonly params: readonly { readonly name: string; readonly unit: string | null; readonly default: number; readonly positive: boolean }[];
  readonly states: readonly { readonly name: string; readonly unit: string | null; readonly init: number }[];
}

/**
 * Before a class is made: the defaults must bind to finite constants in both precisions (a parameter-only
 * subexpression such as log(-tau) would not), and no state may take the name of one of the layer's members
 * (`base`'s prototype chain and the fields in `own`): the states become properties of the layer.
 */
export function checkDeclaredModel(where: string, model: DeclaredParts, bindDefaults: (dtype: FloatDType) => void, base: object, own: readonly string[]): void {
  try {
    bindDefaults('float32');
    bindDefaults('float64');
  } catch (e) {
    if (e instanceof SpikegradError) throw new SpikegradError(`${where}: ${e.message}`);
    throw e;
  }
  const members = new Set(own);
  for (let p: object | null = base; p; p = Object.getPrototypeOf(p)) Object.getOwnPropertyNames(p).forEach((n) => members.add(n));
  for (const s of model.states) {
    if (members.has(s.name)) throw new SpikegradError(`${where}: states.${s.name}: name clash with the layer's member '${s.name}' (rename the state)`);
  }
}

/** A declared layer's options: an object whose every key is one of `optionNames`. */
export function checkDeclaredOptions(where: string, opts: unknown, optionNames: readonly string[]): asserts opts is Readonly<Record<string, unknown>> {
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw new SpikegradError(`${where}: expected an options object, got ${describeValue(opts)}`);
  }
  for (const k of Object.keys(opts)) {
    if (!optionNames.includes(k)) throw new SpikegradError(`${where}: unknown option '${k}' (options: ${optionNames.join(', ')})`);
  }
}

/** Each declared parameter from `opts` (its unit checked, its default where absent). */
export function readDeclaredParams(model: DeclaredParts, where: string, opts: Readonly<Record<string, unknown>>): Record<string, number> {
  const params: Record<string, number> = {};
  for (const p of model.params) {
    params[p.name] = readParam(where, p.name, opts[p.name] as number | Quantity | undefined, p.unit ? parseUnit(p.unit, p.name) : UNITLESS, p.default, p.positive);
  }
  return params;
}

/**
 * Each state's initializer (`<state>Initializer` from `opts`, else the declared constant in its unit), and a
 * HiddenState named after it on `layer`.
 */
export function declareStates(layer: object, model: DeclaredParts, where: string, opts: Readonly<Record<string, unknown>>): Record<string, Initializer> {
  const initializers: Record<string, Initializer> = {};
  for (const s of model.states) {
    const given = opts[`${s.name}Initializer`];
    initializers[s.name] = given === undefined
      ? new Constant(s.init, s.unit ? { unit: parseUnit(s.unit, s.name) } : {})
      : toInitializer(where, `${s.name}Initializer`, given as InitLike);
    (layer as Record<string, HiddenState>)[s.name] = new HiddenState(undefined, s.name);
  }
  return initializers;
}
