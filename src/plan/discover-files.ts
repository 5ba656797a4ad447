// Finds the test files of each suite, or of the paths given on the command line: each real file once, and every
// suite's files accounted for.

import { realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import picomatch from 'picomatch';
import { DEFAULT_TEST_FILES } from '../config/defaults.js';
import type { ResolvedConfig, SuiteConfig } from '../config/types.js';
import { GpuTestError } from '../errors.js';
import { checkEmptySuites, type SuiteMatches } from './empty-suites.js';
import { globTestFiles } from './glob-test-files.js';

/** A test file and the suite that claimed it. */
export interface DiscoveredFile {
  readonly file: string;
  /** Root-relative, `/`-separated: the job id. */
  readonly id: string;
  readonly suite: SuiteConfig;
}

/** The run's files, and warnings every report carries (a suite with `allowEmpty: true` that matched nothing). */
export interface Discovery {
  readonly files: readonly DiscoveredFile[];
  readonly warnings: readonly string[];
}

/** The suite used for a file given on the command line that no suite's patterns match. */
const COMMAND_LINE_SUITE: SuiteConfig = { name: 'command-line', files: [], allowEmpty: true, tags: [], timeoutMs: null, repeat: null, leakThreshold: null, leakRepeatMax: null, requires: null, hooks: null, budgets: null, source: null, filesSource: null, retries: null, retryOn: null, compare: null };

function toId(rootDir: string, file: string): string {
  return relative(rootDir, file).split(sep).join('/');
}

// Compiled once a suite: compiling its globs for every file cost ~1 ms a file.
const suiteMatchers = new WeakMap<SuiteConfig, (id: string) => boolean>();

/** The first suite whose patterns match `id`, so a file is claimed once even when suites overlap. */
function suiteFor(id: string, suites: readonly SuiteConfig[]): SuiteConfig | undefined {
  return suites.find((suite) => {
    let matches = suiteMatchers.get(suite);
    if (matches === undefined) {
      matches = picomatch(suite.files as string[], { dot: false });
      suiteMatchers.set(suite, matches);
    }
    return matches(id);
  });
}

// A path that is not a directory is taken as a file, whatever it is, so the header read can say what is wrong with it.
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function realPathOf(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    return path; // a dangling link: it is its own file, reported when its header is read
  }
}

/**
 * One entry per real file, in the given order: a symlinked directory in the tree would otherwise run its files twice.
 * The path with no symbolic link inside the root wins, else the first id.
 */
function dedupeByRealPath(rootDir: string, files: readonly DiscoveredFile[]): DiscoveredFile[] {
  const realRoot = realPathOf(rootDir);
  const kept = new Map<string, { file: DiscoveredFile; direct: boolean }>();
  for (const file of files) {
    const real = realPathOf(file.file);
    const direct = real === join(realRoot, file.id);
    const first = kept.get(real);
    if (first === undefined || (!first.direct && direct)) kept.set(real, { file, direct });
  }
  const keep = new Set([...kept.values()].map((entry) => entry.file));
  return files.filter((file) => keep.has(file));
}

/**
 * Every test file of the run, each claimed by one suite, sorted by id for a stable plan. Throws GpuTestError
 * `NO_TEST_FILES` when there is none, and `EMPTY_SUITE` when a suite's globs match nothing while others' do.
 */
export async function discoverFiles(config: ResolvedConfig): Promise<Discovery> {
  const found = new Map<string, DiscoveredFile>();
  const add = (file: string, suite: SuiteConfig | undefined): void => {
    const id = toId(config.rootDir, file);
    if (found.has(id)) return;
    found.set(id, { file, id, suite: suite ?? suiteFor(id, config.suites) ?? COMMAND_LINE_SUITE });
  };

  const matches: SuiteMatches[] = [];
  if (config.paths.length === 0) {
    for (const suite of config.suites) {
      const files = await globTestFiles(suite.files, config.rootDir, config.exclude);
      matches.push({ suite, matched: files.length });
      for (const file of files) add(file, undefined);
    }
  } else {
    for (const path of config.paths) {
      if (!isDirectory(path)) {
        add(path, undefined);
        continue;
      }
      // A directory: the suites' files inside it, or any test file there when no suite reaches it.
      const dirId = toId(config.rootDir, path);
      const inside = (id: string): boolean => dirId === '' || id === dirId || id.startsWith(`${dirId}/`);
      let matched = 0;
      for (const suite of config.suites) {
        for (const file of await globTestFiles(suite.files, config.rootDir, config.exclude)) {
          if (inside(toId(config.rootDir, file))) {
            add(file, undefined);
            matched += 1;
          }
        }
      }
      if (matched === 0) {
        for (const file of await globTestFiles([DEFAULT_TEST_FILES], path, config.exclude)) add(file, undefined);
      }
    }
  }

  const all = dedupeByRealPath(config.rootDir, [...found.values()].sort((a, b) => a.id.localeCompare(b.id)));
  if (all.length === 0) {
    const where = config.configFile ? `the suites in ${toId(process.cwd(), config.configFile)}` : `the default pattern ${DEFAULT_TEST_FILES}`;
    throw new GpuTestError('NO_TEST_FILES', `no test files found by ${where} under ${config.rootDir}; check the suites' \`files\` globs or pass test files as arguments`);
  }
  // Every file of every shard: a shard without a file of some suite is normal, a suite that matches nothing is not.
  return { files: all, warnings: checkEmptySuites(config, matches) };
}
