/** `spikegrad surrogates`: the catalog table and the 18-panel plot. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { catalogRows, formatCatalog, register, surrogatePlotSpec } from '../../cli/commands/surrogates.js';
import { renderSvg } from '../../cli/plot.js';

const dir = mkdtempSync(join(tmpdir(), 'spikegrad-surrogates-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('spikegrad surrogates', () => {
  it('lists the 18 with parameters and σ\' at −1, 0, +1', () => {
    const rows = catalogRows();
    expect(rows).toHaveLength(18);
    const relu = rows.find((r) => r.name === 'ReluGrad')!;
    expect(relu).toEqual({ name: 'ReluGrad', params: 'alpha=0.3, width=1', gradAtMinus1: 0, gradAt0: 0.3, gradAtPlus1: 0, fun: false });
    const table = formatCatalog(rows).split('\n');
    expect(table).toHaveLength(20);
    expect(table[2]).toMatch(/^Sigmoid\s+alpha=4\s+0\.0706508\s+1\s+0\.0706508\s+yes$/);
    expect(table.find((l) => l.startsWith('SquarewaveFourierSeries'))).toMatch(/n=2, tPeriod=8\s+0\s+1\s+0\s+yes$/);
  });

  it('plots 18 labelled panels, the smooth function only where it exists', async () => {
    const spec = surrogatePlotSpec(3, 61);
    const rows = (spec.data as { values: { panel: string; curve: string }[] }).values;
    const panels = new Set(rows.map((r) => r.panel));
    expect(panels.size).toBe(18);
    expect(new Set(rows.filter((r) => r.curve.startsWith('σ(x)')).map((r) => r.panel)).size).toBe(13);
    const svg = await renderSvg(spec);
    for (const name of ['Sigmoid', 'SquarewaveFourierSeries', 'MultiGaussianGrad', 'SlayerGrad']) expect(svg).toContain(`>${name}<`);
    expect(svg).toContain('α=0.3, width=1');
  });

  it('writes a PNG through the command line', async () => {
    const program = new Command().exitOverride();
    register(program);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const file = join(dir, 'surrogates.png');
    await program.parseAsync(['node', 'spikegrad', 'surrogates', '--plot', file]);
    const png = readFileSync(file);
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBeGreaterThan(2000); // width in pixels (2× zoom)
    await expect(program.parseAsync(['node', 'spikegrad', 'surrogates', '--plot', join(dir, 'x.pdf')])).rejects.toThrow(/ending in .svg or .png/);
    log.mockRestore();
  });
});
