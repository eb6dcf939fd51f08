/**
 * A/B of the CPU convolution kernels, alternated in one process: the JavaScript im2col + float64 packed
 * product on one thread (convTuning.wasm = false: main's kernels before the WebAssembly path) against the
 * WebAssembly SIMD gemm on the CPU backend's threads (convTuning.wasm = true), on the digits CSNN's shapes
 * (bench/conv.ts) and the 128-channel 3×3 layer; then conv2's forward on spikes, event path against the
 * WebAssembly dense path, by density (where CONV_EVENT_DENSITY comes from). Wall time and the process's CPU
 * time (all threads) per call, min–max over the rounds.
 *
 *   node scripts/run-ts.mjs bench/experiments/convCpuAB.ts [rounds=5] [images scale=1]
 */
import * as sg from '../../index.js';
import { runOp } from '../../engine/dispatch.js';
import { convTuning } from '../../kernels/conv/cpu.js';
import { CONV_SHAPES } from '../conv.js';

const rounds = Number(process.argv[2] ?? 5);
await sg.setBackend('cpu');

interface Timing { wall: number[]; cpu: number[] }
function time(fn: () => sg.Tensor, t: Timing): void {
  const c0 = process.cpuUsage(), t0 = performance.now();
  const y = fn();
  y.dataSync();
  t.wall.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  t.cpu.push((c.user + c.system) / 1000);
  y.dispose();
}
const range = (v: number[]) => `${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)}`;
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

for (const s of CONV_SHAPES) {
  const [oh, ow] = [s.x[2] + 2 * s.padding - s.w[2] + 1, s.x[3] + 2 * s.padding - s.w[3] + 1];
  const flops = 2 * s.x[0] * s.w[0] * oh * ow * s.w[1] * s.w[2] * s.w[3];
  const a = { stride: [1, 1] as [number, number], padding: [s.padding, s.padding] as [number, number], dilation: [1, 1] as [number, number], groups: 1 };
  // Dense input (uniform) for the dense kernels: the spike shape's event path is timed below.
  const x = sg.keep(sg.random.uniform(s.x, 0, 1)), w = sg.keep(sg.random.uniform(s.w, -0.1, 0.1));
  const dy = sg.keep(sg.random.uniform([s.x[0], s.w[0], oh, ow], -1, 1));
  const kernels: [string, () => sg.Tensor][] = [
    ['forward', () => sg.conv2d(x, w, null, a)],
    ['input gradient', () => runOp('conv2dGradInput', [dy, w], { ...a, inputHW: [s.x[2], s.x[3]] })[0]!],
    ['weight gradient', () => runOp('conv2dGradWeight', [dy, x], { ...a, kernel: [s.w[2], s.w[3]] })[0]!],
  ];
  convTuning.eventDensity = 0;
  for (const [name, fn] of kernels) {
    const js: Timing = { wall: [], cpu: [] }, wasm: Timing = { wall: [], cpu: [] };
    for (const on of [false, true]) { convTuning.wasm = on; fn().dispose(); } // warm-up
    for (let r = 0; r < rounds; r++) {
      for (const on of r % 2 ? [true, false] : [false, true]) {
        convTuning.wasm = on;
        time(fn, on ? wasm : js);
      }
    }
    const g = (t: Timing) => (flops / median(t.wall) / 1e6).toFixed(2);
    console.log(`| ${name} | ${s.label.replace(/, 10% spikes/, '')} | ${range(js.wall)} ms (${g(js)}) | ${range(wasm.wall)} ms (${g(wasm)}) | ${(median(js.wall) / median(wasm.wall)).toFixed(1)}× | ${range(js.cpu)} / ${range(wasm.cpu)} ms |`);
  }
  convTuning.wasm = true;
  convTuning.eventDensity = 0.15;
  sg.dispose([x, w, dy]);
}

// conv2 on spikes: event path against the WebAssembly dense path.
const s = CONV_SHAPES[1]!;
const a = { stride: [1, 1] as [number, number], padding: [0, 0] as [number, number], dilation: [1, 1] as [number, number], groups: 1 };
const w = sg.keep(sg.random.uniform(s.w, -0.1, 0.1));
for (const density of [0.02, 0.05, 0.1, 0.2]) {
  const x = sg.keep(sg.random.poissonSpikes(density, s.x));
  const ev: Timing = { wall: [], cpu: [] }, de: Timing = { wall: [], cpu: [] };
  const fn = () => sg.conv2d(x, w, null, a);
  for (let r = 0; r < rounds; r++) {
    for (const path of r % 2 ? ['dense', 'event'] : ['event', 'dense']) {
      convTuning.eventDensity = path === 'event' ? 1.01 : 0;
      time(fn, path === 'event' ? ev : de);
    }
  }
  console.log(`| ${Math.round(density * 100)} % | ${range(ev.wall)} ms | ${range(de.wall)} ms | ${(median(de.wall) / median(ev.wall)).toFixed(2)}× | ${range(ev.cpu)} / ${range(de.cpu)} ms |`);
  x.dispose();
}
process.exit(0);
