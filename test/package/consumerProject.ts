/**
 * Throwaway consumer projects of the packed tarball, installed offline: `npm ci --offline` with a lockfile
 * that names the tarball and, for spikegrad's dependencies, the versions and integrity hashes of this
 * repository's package-lock.json (whose `npm ci` put them in npm's cache). So the install is npm's own,
 * from the packed file, and needs no network.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

interface LockEntry { version: string; dependencies?: Record<string, string>; [k: string]: unknown }

/** Packs the repository at `root` (its current dist/) into `dir`; returns the tarball's path. */
export function packTarball(root: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  // --ignore-scripts: a pack script would rebuild dist/ under the other tests' feet.
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return join(dir, (JSON.parse(out) as { filename: string }[])[0]!.filename);
}

/**
 * Writes package.json and package-lock.json for a project in `dir` depending on the tarball alone, then runs
 * `npm ci --offline`. Returns the names of the installed packages.
 */
export function installConsumer(root: string, tarball: string, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  copyFileSync(tarball, join(dir, 'spikegrad.tgz'));
  const repoLock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const pj = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, Record<string, string> | string>;
  const deps = pj.dependencies as Record<string, string>;
  const top: Record<string, string> = { spikegrad: 'file:spikegrad.tgz' };
  const packages: Record<string, unknown> = {
    '': { name: 'spikegrad-consumer', version: '1.0.0', dependencies: top },
    'node_modules/spikegrad': {
      version: pj.version, resolved: 'file:spikegrad.tgz',
      integrity: 'sha512-' + createHash('sha512').update(readFileSync(tarball)).digest('base64'),
      license: pj.license, dependencies: deps, peerDependencies: pj.peerDependencies, peerDependenciesMeta: pj.peerDependenciesMeta,
      bin: pj.bin, engines: pj.engines,
    },
  };
  // The dependency closure, as the repository's lockfile resolved it (hoisted entries, then nested ones).
  const todo = Object.keys(deps);
  while (todo.length) {
    const name = todo.pop()!;
    const key = `node_modules/${name}`;
    if (packages[key]) continue;
    const entry = repoLock.packages[key];
    if (!entry) throw new Error(`${name} is not in package-lock.json at the top level`);
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...rest } = entry;
    packages[key] = rest;
    for (const [k, v] of Object.entries(repoLock.packages)) {
      if (k.startsWith(`${key}/node_modules/`) && !packages[k]) {
        const { dev: _d, devOptional: _o, peer: _p, ...r } = v;
        packages[k] = r;
        todo.push(...Object.keys(v.dependencies ?? {}));
      }
    }
    todo.push(...Object.keys(entry.dependencies ?? {}));
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify(packages[''], null, 2));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: 'spikegrad-consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2));
  execFileSync('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  return readdirSync(join(dir, 'node_modules')).flatMap((n) => (n.startsWith('@') ? readdirSync(join(dir, 'node_modules', n)).map((m) => `${n}/${m}`) : n.startsWith('.') ? [] : [n]));
}
