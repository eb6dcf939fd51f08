/**
 * Gives a peer process the browser globals its WebGPU backend looks for: Dawn's `navigator.gpu` (npm `webgpu`,
 * the same adapter spikegrad uses), the GPU* constants, and `navigator.userAgent` (jax-js reads it; Node 20
 * has no `navigator` at all).
 */
export async function installNavigatorGpu(): Promise<GPU> {
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  const gpu = create([]);
  const nav = ((globalThis as unknown as { navigator?: Record<string, unknown> }).navigator ??= {});
  Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  if (typeof nav.userAgent !== 'string') Object.defineProperty(nav, 'userAgent', { value: `Node.js/${process.version}`, configurable: true });
  return gpu;
}

/** "vendor architecture (description)" of a device's adapter, for the results table. */
export function describeAdapter(info: GPUAdapterInfo | undefined): string {
  if (!info) return 'unknown adapter';
  const parts = [info.vendor, info.architecture].filter(Boolean).join(' ');
  return info.description ? `${parts} (${info.description})` : parts || 'unknown adapter';
}

/** Waits for the queue to drain, then destroys the device: Dawn aborted once when a process exited mid-work. */
export async function releaseDevice(device: GPUDevice | undefined): Promise<void> {
  if (!device) return;
  await device.queue.onSubmittedWorkDone();
  device.destroy();
}
