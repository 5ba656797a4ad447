// Finds the test files of each suite, or of the paths given on the command line.

import { statSync } from 'node:fs';
import { relative, sep } from 'node:path';
import picomatch from 'picomatch';
import { glob } from 'tinyglobby';
import { DEFAULT_TEST_FILES } from '../config/defaults.js';
import type { ResolvedConfig, Shard, SuiteConfig } from '../config/types.js';
import { GpuTestError } from '../errors.js';

/** A test file and the suite that claimed it. */
export interface DiscoveredFile {
  readonly file: string;
  /** Root-relative, `/`-separated: the job id. */
  readonly id: string;
  readonly suite: SuiteConfig;
}

/** The suite used for a file given on the command line that no suite's patterns match. */
const COMMAND_LINE_SUITE: SuiteConfig = { name: 'command-line', files: [], tags: [], timeoutMs: null, repeat: null, leakThreshold: null, requires: null, hooks: null, budgets: null, source: null };

function toId(rootDir: string, file: string): string {
  return relative(rootDir, file).split(sep).join('/');
}

/** The first suite whose patterns match `id`, so a file is claimed once even when suites overlap. */
function suiteFor(id: string, suites: readonly SuiteConfig[]): SuiteConfig | undefined {
  return suites.find((suite) => picomatch(suite.files as string[], { dot: false })(id));
}

async function globFiles(patterns: readonly string[], cwd: string, ignore: readonly string[]): Promise<string[]> {
  return glob(patterns as string[], { cwd, ignore: ignore as string[], absolute: true, onlyFiles: true, dot: false });
}

/** The files of one shard: every `total`-th file of the sorted list, as node --test-shard picks them. */
export function selectShard<T>(files: readonly T[], shard: Shard): T[] {
  return files.filter((_, index) => index % shard.total === shard.index - 1);
}

/** Every test file of the run, each claimed by one suite, sorted by id for a stable plan. */
export async function discoverFiles(config: ResolvedConfig): Promise<DiscoveredFile[]> {
  const found = new Map<string, DiscoveredFile>();
  const add = (file: string, suite: SuiteConfig | undefined): void => {
    const id = toId(config.rootDir, file);
    if (found.has(id)) return;
    found.set(id, { file, id, suite: suite ?? suiteFor(id, config.suites) ?? COMMAND_LINE_SUITE });
  };

  if (config.paths.length === 0) {
    for (const suite of config.suites) {
      for (const file of await globFiles(suite.files, config.rootDir, config.exclude)) add(file, undefined);
    }
  } else {
    for (const path of config.paths) {
      if (statSync(path).isFile()) {
        add(path, undefined);
        continue;
      }
      // A directory: the suites' files inside it, or any test file there when no suite reaches it.
      const dirId = toId(config.rootDir, path);
      const inside = (id: string): boolean => dirId === '' || id === dirId || id.startsWith(`${dirId}/`);
      let matched = 0;
      for (const suite of config.suites) {
        for (const file of await globFiles(suite.files, config.rootDir, config.exclude)) {
          if (inside(toId(config.rootDir, file))) {
            add(file, undefined);
            matched += 1;
          }
        }
      }
      if (matched === 0) {
        for (const file of await globFiles([DEFAULT_TEST_FILES], path, config.exclude)) add(file, undefined);
      }
    }
  }

  const all = [...found.values()].sort((a, b) => a.id.localeCompare(b.id));
  if (all.length === 0) {
    const where = config.configFile ? `the suites in ${toId(process.cwd(), config.configFile)}` : `the default pattern ${DEFAULT_TEST_FILES}`;
    throw new GpuTestError('NO_TEST_FILES', `no test files found by ${where} under ${config.rootDir}; check the suites' \`files\` globs or pass test files as arguments`);
  }
  return config.shard ? selectShard(all, config.shard) : all;
}
