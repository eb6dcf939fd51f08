/**
 * Matmul GFLOP/s by shape, WebGPU against the CPU backend, side by side in one run.
 *   node scripts/run-ts.mjs bench/experiments/matmulKernels.ts [--quick] [--onm] [--only <name part>] [--json-only]
 * Prints one JSON line per (shape, kernel), then a table with the ratios.
 * - On a software adapter (lavapipe) the WebGPU column is the lane-tiled kernel (kernels/matmul/subgroupTile.ts)
 *   and a second WebGPU column runs the GPU-oriented kernels (matmulTiled/matmulNarrow) on the same adapter,
 *   so the speedup of one over the other is measured in the same run.
 * - "GFLOP/CPU-s": FLOPs per second of this process's CPU time (the software adapter's threads included).
 *   The machine is shared; this is what a kernel does with the CPU time it gets. × cores = alone on the machine.
 * - Shapes: squares; the `dense` workload's layers (T·B = 12800 rows, 256→1024→10) forward and both gradients;
 *   the `seed` network's input layer [51200,100]·[100,4] (dense and with 5 Hz spike input, 0.5 % ones, which
 *   the CPU backend's event-driven path exploits) and its weight gradient; --onm adds the Open Neuromorphic
 *   benchmark's Linear(4096, 4096) over B·T = 8000 rows (268 GFLOP per product: minutes on the CPU backend).
 */
import { cpus, loadavg } from 'node:os';
import * as sg from '../../index.js';
import * as internal from '../../internal.js';
import { report, runBench, webgpuOrNull, type BenchResult } from '../harness.js';
import { matmulTuning } from '../../kernels/flags.js';

interface Shape {
  name: string;
  a: number[];
  b: number[];
  transposeA?: boolean;
  transposeB?: boolean;
  spikes?: boolean;
}

const sq = (n: number): Shape => ({ name: `${n}x${n}x${n}`, a: [n, n], b: [n, n] });
const args = process.argv.slice(2);
const quick = args.includes('--quick');

const SHAPES: Shape[] = [
  sq(128), sq(256), sq(512), ...(quick ? [] : [sq(1024)]),
  { name: 'dense: hidden layer X·W1 [12800,256]@[256,1024]', a: [12800, 256], b: [256, 1024] },
  { name: 'dense: dX = dY·W1ᵀ [12800,1024]@[256,1024]ᵀ', a: [12800, 1024], b: [256, 1024], transposeB: true },
  { name: 'dense: dW1 = Xᵀ·dY [12800,256]ᵀ@[12800,1024]', a: [12800, 256], b: [12800, 1024], transposeA: true },
  { name: 'dense: readout H·W2 [12800,1024]@[1024,10]', a: [12800, 1024], b: [1024, 10] },
  { name: 'dense: dH = dO·W2ᵀ [12800,10]@[1024,10]ᵀ', a: [12800, 10], b: [1024, 10], transposeB: true },
  { name: 'dense: dW2 = Hᵀ·dO [12800,1024]ᵀ@[12800,10]', a: [12800, 1024], b: [12800, 10], transposeA: true },
  { name: 'seed: input layer [51200,100]@[100,4]', a: [51200, 100], b: [100, 4] },
  { name: 'seed: input layer, 5 Hz spikes', a: [51200, 100], b: [100, 4], spikes: true },
  { name: 'seed: weight gradient [51200,100]ᵀ@[51200,4]', a: [51200, 100], b: [51200, 4], transposeA: true },
  ...(args.includes('--onm') ? [{ name: 'onm 4k: [8000,4096]@[4096,4096]', a: [8000, 4096], b: [4096, 4096] }] : []),
].filter((s) => !args.includes('--only') || s.name.includes(args[args.indexOf('--only') + 1]!));

function flops(s: Shape): number {
  const M = s.transposeA ? s.a[1]! : s.a[0]!, K = s.transposeA ? s.a[0]! : s.a[1]!, N = s.transposeB ? s.b[0]! : s.b[1]!;
  return 2 * M * N * K;
}

function input(shape: number[], spikes: boolean, backend: sg.Backend): sg.Tensor {
  return spikes ? sg.random.poissonSpikes(0.005, shape, { backend }) : sg.random.uniform(shape, -1, 1, { backend });
}

type Column = 'webgpu' | 'webgpuTiled' | 'cpu';

sg.random.seed(1);
const gpu = await webgpuOrNull();
const cpu = await internal.getBackendInstance('cpu');
// The lane-tiled kernel only runs on software adapters; there the GPU kernels are the comparison.
const software = gpu !== null && (gpu as sg.Backend & { adapter?: { software?: boolean } }).adapter?.software === true;
const columns: [Column, sg.Backend][] = [
  ...(gpu ? [['webgpu', gpu] as [Column, sg.Backend]] : []),
  ...(gpu && software ? [['webgpuTiled', gpu] as [Column, sg.Backend]] : []),
  ['cpu', cpu],
];
const rows: { shape: Shape; results: Partial<Record<Column, BenchResult>> }[] = [];
for (const s of SHAPES) {
  const row: (typeof rows)[number] = { shape: s, results: {} };
  for (const [col, be] of columns) {
    matmulTuning.laneTiled = col !== 'webgpuTiled';
    const f = flops(s);
    const r = await runBench({
      name: `matmul ${s.name}`, backend: be, flops: f,
      info: { kernel: col, a: s.a, b: s.b, transposeA: !!s.transposeA, transposeB: !!s.transposeB, spikes: !!s.spikes },
      setup: () => ({ a: sg.keep(input(s.a, !!s.spikes, be)), b: sg.keep(input(s.b, false, be)) }),
      run: ({ a, b }) => sg.matmul(a, b, { transposeA: !!s.transposeA, transposeB: !!s.transposeB }),
      teardown: ({ a, b }) => sg.dispose([a, b]),
    // The machine is shared: more iterations where they are cheap, so that the median means something.
    }, { warmup: 1, iterations: be === cpu ? (f > 1e10 ? 1 : f > 1e9 ? 3 : 10) : (f > 1e10 ? 3 : 10), maxTimeMs: 15_000 });
    r.gflopsPerCpuSecond = Number((f / r.cpuMs / 1e6).toPrecision(4));
    report(r);
    row.results[col] = r;
  }
  rows.push(row);
}
matmulTuning.laneTiled = true;

if (!args.includes('--json-only')) {
  const g = (r?: BenchResult) => (r ? r.gflops!.toFixed(2) : '–');
  const perCpu = (r?: BenchResult) => (r ? (r.gflopsPerCpuSecond as number).toFixed(2) : '–');
  const ratio = (x?: BenchResult, y?: BenchResult) => (x && y ? (y.medianMs / x.medianMs).toFixed(2) : '–');
  // Medians, plus the best iteration of the WebGPU kernel (the machine is shared; the best is the least disturbed).
  const best = (r: BenchResult | undefined, f: number) => (r ? (f / r.minMs / 1e6).toFixed(2) : '–');
  const head = ['shape', 'WebGPU GFLOP/s', 'ms', 'best GFLOP/s', 'GFLOP/CPU-s', ...(software ? ['WebGPU tiled GFLOP/s'] : []),
    'CPU GFLOP/s', 'ms', ...(software ? ['lane-tiled / tiled'] : []), 'WebGPU / CPU'];
  console.log(`\n| ${head.join(' | ')} |\n|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  for (const { shape, results: r } of rows) {
    const cells = [shape.name, g(r.webgpu), r.webgpu ? String(r.webgpu.medianMs) : '–', best(r.webgpu, flops(shape)), perCpu(r.webgpu),
      ...(software ? [g(r.webgpuTiled)] : []), g(r.cpu), r.cpu ? String(r.cpu.medianMs) : '–',
      ...(software ? [ratio(r.webgpu, r.webgpuTiled)] : []), ratio(r.webgpu, r.cpu)];
    console.log(`| ${cells.join(' | ')} |`);
  }
  console.log(`\n${gpu ? gpu.description : 'no WebGPU adapter'}; ${cpus().length} CPU cores; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
}
await sg.shutdown();
