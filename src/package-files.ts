// Where gpu-test's own files are. Found from this module's location by walking up to the package.json, so the answer
// is the same from the compiled modules in dist/, from the command line's single bundle (dist/bundle/), from src/
// under a TypeScript loader, and wherever npm installed the package.

import { existsSync } from 'node:fs';

function findPackageRoot(start: URL): URL {
  for (let dir = new URL('.', start); ; dir = new URL('..', dir)) {
    if (existsSync(new URL('package.json', dir))) return dir;
    if (dir.pathname === '/') throw new Error(`gpu-test cannot find its package.json above ${start.href}`);
  }
}

const PACKAGE_ROOT = findPackageRoot(new URL(import.meta.url));

/** The URL of `relative` (a path with `/`) inside gpu-test's package, e.g. `dist/bundle/child/preload.js`. */
export function packageFile(relative: string): URL {
  return new URL(relative, PACKAGE_ROOT);
}
