// A suite whose `files` match nothing while other suites' do would drop out of CI without a word: that is an error
// naming the suite, where its `files` are written, the patterns and the root; or, for a suite with
// `allowEmpty: true`, a warning that every report carries.

import { displayPath, formatLocation, yamlList } from '../config/config-problems.js';
import type { ResolvedConfig, SuiteConfig } from '../config/types.js';
import { GpuTestError } from '../errors.js';

/** How many entries a suite's own `files` globs matched, before any suite claimed them. */
export interface SuiteMatches {
  readonly suite: SuiteConfig;
  readonly matched: number;
}

function configName(config: ResolvedConfig): string {
  return config.configFile === null ? 'the config' : displayPath(config.configFile, process.cwd());
}

function where(suite: SuiteConfig, config: ResolvedConfig): string {
  return suite.filesSource ? formatLocation(suite.filesSource) : configName(config);
}

function patterns(suite: SuiteConfig, config: ResolvedConfig): string {
  const excluding = config.exclude.length > 0 ? `, after \`exclude: ${yamlList(config.exclude)}\`` : '';
  return `\`files: ${yamlList(suite.files)}\` finds nothing under ${config.rootDir}${excluding}`;
}

// The warning a suite with `allowEmpty: true` gets when its `files` match nothing.
function emptySuiteWarning(suite: SuiteConfig, config: ResolvedConfig): string {
  return `suite \`${suite.name}\` (${where(suite, config)}) matches no test file: ${patterns(suite, config)}; it has \`allowEmpty: true\`, so the run went on without it`;
}

function emptySuiteProblem(suite: SuiteConfig, config: ResolvedConfig): string {
  const fix = 'fix the globs (they are relative to the root, the config file\'s directory), or set `allowEmpty: true` on the suite if it may have no files (every report then warns instead)';
  return `${where(suite, config)}: suite \`${suite.name}\` matches no test file: ${patterns(suite, config)}; ${fix}`;
}

/**
 * Warnings for the empty suites that allow it. Throws GpuTestError `EMPTY_SUITE` naming every other suite whose
 * `files` matched nothing, so one fix-and-rerun is enough. Call only when the files come from the suites' globs.
 */
export function checkEmptySuites(config: ResolvedConfig, matches: readonly SuiteMatches[]): string[] {
  const empty = matches.filter((match) => match.matched === 0).map((match) => match.suite);
  const refused = empty.filter((suite) => !suite.allowEmpty);
  if (refused.length === 1) throw new GpuTestError('EMPTY_SUITE', emptySuiteProblem(refused[0] as SuiteConfig, config));
  if (refused.length > 1) {
    const lines = refused.map((suite) => `  ${emptySuiteProblem(suite, config)}`);
    throw new GpuTestError('EMPTY_SUITE', [`${configName(config)}: ${refused.length} suites match no test file`, ...lines].join('\n'));
  }
  return empty.map((suite) => emptySuiteWarning(suite, config));
}
