/**
 * The simulation environment, brainstate-style: `environ.context({ dt }, fn)` sets the time step for
 * everything `fn` does, including after `await` inside `fn` (Node ≥ 20.16, which package.json requires:
 * AsyncLocalStorage through process.getBuiltinModule; browsers: a stack that
 * is restored when `fn` settles, which holds for one context at a time).
 */
import { SpikegradError, describeValue } from './errors.js';
import { numerics, setNumericsSetting } from './numerics.js';
import { Quantity, ms, readQuantity } from '../units/index.js';

/** The simulation environment (`environ.get()`): the time step and the numerics debug mode. */
export interface Environment {
  /** Time step; a quantity (`u.ms(1)`) or a number in ms. */
  dt: Quantity;
  /**
   * The numerics debug mode (engine/numerics.ts): every op's float outputs are checked and the first NaN or
   * ±Infinity throws, naming the op, the layer and the step. Off by default (then it costs nothing).
   */
  checkNumerics: boolean;
}

/** What `environ.context` and `environ.set` take: the time step (a quantity or a number in ms) and the numerics debug mode. */
export interface EnvironmentInput {
  dt?: Quantity | number;
  checkNumerics?: boolean;
}

/** SPIKEGRAD_CHECK_NUMERICS=1 (or true) turns the numerics debug mode on for the whole process. */
function numericsFromEnv(): boolean {
  const v = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.SPIKEGRAD_CHECK_NUMERICS;
  return v === '1' || v?.toLowerCase() === 'true';
}

const DEFAULT: Environment = { dt: ms(1), checkNumerics: false };

interface Store {
  getStore(): Environment | undefined;
  run<R>(store: Environment, fn: () => R): R;
}

/** AsyncLocalStorage where Node provides it; a plain stack elsewhere. */
function makeStore(): Store {
  const g = globalThis as { process?: { versions?: { node?: string } } };
  if (g.process?.versions?.node) {
    try {
      // Resolved synchronously through the CommonJS loader Node exposes on process: no top-level await needed.
      const req = (globalThis as { process: { getBuiltinModule?: (m: string) => unknown } }).process.getBuiltinModule;
      const hooks = req?.('node:async_hooks') as { AsyncLocalStorage: new () => Store } | undefined;
      if (hooks) return new hooks.AsyncLocalStorage();
    } catch { /* fall through to the stack */ }
  }
  const stack: Environment[] = [];
  return {
    getStore: () => stack[stack.length - 1],
    run<R>(store: Environment, fn: () => R): R {
      stack.push(store);
      let r: R;
      try {
        r = fn();
      } catch (e) {
        stack.pop();
        throw e;
      }
      if (r instanceof Promise) return r.finally(() => stack.pop()) as R;
      stack.pop();
      return r;
    },
  };
}

const store = makeStore();
let globalEnv: Environment = { ...DEFAULT, checkNumerics: numericsFromEnv() };
/** Contexts with checkNumerics on that have not settled yet (numerics.on is true while any is open). */
let checkingContexts = 0;
const updateNumericsFlag = () => { numerics.on = globalEnv.checkNumerics || checkingContexts > 0; };
updateNumericsFlag();
setNumericsSetting(() => current().checkNumerics);

function normalize(input: EnvironmentInput, base: Environment): Environment {
  if (input === null || typeof input !== 'object') throw new SpikegradError(`environ: expected an object like { dt: u.ms(1) }, got ${describeValue(input)}`);
  const env = { ...base };
  if (input.dt !== undefined) {
    const v = readQuantity('environ', 'dt', input.dt, ms);
    if (!(v > 0) || !Number.isFinite(v)) throw new SpikegradError(`environ: argument 'dt' expected a positive time, got ${input.dt}`);
    env.dt = typeof input.dt === 'number' ? ms(input.dt) : input.dt;
  }
  if (input.checkNumerics !== undefined) {
    if (typeof input.checkNumerics !== 'boolean') throw new SpikegradError(`environ: argument 'checkNumerics' expected true or false, got ${describeValue(input.checkNumerics)}`);
    env.checkNumerics = input.checkNumerics;
  }
  return env;
}

/** Runs `fn` (sync or async) with the given settings; the previous ones return afterwards. */
export function context<R>(settings: EnvironmentInput, fn: () => R): R {
  if (typeof fn !== 'function') throw new SpikegradError(`environ.context: argument 'fn' expected a function, got ${describeValue(fn)}`);
  const env = normalize(settings, current());
  if (!env.checkNumerics) return store.run(env, fn);
  // While this context may still run ops (until fn, or the promise it returns, settles), ops test the setting.
  checkingContexts++;
  updateNumericsFlag();
  const done = () => { checkingContexts--; updateNumericsFlag(); };
  let r: R;
  try {
    r = store.run(env, fn);
  } catch (e) {
    done();
    throw e;
  }
  if (r instanceof Promise) return r.finally(done) as R;
  done();
  return r;
}

/** Sets the settings outside any context (the process-wide default). */
export function set(settings: EnvironmentInput): void {
  globalEnv = normalize(settings, globalEnv);
  updateNumericsFlag();
}

/** Whether the numerics debug mode is on here (in this context, or process-wide). */
export function getCheckNumerics(): boolean {
  return current().checkNumerics;
}

function current(): Environment {
  return store.getStore() ?? globalEnv;
}

/** The current time step as a quantity (`u.ms(1)` by default). */
export function getDt(): Quantity {
  return current().dt;
}

/** The current time step in ms. */
export function getDtMs(): number {
  return current().dt.to(ms);
}
