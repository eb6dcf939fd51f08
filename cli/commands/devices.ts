/**
 * `spikegrad devices`: the WebGPU adapters this machine offers (name, vendor, architecture, fallback or
 * software, key limits, features) and what `setBackend('auto')` would choose, and why.
 */
import type { Command } from 'commander';
import { decideAuto } from '../../engine/backends.js';
import { KEY_LIMITS, adapterName, listAdapters, type AdapterDescription } from '../../kernels/webgpu/device.js';

function bytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(n % 2 ** 30 ? 1 : 0)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(n % 2 ** 20 ? 1 : 0)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(n % 2 ** 10 ? 1 : 0)} KiB`;
  return `${n} B`;
}

const BYTE_LIMITS = new Set(['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize', 'minUniformBufferOffsetAlignment']);

function describe(d: AdapterDescription, i: number): string {
  const kind = d.software ? `software${d.fallback ? ', fallback adapter' : ''}` : d.fallback ? 'fallback adapter' : 'hardware';
  const limits = KEY_LIMITS.map((k) => `${k} ${BYTE_LIMITS.has(k) ? bytes(d.limits[k]!) : d.limits[k]}`);
  const interesting = d.features.filter((f) => ['shader-f16', 'subgroups', 'timestamp-query'].includes(f));
  return [
    `${i + 1}. ${adapterName(d)}  [${kind}]`,
    `   vendor: ${d.vendor || '-'} · architecture: ${d.architecture || '-'} · device: ${d.device || '-'} · backend: ${d.backendType ?? 'not exposed by this implementation'}`,
    `   limits: ${limits.join(' · ')}`,
    `   features: ${interesting.length ? interesting.join(', ') : 'none of shader-f16, subgroups, timestamp-query'} (${d.features.length} in all)`,
  ].join('\n');
}

export function register(program: Command): void {
  program
    .command('devices')
    .description('list the WebGPU adapters found, and which backend setBackend(\'auto\') picks')
    .option('--json', 'print one JSON object instead of text')
    .action(async (opts: { json?: boolean }) => {
      const found = await listAdapters();
      const auto = await decideAuto();
      if (opts.json) {
        console.log(JSON.stringify({ ...('adapters' in found ? { adapters: found.adapters } : { unavailable: found.unavailable }), auto }, null, 2));
        return;
      }
      if ('unavailable' in found) console.log(`WebGPU: ${found.unavailable}`);
      else console.log(`WebGPU adapters:\n${found.adapters.map(describe).join('\n')}`);
      console.log(`\nsetBackend('auto') → ${auto.backend}: ${auto.reason}`);
    });
}
