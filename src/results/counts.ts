// Test and file counts, computed once from the file results so every report agrees.

import type { Counts, FileResult } from './run-result.js';

/** Counts over all files: a skipped file counts as one skipped test when it never ran. */
export function countResults(files: readonly FileResult[]): Counts {
  let tests = 0, passed = 0, failed = 0, skipped = 0, todo = 0, flaky = 0, filesSkipped = 0, filesFailed = 0;
  for (const file of files) {
    if (file.status === 'skipped') filesSkipped += 1;
    // A file that passed alone after running out of memory beside others, or passed on a retry, is reported apart.
    if (file.status !== 'passed' && file.status !== 'skipped' && file.status !== 'passed-alone' && file.status !== 'flaky') filesFailed += 1;
    if (file.tests.length === 0 && file.status === 'skipped') {
      tests += 1;
      skipped += 1;
      continue;
    }
    for (const test of file.tests) {
      tests += 1;
      if (test.status === 'passed') passed += 1;
      else if (test.status === 'failed') failed += 1;
      else if (test.status === 'skipped') skipped += 1;
      else if (test.status === 'flaky') flaky += 1;
      else todo += 1;
    }
  }
  return { tests, passed, failed, skipped, todo, flaky, files: files.length, filesSkipped, filesFailed };
}
