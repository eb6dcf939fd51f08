/**
 * The simulation environment, brainstate-style: `environ.context({ dt }, fn)` sets the time step for
 * everything `fn` does, including after `await` inside `fn` (Node ≥ 20.16, which package.json requires:
 * AsyncLocalStorage through process.getBuiltinModule; browsers: a stack that
 * is restored when `fn` settles, which holds for one context at a time).
 */
import { SpikegradError, describeValue } from './errors.js';
import { Quantity, ms, readQuantity } from '../units/index.js';

export interface Environment {
  /** Time step; a quantity (`u.ms(1)`) or a number in ms. */
  dt: Quantity;
}

export interface EnvironmentInput {
  dt?: Quantity | number;
}

const DEFAULT: Environment = { dt: ms(1) };

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
let globalEnv: Environment = { ...DEFAULT };

function normalize(input: EnvironmentInput, base: Environment): Environment {
  if (input === null || typeof input !== 'object') throw new SpikegradError(`environ: expected an object like { dt: u.ms(1) }, got ${describeValue(input)}`);
  const env = { ...base };
  if (input.dt !== undefined) {
    const v = readQuantity('environ', 'dt', input.dt, ms);
    if (!(v > 0) || !Number.isFinite(v)) throw new SpikegradError(`environ: argument 'dt' expected a positive time, got ${input.dt}`);
    env.dt = typeof input.dt === 'number' ? ms(input.dt) : input.dt;
  }
  return env;
}

/** Runs `fn` (sync or async) with the given settings; the previous ones return afterwards. */
export function context<R>(settings: EnvironmentInput, fn: () => R): R {
  if (typeof fn !== 'function') throw new SpikegradError(`environ.context: argument 'fn' expected a function, got ${describeValue(fn)}`);
  return store.run(normalize(settings, current()), fn);
}

/** Sets the settings outside any context (the process-wide default). */
export function set(settings: EnvironmentInput): void {
  globalEnv = normalize(settings, globalEnv);
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
