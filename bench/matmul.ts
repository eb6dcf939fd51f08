/**
 * Matmul GFLOP/s by shape, WebGPU against the CPU backend, side by side in one run.
 *   node scripts/run-ts.mjs bench/matmul.ts [--quick]
 * Prints one JSON line per (shape, backend), then a table with the WebGPU/CPU ratio.
 * Dense shapes use uniform [-1, 1) inputs; the SNN shapes use 5 Hz spikes (0.5 % ones) as the input, as in
 * the tutorial network, which the CPU backend's event-driven path exploits and the GPU kernels do not.
 */
import * as sg from '../index.js';
import { report, runBench, webgpuOrNull, type BenchResult } from './harness.js';

interface Shape {
  name: string;
  a: number[];
  b: number[];
  transposeA?: boolean;
  spikes?: boolean;
  flops: number;
}

const sq = (n: number): Shape => ({ name: `${n}x${n}x${n}`, a: [n, n], b: [n, n], flops: 2 * n ** 3 });
const quick = process.argv.includes('--quick');

const SHAPES: Shape[] = [
  sq(128), sq(256), sq(512), ...(quick ? [] : [sq(1024)]),
  { name: 'dense layer [12800,256]@[256,1024]', a: [12800, 256], b: [256, 1024], flops: 2 * 12800 * 256 * 1024 },
  { name: 'SNN input layer [51200,100]@[100,4], spikes', a: [51200, 100], b: [100, 4], spikes: true, flops: 2 * 51200 * 100 * 4 },
  {
    name: 'SNN weight gradient [51200,100]ᵀ@[51200,4], spikes', a: [51200, 100], b: [51200, 4], transposeA: true, spikes: true,
    flops: 2 * 51200 * 100 * 4,
  },
];

function input(shape: number[], spikes: boolean, backend: sg.Backend): sg.Tensor {
  return spikes ? sg.random.poissonSpikes(0.005, shape, { backend }) : sg.random.uniform(shape, -1, 1, { backend });
}

sg.random.seed(1);
const gpu = await webgpuOrNull();
const cpu = await sg.getBackendInstance('cpu');
const rows: { shape: string; cpu?: BenchResult; webgpu?: BenchResult }[] = [];
for (const s of SHAPES) {
  const row: (typeof rows)[number] = { shape: s.name };
  for (const be of gpu ? [gpu, cpu] : [cpu]) {
    const r = await runBench({
      name: `matmul ${s.name}`, backend: be, flops: s.flops, info: { a: s.a, b: s.b, transposeA: !!s.transposeA },
      setup: () => ({ a: sg.keep(input(s.a, !!s.spikes, be)), b: sg.keep(input(s.b, false, be)) }),
      run: ({ a, b }) => sg.matmul(a, b, { transposeA: !!s.transposeA }),
      teardown: ({ a, b }) => sg.dispose([a, b]),
    }, { warmup: 1, iterations: s.flops > 1e9 ? 3 : 10 });
    report(r);
    row[be.name as 'cpu' | 'webgpu'] = r;
  }
  rows.push(row);
}

const fmt = (r?: BenchResult) => (r ? `${r.gflops!.toFixed(2).padStart(7)} GFLOP/s ${r.medianMs.toFixed(2).padStart(9)} ms` : '      –');
console.log(`\n${'shape'.padEnd(52)} ${'WebGPU'.padEnd(28)} ${'CPU'.padEnd(28)} WebGPU/CPU`);
for (const r of rows) {
  const ratio = r.webgpu && r.cpu ? (r.cpu.medianMs / r.webgpu.medianMs).toFixed(2) : '–';
  console.log(`${r.shape.padEnd(52)} ${fmt(r.webgpu).padEnd(28)} ${fmt(r.cpu).padEnd(28)} ${ratio}`);
}
if (gpu) console.log(`\nWebGPU: ${gpu.description}`);
await sg.shutdown();
