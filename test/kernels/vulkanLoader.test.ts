/**
 * The Vulkan loader check that lets spikegrad, not Dawn's native "Couldn't load Vulkan" noise, explain a
 * machine without libvulkan.so.1. Fails if a present loader is reported missing (WebGPU would be refused on a
 * working machine), or a missing one is not (Dawn's noise comes back), or a system without a linker cache is
 * judged at all.
 */
import { describe, expect, it } from 'vitest';
import { findVulkanLoader, type LoaderProbe } from '../../kernels/webgpu/vulkanLoader.js';

/** A linker cache holding these library paths the way ld.so.cache stores them (NUL-terminated strings). */
function cache(paths: string[]): Uint8Array {
  return new TextEncoder().encode(`ld.so-1.7.0\0glibc-ld.so.cache1.1\0${paths.map((p) => `${p.split('/').at(-1)}\0${p}\0`).join('')}`);
}

function probe(over: Partial<LoaderProbe> & { files?: string[]; cacheBytes?: Uint8Array | null }): LoaderProbe {
  const files = new Set(over.files ?? []);
  return {
    platform: over.platform ?? 'linux',
    ldLibraryPath: over.ldLibraryPath,
    readFile: (p) => (p === '/etc/ld.so.cache' ? (over.cacheBytes === undefined ? cache([]) : over.cacheBytes) : null),
    isLoadableFile: (p) => files.has(p),
  };
}

describe('findVulkanLoader', () => {
  it('finds the loader where the linker cache says it is', () => {
    const at = '/opt/vendor/lib/libvulkan.so.1';
    expect(findVulkanLoader(probe({ cacheBytes: cache(['/usr/lib/libc.so.6', at]), files: [at] }))).toBe(at);
  });

  it('finds it through LD_LIBRARY_PATH and in the usual folders, the cache silent', () => {
    expect(findVulkanLoader(probe({ ldLibraryPath: '/x:/my/vk/', files: ['/my/vk/libvulkan.so.1'] }))).toBe('/my/vk/libvulkan.so.1');
    expect(findVulkanLoader(probe({ files: ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1'] }))).toBe('/usr/lib/x86_64-linux-gnu/libvulkan.so.1');
  });

  it("is 'missing' when the cache was read and no path leads to a loadable file", () => {
    // The cache names it, but the file is gone (or empty): dlopen would fail, Dawn would print its noise.
    expect(findVulkanLoader(probe({ cacheBytes: cache(['/lib/x86_64-linux-gnu/libvulkan.so.1']) }))).toBe('missing');
    expect(findVulkanLoader(probe({ ldLibraryPath: '/nowhere' }))).toBe('missing');
    // libvulkan.so.10 is another library, not the loader.
    expect(findVulkanLoader(probe({ cacheBytes: cache(['/lib/libvulkan.so.10']), files: ['/lib/libvulkan.so.10'] }))).toBe('missing');
  });

  it("is 'unknown' without a linker cache (musl) or off Linux, so Dawn decides", () => {
    expect(findVulkanLoader(probe({ cacheBytes: null }))).toBe('unknown');
    expect(findVulkanLoader(probe({ platform: 'darwin' }))).toBe('unknown');
    expect(findVulkanLoader(probe({ platform: 'win32', files: [] }))).toBe('unknown');
  });
});
