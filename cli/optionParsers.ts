/**
 * Parsers of numeric command-line options shared by the commands: each refuses a bad value with commander's
 * InvalidArgumentError naming the option, what it expects and what it got, before any work starts.
 */
import { InvalidArgumentError } from 'commander';

/** An integer option of at least `min`. */
export function intArg(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} expects an integer >= ${min}, got '${v}'.`);
    return n;
  };
}

/** A finite option > 0. */
export function positiveArg(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} expects a positive number, got '${v}'.`);
    return n;
  };
}
