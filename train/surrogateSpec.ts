/**
 * Surrogates named in text, as `spikegrad compare --surrogates` takes them:
 *   "ReluGrad,Sigmoid,Arctan"            the classes with their defaults
 *   "Sigmoid:alpha=8,Sigmoid:alpha=2"    per-surrogate parameters (several separated by ':')
 *   "PiecewiseLeakyRelu:c=0.05:w=0.5"
 *   "all"                                every class in the catalog
 * Names match case-insensitively; an unknown name or parameter is an error that lists what exists.
 */
import { SpikegradError } from '../engine/errors.js';
import type { SurrogateEntry } from './compare.js';

export interface SurrogateSpec {
  name: string;
  params: Record<string, number>;
}

/** A surrogate class as the catalog holds it: constructed from an options object of numbers. */
export type SurrogateClass = new (opts?: Record<string, number>) => object;

/** Names that address an object's prototype machinery rather than a parameter. */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** Splits the text into specs; numbers are checked, names are resolved later against a catalog. */
export function parseSurrogateSpecs(text: string): SurrogateSpec[] {
  const where = "compare: option '--surrogates'";
  if (typeof text !== 'string' || text.trim() === '') throw new SpikegradError(`${where} expected a comma-separated list such as 'ReluGrad,Sigmoid:alpha=8', got '${text}'`);
  return text.split(',').map((part) => part.trim()).filter(Boolean).map((part) => {
    const [name, ...assigns] = part.split(':').map((s) => s.trim());
    if (!name || !/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw new SpikegradError(`${where}: '${part}' does not start with a surrogate name`);
    // No prototype: a name such as '__proto__' is then an ordinary (unknown) key, never the object's prototype.
    const params = Object.create(null) as Record<string, number>;
    for (const a of assigns) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(a);
      const value = m ? Number(m[2]) : NaN;
      if (!m || !Number.isFinite(value)) throw new SpikegradError(`${where}: in '${part}', expected parameters as name=number (e.g. alpha=8), got '${a}'`);
      const key = m[1]!;
      if (FORBIDDEN.has(key)) throw new SpikegradError(`${where}: in '${part}', '${key}' is not a parameter name`);
      if (Object.hasOwn(params, key)) throw new SpikegradError(`${where}: in '${part}', the parameter '${key}' is given twice`);
      params[key] = value;
    }
    return { name, params };
  });
}

/** Instantiates the specs from `catalog` (class name → class); "all" expands to every class. */
export function resolveSurrogates(specs: readonly SurrogateSpec[], catalog: Readonly<Record<string, SurrogateClass>>): SurrogateEntry[] {
  const names = Object.keys(catalog);
  const byLower = new Map(names.map((n) => [n.toLowerCase(), n]));
  const expanded = specs.flatMap((s) => (s.name.toLowerCase() === 'all' && Object.keys(s.params).length === 0 ? names.map((name) => ({ name, params: {} })) : [s]));
  const entries = expanded.map(({ name, params }) => {
    const canonical = byLower.get(name.toLowerCase());
    if (!canonical) throw new SpikegradError(`compare: unknown surrogate '${name}'; expected one of ${names.join(', ')} or 'all'`);
    const surrogate = new catalog[canonical]!(params);
    const label = Object.keys(params).length ? `${canonical}(${Object.entries(params).map(([k, v]) => `${k}=${v}`).join(', ')})` : canonical;
    return { label, surrogate, spec: { name: canonical, params } };
  });
  const seen = new Set<string>();
  return entries.filter((e) => (seen.has(e.label) ? false : (seen.add(e.label), true)));
}
