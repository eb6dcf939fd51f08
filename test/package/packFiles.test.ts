/**
 * What `npm pack` puts in the tarball: what users need and nothing else. Fails when a build change ships source
 * maps or the benchmark's peer tooling (it imports devDependencies), when a README link or a runtime message
 * names a file the package does not hold, or when package.json points at a file that is not packed.
 * Packs the dist/ that `npm run build` (also run before `npm test`) made.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface PackEntry { path: string; size: number }
let files: PackEntry[] = [];
let paths = new Set<string>();

beforeAll(() => {
  if (!existsSync(join(root, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  // --ignore-scripts: a pack script would rebuild dist/ under the other tests' feet.
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  files = (JSON.parse(out) as { files: PackEntry[] }[])[0]!.files;
  paths = new Set(files.map((f) => f.path));
}, 60_000);

describe('the packed file list', () => {
  it('holds the library, the CLI, the declarations and the documents the README links, nothing else', () => {
    // What may ship: the builds, the declarations, the license and documents, the examples the README shows.
    const allowed = [
      /^(LICENSE|README\.md|package\.json)$/, /^bin\/spikegrad\.js$/, /^[a-z]+\/README\.md$/, /^bench\/RESULTS\.md$/, /^docs\/(?!api\/)[\w./-]+\.(md|png)$/,
      /^examples\/[\w./-]+\.(ts|html|safetensors)$/, /^dist\/playground\/[\w.-]+\.(html|js|safetensors)$/, /^dist\/(index|units|internal|cli)\.(js|cjs)$/, /^dist\/(spikegrad|units)\.browser\.js$/,
      /^dist\/(browser-)?chunks\/[\w-]+\.js$/, /^dist\/types\/[\w./-]+\.d\.ts$/,
    ];
    const stray = [...paths].filter((p) => !allowed.some((re) => re.test(p)));
    expect(stray, 'files outside what users need').toEqual([]);
    for (const p of paths) {
      expect(p, 'no source maps (they embedded the sources)').not.toMatch(/\.map$/);
      expect(p, 'no benchmark peer tooling (it imports devDependencies)').not.toMatch(/peers/);
    }
    for (const need of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.cjs', 'dist/units.js', 'dist/units.cjs', 'dist/internal.js',
      'dist/cli.js', 'bin/spikegrad.js', 'dist/spikegrad.browser.js', 'dist/units.browser.js', 'dist/types/index.d.ts', 'dist/types/units/index.d.ts', 'bench/RESULTS.md']) {
      expect(paths, need).toContain(need);
    }
  });

  it('the MIT license and the metadata a registry page shows', () => {
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
    const pj = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pj.license).toBe('MIT');
    expect(pj.keywords).toEqual(expect.arrayContaining(['spiking-neural-networks', 'webgpu']));
    expect(typeof pj.description).toBe('string');
  });

  it("every file package.json points at (main, types, exports, bin) is packed", () => {
    const pj = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
    const targets: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') targets.push(v);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk([pj.main, pj.module, pj.types, pj.exports, pj.bin]);
    expect(targets.length).toBeGreaterThan(8);
    for (const t of targets) expect(paths, `package.json names ${t}`).toContain(t.replace(/^\.\//, ''));
  });

  it("every relative link of the packed Markdown files names a packed file", () => {
    const missing: string[] = [];
    for (const md of [...paths].filter((p) => p.endsWith('.md'))) {
      const dir = md.includes('/') ? md.slice(0, md.lastIndexOf('/') + 1) : '';
      for (const m of readFileSync(join(root, md), 'utf8').matchAll(/\]\(([^)\s#]+)(#[^)]*)?\)/g)) {
        const href = m[1]!;
        if (/^[a-z]+:/i.test(href)) continue; // absolute URL
        const target = join(dir, href).replace(/\\/g, '/').replace(/\/$/, '');
        if (!paths.has(target) && ![...paths].some((p) => p.startsWith(target + '/'))) missing.push(`${md}: ${href}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('no message in the shipped code names a repository file that is not packed', () => {
    const named = new Set<string>();
    for (const p of [...paths].filter((q) => q.endsWith('.js') || q.endsWith('.cjs'))) {
      // Comments are not messages (esbuild heads each bundled module with a `// path/of/source.ts` line).
      const code = readFileSync(join(root, p), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/ .*$/gm, '');
      for (const m of code.matchAll(/\b((?:bench|docs|examples|nn|surrogate|cli)\/[\w./-]*\.(?:md|png|ts|html))\b/g)) named.add(m[1]!);
    }
    expect(named.size, 'the check found the references it looks for').toBeGreaterThan(0);
    expect([...named].filter((f) => !paths.has(f))).toEqual([]);
  });
});
