/** `spikegrad devices`: lists the adapters (or says why there are none) and the 'auto' decision. */
import { Command } from 'commander';
import { expect, it, vi } from 'vitest';
import { register } from '../../cli/commands/devices.js';
import { webgpuAvailable } from '../support/webgpu.js';

async function runDevices(args: string[]): Promise<string> {
  const program = new Command();
  register(program);
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { lines.push(a.join(' ')); });
  try {
    await program.parseAsync(['node', 'spikegrad', 'devices', ...args]);
  } finally {
    spy.mockRestore();
  }
  return lines.join('\n');
}

it('spikegrad devices --json reports each adapter with its limits, and what auto chooses', async () => {
  const out = JSON.parse(await runDevices(['--json'])) as {
    adapters?: { description: string; software: boolean; fallback: boolean; limits: Record<string, number> }[];
    unavailable?: string;
    auto: { backend: string; reason: string };
  };
  expect(['cpu', 'webgpu']).toContain(out.auto.backend);
  if (!webgpuAvailable) {
    expect(out.unavailable).toMatch(/no WebGPU adapter/);
    return;
  }
  expect(out.adapters!.length).toBeGreaterThan(0);
  for (const a of out.adapters!) {
    expect(a.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    expect(a.limits.maxComputeWorkgroupsPerDimension).toBeGreaterThanOrEqual(65535);
  }
  expect(out.auto.backend).toBe(out.adapters!.every((a) => a.software) ? 'cpu' : 'webgpu');
});

it('spikegrad devices prints a readable list', async () => {
  const text = await runDevices([]);
  expect(text).toMatch(/setBackend\('auto'\) → (cpu|webgpu): /);
  if (webgpuAvailable) expect(text).toMatch(/^WebGPU adapters:\n1\. .+\[(hardware|software|fallback)/);
});
