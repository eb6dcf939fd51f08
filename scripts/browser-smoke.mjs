// Opens examples/browser/ in headless Chromium (when one is installed) and checks that the browser bundle
// trains there: the page, opened with ?report, posts its title ("OK <backend> <first loss>" or "ERROR") and
// its log back to this script's server. Usage, after `npm run build`:
//   node scripts/browser-smoke.mjs [--backend cpu|webgpu|auto] [--chromium /usr/bin/chromium]
// WebGPU in headless Chromium without a GPU comes from its SwiftShader adapter (the flags below). Not part of
// `npm test`: CI has no browser. Exit code 0 = the page trained on the backend asked for, 1 = it did not,
// 2 = no Chromium.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (n, d) => { const i = process.argv.indexOf(`--${n}`); return i > 0 ? process.argv[i + 1] : d; };
const backend = arg('backend', 'cpu');
const chromium = arg('chromium', ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find(existsSync));
if (!chromium) { console.error('browser-smoke: no Chromium found (apt-get install chromium)'); process.exit(2); }
if (!existsSync(join(root, 'dist/spikegrad.browser.js'))) { console.error('browser-smoke: run `npm run build` first'); process.exit(1); }

const TIMEOUT_MS = 120_000;
const profile = mkdtempSync(join(tmpdir(), 'sg-chromium-'));
let browser, finished = false;
/** Reports once, then stops Chromium and removes its profile after it has exited (it writes until then). */
const finish = (code, message) => {
  if (finished) return;
  finished = true;
  console.log(message);
  server.close();
  const done = () => {
    try { rmSync(profile, { recursive: true, force: true, maxRetries: 3 }); } catch { /* a temp dir left behind */ }
    process.exit(code);
  };
  if (!browser || browser.exitCode !== null) return done();
  browser.once('exit', done);
  browser.kill('SIGKILL');
};

const types = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' };
const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/__report') {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      res.end();
      const [title, ...log] = body.split('\n');
      const ok = title.startsWith(`OK ${backend === 'auto' ? '' : backend}`);
      finish(ok ? 0 : 1, `browser-smoke: ${title}\n${log.join('\n').trim()}`);
    });
    return;
  }
  const path = normalize(join(root, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
  const file = path.endsWith('/') ? join(path, 'index.html') : path;
  if (!file.startsWith(root) || !existsSync(file)) { res.writeHead(404).end(); return; }
  res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
}).listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));

const url = `http://127.0.0.1:${server.address().port}/examples/browser/?backend=${backend}&report`;
// No --disable-gpu: WebGPU lives in the GPU process; without a GPU Chromium gives it SwiftShader.
const flags = ['--headless=new', '--no-sandbox', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader',
  '--enable-unsafe-swiftshader', `--user-data-dir=${profile}`, url];
browser = spawn(chromium, flags, { stdio: 'ignore' });
browser.on('exit', (code) => finish(1, `browser-smoke: Chromium exited (${code}) before the page reported`));
setTimeout(() => finish(1, `browser-smoke: no report from the page within ${TIMEOUT_MS / 1000} s`), TIMEOUT_MS).unref();
