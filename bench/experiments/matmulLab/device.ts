/**
 * Raw Dawn device and timing helpers for the matmul kernel lab (Phase 1 exploration, independent of the runtime).
 * One device per process; `close()` drains the queue and destroys it so the process exits on its own.
 */
import { create, globals } from 'webgpu';
import { quietly } from '../../../kernels/webgpu/quietWait.js';

export interface Lab {
  /** Held so the GPU instance is not garbage-collected while the device lives: Dawn then aborts (futex error). */
  gpu: GPU;
  adapter: GPUAdapter;
  device: GPUDevice;
  adapterName: string;
  close(): Promise<void>;
}

/** Dawn instance flags come from SPIKEGRAD_DAWN_FLAGS (comma separated), e.g. `disable-dawn-features=...`. */
export async function openLab(features: GPUFeatureName[] = []): Promise<Lab> {
  Object.assign(globalThis, globals);
  const flags = (process.env.SPIKEGRAD_DAWN_FLAGS ?? '').split(';').filter(Boolean);
  const gpu = create(flags);
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter (is Mesa lavapipe installed?)');
  const info = adapter.info;
  const device = await adapter.requestDevice({
    requiredFeatures: features.filter((f) => adapter.features.has(f)),
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    },
  });
  device.addEventListener('uncapturederror', (e) => console.error('WebGPU error:', (e as GPUUncapturedErrorEvent).error.message));
  return {
    gpu,
    adapter,
    device,
    adapterName: `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.trim(),
    async close() {
      await device.queue.onSubmittedWorkDone();
      device.destroy();
    },
  };
}

export function storage(device: GPUDevice, data: Float32Array<ArrayBuffer> | number): GPUBuffer {
  const bytes = typeof data === 'number' ? data * 4 : data.byteLength;
  const buf = device.createBuffer({
    size: Math.max(16, Math.ceil(bytes / 16) * 16),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  if (typeof data !== 'number') device.queue.writeBuffer(buf, 0, data);
  return buf;
}

export function uniform(device: GPUDevice, words: number[]): GPUBuffer {
  const u = new Uint32Array(Math.max(4, Math.ceil(words.length / 4) * 4));
  u.set(words);
  const buf = device.createBuffer({ size: u.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(buf, 0, u);
  return buf;
}

export async function readBack(device: GPUDevice, src: GPUBuffer, n: number): Promise<Float32Array> {
  const staging = device.createBuffer({ size: Math.ceil((n * 4) / 16) * 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(src, 0, staging, 0, staging.size);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange().slice(0, n * 4));
  staging.unmap();
  staging.destroy();
  return out;
}

export interface Dispatch {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: [number, number, number];
}

export interface Timing {
  /** Wall-clock seconds. */
  wall: number;
  /** CPU seconds of this process (lavapipe's worker threads included): robust to other load on the machine. */
  cpu: number;
}

/** Encodes `reps` copies of a dispatch sequence in one pass, submits once and waits. */
export async function timeDispatches(device: GPUDevice, seq: Dispatch[], reps: number): Promise<Timing> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  for (let r = 0; r < reps; r++) {
    for (const d of seq) {
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.bindGroup);
      pass.dispatchWorkgroups(...d.workgroups);
    }
  }
  pass.end();
  device.queue.submit([enc.finish()]);
  // Dawn's Node binding polls (setImmediate) while a promise is pending, spinning a core that lavapipe's own
  // threads need. LAB_THROTTLE=1 waits as the runtime does (kernels/webgpu/quietWait.ts); unset, the spinning
  // wait of Phase 1 (it cost lavapipe a third to two thirds of its speed on 2 cores).
  const wait = () => device.queue.onSubmittedWorkDone();
  await (process.env.LAB_THROTTLE ? quietly(wait) : wait());
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e6 };
}
