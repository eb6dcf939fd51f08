/** A JavaScript subclass of nn.Module that defines only `run` (or nothing) gets clear errors, not a crash. */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';

describe('nn.Module subclasses written in JavaScript', () => {
  // What a JavaScript user can write (TypeScript would insist on update): run only.
  const Base = sg.nn.Module as unknown as new () => object;
  const SequenceOnly = class extends Base {
    run(xs: sg.Tensor): sg.Tensor {
      return xs.mul(2);
    }
  };

  it('a module with run but no update constructs and runs; its update says what is missing', async () => {
    const m = new SequenceOnly() as unknown as sg.nn.Module;
    const xs = sg.ones([3, 2]);
    const ys = m.run(xs);
    expect(Array.from(await ys.data())).toEqual([2, 2, 2, 2, 2, 2]);
    const run = m.run; // still bound, like the layers' methods
    run(xs).dispose();
    expect(() => m.update(xs)).toThrow("SequenceOnly.update: this module defines no update() method; define update(x) (one time step) to use it in step mode (transform.forLoop), or call run(xs) for a whole sequence");
    expect(() => sg.transform.forLoop(m.update, xs)).toThrow(/SequenceOnly\.update: this module defines no update\(\) method/);
    sg.dispose([xs, ys]);
  });

  it('a module with neither: the default run fails on the missing update with the same message', () => {
    const Empty = class extends Base {};
    const xs = sg.ones([2, 1]);
    expect(() => (new Empty() as unknown as sg.nn.Module).run(xs)).toThrow('Empty.update: this module defines no update() method');
    xs.dispose();
  });
});
