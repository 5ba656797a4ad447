#!/usr/bin/env node
// Prints which pipeline stage of src/ imports which (the import graph between folders) and every import that goes
// against the pipeline's direction. `npm run deps`; test/architecture/dependency-direction.test.ts fails on a violation.
//
// The direction: config -> plan -> schedule -> execute -> results <- report. results imports only units, units
// nothing; probe is below execute and measure; the pipeline (the library entry) ties the stages; nothing imports the CLI.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What each stage may import, besides itself. A stage not listed here may import nothing of src/. */
export const ALLOWED = {
  results: ['units'],
  units: [],
  errors: [],
  // Where the package's own files are (the preload test processes load, package.json, the config schema): a leaf,
  // like errors.
  'package-files': [],
  // How ES-only packages (execa) are imported from the command line's bundle, which has no import() of its own: a leaf.
  'import-esm': [],
  // package-files: the config's JSON Schema ships in the package (schema/), read where the package is installed.
  config: ['results', 'units', 'errors', 'package-files'],
  plan: ['config', 'results', 'units', 'errors'],
  schedule: ['plan', 'config', 'results', 'units', 'errors'],
  probe: ['config', 'results', 'units', 'errors', 'import-esm'],
  measure: ['probe', 'config', 'results', 'units', 'errors'],
  execute: ['schedule', 'plan', 'config', 'probe', 'measure', 'results', 'units', 'errors', 'package-files', 'import-esm'],
  // errors: a report directory that cannot be written is an error the user fixes, like any other.
  report: ['results', 'units', 'errors'],
  api: ['execute', 'results', 'units'],
  // Earlier runs read back (merge, compare, trend, --baseline): results.json into the result model, and the config's
  // reader of results files and thresholds. Below the pipeline and the CLI; nothing of the run imports it.
  history: ['config', 'results', 'units', 'errors'],
  // The whole pipeline as a library call: every stage but the reports and the CLI.
  pipeline: ['config', 'plan', 'schedule', 'execute', 'probe', 'measure', 'history', 'results', 'units', 'errors', 'package-files'],
  // The package's entry point re-exports the public API, wherever it lives.
  index: ['api', 'pipeline', 'config', 'plan', 'schedule', 'execute', 'probe', 'measure', 'history', 'results', 'units', 'errors', 'package-files'],
  cli: ['pipeline', 'config', 'plan', 'schedule', 'execute', 'probe', 'measure', 'history', 'report', 'results', 'units', 'errors', 'package-files'],
};

/** The stage a file under src/ belongs to: its top folder, or its name for a top-level file. */
export function stageOf(srcRelative) {
  const [top, ...rest] = srcRelative.split('/');
  if (rest.length === 0) return top.replace(/\.ts$/, '');
  return top;
}

function listTs(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listTs(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

// `import … from './x.js'`, `export … from '../y.js'`, `import('./z.js')`: the relative specifiers of a module.
const SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

/** Every import between files of `srcDir`: { from, to } as src-relative paths with `/`. */
export function readImports(srcDir) {
  const edges = [];
  for (const file of listTs(srcDir)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(SPECIFIER)) {
      const target = resolve(dirname(file), match[1]).replace(/\.js$/, '.ts');
      edges.push({ from: relative(srcDir, file).split(sep).join('/'), to: relative(srcDir, target).split(sep).join('/') });
    }
  }
  return edges;
}

/** The imports between stages that the direction forbids, as `from -> to` lines. */
export function findViolations(edges) {
  return edges.flatMap(({ from, to }) => {
    const a = stageOf(from);
    const b = stageOf(to);
    if (a === b) return [];
    return (ALLOWED[a] ?? []).includes(b) ? [] : [`${from} -> ${to} (${a} may not import ${b})`];
  });
}

/** Stage -> stage import counts, as printable lines. */
export function summarize(edges) {
  const counts = new Map();
  for (const { from, to } of edges) {
    const a = stageOf(from);
    const b = stageOf(to);
    if (a === b) continue;
    counts.set(`${a} -> ${b}`, (counts.get(`${a} -> ${b}`) ?? 0) + 1);
  }
  return [...counts].sort(([x], [y]) => x.localeCompare(y)).map(([edge, n]) => `${edge.padEnd(28)} ${n}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const src = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');
  const edges = readImports(src);
  const violations = findViolations(edges);
  process.stdout.write(`Imports between stages of src/ (stage -> stage, number of imports):\n${summarize(edges).join('\n')}\n`);
  process.stdout.write(violations.length === 0 ? '\nNo import goes against the pipeline.\n' : `\n${violations.length} import(s) against the pipeline:\n${violations.join('\n')}\n`);
  process.exitCode = violations.length === 0 ? 0 : 1;
}
