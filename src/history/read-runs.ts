// Reads earlier runs for merge, compare, trend and `--baseline`: each results.json named (or found in a folder named)
// becomes the RunResult it was written from. A schema version this gpu-test cannot read is an error naming the file.

import { readResultsFiles } from '../config/read-results-files.js';
import { GpuTestError } from '../errors.js';
import type { RunResult } from '../results/run-result.js';
import type { ResultsJson } from './results-json.js';
import { runFromJson } from './run-from-json.js';

/**
 * The results.json schema versions this gpu-test reads back: 2 lacks only what 3 added (flaky, shards, machines); 4
 * leaves out what a test has nothing to say in, and its raw samples unless the run kept them.
 */
export const READABLE_SCHEMA_VERSIONS: readonly number[] = [2, 3, 4];

// What every results.json since version 2 has, and reading it back needs.
const REQUIRED_KEYS = ['runId', 'verdict', 'startedAtMs', 'endedAtMs', 'counts', 'config', 'host', 'gpu', 'warnings', 'files', 'pressure'];

/** A run read back, and the file it came from (for messages). */
export interface ReadRun {
  readonly path: string;
  readonly schemaVersion: number;
  readonly run: RunResult;
}

/** Every run in `given` (files or folders, relative to `cwd`), in path order; `flag` names the input in errors. */
export async function readRuns(given: readonly string[], cwd: string, flag: string): Promise<ReadRun[]> {
  const files = await readResultsFiles(given, cwd, flag);
  return files.map(({ path, document }) => {
    const version = document['schemaVersion'];
    if (typeof version !== 'number' || !READABLE_SCHEMA_VERSIONS.includes(version)) {
      throw new GpuTestError('USAGE', `${flag}: ${path} has results.json schema version ${JSON.stringify(version)}; this gpu-test reads versions ${READABLE_SCHEMA_VERSIONS.join(', ')}: write it again with this version, or use the gpu-test that wrote it`);
    }
    const missing = REQUIRED_KEYS.filter((key) => !(key in document));
    if (missing.length > 0) {
      throw new GpuTestError('USAGE', `${flag}: ${path} is not a whole gpu-test results.json (no ${missing.map((key) => `\`${key}\``).join(', ')}); pass the results.json a run wrote`);
    }
    return { path, schemaVersion: version, run: runFromJson(document as unknown as ResultsJson) };
  });
}
