/**
 * Explicit lifetimes. GPU memory is not garbage-collected in time to matter, so (as in TF.js) every tensor
 * created inside `tidy(fn)` is disposed when `fn` returns, except what `fn` returns and what was `keep`-ed
 * (state values are kept by their State). A FinalizationRegistry in tensor.ts is only the safety net.
 */
import { SpikegradError } from './errors.js';
import type { Tensor } from './tensor.js';

const scopes: Set<Tensor>[] = [];

/** Called by the Tensor constructor. */
export function trackTensor(t: Tensor): void {
  scopes[scopes.length - 1]?.add(t);
}

/** Puts an owner-released tensor back under the innermost scope; returns false when no scope is open. */
export function adoptIntoScope(t: Tensor): boolean {
  const s = scopes[scopes.length - 1];
  if (!s) return false;
  s.add(t);
  return true;
}

export type TensorContainer = Tensor | null | undefined | void | number | string | boolean | TensorContainer[] | { [k: string]: TensorContainer };

function collect(x: unknown, out: Set<Tensor>, isTensor: (v: unknown) => v is Tensor, depth = 0): void {
  if (depth > 8 || x === null || typeof x !== 'object') return;
  if (isTensor(x)) {
    out.add(x);
    return;
  }
  if (Array.isArray(x)) for (const v of x) collect(v, out, isTensor, depth + 1);
  else if (Object.getPrototypeOf(x) === Object.prototype) for (const v of Object.values(x)) collect(v, out, isTensor, depth + 1);
}

let isTensorFn: (v: unknown) => v is Tensor = (_v): _v is Tensor => false;
/** tensor.ts registers its instanceof check here (avoids an import cycle at module-evaluation time). */
export function setTensorCheck(fn: (v: unknown) => v is Tensor): void {
  isTensorFn = fn;
}

/**
 * Runs `fn` and disposes every tensor it created that is not part of its result (tensors found in
 * returned arrays and plain objects survive and move to the enclosing scope).
 * `fn` must be synchronous: an async function would let the scope close before its work is done.
 */
export function tidy<T>(fn: () => T): T {
  return tidyCollect(fn)[0];
}

/**
 * `tidy`, also returning the tensors of the result that `fn` created (not those it returned from outside:
 * captured constants, arguments, State values created before). transform.jit frees these at its next call.
 */
export function tidyCollect<T>(fn: () => T): [T, Tensor[]] {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) if (!t.kept) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    throw new SpikegradError('tidy: argument \'fn\' expected a synchronous function, got one that returned a Promise');
  }
  const keepSet = new Set<Tensor>();
  collect(result, keepSet, isTensorFn);
  const parent = scopes[scopes.length - 1];
  const created: Tensor[] = [];
  for (const t of scope) {
    if (keepSet.has(t)) {
      parent?.add(t);
      created.push(t);
    } else if (!t.kept) t.dispose();
  }
  return [result, created];
}

/** The tensors found in `x` (a tensor, array or plain object of tensors). */
export function tensorsIn(x: unknown): Set<Tensor> {
  const set = new Set<Tensor>();
  collect(x, set, isTensorFn);
  return set;
}

/** Exempts `t` from every enclosing `tidy`. */
export function keep<T extends Tensor>(t: T): T {
  t.kept = true;
  return t;
}

/** Disposes every tensor found in `x` (a tensor, array or plain object of tensors). */
export function dispose(x: unknown): void {
  const set = new Set<Tensor>();
  collect(x, set, isTensorFn);
  for (const t of set) t.dispose();
}
