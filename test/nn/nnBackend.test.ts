/** Hidden states follow the network's parameters to their backend, whatever the default is at init time. */
import { expect, it } from 'vitest';
import * as sg from '../../index.js';
import * as internal from '../../internal.js';
import { describeWebGpu } from '../support/webgpu.js';

describeWebGpu('initAllStates places states next to the parameters', (gpu) => {
  it('a net built on the CPU keeps CPU states after the default moved to WebGPU, and vice versa', async () => {
    const cpu = await internal.getBackendInstance('cpu');
    const build = () => new sg.nn.Sequential(new sg.nn.Linear(3, 2), new sg.nn.LIF(2));
    const onCpu = sg.withBackend(cpu, build);
    const onGpu = sg.withBackend(gpu, build);
    sg.withBackend(gpu, () => sg.nn.initAllStates(onCpu, { batchSize: 4 }));
    sg.withBackend(cpu, () => sg.nn.initAllStates(onGpu, { batchSize: 4 }));
    for (const s of Object.values(onCpu.states(sg.HiddenState))) expect(s.value.backend).toBe(cpu);
    for (const s of Object.values(onGpu.states(sg.HiddenState))) expect(s.value.backend).toBe(gpu);
    // and the network runs where it lives
    const y = sg.withBackend(gpu, () => onCpu.update(sg.tensor(new Float32Array(12), [4, 3], 'float32', cpu)));
    expect(y.backend).toBe(cpu);
    // an explicit backend wins
    sg.nn.initAllStates(onCpu, { batchSize: 2, backend: gpu });
    for (const s of Object.values(onCpu.states(sg.HiddenState))) expect(s.value.backend).toBe(gpu);
  });
});
