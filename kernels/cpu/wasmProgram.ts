/**
 * Straight-line programs (dynamics/program.ts) as WebAssembly lane code (wasmLanes.ts): each instruction one
 * vector or scalar operation into a local of its own, so a generated sequence kernel writes a declared model's
 * arithmetic once for the four-lane and the one-lane form. Only operations WebAssembly has as single IEEE
 * instructions qualify (+ − × ÷, min, max, neg, abs, sqrt, comparisons, logic, select): each rounds once, as
 * Math.fround of the float64 operation does, so the bits are those of the generated JavaScript. A program using
 * anything else (exp, tanh, pow, …) is not for this emitter (`lanesSupport`), and its kernel stays JavaScript.
 */
import type { ExprOp } from '../../surrogate/expr.js';
import type { Atom, Program } from '../../dynamics/program.js';
import { get, set, type Code, type Locals } from './wasmEncode.js';
import type { Lanes } from './wasmLanes.js';

type Emit = (L: Lanes, a: Code[]) => Code;

const LANE_OPS: Partial<Record<ExprOp, Emit>> = {
  add: (L, [a, b]) => L.add(a!, b!), sub: (L, [a, b]) => L.sub(a!, b!), mul: (L, [a, b]) => L.mul(a!, b!), div: (L, [a, b]) => L.div(a!, b!),
  min: (L, [a, b]) => L.min(a!, b!), max: (L, [a, b]) => L.max(a!, b!),
  neg: (L, [a]) => L.neg(a!), abs: (L, [a]) => L.abs(a!), sqrt: (L, [a]) => L.sqrt(a!),
  lt: (L, [a, b]) => L.lt(a!, b!), le: (L, [a, b]) => L.le(a!, b!), gt: (L, [a, b]) => L.gt(a!, b!), ge: (L, [a, b]) => L.ge(a!, b!),
  eq: (L, [a, b]) => L.eq(a!, b!), ne: (L, [a, b]) => L.ne(a!, b!),
  and: (L, [a, b]) => L.and(a!, b!), or: (L, [a, b]) => L.or(a!, b!), not: (L, [a]) => L.not(a!),
  select: (L, [c, a, b]) => L.select(c!, a!, b!),
};

/** Whether every instruction of the programs has a lane form. */
export function lanesSupport(...ps: readonly Program[]): boolean {
  return ps.every((p) => p.instrs.every((i) => LANE_OPS[i.op] !== undefined));
}

/**
 * Code computing the program on lanes L: `vars(name)` gives a variable's value (code reading a local), new
 * locals of `locals` hold the temporaries. Returns the code and, per result, code reading it.
 */
export function emitLanes(p: Program, L: Lanes, locals: Locals, vars: (name: string) => Code): { code: Code; results: Code[] } {
  const tmp = new Map<number, number>();
  const atom = (a: Atom): Code => (a.kind === 'const' ? L.const(a.value) : a.kind === 'var' ? vars(a.name) : get(tmp.get(a.index)!));
  const code: Code[] = p.instrs.map((ins) => {
    const local = locals.local(ins.type === 'b' ? L.mask : L.value);
    tmp.set(ins.out, local);
    return set(local, LANE_OPS[ins.op]!(L, ins.args.map(atom)));
  });
  return { code: code.flat(), results: p.results.map(atom) };
}
