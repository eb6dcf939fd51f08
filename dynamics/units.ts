/**
 * Unit text of a neuron declaration ('mV', 'ms', 'mV/ms', '1/(mV*ms)' is not accepted: one '/' at most), read
 * into the units/ module's Unit so that dimensions and scales can be compared. Only data: a product and quotient
 * of the unit symbols units/ defines (ASCII spellings accepted: ohm, kohm, Mohm, uS, uV, uA, uF, um, us), each
 * with an optional integer power ('mV^2').
 */
import { SpikegradError } from '../engine/errors.js';
import * as U from '../units/index.js';
import type { Unit } from '../units/index.js';

const UNITS: Record<string, Unit> = (() => {
  const table: Record<string, Unit> = {};
  for (const v of Object.values(U)) if (U.isUnit(v)) table[v.symbol] = v;
  Object.assign(table, { ohm: U.ohm, kohm: U.kohm, Mohm: U.Mohm, uS: U.uS, uV: U.uV, uA: U.uA, uF: U.uF, um: U.um, us: U.us, siemens: U.S });
  return table;
})();

/** Parses unit text; `where` names the declaration field in errors. */
export function parseUnit(text: unknown, where: string): Unit {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new SpikegradError(`${where}: expected unit text such as 'mV', 'ms', 'mV/ms' or '1', got ${JSON.stringify(text)}`);
  }
  const parts = text.split('/');
  if (parts.length > 2) throw new SpikegradError(`${where}: unit '${text}' has more than one '/' (write 'mV/(ms)' as 'mV/ms', products with '*')`);
  const product = (s: string): Unit => s.split('*').map((f) => factor(f.trim(), text, where)).reduce((a, b) => a.mul(b));
  const num = product(parts[0]!);
  return parts.length === 2 ? num.div(product(parts[1]!)) : num;
}

function factor(f: string, text: string, where: string): Unit {
  const m = /^([A-Za-zµΩ]+|1)(?:\^(-?\d+))?$/.exec(f);
  const base = m ? (m[1] === '1' ? U.UNITLESS : UNITS[m[1]!]) : undefined;
  if (!m || !base) {
    throw new SpikegradError(`${where}: unknown unit '${f}' in '${text}' (known: ${Object.keys(UNITS).join(', ')})`);
  }
  return m[2] === undefined ? base : base.pow(Number(m[2]));
}

/** Same dimension and same scale (mV and V differ: a declaration's numbers are in its units). */
export function sameUnit(a: Unit, b: Unit): boolean {
  return a.dim.every((e, i) => e === b.dim[i]) && a.exp10 === b.exp10 && Math.abs(a.factor - b.factor) <= 1e-12 * Math.abs(a.factor);
}

export function isDimensionless(u: Unit): boolean {
  return sameUnit(u, U.UNITLESS);
}
