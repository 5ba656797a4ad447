// Names for the iterations of `--repeat`: node:test names each one `<name> [repeat i/N]`. The test process writes
// them, the harness reads the iteration back, and reports show the test's own name once and the iteration apart.

import type { RepeatInfo, TestResult } from './run-result.js';

/** The name node:test shows for iteration `iteration` of `count`. */
export function iterationName(name: string, iteration: number, count: number): string {
  return `${name} [repeat ${iteration}/${count}]`;
}

/** The plain name and iteration of an iteration's name, or null when `name` is not one of `count` iterations. */
export function parseIterationName(name: string, count: number): { readonly name: string; readonly iteration: number } | null {
  const match = / \[repeat (\d+)\/(\d+)\]$/.exec(name);
  if (!match || Number(match[2]) !== count) return null;
  const iteration = Number(match[1]);
  return iteration >= 1 && iteration <= count ? { name: name.slice(0, match.index), iteration } : null;
}

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
