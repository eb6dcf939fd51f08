/**
 * Finding a WebGPU implementation, an adapter and a device.
 *
 * - Browser (or any host with `navigator.gpu`): that is used, and nothing Node-specific is ever loaded.
 * - Node: Dawn's binding, the npm package `webgpu`, imported lazily through a non-literal specifier so that
 *   bundlers of browser code never pull the native addon in. SPIKEGRAD_DAWN_FLAGS passes options to Dawn's
 *   `create` (space-separated, e.g. `adapter=<name>` or `enable-dawn-features=allow_unsafe_apis,dump_shaders`).
 *
 * One GPU instance and one device per process: Dawn and lavapipe misbehave with several (leaks on repeated
 * create/destroy; see ANCHORS.md §D).
 */
import type { AdapterReport } from '../../engine/backends.js';
import { findVulkanLoader, nodeLoaderProbe, NO_VULKAN_LOADER } from './vulkanLoader.js';

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** The adapter says it is a fallback (software) adapter. */
  fallback: boolean;
  /** A software rasteriser (lavapipe/llvmpipe, SwiftShader, WARP) whatever the fallback flag says. */
  software: boolean;
  /** Which API the implementation runs on, when it says so (Dawn puts it in no standard field). */
  backendType: string | null;
  limits: Record<string, number>;
  features: string[];
  /** Subgroup (SIMD) width range the adapter reports; 0 when it does not say. */
  subgroupMinSize: number;
  subgroupMaxSize: number;
}

/** Limits spikegrad cares about, reported by `spikegrad devices` and requested at their adapter maximum. */
export const KEY_LIMITS = [
  'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupsPerDimension', 'maxStorageBuffersPerShaderStage',
  'minUniformBufferOffsetAlignment',
] as const;

/** Raised to the adapter's own maximum: the defaults (128 MiB bindings, 16 KiB workgroup memory) are small. */
const REQUESTED_LIMITS = ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize', 'maxStorageBuffersPerShaderStage'] as const;
/** Requested when the adapter has them: 'subgroups' lets the software-adapter matmul share loads across lanes. */
const OPTIONAL_FEATURES = ['subgroups'] as const;

const NO_ADAPTER = 'no WebGPU adapter found (no usable GPU driver; without a GPU, Linux gets one from Mesa lavapipe: mesa-vulkan-drivers >= 24, see README)';

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|warp|basic render|software/i;

type GpuOrReason = { gpu: GPU } | { unavailable: string };

const IS_NODE = typeof process !== 'undefined' && !!process.versions?.node;
/**
 * Dawn in Node picks the discrete GPU of a dual-GPU machine when asked for high performance. Browsers get no
 * preference: headless Chromium was seen never to answer a request that carried one.
 */
const ADAPTER_OPTIONS: GPURequestAdapterOptions = IS_NODE ? { powerPreference: 'high-performance' } : {};

/** The version of `webgpu` that package.json's peerDependencies name (the one spikegrad is tested with). */
const DAWN_PACKAGE_VERSION = '0.6.2';

let gpuPromise: Promise<GpuOrReason> | null = null;

async function loadGpu(): Promise<GpuOrReason> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return { gpu: nav.gpu };
  if (!IS_NODE) return { unavailable: 'this browser has no navigator.gpu (WebGPU is disabled or unsupported)' };
  let mod: { create(flags: string[]): GPU };
  try {
    const specifier = 'webgpu'; // non-literal: keeps the native addon out of browser bundles
    mod = (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as typeof mod;
  } catch (e) {
    // An optional peer dependency (132 MB of native binaries a CPU-only or browser user does not need).
    const code = (e as { code?: string } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      return { unavailable: `WebGPU in Node needs the optional package 'webgpu' (Dawn), which is not installed: npm install webgpu@${DAWN_PACKAGE_VERSION}` };
    }
    return { unavailable: `the 'webgpu' package (Dawn for Node) could not be loaded: ${e instanceof Error ? e.message : String(e)}` };
  }
  const flags = (process.env.SPIKEGRAD_DAWN_FLAGS ?? '').split(' ').filter(Boolean);
  // Without Vulkan's loader Dawn only prints its own noise when asked for an adapter (vulkanLoader.ts): say
  // why here instead, once. Not when the flags pick another Dawn backend.
  const probe = nodeLoaderProbe();
  if (probe && !flags.some((f) => f.startsWith('backend=')) && findVulkanLoader(probe) === 'missing') return { unavailable: NO_VULKAN_LOADER };
  try {
    return { gpu: mod.create(flags) };
  } catch (e) {
    return { unavailable: `the 'webgpu' package (Dawn for Node) could not start: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** The process's GPU object (created once). */
export function getGpu(): Promise<GpuOrReason> {
  return (gpuPromise ??= loadGpu());
}

let adapterPromise: Promise<{ adapter: GPUAdapter } | { unavailable: string }> | null = null;

/** The adapter the backend uses, requested once per process. */
export function getAdapter(): Promise<{ adapter: GPUAdapter } | { unavailable: string }> {
  return (adapterPromise ??= (async () => {
    const g = await getGpu();
    if ('unavailable' in g) return g;
    let adapter: GPUAdapter | null = null;
    try {
      adapter = await g.gpu.requestAdapter(ADAPTER_OPTIONS);
    } catch (e) {
      return { unavailable: `requestAdapter failed: ${e instanceof Error ? e.message : String(e)}` };
    }
    if (!adapter) return { unavailable: NO_ADAPTER };
    return { adapter };
  })());
}

export function describeAdapter(adapter: GPUAdapter): AdapterDescription {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean; backendType?: string; subgroupMinSize?: number; subgroupMaxSize?: number };
  const legacyFallback = (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  const fallback = Boolean(info.isFallbackAdapter ?? legacyFallback ?? false);
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`;
  const limits: Record<string, number> = {};
  for (const k of KEY_LIMITS) limits[k] = Number((adapter.limits as unknown as Record<string, number>)[k]);
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    fallback,
    software: fallback || info.architecture === 'software' || SOFTWARE.test(text),
    backendType: info.backendType ?? null,
    limits,
    features: [...adapter.features].sort(),
    subgroupMinSize: info.subgroupMinSize ?? 0,
    subgroupMaxSize: info.subgroupMaxSize ?? 0,
  };
}

/** One line: the description, or vendor/device when the description is empty. */
export function adapterName(d: AdapterDescription): string {
  return d.description || [d.vendor, d.architecture, d.device].filter(Boolean).join(' ') || 'unnamed adapter';
}

/** For `setBackend('auto')`: is there an adapter here, and is it a real GPU? */
export async function probeWebGpu(): Promise<AdapterReport | { unavailable: string }> {
  const a = await getAdapter();
  if ('unavailable' in a) return a;
  const d = describeAdapter(a.adapter);
  return { hardware: !d.software, description: `${adapterName(d)}${d.software ? ' (software)' : ''}` };
}

/** Every distinct adapter the implementation offers for the standard request options (for `spikegrad devices`). */
export async function listAdapters(): Promise<{ adapters: AdapterDescription[] } | { unavailable: string }> {
  const g = await getGpu();
  if ('unavailable' in g) return g;
  const seen = new Map<string, AdapterDescription>();
  const options: GPURequestAdapterOptions[] = IS_NODE
    ? [{ powerPreference: 'high-performance' }, { powerPreference: 'low-power' }, { forceFallbackAdapter: true }]
    : [{}];
  for (const o of options) {
    const a = await g.gpu.requestAdapter(o).catch(() => null);
    if (!a) continue;
    const d = describeAdapter(a);
    const k = `${d.vendor}|${d.device}|${d.description}|${d.fallback}`;
    if (!seen.has(k)) seen.set(k, d);
  }
  return seen.size ? { adapters: [...seen.values()] } : { unavailable: NO_ADAPTER };
}

export interface OpenedDevice {
  device: GPUDevice;
  adapter: AdapterDescription;
}

/**
 * Requests a device with the adapter's own maxima for the limits that bound tensor sizes. The adapter is
 * requested afresh: an adapter that has given out a device cannot give another (after a `shutdown()`).
 */
export async function openDevice(): Promise<OpenedDevice | { unavailable: string }> {
  const g = await getGpu();
  if ('unavailable' in g) return g;
  const adapter = await g.gpu.requestAdapter(ADAPTER_OPTIONS).catch(() => null);
  if (!adapter) return { unavailable: NO_ADAPTER };
  const requiredLimits: Record<string, number> = {};
  const lim = adapter.limits as unknown as Record<string, number>;
  for (const k of REQUESTED_LIMITS) if (typeof lim[k] === 'number') requiredLimits[k] = lim[k]!;
  try {
    const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
    const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
    return { device, adapter: describeAdapter(adapter) };
  } catch (e) {
    return { unavailable: `requestDevice failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}
