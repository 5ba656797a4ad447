// Turns a parsed gpu-test.config.yaml into a UserConfig, checking every key and reporting every problem at once.

import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { GpuTestError } from '../errors.js';
import { checkGlob, checkTag, ConfigChecker, TAG_PATTERN, VARIABLE_PATTERN, type ItemCheck, type MapEntry } from './config-checker.js';
import { closestName, describeNode, describeValue, formatLocation, formatProblems, nodeValue } from './config-problems.js';
import type { LoadedConfig } from './load-config.js';
import { readBudgets } from './read-budgets.js';
import { readCompare, readRetries, readRetryOn, readShard } from './read-ci.js';
import { readHooks } from './read-hooks.js';
import { readLeakThreshold } from './read-leak-threshold.js';
import { readAdmission, readBalance, readGuard, readRequires } from './read-needs.js';
import { LEAK_MODES, REPORTER_NAMES, type ReporterName, type SourceLocation, type UserConfig, type UserSuite } from './types.js';

/** A checked config: the user's values, and where each of `config.suites` (and its `files` key) was written, in order. */
export interface ValidatedConfig {
  readonly config: UserConfig;
  readonly suiteSources: readonly SourceLocation[];
  readonly filesSources: readonly SourceLocation[];
}

const TAGS_EXPECTED = 'a list of tag names such as `[gpu, flux]`';
const GLOBS_EXPECTED = 'a list of globs such as `["test/**/*.test.ts"]`';

const checkReporter: ItemCheck = (checker, node, path) => {
  const value = nodeValue(checker.resolve(node) as Node | null);
  if (typeof value === 'string' && REPORTER_NAMES.includes(value as ReporterName)) return value;
  const suggestion = typeof value === 'string' ? closestName(value, REPORTER_NAMES) : undefined;
  const names = REPORTER_NAMES.map((name) => `\`${name}\``).join(', ');
  checker.expect(node, path, `one of ${names}`, suggestion ? `; did you mean \`${suggestion}\`?` : '');
  return undefined;
};

function readGates(checker: ConfigChecker, entry: MapEntry): Record<string, string> | undefined {
  const map = checker.resolve(entry.value);
  if (!isMap(map)) {
    checker.expect(entry.value, entry.path, 'a mapping of tag to environment variable such as `{ flux: ENABLE_FLUX_TESTS }`', '', entry.keyNode);
    return undefined;
  }
  const gates: Record<string, string> = {};
  let good = true;
  for (const pair of map.items) {
    const key = nodeValue(checker.resolve(pair.key) as Node | null);
    if (typeof key !== 'string' || !TAG_PATTERN.test(key)) {
      good = false;
      const hint = typeof key === 'string' && TAG_PATTERN.test(key.toLowerCase()) ? `; write it in lowercase: \`${key.toLowerCase()}\`` : '';
      const expected = 'tag names of lowercase letters, digits, `-` and `_` such as `flux`';
      checker.report(pair.key, `keys of \`${entry.path}\` must be ${expected}, got ${describeValue(key)}${hint}`, pair.value);
      continue;
    }
    const tag = key;
    const path = `${entry.path}.${tag}`;
    const variable = nodeValue(checker.resolve(pair.value) as Node | null);
    if (typeof variable === 'string' && VARIABLE_PATTERN.test(variable)) {
      gates[tag] = variable;
      continue;
    }
    good = false;
    const hint =
      typeof variable === 'string' && VARIABLE_PATTERN.test(variable.toUpperCase().replace(/-/g, '_'))
        ? `; write it as \`${variable.toUpperCase().replace(/-/g, '_')}\``
        : '';
    checker.expect(pair.value, path, 'an environment variable name of uppercase letters, digits and `_` such as `ENABLE_FLUX_TESTS`', hint, pair.key);
  }
  return good ? gates : undefined;
}

type SuiteReader = (checker: ConfigChecker, entry: MapEntry, suite: UserSuite) => void;

// Typed by UserSuite's keys, so a key added to the type cannot be forgotten here; the order is the one messages list.
const SUITE_READERS: { readonly [K in keyof Required<UserSuite>]: SuiteReader } = {
  name: (checker, entry, suite) => { suite.name = checker.text(entry, 'unit'); },
  files: (checker, entry, suite) => {
    suite.files = checker.list(entry, checkGlob, GLOBS_EXPECTED, 'a list of at least one glob such as `["test/**/*.test.ts"]`');
  },
  allowEmpty: (checker, entry, suite) => { suite.allowEmpty = checker.flag(entry); },
  tags: (checker, entry, suite) => { suite.tags = checker.list(entry, checkTag, TAGS_EXPECTED); },
  timeout: (checker, entry, suite) => { suite.timeout = checker.milliseconds(entry); },
  repeat: (checker, entry, suite) => { suite.repeat = checker.wholeNumber(entry, 10); },
  leakThreshold: (checker, entry, suite) => { suite.leakThreshold = readLeakThreshold(checker, entry); },
  leakRepeatMax: (checker, entry, suite) => { suite.leakRepeatMax = checker.wholeNumber(entry, 40); },
  requires: (checker, entry, suite) => { suite.requires = readRequires(checker, entry); },
  hooks: (checker, entry, suite) => { suite.hooks = readHooks(checker, entry); },
  budgets: (checker, entry, suite) => { suite.budgets = readBudgets(checker, entry); },
  retries: (checker, entry, suite) => { suite.retries = readRetries(checker, entry); },
  retryOn: (checker, entry, suite) => { suite.retryOn = readRetryOn(checker, entry); },
  compare: (checker, entry, suite) => { suite.compare = readCompare(checker, entry, true); },
};

interface SuiteRead {
  readonly suite: UserSuite;
  readonly source: SourceLocation;
  readonly filesSource: SourceLocation;
}

function readSuite(checker: ConfigChecker, node: unknown, path: string): SuiteRead | undefined {
  const expected = 'a mapping with `name` and `files` such as `{ name: unit, files: ["test/**/*.test.ts"] }`';
  const problemsBefore = checker.count;
  const entries = checker.entries(node, path, Object.keys(SUITE_READERS), expected, 'suite');
  if (!entries) return undefined;
  const suite: UserSuite = {};
  for (const entry of entries) SUITE_READERS[entry.key as keyof UserSuite](checker, entry, suite);
  const has = (key: string): boolean => entries.some((entry) => entry.key === key);
  if (!has('name')) checker.report(node, `\`${path}\` has no \`name\`; give it one such as \`name: unit\``);
  if (!has('files')) {
    const label = suite.name === undefined ? `\`${path}\`` : `\`${path}\` (${suite.name})`;
    checker.report(node, `${label} has no \`files\`; list the globs of its test files such as \`files: ["test/**/*.test.ts"]\``);
  }
  if (checker.count > problemsBefore) return undefined;
  const files = entries.find((entry) => entry.key === 'files');
  return { suite, source: checker.locate(node), filesSource: checker.locate(files?.keyNode, node) };
}

function readSuites(checker: ConfigChecker, entry: MapEntry): SuiteRead[] | undefined {
  const seq = checker.resolve(entry.value);
  const example = 'such as `[{ name: unit, files: ["test/**/*.test.ts"] }]`';
  if (!isSeq(seq)) {
    checker.expect(entry.value, entry.path, `a list of suites ${example}`, '', entry.keyNode);
    return undefined;
  }
  if (seq.items.length === 0) {
    checker.expect(entry.value, entry.path, `a list of at least one suite ${example}`, '', entry.keyNode);
    return undefined;
  }
  const suites: SuiteRead[] = [];
  const firstByName = new Map<string, { path: string; source: SourceLocation }>();
  let good = true;
  seq.items.forEach((item: unknown, index: number) => {
    const path = `${entry.path}[${index}]`;
    const read = readSuite(checker, item, path);
    if (!read) {
      good = false;
      return;
    }
    const name = read.suite.name ?? '';
    const first = firstByName.get(name);
    if (first) {
      good = false;
      const nameNode = isMap(item) ? item.get('name', true) : item;
      checker.report(nameNode, `\`${path}.name\` must be unique, got \`${JSON.stringify(name)}\` (string), already the name of \`${first.path}\` at ${formatLocation(first.source)}; rename one of them`, item);
      return;
    }
    firstByName.set(name, { path, source: read.source });
    suites.push(read);
  });
  return good ? suites : undefined;
}

interface Validating {
  readonly config: UserConfig;
  suiteSources: SourceLocation[];
  filesSources: SourceLocation[];
}

type TopLevelReader = (checker: ConfigChecker, entry: MapEntry, out: Validating) => void;

// Typed by UserConfig's keys, so a key added to the type cannot be forgotten here; the order is the one messages list.
const TOP_LEVEL_READERS: { readonly [K in keyof Required<UserConfig>]: TopLevelReader } = {
  suites: (checker, entry, out) => {
    const suites = readSuites(checker, entry);
    if (!suites) return;
    out.config.suites = suites.map((read) => read.suite);
    out.suiteSources = suites.map((read) => read.source);
    out.filesSources = suites.map((read) => read.filesSource);
  },
  gates: (checker, entry, out) => { out.config.gates = readGates(checker, entry); },
  gpuTags: (checker, entry, out) => { out.config.gpuTags = checker.list(entry, checkTag, TAGS_EXPECTED); },
  tags: (checker, entry, out) => { out.config.tags = checker.list(entry, checkTag, TAGS_EXPECTED); },
  exclude: (checker, entry, out) => {
    out.config.exclude = checker.list(entry, checkGlob, 'a list of globs such as `["**/fixtures/**"]`');
  },
  reportDir: (checker, entry, out) => { out.config.reportDir = checker.text(entry, 'reports'); },
  reporters: (checker, entry, out) => {
    const ifEmpty = 'a list of at least one reporter name such as `[console, junit]`';
    const names = checker.list(entry, checkReporter, 'a list of reporter names such as `[console, junit]`', ifEmpty);
    out.config.reporters = names as ReporterName[] | undefined;
  },
  concurrency: (checker, entry, out) => { out.config.concurrency = checker.wholeNumber(entry, 4); },
  gpuConcurrency: (checker, entry, out) => { out.config.gpuConcurrency = checker.wholeNumber(entry, 2); },
  timeout: (checker, entry, out) => { out.config.timeout = checker.milliseconds(entry); },
  repeat: (checker, entry, out) => { out.config.repeat = checker.wholeNumber(entry, 10); },
  leakThreshold: (checker, entry, out) => { out.config.leakThreshold = readLeakThreshold(checker, entry); },
  leakRepeatMax: (checker, entry, out) => { out.config.leakRepeatMax = checker.wholeNumber(entry, 40); },
  leaks: (checker, entry, out) => { out.config.leaks = checker.choice(entry, LEAK_MODES); },
  settleTimeout: (checker, entry, out) => { out.config.settleTimeout = checker.millisecondsOrZero(entry, 1000); },
  killOrphans: (checker, entry, out) => { out.config.killOrphans = checker.flag(entry); },
  rawSamples: (checker, entry, out) => { out.config.rawSamples = checker.flag(entry); },
  killGrace: (checker, entry, out) => { out.config.killGrace = checker.millisecondsOrZero(entry, 3000); },
  admission: (checker, entry, out) => { out.config.admission = readAdmission(checker, entry); },
  guard: (checker, entry, out) => { out.config.guard = readGuard(checker, entry); },
  retryAlone: (checker, entry, out) => { out.config.retryAlone = checker.flag(entry); },
  balancePercent: (checker, entry, out) => { out.config.balancePercent = readBalance(checker, entry); },
  shard: (checker, entry, out) => { out.config.shard = readShard(checker, entry); },
  retries: (checker, entry, out) => { out.config.retries = readRetries(checker, entry); },
  retryOn: (checker, entry, out) => { out.config.retryOn = readRetryOn(checker, entry); },
  failOnFlaky: (checker, entry, out) => { out.config.failOnFlaky = checker.flag(entry); },
  compare: (checker, entry, out) => { out.config.compare = readCompare(checker, entry, false); },
};

/** The keys gpu-test.config.yaml may have at the top level. */
export const TOP_LEVEL_KEYS: readonly string[] = Object.keys(TOP_LEVEL_READERS);
/** The keys a suite may have. */
export const SUITE_KEYS: readonly string[] = Object.keys(SUITE_READERS);

/**
 * The UserConfig a parsed config file describes, with where each suite and its `files` were written.
 * Throws GpuTestError `CONFIG_INVALID` listing every problem as `file:line:column: what, expected, got`.
 */
export function validateConfig(loaded: LoadedConfig): ValidatedConfig {
  const checker = new ConfigChecker(loaded);
  const out: Validating = { config: {}, suiteSources: [], filesSources: [] };
  const contents = loaded.document.contents;
  // An empty file, one of comments only, or a bare `~` is a valid config: every default applies.
  const empty = contents === null || (isScalar(contents) && contents.value === null);
  if (!empty && !isMap(checker.resolve(contents))) {
    checker.report(contents, `the config must be a mapping of keys such as \`suites:\` and \`gates:\`, got ${describeNode(contents)}`);
  } else if (!empty) {
    const entries = checker.entries(contents, '', TOP_LEVEL_KEYS, 'a mapping', 'top-level') ?? [];
    for (const entry of entries) TOP_LEVEL_READERS[entry.key as keyof UserConfig](checker, entry, out);
  }
  if (checker.count > 0) {
    throw new GpuTestError('CONFIG_INVALID', formatProblems(loaded.displayPath, checker.problems()));
  }
  return { config: out.config, suiteSources: out.suiteSources, filesSources: out.filesSources };
}
