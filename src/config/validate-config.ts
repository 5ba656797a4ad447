// Checks a parsed gpu-test.config.yaml against the shipped JSON Schema, reporting every problem at once, then adds the
// rules a schema cannot state (suite names unique) and the fixes a pattern cannot word, and converts the values.

import { readFileSync } from 'node:fs';
import { isAlias, isMap, isScalar, isSeq, type Node } from 'yaml';
import { GpuTestError } from '../errors.js';
import { describeNode, describeValue, formatLocation, formatProblems, locateOffset, nodeValue } from './config-problems.js';
import { convertConfig, SUITE_KEYS, TOP_LEVEL_KEYS } from './convert-config.js';
import { MAX_TIMEOUT_MS } from './defaults.js';
import type { LoadedConfig } from './load-config.js';
import { parseByteSize, parseSizeSpec } from './parse-size.js';
import { assertSupported, SchemaChecker, type Schema, type SchemaHints } from './schema-check.js';
import type { SourceLocation, UserConfig } from './types.js';
import { packageFile } from '../package-files.js';

export { SUITE_KEYS, TOP_LEVEL_KEYS };

/** A checked config: the user's values, and where each of `config.suites` (and its `files` key) was written, in order. */
export interface ValidatedConfig {
  readonly config: UserConfig;
  readonly suiteSources: readonly SourceLocation[];
  readonly filesSources: readonly SourceLocation[];
}

// Shipped in the package's schema/ folder, found from the package root whether this runs from src/, dist/ or the bundle.
const SCHEMA_URL = packageFile('schema/gpu-test.config.schema.json');
let schema: Schema | undefined;

/** The config schema, read once from the file editors use too. */
export function configSchema(): Schema {
  if (!schema) {
    const read = JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as Schema;
    assertSupported(read);
    schema = read;
  }
  return schema;
}

const TAG = /^[a-z0-9][a-z0-9_-]*$/;
const VARIABLE = /^[A-Z_][A-Z0-9_]*$/;
const sizeProblem = (problem: { problem: string } | object): string | undefined => ('problem' in problem ? `: ${problem.problem}` : undefined);
const timerHint = (value: unknown): string | undefined =>
  typeof value === 'number' && value > MAX_TIMEOUT_MS ? `; at most ${MAX_TIMEOUT_MS} ms (about 24 days): the longest timer Node.js supports` : undefined;

// The fix for a value of each definition, where the schema's pattern can only say no.
const HINTS: SchemaHints = {
  tag: (value) => (typeof value === 'string' && TAG.test(value.toLowerCase()) ? `; write it in lowercase: \`${value.toLowerCase()}\`` : undefined),
  variable: (value) => {
    const fixed = typeof value === 'string' ? value.toUpperCase().replace(/-/g, '_') : '';
    return VARIABLE.test(fixed) ? `; write it as \`${fixed}\`` : undefined;
  },
  sizeOrShare: (value) => sizeProblem(parseSizeSpec(value)),
  size: (value) => sizeProblem(parseByteSize(value)),
  milliseconds: timerHint,
  millisecondsOrZero: timerHint,
};

interface Located {
  readonly location: SourceLocation;
  readonly text: string;
}

function locate(loaded: LoadedConfig, node: unknown, fallback?: unknown): SourceLocation {
  const target = (node as Node | null)?.range ? node : fallback;
  return locateOffset(loaded.displayPath, loaded.lineCounter, (target as Node | null)?.range?.[0] ?? 0);
}

// Names must be unique: the schema's `uniqueItems` compares whole suites, not one key of each.
function duplicateNames(loaded: LoadedConfig, suites: readonly unknown[]): Located[] {
  const first = new Map<string, { path: string; location: SourceLocation }>();
  const found: Located[] = [];
  suites.forEach((node, index) => {
    const suite = isMap(node) ? node : null;
    const nameNode = suite?.get('name', true);
    const name = nodeValue(nameNode as Node | undefined);
    if (typeof name !== 'string') return;
    const path = `suites[${index}]`;
    const earlier = first.get(name);
    if (!earlier) {
      first.set(name, { path, location: locate(loaded, node) });
      return;
    }
    const text = `\`${path}.name\` must be unique, got ${describeValue(name)}, already the name of \`${earlier.path}\` at ${formatLocation(earlier.location)}; rename one of them`;
    found.push({ location: locate(loaded, nameNode, node), text });
  });
  return found;
}

/**
 * The UserConfig a parsed config file describes, with where each suite and its `files` were written.
 * Throws GpuTestError `CONFIG_INVALID` listing every problem as `file:line:column: what, expected, got`.
 */
export function validateConfig(loaded: LoadedConfig): ValidatedConfig {
  const { document } = loaded;
  const contents = document.contents;
  // An empty file, one of comments only, or a bare `~` is a valid config: every default applies.
  if (contents === null || (isScalar(contents) && contents.value === null)) return { config: {}, suiteSources: [], filesSources: [] };
  const problems: Located[] = [];
  if (!isMap(contents)) {
    const text = `the config must be a mapping of keys such as \`suites:\` and \`gates:\`, got ${describeNode(contents)}`;
    problems.push({ location: locate(loaded, contents), text });
  } else {
    for (const problem of new SchemaChecker(configSchema(), document, HINTS).check(contents)) {
      problems.push({ location: locate(loaded, problem.node, problem.fallback), text: problem.text });
    }
  }
  const resolve = (node: unknown): unknown => (isAlias(node) ? node.resolve(document) : node);
  const suitesNode = resolve(isMap(contents) ? contents.get('suites', true) : null);
  const suites = isSeq(suitesNode) ? suitesNode.items.map((item) => resolve(item)).map((item) => (isMap(item) ? item : null)) : [];
  problems.push(...duplicateNames(loaded, suites));
  if (problems.length > 0) {
    const sorted = problems.sort((a, b) => a.location.line - b.location.line || a.location.column - b.location.column);
    const lines = sorted.map((problem) => `${formatLocation(problem.location)}: ${problem.text}`);
    throw new GpuTestError('CONFIG_INVALID', formatProblems(loaded.displayPath, lines));
  }
  return {
    config: convertConfig(document.toJS() as Record<string, unknown>),
    suiteSources: suites.map((suite) => locate(loaded, suite)),
    filesSources: suites.map((suite) => locate(loaded, suite?.items.find((pair) => nodeValue(pair.key as Node) === 'files')?.key, suite)),
  };
}
