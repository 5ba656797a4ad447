#!/usr/bin/env node
// Entry point of the `gpu-test` command: runs the bundled CLI (scripts/bundle-cli.mjs) with V8's code cache
// (src/cli/code-cache.ts). A `run` that found no usable cache leaves one for the next, with every function it compiled.
import { fileURLToPath } from 'node:url';
import { loadCachedBundle } from '../dist/cli/code-cache.js';
import { provideImport } from '../dist/import-esm.js';

// The bundle loads ES-only packages (execa) through this module's import().
provideImport((specifier) => import(specifier));
const bundle = loadCachedBundle(fileURLToPath(new URL('../dist/bundle/cli.cjs', import.meta.url)));
if (bundle.cache !== 'accepted' && process.argv[2] === 'run') process.once('exit', () => bundle.save());
await bundle.exports.main(process.argv.slice(2));
