// gpu-test's own version, as every report names it.

import { readFileSync } from 'node:fs';

/** The version in gpu-test's package.json. */
export function readToolVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
