/**
 * The op families' files can be imported first, each in a fresh module graph: none of them needs the
 * dispatcher or the API at module load (their gradient rules receive the ops from the tape), so importing one
 * never evaluates ops.ts while the family's own table is uninitialised (before the fix: "ReferenceError:
 * Cannot access 'NEURON_OPS' before initialization"). After such an import the op table is whole and a
 * gradient through the family's ops still works.
 */
import { describe, expect, it, vi } from 'vitest';
import type * as SG from '../../index.js';

const FILES: Record<string, () => Promise<Record<string, unknown>>> = {
  opsNeuron: () => import('../../engine/opsNeuron.js'),
  opsSpike: () => import('../../engine/opsSpike.js'),
  opsSynapse: () => import('../../engine/opsSynapse.js'),
  opsLinear: () => import('../../engine/opsLinear.js'),
  ops: () => import('../../engine/ops.js'),
  dispatch: () => import('../../engine/dispatch.js'),
  tape: () => import('../../engine/tape.js'),
  api: () => import('../../engine/api.js'),
};

describe('engine import order', () => {
  for (const [f, load] of Object.entries(FILES)) {
    it(`engine/${f}.js imported first`, async () => {
      vi.resetModules();
      const mod = await load();
      expect(Object.keys(mod).length).toBeGreaterThan(0);
      const ops = await import('../../engine/ops.js');
      for (const op of ['spike', 'neuronRun', 'neuronRunGrad', 'synapseRun', 'linear'] as const) expect(ops.OPS[op].infer).toBeTypeOf('function');
      // The whole library on top of that graph: a gradient through a fused neuron, a synapse, a spike, a linear.
      const sg = await import('../../index.js');
      const x = sg.tensor([[0.5, 1.5, -0.2]]);
      const w = sg.tensor([[1, 0.5, 0], [0, 1, 0.3], [0.2, 0, 1]]);
      const lif = new sg.nn.LIF(3), syn = new sg.nn.Expon(3);
      sg.nn.initAllStates(lif, { batchSize: 1 });
      sg.nn.initAllStates(syn, { batchSize: 1 });
      const loss = (xx: SG.Tensor) => sg.sum(lif.run(syn.run(sg.expandDims(sg.linear(xx, w, sg.tensor([0.1, 0.2, 0.3])), 0))));
      const [g] = sg.grad(loss, [x])(x);
      expect(g!.shape).toEqual([1, 3]);
      expect(Array.from(g!.dataSync()).some((v) => v !== 0)).toBe(true);
    });
  }
});
