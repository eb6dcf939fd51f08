#!/usr/bin/env node
// The `spikegrad` command. It runs the built CLI (dist/cli.js). In a development checkout that has not been
// built yet (a fresh clone after `npm install`, which runs no install script of this package), it builds dist/
// first, so `npm install && npx spikegrad compare` works without a `prepare` script, which npm 11 lists among a
// dependency's install scripts on every user's install.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
if (!existsSync(cli)) {
  const build = fileURLToPath(new URL('../scripts/build.mjs', import.meta.url));
  if (!existsSync(build)) {
    console.error(`spikegrad: ${cli} is missing from this installation; reinstall the package (npm install spikegrad)`);
    process.exit(1);
  }
  console.error('spikegrad: building dist/ first (a development checkout without a build; `npm run build` does the same)');
  execFileSync(process.execPath, [build], { stdio: 'inherit' });
}
await import(pathToFileURL(cli).href);
