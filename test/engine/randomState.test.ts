/** The generator's state: saved and restored, the stream continues with the same numbers; bad states are refused. */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';

const { random } = sg;

describe('generator state', () => {
  it('continues the stream from a saved state, for a generator and for the default one', () => {
    const g = new random.Generator(11);
    random.rand([7], { generator: g });
    const state = g.getState();
    const next = Array.from(random.randn([50], { generator: g }).dataSync());
    random.rand([3], { generator: g });
    g.setState(state);
    expect(Array.from(random.randn([50], { generator: g }).dataSync())).toEqual(next);

    random.seed(5);
    random.rand([10]);
    const saved = random.getState();
    expect(saved).toHaveLength(4);
    const a = Array.from(random.rand([20]).dataSync());
    random.seed(123);
    random.setState(Uint32Array.from(saved));
    expect(Array.from(random.rand([20]).dataSync())).toEqual(a);
  });

  it('refuses a state that is not 4 uint32 words, or all zeros (the one state the generator never leaves)', () => {
    const g = new random.Generator(1);
    const before = g.getState();
    expect(() => g.setState([1, 2, 3])).toThrow(/Generator.setState: argument 'state' expected 4 uint32 words, got 3 values/);
    expect(() => g.setState([1, 2, 3, -4])).toThrow(/expected 4 integers in \[0, 2\^32\), got \[1, 2, 3, -4\]/);
    expect(() => g.setState([1, 2, 3, 2 ** 32])).toThrow(/expected 4 integers in \[0, 2\^32\)/);
    expect(() => g.setState([1, 2.5, 3, 4])).toThrow(/expected 4 integers in \[0, 2\^32\)/);
    expect(() => g.setState([0, 0, 0, 0])).toThrow(/expected a state that is not all zeros, got \[0, 0, 0, 0\]/);
    expect(() => g.setState(null as unknown as number[])).toThrow(/expected 4 uint32 words, got null/);
    expect(g.getState()).toEqual(before);
  });
});
