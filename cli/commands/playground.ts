/**
 * `spikegrad playground`: serves the playground (dist/playground/, built from examples/playground/) on a
 * local port until Ctrl-C. The folder is a static site: copy it to any web server to deploy it.
 * Only files inside the folder are served, read-only, with their content types; nothing else is reachable.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, type Command } from 'commander';
import { SpikegradError } from '../../engine/errors.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.map': 'application/json',
  '.css': 'text/css', '.safetensors': 'application/octet-stream', '.png': 'image/png', '.svg': 'image/svg+xml',
};

/** dist/playground/ next to the built CLI (dist/cli.js, or a chunk below it), or from the sources' checkout. */
export function playgroundDir(): string {
  for (const rel of ['./playground/', '../playground/', '../../dist/playground/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  throw new SpikegradError('playground: dist/playground/ was not found; run `npm run build` first');
}

/** Serves `dir` on host:port (port 0: any free port); resolves once listening. */
export async function servePlayground(dir: string, opts: { port: number; host: string }): Promise<Server> {
  const root = normalize(dir.endsWith(sep) ? dir : dir + sep);
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405).end(); return; }
      let path: string;
      try {
        path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      } catch {
        res.writeHead(400).end(); return;
      }
      const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
      if (!file.startsWith(root)) { res.writeHead(403).end(); return; }
      try {
        if (!(await stat(file)).isFile()) throw new Error('not a file');
        const body = await readFile(file);
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
        res.end(req.method === 'HEAD' ? undefined : body);
      } catch {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new SpikegradError(`playground: cannot listen on ${opts.host}:${opts.port}: ${e.code === 'EADDRINUSE' ? 'the port is in use (choose another with --port)' : e.message}`)));
    server.listen(opts.port, opts.host, () => resolve());
  });
  return server;
}

function portArg(v: string): number {
  const n = Number(v);
  if (!(Number.isInteger(n) && n >= 0 && n <= 65535)) throw new InvalidArgumentError(`--port expected an integer in [0, 65535], got '${v}'`);
  return n;
}

export function register(program: Command): void {
  program
    .command('playground')
    .description('serve the live training playground (a static site: dist/playground/) on a local port')
    .option('--port <n>', 'port (0: any free port)', portArg, 8620)
    .option('--host <host>', "interface to listen on ('0.0.0.0' to reach it from other machines)", '127.0.0.1')
    .action(async (opts: { port: number; host: string }) => {
      const dir = playgroundDir();
      const server = await servePlayground(dir, opts);
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : opts.port;
      console.log(`spikegrad playground: http://${opts.host === '0.0.0.0' ? 'localhost' : opts.host}:${port}/  (serving ${dir}; Ctrl-C stops)`);
      await new Promise<void>((resolve) => {
        const stop = () => { server.close(); resolve(); };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
