/**
 * The generated WGSL sequence kernels of every declared model (nn.LIF and nn.IF among them) against their CPU twins (float32): spikes,
 * states and gradients (through the spikes, the reset and the initial states, in two chunks), on a shape that
 * is no multiple of the workgroup or of 4; and the GPU's sequence mode against its step mode.
 */
import { expect, it } from 'vitest';
import * as sg from '../../index.js';
import { describeWebGpu } from '../support/webgpu.js';
import { rng } from '../support/helpers.js';
import { sequenceTuning } from '../../kernels/flags.js';
import { neuronWgsl } from '../../kernels/neuron/sequenceWebgpu.js';

const { nn } = sg;
type T = sg.Tensor;

type Make = (size: number) => sg.nn.NeuronLayer;
const declared = (Cls: sg.nn.DeclaredNeuronClass, opts: Record<string, number>): [Make, string[]] => [(n) => new Cls(n, opts), Cls.model.states.map((s) => s.name)];

const MODELS: [string, [Make, string[]], [number, number]][] = [
  // nn.LIF and nn.IF (dynamics/models/lif.ts, if.ts): R ≠ 1, V_rest ≠ 0, V_reset ≠ 0, V_th − V_reset ≠ 1, both resets.
  ['LIF (soft)', [(n) => new nn.LIF(n, { R: 1.7, tau: 6, VTh: 1.1, VReset: -0.4, VRest: 0.3 }), ['V']], [1.5, 0.6]],
  ['LIF (hard)', [(n) => new nn.LIF(n, { R: 0.8, tau: 9, VTh: 0.9, VReset: -0.45, VRest: -0.1, spkReset: 'hard' }), ['V']], [1.2, 0.6]],
  ['IF (hard)', [(n) => new nn.IF(n, { R: 1.3, tau: 7, VTh: 1.25, spkReset: 'hard' }), ['V']], [1.5, 0.8]],
  ['LIFRef', declared(nn.LIFRef, { R: 1.7, tau: 6, tau_ref: 2, V_th: 1.1, V_reset: -0.4, V_rest: 0.3 }), [1.5, 0.6]],
  ['Izhikevich', declared(nn.Izhikevich, { a: 0.03, b: 0.25, c: -60, d: 6, V_th: 25 }), [6, 12]],
  ['ExpIF', declared(nn.ExpIF, { R: 1.3, tau: 8, V_th: -50, V_reset: -66, V_rest: -63, V_T: -58, delta_T: 2.5 }), [6, 8]],
  ['AdExIF', declared(nn.AdExIF, { R: 0.9, tau: 9, tau_w: 25, V_th: -50, V_reset: -67, V_rest: -64, V_T: -58, delta_T: 3, a: 0.5, b: 0.7 }), [14, 12]],
  ['QuaIF', declared(nn.QuaIF, { R: 1.2, tau: 11, V_th: -32, V_reset: -69, V_rest: -64, V_c: -52, c: 0.05 }), [12, 8]],
  ['Synaptic', declared(nn.Synaptic, { alpha: 0.85, beta: 0.7, threshold: 1.3 }), [0.8, 0.2]],
  ['Alpha', declared(nn.Alpha, { alpha: 0.92, beta: 0.75, threshold: 0.9 }), [0.9, 0.4]],
];

const TT = 8, B = 3, N = 23;

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  expect(worst).toBeLessThanOrEqual(tol);
}

describeWebGpu('declared neurons on WebGPU', (gpu) => {
  for (const [name, [make, names], [scale, offset]] of MODELS) {
    it(`${name}: WGSL sequence kernels = the CPU twins (forward and gradients), and = GPU step mode`, async () => {
      const r = rng(5);
      const data = Float32Array.from({ length: TT * B * N }, () => offset + scale * (2 * r() - 1));
      const w = Float32Array.from({ length: TT * B * N }, (_, i) => Math.cos(i));
      const outcome = async (backend: sg.Backend) => {
        const x = sg.tensor(data, [TT, B, N], 'float32', backend), wt = sg.tensor(w, [TT, B, N], 'float32', backend);
        const l = make(N);
        const loss = (xs: T): T => {
          nn.initAllStates(l, { batchSize: B, backend });
          const s1 = l.run(sg.slice(xs, [0, 0, 0], [TT / 2, B, N]));
          const s2 = l.run(sg.slice(xs, [TT / 2, 0, 0], [TT / 2, B, N]));
          const last = (l as unknown as Record<string, sg.HiddenState>)[names[names.length - 1]!]!.value;
          return sg.add(sg.sum(sg.mul(sg.concat([s1, s2], 0), wt)), sg.sum(sg.mul(last, 0.1)));
        };
        const [[g], lv] = sg.grad(loss, [x], { returnValue: true })(x);
        const spikes = await l.run(x).data(); // continues from the state after the first pass
        return { g: await g!.data(), l: (await lv.data())[0]!, spikes };
      };
      const cpu = await outcome(sg.getBackend()), dev = await outcome(gpu);
      expect(Array.from(dev.spikes)).toEqual(Array.from(cpu.spikes));
      close([dev.l], [cpu.l], 1e-4);
      close(dev.g, cpu.g, 2e-3);
      expect(Array.from(cpu.g).some((v) => v !== 0)).toBe(true);

      // GPU: sequence mode = step mode (the elementwise WGSL kernels of the primitive ops).
      const x = sg.tensor(data, [TT, B, N], 'float32', gpu);
      const a = make(N), b = make(N);
      nn.initAllStates(a, { batchSize: B, backend: gpu });
      nn.initAllStates(b, { batchSize: B, backend: gpu });
      const seq = await a.run(x).data();
      const steps: number[] = [];
      for (let t = 0; t < TT; t++) steps.push(...(await b.update(sg.index(x, t)).data()));
      expect(Array.from(seq)).toEqual(steps);
    });
  }
});

/**
 * On software adapters the neuron sequence kernels of a vector-safe model (LIF) run four neighbouring neurons
 * per invocation as vec4<f32> where B·N % 4 = 0 (kernels/neuron/sequenceWebgpu.ts): componentwise the same
 * float32 operations, so the same bits as one neuron per invocation (sequenceTuning.maxW = 1).
 */
describeWebGpu('neuron sequence kernels: vec4 lanes = one lane', (gpu) => {
  const lifs: [string, sg.nn.LIFOptions][] = [
    ['soft', { R: 1.7, tau: 6, VTh: 1.1, VReset: -0.4, VRest: 0.3 }],
    ['hard', { R: 0.8, tau: 9, VTh: 0.9, VReset: -0.45, VRest: -0.1, spkReset: 'hard' }],
  ];
  for (const [reset, opts] of lifs) {
    for (const detachReset of [false, true]) {
      for (const n of [24, 23, 4]) {
        it(`LIF (${reset}${detachReset ? ', detachReset' : ''}), N = ${n}: W = 4 = W = 1 bit for bit, = the CPU twin`, async () => {
          const r = rng(11);
          const data = Float32Array.from({ length: TT * B * n }, () => 0.6 + 1.5 * (2 * r() - 1));
          const w = Float32Array.from({ length: TT * B * n }, (_, i) => Math.cos(i));
          const make = () => new nn.LIF(n, { ...opts, detachReset });
          expect(neuronWgsl.vectorSafe(make().bound('float32'))).toBe(true);
          const outcome = async (backend: sg.Backend) => {
            const x = sg.tensor(data, [TT, B, n], 'float32', backend), wt = sg.tensor(w, [TT, B, n], 'float32', backend);
            const l = make();
            const loss = (xs: T): T => {
              nn.initAllStates(l, { batchSize: B, backend });
              const s1 = l.run(sg.slice(xs, [0, 0, 0], [TT / 2, B, n]));
              const s2 = l.run(sg.slice(xs, [TT / 2, 0, 0], [TT / 2, B, n]));
              return sg.add(sg.sum(sg.mul(sg.concat([s1, s2], 0), wt)), sg.sum(sg.mul(l.V.value, 0.1)));
            };
            const [[g], lv] = sg.grad(loss, [x], { returnValue: true })(x);
            const spikes = await l.run(x).data();
            return { g: Array.from(await g!.data()), l: (await lv.data())[0]!, spikes: Array.from(spikes), v: Array.from(await l.V.value.data()) };
          };
          const w4 = await outcome(gpu);
          sequenceTuning.maxW = 1;
          let w1: Awaited<ReturnType<typeof outcome>>;
          try {
            w1 = await outcome(gpu);
          } finally {
            sequenceTuning.maxW = 4;
          }
          expect(w4).toEqual(w1);
          const cpu = await outcome(sg.getBackend());
          expect(w4.spikes).toEqual(cpu.spikes);
          close([w4.l], [cpu.l], 1e-4);
          close(w4.g, cpu.g, 2e-3);
          close(w4.v, cpu.v, 1e-5);
          expect(cpu.g.some((v) => v !== 0)).toBe(true);
        });
      }
    }
  }
});
