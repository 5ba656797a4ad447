// gpu-test's own version, as every report names it.

import { readFileSync } from 'node:fs';
import { packageFile } from '../package-files.js';

/** The version in gpu-test's package.json. */
export function readToolVersion(): string {
  const pkg = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
