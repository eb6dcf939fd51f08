/**
 * The top-level export is the public API the README documents; internals are reachable only through
 * `spikegrad/internal`. Fails when an internal (the op table, raw dispatch, backend instances, the `auto`
 * decision, a kernel-level gradient op) leaks back into the top-level export, when a removed dead export
 * returns, or when the internal entry stops sharing the top-level's engine (its backend instances must be
 * the ones `setBackend` uses).
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import * as internal from '../../internal.js';

const INTERNALS = ['OPS', 'runOp', 'run1', 'decideAuto', 'pickMeasured', 'getBackendInstance', 'registerBackend', 'softmaxCrossEntropyGrad'];
const REMOVED = ['peekBackend', 'COMPARISON_OPS', 'scopeDepth', 'DTYPES', 'bytesPerElement'];

describe('the public API', () => {
  it('holds no internal and no removed name', () => {
    const names = Object.keys(sg);
    for (const n of [...INTERNALS, ...REMOVED]) expect(names, n).not.toContain(n);
  });

  it('keeps what the README teaches', () => {
    for (const n of ['tensor', 'setBackend', 'shutdown', 'grad', 'tidy', 'Tensor', 'ParamState', 'SpikegradError', 'softmaxCrossEntropy']) expect(sg, n).toHaveProperty(n);
    for (const ns of ['nn', 'surrogate', 'optim', 'metric', 'init', 'units', 'io', 'data', 'spikegen', 'random', 'transform', 'environ']) expect(typeof (sg as Record<string, unknown>)[ns], ns).toBe('object');
  });

  it("spikegrad/internal offers the internals, sharing the top-level's backends", async () => {
    for (const n of ['OPS', 'runOp', 'decideAuto', 'pickMeasured', 'getBackendInstance', 'registerBackend', 'softmaxCrossEntropyGrad']) expect(internal, n).toHaveProperty(n);
    expect(internal.OPS).toHaveProperty('add');
    const be = await sg.setBackend('cpu');
    expect(await internal.getBackendInstance('cpu')).toBe(be);
    const [y] = internal.runOp('add', [sg.tensor([1, 2]), sg.tensor([3, 4])], {});
    expect(Array.from(await y!.data())).toEqual([4, 6]);
  });
});
