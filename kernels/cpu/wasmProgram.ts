/**
 * A straight-line program (dynamics/program.ts) as WebAssembly on one kind of lanes (kernels/cpu/wasmLanes.ts):
 * the WebAssembly twin of the JavaScript the generators print from the same program. It is the common ground
 * of the generated WebAssembly sequence kernels (the neurons' kernels/neuron/sequenceWasm.ts; any other loop
 * over a program, such as a synapse's, builds its module around it the same way): a program in, code and its
 * results out; the kernel around it loads the variables and stores the results.
 *
 * Same operations in the same order as the JavaScript, so the same bits:
 * - on float32 lanes, each number result is one float32 operation, which rounds once, as Math.fround of the
 *   float64 operation on float32 operands does (add, sub, mul, div and sqrt are exactly rounded in both, and
 *   a float64 result rounded to float32 is the float32 result: 53 ≥ 2·24 + 2); the literals must be float32
 *   numbers (`programWasmSupport` checks), as the JavaScript computes with them unrounded;
 * - on float64 lanes the JavaScript's unrounded float64 arithmetic, instruction for instruction.
 * Conditions are masks; operations WebAssembly has no instruction for (exp, log, trigonometry, pow) make the
 * program unsupported, and the kernel's JavaScript runs instead.
 */
import type { Atom, Program } from '../../dynamics/program.js';
import { emitWasmOp, wasmHasOp } from '../../surrogate/compileWasm.js';
import { get, set, type Code, type Locals } from './wasmEncode.js';
import type { Lanes } from './wasmLanes.js';

/**
 * Why a program has no WebAssembly form (null: it has one): an operation without an instruction, or, for
 * float32 lanes, a literal that is not a float32 number.
 */
export function programWasmSupport(p: Program, precision: 'float32' | 'float64'): string | null {
  for (const ins of p.instrs) {
    if (!wasmHasOp(ins.op)) return `'${ins.op}' has no WebAssembly instruction`;
    if (precision === 'float32') {
      for (const a of ins.args) if (a.kind === 'const' && Math.fround(a.value) !== a.value) return `the constant ${a.value} is not a float32 number`;
    }
  }
  for (const a of p.results) if (precision === 'float32' && a.kind === 'const' && Math.fround(a.value) !== a.value) return `the constant ${a.value} is not a float32 number`;
  return null;
}

/**
 * Code computing every instruction of `p` on lanes L, each into a new local, the variables read through
 * `vars` (code pushing the variable's value: a local, a load); `results` pushes each result. Call only where
 * `programWasmSupport` found nothing.
 */
export function emitProgramWasm(p: Program, L: Lanes, locals: Locals, vars: (name: string) => Code): { code: Code; results: Code[] } {
  const tmp = new Map<number, number>();
  const atom = (a: Atom): Code => (a.kind === 'const' ? L.const(a.value) : a.kind === 'var' ? vars(a.name) : get(tmp.get(a.index)!));
  const code: Code[] = [];
  for (const ins of p.instrs) {
    const out = locals.local(ins.type === 'b' ? L.mask : L.value);
    code.push(set(out, emitWasmOp(L, ins.op, ins.args.map(atom), ins.args.map((a) => (a.kind === 'const' ? a.value : null)))));
    tmp.set(ins.out, out);
  }
  return { code: code.flat(), results: p.results.map(atom) };
}
