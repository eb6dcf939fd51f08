/**
 * The numerics debug mode, like jax_debug_nans or TF.js's debug mode: with `checkNumerics` on
 * (`environ.context({ checkNumerics: true }, fn)`, `environ.set({ checkNumerics: true })`, or the environment
 * variable SPIKEGRAD_CHECK_NUMERICS=1), the float outputs of every op and of every optimizer update are checked,
 * and the first NaN or ±Infinity is an error naming the op, the layer (the module path, `r` or `i2r.0`, while
 * inside a Module's update/run), the time step of a forLoop and the call of a transform.jit function; an op of
 * the backward pass names the forward op whose gradient it computes.
 *
 * On the CPU backend the error is thrown by the op itself. On WebGPU an op cannot read its output
 * synchronously: each check is a small dispatch that records the first bad op on the device, and the next
 * readback (`await t.data()`, `item()`) or `backend.sync()` throws the same error instead of returning.
 *
 * Off (the default), it costs one boolean test per op, per Module call and per forLoop step: `numerics.on`
 * is true only while some setting may have checking on, and only then is the context tracked.
 */
import type { Backend, TensorInfo } from './backend.js';
import { isFloat } from './dtype.js';
import { SpikegradError, fmtShape } from './errors.js';

/** The one flag the hot path reads: true while checking may be on anywhere (environ.ts keeps it). */
export const numerics = { on: false };

/** What a backend found: the kind of the first bad value and, where it knows, its flat index. */
export type NonFinite = 'NaN' | 'Infinity' | '-Infinity';
export type NumericsFailure = (kind: NonFinite, index: number | null) => never;

/** Where an op runs: innermost first. */
interface Site {
  layers: { path: string; cls: string; method: string }[];
  /** forLoop step indices, outermost first. */
  steps: number[];
  /** transform.jit call numbers (1-based), outermost first. */
  jitCalls: number[];
  /** In the backward pass: the forward op whose gradient is being computed, and where it ran. */
  gradientOf: { op: string; where: string } | null;
}

const site: Site = { layers: [], steps: [], jitCalls: [], gradientOf: null };

/** The module paths set by Module.states()/modules()/initAllStates (a module's own path under its root). */
const modulePaths = new WeakMap<object, string>();
export function setModulePath(m: object, path: string): void {
  modulePaths.set(m, path);
}

/** Runs `fn` as `method` of module `m` (called by Module's bound update/run while `numerics.on`). */
export function inLayer<T>(m: object, method: string, fn: () => T): T {
  site.layers.push({ path: modulePaths.get(m) ?? '', cls: m.constructor.name, method });
  try {
    return fn();
  } finally {
    site.layers.pop();
  }
}

/** forLoop: entering a loop, its current step, leaving it. */
export function loopEnter(): void {
  site.steps.push(0);
}
export function loopStep(t: number): void {
  site.steps[site.steps.length - 1] = t;
}
export function loopExit(): void {
  site.steps.pop();
}

/** Runs `fn` as call `n` of a jitted function. */
export function inJitCall<T>(n: number, fn: () => T): T {
  site.jitCalls.push(n);
  try {
    return fn();
  } finally {
    site.jitCalls.pop();
  }
}

/** Where the current op runs, in words: the layer, the step, the jit call ('' when none is known). */
export function describeSite(): string {
  const parts: string[] = [];
  const l = site.layers[site.layers.length - 1];
  if (l) parts.push(l.path ? `in layer '${l.path}' (${l.cls}.${l.method})` : `in ${l.cls}.${l.method}`);
  if (site.steps.length) parts.push(`at time step ${site.steps.map(String).join('/')} of a forLoop`);
  if (site.jitCalls.length) parts.push(`in call ${site.jitCalls[site.jitCalls.length - 1]} of a transform.jit function`);
  return parts.join(', ');
}

/** Runs `fn` (a vjp of the backward pass) as computing the gradient of `op`, which ran `where`. */
export function inGradientOf<T>(op: string, where: string, fn: () => T): T {
  const prev = site.gradientOf;
  site.gradientOf = { op, where };
  try {
    return fn();
  } finally {
    site.gradientOf = prev;
  }
}

let settingOn: () => boolean = () => false;
/** environ.ts installs the precise test (the current context's setting). */
export function setNumericsSetting(fn: () => boolean): void {
  settingOn = fn;
}

function failure(what: string, t: TensorInfo, label: string, where: string, lazy: boolean): NumericsFailure {
  return (kind, index) => {
    const at = index === null ? '' : `, element ${index} of ${t.size}`;
    throw new SpikegradError(
      `checkNumerics: ${what} produced ${kind} (${label}, ${t.dtype} ${fmtShape(t.shape)}${at})${where ? ` ${where}` : ''}`
      + `${lazy ? ' (found at the first readback after it)' : ''}`,
    );
  };
}

/**
 * Checks the float outputs of `op` (called by runOp while `numerics.on`). Throws now on the CPU; on WebGPU
 * the backend throws at the next readback.
 */
export function checkOutputs(op: string, be: Backend, outputs: readonly TensorInfo[]): void {
  if (!settingOn() || !be.watchFinite) return;
  const g = site.gradientOf;
  const here = describeSite();
  const what = g ? `op '${op}' in the backward pass (the gradient of op '${g.op}'${g.where ? ` ${g.where}` : ''})` : `op '${op}'`;
  const where = g ? '' : here;
  for (let i = 0; i < outputs.length; i++) {
    const t = outputs[i]!;
    if (isFloat(t.dtype)) be.watchFinite(t, failure(what, t, `output ${i}`, where, be.name !== 'cpu'));
  }
}

/** Checks tensors an in-place update just wrote (an optimizer step), named by `labels`. */
export function checkUpdated(what: string, be: Backend, targets: readonly TensorInfo[], labels: readonly string[]): void {
  if (!settingOn() || !be.watchFinite) return;
  const where = describeSite();
  targets.forEach((t, i) => {
    if (isFloat(t.dtype)) be.watchFinite!(t, failure(what, t, labels[i] ?? `target ${i}`, where, be.name !== 'cpu'));
  });
}
