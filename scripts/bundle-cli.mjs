#!/usr/bin/env node
// Bundles the command line (src/cli.ts and everything it imports, its JavaScript dependencies too) into
// dist/bundle/cli.cjs, which bin/gpu-test.js runs. Node 20 resolves and compiles each ES module on its own: the ~200
// modules of the harness and its dependencies took ~120 ms of CPU at every start, one bundle ~30 ms
// (docs/dependencies.md), one bundle with V8's code cache less again (src/cli/code-cache.ts). Every test process loads
// the preload and the reporter: they get a bundle of their own in dist/bundle/child/ (a few files instead of ~15
// modules), NVML in a chunk that only a GPU file's process imports.

import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bundle`;
rmSync(outdir, { recursive: true, force: true });
// ES modules for Node 20, with chunks for what only some paths import.
const NODE_ESM = { bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20', sourcemap: 'linked', logLevel: 'warning' };
// The command line: one CommonJS file, which bin/gpu-test.js runs with V8's code cache (src/cli/code-cache.ts): Node 20
// caches no ES module. What only some paths use stays behind import() inside it, evaluated when first needed.
const cli = await build({
  bundle: true, format: 'cjs', metafile: true, platform: 'node', target: 'node20', sourcemap: 'linked', logLevel: 'warning',
  entryPoints: { cli: `${root}src/cli.ts` },
  outExtension: { '.js': '.cjs' },
  outdir,
  // koffi is a native addon; tsx is only resolved (the loader TypeScript test files get); the others load on rare
  // paths (no NVML, no /proc) and are kept out of the bundle as npm installed them.
  external: ['koffi', 'tsx', 'execa', 'pidusage', 'node-nvidia-smi'],
  // CommonJS has no import.meta: the bundle's own URL, and resolution from it (tsx's entry is the same either way).
  define: { 'import.meta.url': 'bundleUrl', 'import.meta.resolve': 'resolveFromBundle' },
  banner: {
    js: "const bundleUrl = require('node:url').pathToFileURL(__filename).href;\n" +
      "const resolveFromBundle = (specifier) => require('node:url').pathToFileURL(require.resolve(specifier)).href;",
  },
});
// It runs through node:vm, where import() fails once the code cache is used (Node 20): not one may be left in it.
const dynamicImports = Object.values(cli.metafile.outputs).flatMap((output) => output.imports.filter((entry) => entry.kind === 'dynamic-import'));
if (dynamicImports.length > 0) {
  throw new Error(`dist/bundle/cli.cjs keeps import() of ${dynamicImports.map((entry) => entry.path).join(', ')}: require it, or load it with importEsm() (src/import-esm.ts)`);
}
await build({
  ...NODE_ESM,
  entryPoints: {
    preload: `${root}src/execute/child/preload.ts`,
    reporter: `${root}src/execute/child/reporter.ts`,
    // Under --repeat the preload registers the resolve hook, which hands test files the repeating node:test: both are
    // found by their URLs beside the preload's.
    'repeat-hooks': `${root}src/execute/child/repeat-hooks.ts`,
    'repeat-node-test': `${root}src/execute/child/repeat-node-test.ts`,
    // Under --test-timeout, the same for the node:test whose tests get a default timeout (its URL carries the ms).
    'test-timeout': `${root}src/execute/child/test-timeout.ts`,
    'test-timeout-hooks': `${root}src/execute/child/test-timeout-hooks.ts`,
    'test-timeout-node-test': `${root}src/execute/child/test-timeout-node-test.ts`,
  },
  outdir: `${outdir}/child`,
  external: ['koffi'],
});
