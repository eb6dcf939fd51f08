/**
 * One error type for everything the library rejects, so callers can tell our checks from crashes.
 * Messages name the function, the argument, what was expected and what was given.
 */
export class SpikegradError extends Error {
  override name = 'SpikegradError';
}

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** `fn: argument 'arg' expected <expected>, got <actual>` */
export function argError(fn: string, arg: string, expected: string, actual: string): SpikegradError {
  return new SpikegradError(`${fn}: argument '${arg}' expected ${expected}, got ${actual}`);
}

export function assert(cond: unknown, message: () => string): asserts cond {
  if (!cond) throw new SpikegradError(message());
}

export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return `number ${v}`;
  if (typeof v === 'string') return `string '${v}'`;
  if (Array.isArray(v)) return `array of length ${v.length}`;
  if (typeof v === 'object') {
    const o = v as { shape?: unknown; dtype?: unknown; constructor?: { name?: string } };
    if (Array.isArray(o.shape) && typeof o.dtype === 'string') return `${o.dtype} tensor ${fmtShape(o.shape)}`;
    return o.constructor?.name ?? 'object';
  }
  return typeof v;
}
