/**
 * Evaluates generated WGSL functions `fn f(x: f32) -> f32` on the GPU at given points: one shader holding
 * all of them, one dispatch, one readback. This checks the WGSL a surrogate emits (what the spike kernels and
 * the fused neuron kernels splice in) independently of any kernel around it.
 */
import { create, globals } from 'webgpu';

export interface WgslFn {
  /** Source defining `fnName` (and its helpers). */
  code: string;
  fnName: string;
}

let devicePromise: Promise<GPUDevice | null> | null = null;
/** Held for the process lifetime: Dawn's GPU object must outlive its adapter and device (else a segfault). */
let gpu: GPU | null = null;

/** A Dawn device of its own (null when no adapter: callers skip, or fail under SPIKEGRAD_REQUIRE_WEBGPU=1). */
export function testDevice(): Promise<GPUDevice | null> {
  devicePromise ??= (async () => {
    Object.assign(globalThis, globals);
    gpu ??= create([]);
    const adapter = await gpu.requestAdapter();
    return adapter ? adapter.requestDevice() : null;
  })();
  return devicePromise;
}

export async function releaseTestDevice(): Promise<void> {
  const d = await devicePromise;
  if (d) {
    await d.queue.onSubmittedWorkDone();
    d.destroy();
  }
  devicePromise = null;
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
  const xBuf = device.createBuffer({ size: Math.max(4, xs.byteLength), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  const outBuf = device.createBuffer({ size: Math.max(4, bytes), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const readBuf = device.createBuffer({ size: Math.max(4, bytes), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
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
  await readBuf.mapAsync(GPUMapMode.READ);
  const all = new Float32Array(readBuf.getMappedRange().slice(0));
  readBuf.unmap();
  for (const b of [xBuf, outBuf, readBuf]) b.destroy();
  return fns.map((_, k) => all.slice(k * n, (k + 1) * n));
}
