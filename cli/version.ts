import { createRequire } from 'node:module';

/** The package version, read from package.json (works from dist/ and from the sources). */
export const version: string = (() => {
  const require = createRequire(import.meta.url);
  for (const p of ['../package.json', '../../package.json']) {
    try {
      return (require(p) as { version: string }).version;
    } catch { /* try the next layout */ }
  }
  return '0.0.0';
})();
