// `--last-failed`: the files that failed in the last run, read from the report directory's results.json, as pytest's
// `--lf` does. With no earlier results, or none failed, every file runs, and the run says so.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../config/resolve-config.js';
import type { CliOptions } from '../config/types.js';
import { GpuTestError } from '../errors.js';
import { readRuns } from '../history/read-runs.js';
import type { FileStatus } from '../results/run-result.js';

/** File statuses --last-failed runs again: the file failed, or was stopped before it could pass. */
const RERUN: ReadonlySet<FileStatus> = new Set(['failed', 'crashed', 'timed-out', 'interrupted']);

/** The options with `paths` set to the last run's failed files, and a note for the console. */
export async function withLastFailed(options: CliOptions, cwd: string, env: NodeJS.ProcessEnv): Promise<{ options: CliOptions; note: string }> {
  if ((options.paths ?? []).length > 0) {
    throw new GpuTestError('USAGE', '--last-failed picks the files itself from the last results.json; leave out the paths, or leave out --last-failed');
  }
  const config = await resolveConfig({ cwd, cli: options, env });
  const results = join(config.reportDir, 'results.json');
  if (!existsSync(results)) return { options, note: `--last-failed: no earlier results at ${results}; running every file` };
  const [last] = await readRuns([results], cwd, '--last-failed');
  const failed = (last?.run.files ?? []).filter((file) => RERUN.has(file.status)).map((file) => join(config.rootDir, file.job.id));
  const present = failed.filter((file) => existsSync(file));
  if (present.length === 0) {
    const why = failed.length === 0 ? 'no file failed' : 'the files that failed are gone';
    return { options, note: `--last-failed: ${why} in ${results}; running every file` };
  }
  return { options: { ...options, paths: present }, note: `--last-failed: running the ${present.length} file(s) that failed in ${results}` };
}
