/**
 * Cost of one small op (add of two [256] vectors) on WebGPU as a function of SUBMIT_EVERY (dispatches per
 * command-buffer submit), with the CPU backend for reference. Each iteration is a chain of 500 ops and one
 * wait for the device; the line reports µs per op.
 *   node scripts/run-ts.mjs bench/experiments/dispatch.ts
 */
import * as sg from '../../index.js';
import * as internal from '../../internal.js';
import { SUBMIT_EVERY, type WebGpuBackend } from '../../kernels/webgpu/index.js';
import { report, runBench, webgpuOrNull } from '../harness.js';

const OPS = 500;

async function chain(be: sg.Backend, label: string): Promise<number> {
  const r = await runBench({
    name: `dispatch chain of ${OPS} adds [256]`, backend: be, info: { submitEvery: label },
    setup: () => sg.keep(sg.random.uniform([256], -1, 1, { backend: be })),
    run: (x) => {
      let t = x;
      for (let i = 0; i < OPS; i++) t = sg.add(t, x);
      return t;
    },
    teardown: (x) => x.dispose(),
  }, { warmup: 2, iterations: 15 });
  const usPerOp = (r.medianMs * 1000) / OPS;
  report({ ...r, usPerOp: Number(usPerOp.toPrecision(3)), cpuUsPerOp: Number(((r.cpuMs * 1000) / OPS).toPrecision(3)) });
  return usPerOp;
}

const gpu = (await webgpuOrNull()) as WebGpuBackend | null;
const rows: [string, number][] = [];
if (gpu) {
  for (const every of [1, 4, 8, 16, 32, 64, 128]) {
    gpu.submitEvery = every;
    rows.push([`webgpu, submit every ${every}${every === SUBMIT_EVERY ? ' (default)' : ''}`, await chain(gpu, String(every))]);
  }
  gpu.submitEvery = SUBMIT_EVERY;
}
rows.push(['cpu', await chain(await internal.getBackendInstance('cpu'), '-')]);
console.log('');
for (const [name, us] of rows) console.log(`${name.padEnd(40)} ${us.toFixed(1).padStart(7)} µs/op`);
await sg.shutdown();
