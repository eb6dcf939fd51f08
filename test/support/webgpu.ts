/**
 * The WebGPU half of the test suite and what happens without an adapter:
 * - an adapter exists: the tests run on it;
 * - none, and SPIKEGRAD_REQUIRE_WEBGPU=1 (CI): each WebGPU suite FAILS, saying why there is no adapter;
 * - none otherwise (a user's `npm test` on a machine without a GPU driver): the suites are skipped, and one
 *   line per test run says so.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import * as sg from '../../index.js';
import * as internal from '../../internal.js';
import { REQUIRE_WEBGPU } from './helpers.js';

async function open(): Promise<{ backend: sg.Backend } | { reason: string }> {
  try {
    return { backend: await internal.getBackendInstance('webgpu') };
  } catch (e) {
    return { reason: e instanceof Error ? e.message : String(e) };
  }
}

const opened = await open();

/** The WebGPU backend of this test process, or null when there is no adapter. */
export const gpuBackend: sg.Backend | null = 'backend' in opened ? opened.backend : null;
export const webgpuAvailable = gpuBackend !== null;

/** True for the first test file of this vitest run to ask (test files run in child processes of one runner). */
function firstToWarn(): boolean {
  try {
    writeFileSync(join(tmpdir(), `spikegrad-webgpu-skipped-${process.ppid}`), '', { flag: 'wx' });
    return true;
  } catch {
    return false;
  }
}

if (!gpuBackend && !REQUIRE_WEBGPU && firstToWarn()) {
  console.warn(`spikegrad: WebGPU tests skipped: ${(opened as { reason: string }).reason}. (Set SPIKEGRAD_REQUIRE_WEBGPU=1 to fail instead.)`);
}

/**
 * `describe` for tests that need the WebGPU backend. `body` receives the backend and must use it only inside
 * its tests (`it` callbacks), since it is not called with a backend when the suite is skipped.
 */
export function describeWebGpu(name: string, body: (gpu: sg.Backend) => void): void {
  if (gpuBackend) {
    describe(name, () => body(gpuBackend));
  } else if (REQUIRE_WEBGPU) {
    describe(name, () => {
      it('has a WebGPU adapter (SPIKEGRAD_REQUIRE_WEBGPU=1)', () => {
        throw new Error(`SPIKEGRAD_REQUIRE_WEBGPU=1 but the WebGPU backend is unavailable: ${(opened as { reason: string }).reason}`);
      });
    });
  } else {
    describe.runIf(false)(name, () => body(null as unknown as sg.Backend)); // listed as skipped
  }
}
