// Names for the iterations of `--repeat`: node:test names each one `<name> [repeat i/N]`; reports show the test's
// own name once and the iteration apart, and match iterations to their leak findings by that name.

import type { RepeatInfo, TestResult } from '../execute/types.js';

/** The test's full name without the iteration suffix; the full name itself for a test run once. */
export function plainFullName(test: TestResult): string {
  const { repeat } = test;
  if (repeat === null || !test.fullName.endsWith(test.name)) return test.fullName;
  return `${test.fullName.slice(0, test.fullName.length - test.name.length)}${repeat.name}`;
}

/** `3/10`: which iteration of how many. */
export function iterationLabel(repeat: RepeatInfo): string {
  return `${repeat.iteration}/${repeat.count}`;
}
