// Reads the start of every test file of the plan before anything runs, and refuses the run at once, naming each file
// that cannot be read, what it is and the fix, rather than failing half-way with a stack trace.

import { displayPath, yamlList } from '../config/config-problems.js';
import type { ResolvedConfig } from '../config/types.js';
import { GpuTestError } from '../errors.js';
import { readRegularFile, type OpenFile, type UnreadableReason } from '../config/read-regular-file.js';
import type { DiscoveredFile } from './discover-files.js';
import { HEADER_BYTES } from './read-file-header.js';

interface Unreadable {
  readonly found: DiscoveredFile;
  readonly reason: UnreadableReason;
  readonly problem: string;
  /** Named on the command line: `exclude` does not apply to it. */
  readonly named: boolean;
}

function describeUnreadable(file: Unreadable): string {
  const { found, reason, problem } = file;
  const name = `\`${found.id}\` (${found.file})`;
  const dropIt = file.named ? 'leave it off the command line' : 'exclude it (below)';
  if (reason === 'missing') return `${name} was found but is gone now (deleted or renamed meanwhile); run again once nothing is changing the test files`;
  if (reason === 'permission') {
    return `${name} ${problem}; make it and its directories readable by the user running gpu-test (for example \`chmod a+r '${found.file}'\`), or ${dropIt}`;
  }
  if (reason === 'not-regular') return `${name} ${problem}; remove it, or ${dropIt}`;
  return `${name} ${problem}; check the file, or ${dropIt}`;
}

// `exclude:` replaces the default list, so the example keeps what is already excluded: pasted as is, it works.
function excludeHint(config: ResolvedConfig, files: readonly Unreadable[]): string | null {
  const ids = files.filter((file) => !file.named && file.reason !== 'missing').map((file) => file.found.id);
  if (ids.length === 0) return null;
  const list = `\`exclude: ${yamlList([...config.exclude, ...ids])}\``;
  const where = config.configFile === null
    ? `create gpu-test.config.yaml in ${config.rootDir} with ${list}`
    : `set ${list} in ${displayPath(config.configFile, process.cwd())}`;
  return `to exclude ${ids.length === 1 ? 'it' : 'them'}, ${where} (the list replaces the one in force, so it repeats what is already excluded)`;
}

/**
 * The text at the start of each file (its first HEADER_BYTES), in the order given. Throws GpuTestError
 * `FILE_UNREADABLE` naming every file that is not a readable regular file, before any test starts.
 */
export function readTestFileHeads(config: ResolvedConfig, files: readonly DiscoveredFile[], open?: OpenFile): string[] {
  const heads: string[] = [];
  const unreadable: Unreadable[] = [];
  for (const found of files) {
    const read = readRegularFile(found.file, HEADER_BYTES, open);
    if (read.ok) heads.push(read.bytes.toString('utf8'));
    else unreadable.push({ found, reason: read.reason, problem: read.problem, named: config.paths.includes(found.file) });
  }
  if (unreadable.length === 0) return heads;
  const title = unreadable.length === 1 ? 'a test file cannot be read' : `${unreadable.length} test files cannot be read`;
  const hint = excludeHint(config, unreadable);
  const lines = [`${title}, so nothing was run:`, ...unreadable.map((file) => `  ${describeUnreadable(file)}`), ...(hint ? [hint] : [])];
  throw new GpuTestError('FILE_UNREADABLE', lines.join('\n'));
}
