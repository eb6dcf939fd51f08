// Opens examples/browser/ in headless Chromium (when one is installed) and checks that the browser bundle
// trains: the page sets its title to "OK <backend> <first loss>". Usage, after `npm run build`:
//   node scripts/browser-smoke.mjs [--backend cpu|webgpu|auto] [--chromium /usr/bin/chromium]
// Not part of `npm test`: CI has no browser. Exit code 0 = the page trained, 1 = it did not, 2 = no Chromium.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (n, d) => { const i = process.argv.indexOf(`--${n}`); return i > 0 ? process.argv[i + 1] : d; };
const chromium = arg('chromium', ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find(existsSync));
if (!chromium) { console.error('browser-smoke: no Chromium found (apt-get install chromium)'); process.exit(2); }
if (!existsSync(join(root, 'dist/spikegrad.browser.js'))) { console.error('browser-smoke: run `npm run build` first'); process.exit(1); }

const types = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' };
const server = createServer((req, res) => {
  const path = normalize(join(root, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
  const file = path.endsWith('/') ? join(path, 'index.html') : path;
  if (!file.startsWith(root) || !existsSync(file)) { res.writeHead(404).end(); return; }
  res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
}).listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const url = `http://127.0.0.1:${server.address().port}/examples/browser/?backend=${arg('backend', 'cpu')}`;
const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', `--user-data-dir=${mkdtempSync(join(tmpdir(), 'sg-chromium-'))}`,
  '--enable-unsafe-webgpu', '--virtual-time-budget=60000', '--dump-dom', url];
execFile(chromium, flags, { timeout: 120_000 }, (err, stdout) => {
  server.close();
  const title = /<title>([^<]*)<\/title>/.exec(stdout ?? '')?.[1] ?? '';
  const text = /<pre id="out">([^<]*)/.exec(stdout ?? '')?.[1] ?? '';
  console.log(`browser-smoke: ${title || '(no title)'}\n${text.trim()}`);
  process.exit(!err && title.startsWith('OK') ? 0 : 1);
});
