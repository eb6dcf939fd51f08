/**
 * `spikegrad playground`'s server: it serves the site's files with their content types, answers 404 for
 * what is not there and never serves a file outside the folder (encoded ../ included).
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { servePlayground } from '../../cli/commands/playground.js';

/** A raw GET (no URL normalisation by a client library), returning status, content type and body. */
function get(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += String(c); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

it('serves the folder, and nothing outside it', async () => {
  const top = mkdtempSync(join(tmpdir(), 'sg-pg-'));
  const site = join(top, 'site');
  mkdirSync(site);
  writeFileSync(join(site, 'index.html'), '<p>hi</p>');
  writeFileSync(join(site, 'main.js'), 'export {};');
  writeFileSync(join(top, 'secret.txt'), 'no');
  const server = await servePlayground(site, { port: 0, host: '127.0.0.1' });
  try {
    const port = (server.address() as { port: number }).port;
    expect(await get(port, '/')).toEqual({ status: 200, type: 'text/html; charset=utf-8', body: '<p>hi</p>' });
    expect(await get(port, '/main.js?x=1')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8', body: 'export {};' });
    expect((await get(port, '/nope.js')).status).toBe(404);
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt']) {
      const r = await get(port, p);
      expect(r.body, p).not.toBe('no');
      expect([403, 404], p).toContain(r.status);
    }
    await expect(servePlayground(site, { port, host: '127.0.0.1' })).rejects.toThrow(/playground: cannot listen on 127.0.0.1:\d+: the port is in use \(choose another with --port\)/);
  } finally {
    server.close();
  }
});
