/**
 * Evaluates generated WGSL functions `fn f(x: f32) -> f32` on the GPU at given points: one shader holding
 * all of them, one dispatch, one readback, on the WebGPU backend's device but outside its kernels. This checks
 * the WGSL a surrogate emits (what the spike kernels and the fused neuron kernels splice in) on its own.
 */
import type * as sg from '../../index.js';
import { STAGING_USAGE, STORAGE_USAGE } from '../../kernels/webgpu/bufferPool.js';

const MAP_READ = 1; // GPUMapMode.READ (the backend installs no WebGPU globals)

export interface WgslFn {
  /** Source defining `fnName` (and its helpers). */
  code: string;
  fnName: string;
}

/** The process's one Dawn device: the WebGPU backend's (kernels/webgpu/backend.ts exposes it). */
export function deviceOf(backend: sg.Backend): GPUDevice {
  return (backend as sg.Backend & { device: GPUDevice }).device;
}

/** Values of every function at every point: result[k][i] = fns[k](xs[i]), computed in float32 on the GPU. */
export async function evalWgsl(device: GPUDevice, fns: WgslFn[], xs: Float32Array): Promise<Float32Array[]> {
  const n = xs.length;
  const calls = fns.map((f, k) => `  out[${k}u * n + i] = ${f.fnName}(xs[i]);`).join('\n');
  const code = `${fns.map((f) => f.code).join('\n\n')}

@group(0) @binding(0) var<storage, read> xs: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  let n = arrayLength(&xs);
  if (i >= n) { return; }
${calls}
}`;
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ code });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length) throw new Error(`WGSL compilation failed:\n${errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('\n')}\n${code}`);
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const bytes = n * fns.length * 4;
  const xBuf = device.createBuffer({ size: Math.max(4, xs.byteLength), usage: STORAGE_USAGE });
  const outBuf = device.createBuffer({ size: Math.max(4, bytes), usage: STORAGE_USAGE });
  const readBuf = device.createBuffer({ size: Math.max(4, bytes), usage: STAGING_USAGE });
  device.queue.writeBuffer(xBuf, 0, xs as Float32Array<ArrayBuffer>);
  const bind = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [{ binding: 0, resource: { buffer: xBuf } }, { binding: 1, resource: { buffer: outBuf } }],
  });
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bind);
  pass.dispatchWorkgroups(Math.ceil(n / 64));
  pass.end();
  enc.copyBufferToBuffer(outBuf, 0, readBuf, 0, bytes);
  device.queue.submit([enc.finish()]);
  const err = await device.popErrorScope();
  if (err) throw new Error(`WebGPU validation error: ${err.message}`);
  await readBuf.mapAsync(MAP_READ);
  const all = new Float32Array(readBuf.getMappedRange().slice(0));
  readBuf.unmap();
  for (const b of [xBuf, outBuf, readBuf]) b.destroy();
  return fns.map((_, k) => all.slice(k * n, (k + 1) * n));
}
