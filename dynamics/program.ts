/**
 * Straight-line programs from expression trees, the common ground of the code generators: every distinct
 * operation node gets one numbered temporary, variables map to names the generator chooses (never the
 * declaration's text), constants stay literal. The JS and WGSL emitters print it; `interpret` runs it where
 * eval is forbidden, with the same operations in the same order, so the same bits.
 */
import { EXPR_OPS, schedule, type Expr, type ExprOp } from '../surrogate/expr.js';

export type Atom = { kind: 'const'; value: number } | { kind: 'var'; name: string } | { kind: 'tmp'; index: number };

export interface Instr {
  op: ExprOp;
  args: Atom[];
  /** Result type: 'f' numbers are rounded to the kernel's precision, 'b' conditions are not. */
  type: 'f' | 'b';
  out: number;
}

export interface Program {
  instrs: Instr[];
  results: Atom[];
  /** The variables the program reads. */
  vars: Set<string>;
  /** One past the last temporary's number (the next program's base). */
  end: number;
}

/** A program computing every root; `tmpBase` numbers the temporaries (programs of one kernel do not collide). */
export function toProgram(roots: readonly Expr[], tmpBase = 0): Program {
  const index = new Map<string, number>();
  const vars = new Set<string>();
  const atom = (e: Expr): Atom => {
    if (e.kind === 'num') return { kind: 'const', value: e.value };
    if (e.kind === 'var') {
      vars.add(e.name);
      return { kind: 'var', name: e.name };
    }
    if (e.kind === 'x') throw new Error('dynamics program: x is not a variable of a neuron step');
    return { kind: 'tmp', index: index.get(e.key)! };
  };
  const instrs: Instr[] = [];
  for (const node of schedule(...roots)) {
    const args = node.args.map(atom);
    const out = tmpBase + index.size;
    index.set(node.key, out);
    instrs.push({ op: node.op, args, type: node.type, out });
  }
  return { instrs, results: roots.map(atom), vars, end: tmpBase + index.size };
}

/** Runs a program on named variable values, rounding each number result with `round`. */
export function interpret(p: Program, env: Readonly<Record<string, number>>, round: (v: number) => number, tmp: Float64Array): number[] {
  const val = (a: Atom): number => (a.kind === 'const' ? a.value : a.kind === 'var' ? env[a.name]! : tmp[a.index]!);
  for (const ins of p.instrs) {
    const f = EXPR_OPS[ins.op].eval as (...v: number[]) => number;
    const v = ins.args.length === 1 ? f(val(ins.args[0]!)) : ins.args.length === 2 ? f(val(ins.args[0]!), val(ins.args[1]!)) : f(val(ins.args[0]!), val(ins.args[1]!), val(ins.args[2]!));
    tmp[ins.out] = ins.type === 'f' ? round(v) : v;
  }
  return p.results.map(val);
}

/** How many temporaries the program numbers from its base. */
export function tmpCount(p: Program): number {
  return p.end;
}

/** Programs for several lists of roots, their temporaries numbered one after another (one kernel declares them all). */
export function toPrograms(rootLists: readonly (readonly Expr[])[]): Program[] {
  let base = 0;
  return rootLists.map((roots) => {
    const p = toProgram(roots, base);
    base = p.end;
    return p;
  });
}
