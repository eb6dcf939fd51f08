/**
 * Is Vulkan's loader (libvulkan.so.1) there, before Dawn is asked? Dawn for Node runs on Vulkan on Linux; when
 * the loader is missing, Dawn prints "Couldn't load Vulkan: libvulkan.so.1 …" with a path into its own build
 * tree to stderr (native code, which spikegrad cannot filter) before spikegrad could say anything. Looking for
 * the file first lets spikegrad say it alone, once, with what to install.
 *
 * Only a confident "missing" counts: the dynamic linker's cache (/etc/ld.so.cache) was read and neither it,
 * LD_LIBRARY_PATH nor the usual library folders lead to a non-empty regular file. Without a readable cache
 * (musl systems) the answer is 'unknown' and Dawn decides as before.
 */

/** The file system and environment the check reads; `nodeLoaderProbe` is Node's own. */
export interface LoaderProbe {
  platform: string;
  ldLibraryPath: string | undefined;
  /** The bytes of a file, or null when it cannot be read. */
  readFile(path: string): Uint8Array | null;
  /** True for a regular, non-empty file (a loader that dlopen could at least try). */
  isLoadableFile(path: string): boolean;
}

const LOADER = 'libvulkan.so.1';
const LIBRARY_DIRS = ['/lib', '/usr/lib', '/lib64', '/usr/lib64', '/usr/local/lib',
  '/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu'];

/** Where the loader is (a path), 'missing', or 'unknown' (not Linux, or no linker cache to be sure). */
export function findVulkanLoader(p: LoaderProbe): string | 'missing' | 'unknown' {
  if (p.platform !== 'linux') return 'unknown';
  const cache = p.readFile('/etc/ld.so.cache');
  const candidates: string[] = [];
  if (cache) {
    // The cache stores each library's absolute path as a NUL-terminated string.
    const text = new TextDecoder('latin1').decode(cache);
    for (const m of text.matchAll(/\/[\x21-\x7e]*\/libvulkan\.so\.1(?=\0)/g)) candidates.push(m[0]);
  }
  for (const dir of (p.ldLibraryPath ?? '').split(':').filter(Boolean)) candidates.push(`${dir.replace(/\/$/, '')}/${LOADER}`);
  for (const dir of LIBRARY_DIRS) candidates.push(`${dir}/${LOADER}`);
  const found = candidates.find((c) => p.isLoadableFile(c));
  if (found) return found;
  return cache ? 'missing' : 'unknown';
}

/** The probe of this Node process; null outside Node (browsers, workers without `process`). */
export function nodeLoaderProbe(): LoaderProbe | null {
  const proc = (globalThis as { process?: { platform?: string; env?: Record<string, string | undefined>; getBuiltinModule?: (m: string) => unknown } }).process;
  // Through getBuiltinModule, not an import: the browser bundle must name no node: module.
  const fs = proc?.getBuiltinModule?.('fs') as typeof import('node:fs') | undefined;
  if (!proc?.platform || !fs) return null;
  return {
    platform: proc.platform,
    ldLibraryPath: proc.env?.LD_LIBRARY_PATH,
    readFile: (path) => {
      try {
        return fs.readFileSync(path);
      } catch {
        return null;
      }
    },
    isLoadableFile: (path) => {
      try {
        const s = fs.statSync(path);
        return s.isFile() && s.size > 0;
      } catch {
        return false;
      }
    },
  };
}

export const NO_VULKAN_LOADER = "no Vulkan loader: libvulkan.so.1 is not installed, and Dawn (the 'webgpu' package) runs on Vulkan on Linux. "
  + 'Install libvulkan1 and a Vulkan driver; without a GPU, mesa-vulkan-drivers >= 24 gives the lavapipe software adapter (README, "WebGPU on a machine without a GPU")';
