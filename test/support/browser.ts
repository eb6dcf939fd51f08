/**
 * Headless Chromium for the browser tests, driven by playwright-core pointed at the system's Chromium (no
 * browser download): /usr/bin/chromium (Debian's package; .ci/run installs it), or $SPIKEGRAD_CHROMIUM.
 * WebGPU comes from Chromium's SwiftShader adapter, so a machine without a GPU runs the WebGPU pages too.
 *
 * Without Chromium: the suites are skipped with one line saying so, unless SPIKEGRAD_REQUIRE_BROWSER=1 (CI),
 * where each suite fails saying why.
 */
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { describe, it } from 'vitest';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';

export const CHROMIUM = [process.env.SPIKEGRAD_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => p && existsSync(p)) ?? null;
export const REQUIRE_BROWSER = process.env.SPIKEGRAD_REQUIRE_BROWSER === '1';

/** The flags of scripts/browser-smoke.mjs: WebGPU on SwiftShader (no --disable-gpu: WebGPU lives in the GPU process), nothing fetched from the network. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-unsafe-swiftshader'];

export async function launch(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM!, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/** A page that collects console errors and uncaught exceptions (the tests require none). */
export async function openPage(browser: Browser, url: string, size = { width: 1300, height: 1400 }): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: size });
  const errors: string[] = [];
  page.on('console', (m: ConsoleMessage) => { if (m.type() === 'error') errors.push(`console.error: ${m.text()}`); });
  page.on('pageerror', (e: Error) => errors.push(`page error: ${e.message}`));
  await page.goto(url);
  return { page, errors };
}

export function urlOf(server: Server, path: string): string {
  const a = server.address();
  if (!a || typeof a !== 'object') throw new Error('server not listening');
  return `http://127.0.0.1:${a.port}${path}`;
}

/** `describe` for suites that need Chromium (see the top of this file). */
export function describeBrowser(name: string, body: () => void): void {
  if (CHROMIUM) describe(name, body);
  else if (REQUIRE_BROWSER) describe(name, () => { it('has Chromium (SPIKEGRAD_REQUIRE_BROWSER=1)', () => { throw new Error('SPIKEGRAD_REQUIRE_BROWSER=1 but no Chromium was found: apt-get install chromium, or set SPIKEGRAD_CHROMIUM'); }); });
  else {
    console.warn('spikegrad: browser tests skipped: no Chromium found (apt-get install chromium; SPIKEGRAD_REQUIRE_BROWSER=1 to fail instead)');
    describe.runIf(false)(name, body);
  }
}
