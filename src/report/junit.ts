// The JUnit XML report: one <testsuite> per test file, valid against the Jenkins xUnit plugin's junit-10.xsd with
// testcase `file`/`line` added, and shaped for what GitHub's JUnit actions read (docs/junit.md says what each needs).

import { isAbsolute, relative, sep } from 'node:path';
import { capFailure, capText, MESSAGE_LIMIT_BYTES } from '../units/cap-text.js';
import type { FileResult, HookRun, OrphanProcess, RunResult, TestResult } from '../results/run-result.js';
import { ERROR_FAILURES, FAILURE } from '../results/failures.js';
import { formatBytes } from '../units/format.js';
import { budgetProperties, fileProperties, leakProperties, residueProperties, runProperties, TEST_PROPERTY_SEPARATOR, testProperties, type Property } from './junit-properties.js';
import { escapeXmlAttribute, escapeXmlText, openTag } from './xml.js';

interface SuiteCounts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

// junit-10.xsd types suite times as SUREFIRE_TIME: digits with at most three decimals, never negative.
function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

// The Ant schema's timestamp is an xs:dateTime without fraction or offset; junit-10.xsd takes any string. UTC, so
// reports from runners in different zones compare.
function timestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19);
}

function projectPath(rootDir: string, file: string): string {
  const path = isAbsolute(file) ? relative(rootDir, file) : file;
  return path.split(sep).join('/');
}

function isError(test: TestResult): boolean {
  return test.status === 'failed' && test.failure !== null && ERROR_FAILURES.has(test.failure.type);
}

function countSuite(file: FileResult): SuiteCounts {
  if (file.tests.length === 0 && file.status === 'skipped') return { tests: 1, failures: 0, errors: 0, skipped: 1 };
  const counts = { tests: file.tests.length, failures: 0, errors: 0, skipped: 0 };
  for (const test of file.tests) {
    if (test.status === 'failed') {
      if (isError(test)) counts.errors += 1;
      else counts.failures += 1;
    } else if (test.status === 'skipped' || test.status === 'todo') counts.skipped += 1;
  }
  return counts;
}

// Most CI pages show a suite's system-err but not its properties: one line per orphan there says what to do about it.
function orphanLine(orphan: OrphanProcess): string {
  const held = orphan.gpuIndex === null ? 'outlived this file' : `was left holding ${orphan.vramBytes === null ? 'VRAM' : formatBytes(orphan.vramBytes)} on GPU ${orphan.gpuIndex}`;
  const state = orphan.killed ? 'gpu-test killed it (--kill-orphans)' : `it is still running: kill ${orphan.pid}, or run with --kill-orphans`;
  return `[gpu-test] process ${orphan.pid} (${orphan.command}) ${held} after the file's process exited; ${state}`;
}

function systemErr(file: FileResult): string {
  const orphans = (file.residue?.orphans ?? []).map(orphanLine);
  if (orphans.length === 0) return file.stderr;
  const separator = file.stderr === '' || file.stderr.endsWith('\n') ? '' : '\n';
  return `${file.stderr}${separator}${orphans.join('\n')}\n`;
}

// Message and stack are capped (MESSAGE_LIMIT_BYTES, STACK_LIMIT_BYTES): libxml2, which most readers use, refuses a
// text node over 10,000,000 bytes, and a 50 MB assertion message would make one. Even escaped (a control character
// becomes a six-byte `\u0007`), a capped field holds at most 384 KiB of text.
function renderOutcome(test: TestResult): string | null {
  const reason = test.skipReason === null ? null : capText(test.skipReason, MESSAGE_LIMIT_BYTES);
  if (test.status === 'skipped') return `${openTag('skipped', { message: reason ?? 'skipped' })}/>`;
  if (test.status === 'todo') return `${openTag('skipped', { message: reason ? `todo: ${reason}` : 'todo' })}/>`;
  // Passed on a retry: Surefire's rerun record keeps the first failure in a testcase that counts as passed.
  if (test.status === 'flaky' && test.failure) {
    const first = capFailure(test.failure);
    const element = ERROR_FAILURES.has(first.type) ? 'flakyError' : 'flakyFailure';
    return `${openTag(element, { type: first.type, message: first.message })}><stackTrace>${escapeXmlText(first.stack ?? first.message)}</stackTrace></${element}>`;
  }
  if (test.status !== 'failed') return null;
  const failure = capFailure(test.failure ?? { type: 'failure', message: 'test failed', stack: null });
  const element = isError(test) ? 'error' : 'failure';
  // The stack's `path:line:col` frames are what dorny/test-reporter and mikepenz/action-junit-report search for a
  // location; without a stack the message is the text, as readers that show only text would otherwise show nothing.
  const text = escapeXmlText(failure.stack ?? failure.message);
  return `${openTag(element, { type: failure.type, message: failure.message })}>${text}</${element}>`;
}

// A file's tests share its id and, but for tests declared in a helper module, its path: each is escaped once a suite.
interface SuiteNames {
  readonly classname: string;
  readonly rootDir: string;
  readonly paths: Map<string, string>;
}

function renderTestcase(test: TestResult, escapedName: string, names: SuiteNames): string {
  let path = names.paths.get(test.file);
  if (path === undefined) {
    path = escapeXmlAttribute(projectPath(names.rootDir, test.file));
    names.paths.set(test.file, path);
  }
  // classname is the job id, the same as the testsuite name: dorny's parser then lists the tests without an extra
  // group, EnricoMi's and mikepenz's show the path people search for, as Vitest does by default.
  const start = `<testcase name="${escapedName}" classname="${names.classname}" time="${seconds(test.durationMs)}" file="${path}"${test.line === null ? '' : ` line="${test.line}"`}`;
  const outcome = renderOutcome(test);
  return outcome === null ? `    ${start}/>` : `    ${start}>\n      ${outcome}\n    </testcase>`;
}

function propertyLine([name, value]: Property): string {
  return `      <property name="${escapeXmlAttribute(name)}" value="${escapeXmlAttribute(value)}"/>`;
}

// Each test's figures under its key, escaped once for all of them (the separator needs no escaping).
function pushTestProperties(lines: string[], tests: readonly TestResult[], escapedNames: ReadonlyMap<string, string>): void {
  for (const { key, figures } of testProperties(tests)) {
    const prefix = `${escapedNames.get(key) ?? escapeXmlAttribute(key)}${TEST_PROPERTY_SEPARATOR}`;
    for (const [figure, value] of figures) lines.push(`      <property name="${prefix}${escapeXmlAttribute(figure)}" value="${escapeXmlAttribute(value)}"/>`);
  }
}

// A file that never ran still shows as one skipped case, so CI lists it with the sentence saying how to enable it.
function renderSkippedFile(file: FileResult): string {
  const start = openTag('testcase', { name: file.job.id, classname: file.job.id, time: seconds(0), file: file.job.id });
  const skipped = openTag('skipped', { type: file.job.skip?.code, message: file.skipReason ?? 'skipped' });
  return `    ${start}>\n      ${skipped}/>\n    </testcase>`;
}

// In a merged run each file ran on one of the machines: its testsuite names that host.
function hostOf(file: FileResult, result: RunResult): string {
  return (file.machine === undefined ? undefined : result.machines[file.machine]?.host.hostname) ?? result.host.hostname;
}

// Lines go straight into the report's: a file of 20,000 tests is 25 MB of XML, worth joining once, not twice.
function renderTestsuite(file: FileResult, result: RunResult, run: readonly Property[], lines: string[]): void {
  const counts = countSuite(file);
  const started = file.startedAt ?? result.startedAt;
  const duration = file.outcome?.durationMs ?? (file.endedAt !== null && file.startedAt !== null ? file.endedAt - file.startedAt : 0);
  lines.push(`  ${openTag('testsuite', {
    name: file.job.id, tests: counts.tests, failures: counts.failures, errors: counts.errors, skipped: counts.skipped,
    time: seconds(duration), timestamp: timestamp(started), hostname: hostOf(file, result), package: file.job.suite, file: file.job.id,
  })}>`);
  lines.push('    <properties>');
  for (const property of [...run, ...fileProperties(file), ...residueProperties(file.residue)]) lines.push(propertyLine(property));
  const escapedNames = new Map<string, string>();
  for (const test of file.tests) if (!escapedNames.has(test.fullName)) escapedNames.set(test.fullName, escapeXmlAttribute(test.fullName));
  pushTestProperties(lines, file.tests, escapedNames);
  for (const property of [...leakProperties(file.leaks), ...budgetProperties(file, result.budgets)]) lines.push(propertyLine(property));
  lines.push('    </properties>');
  if (file.tests.length === 0 && file.status === 'skipped') lines.push(renderSkippedFile(file));
  const names: SuiteNames = { classname: escapeXmlAttribute(file.job.id), rootDir: result.config.rootDir, paths: new Map() };
  for (const test of file.tests) lines.push(renderTestcase(test, escapedNames.get(test.fullName) ?? escapeXmlAttribute(test.fullName), names));
  if (file.stdout !== '') lines.push(`    <system-out>${escapeXmlText(file.stdout)}</system-out>`);
  const stderr = systemErr(file);
  if (stderr !== '') lines.push(`    <system-err>${escapeXmlText(stderr)}</system-err>`);
  lines.push('  </testsuite>');
}

/** A failed hook step's testcase name: `flux [hook before: ./unload-models.sh]`. */
export function hookCaseName(run: HookRun): string {
  return `${run.suite} [hook ${run.phase}: ${run.step}]`;
}

// A failed hook step is a failed testcase of its own, in one testsuite per suite named `<suite> [hooks]`, so CI lists it
// beside the tests; steps that succeeded are in report.md and results.json only, so the test counts stay the tests'.
function renderHookSuite(suite: string, failed: readonly HookRun[], result: RunResult): string {
  const name = `${suite} [hooks]`;
  const time = failed.reduce((sum, run) => sum + run.durationMs, 0);
  const lines = [`  ${openTag('testsuite', {
    name, tests: failed.length, failures: failed.length, errors: 0, skipped: 0, time: seconds(time),
    timestamp: timestamp(failed[0]?.startedAt ?? result.startedAt), hostname: result.host.hostname, package: suite,
  })}>`, '    <properties>'];
  for (const [key, value] of [...runProperties(result), ['suite', suite] as const]) lines.push(`      ${openTag('property', { name: key, value })}/>`);
  lines.push('    </properties>');
  for (const run of failed) {
    const message = run.error ?? 'failed';
    const text = run.output.trim() === '' ? message : `${message}; its output ended with:\n${run.output}`;
    lines.push(`    ${openTag('testcase', { name: hookCaseName(run), classname: name, time: seconds(run.durationMs) })}>`);
    lines.push(`      ${openTag('failure', { type: FAILURE.hookStep, message })}>${escapeXmlText(text)}</failure>`);
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>');
  return lines.join('\n');
}

/**
 * An interrupted run as one errored testcase of its own: a CI reader that only counts testcases (and would see the
 * files not started as skipped) still shows the run did not finish.
 */
function renderInterruptionSuite(result: RunResult, stop: NonNullable<RunResult['interruption']>): string {
  const name = 'gpu-test [run]';
  const message = `the run was interrupted by ${stop.signal} at ${new Date(stop.at).toISOString()}${stop.forced ? '; a second signal killed every test process at once' : ''}: ` +
    'files still running were stopped and files still waiting were not started';
  return [
    `  ${openTag('testsuite', { name, tests: 1, failures: 0, errors: 1, skipped: 0, time: seconds(result.endedAt - result.startedAt), timestamp: timestamp(result.startedAt), hostname: result.host.hostname, package: 'gpu-test' })}>`,
    '    <properties>',
    ...runProperties(result).map(([key, value]) => `      ${openTag('property', { name: key, value })}/>`),
    '    </properties>',
    `    ${openTag('testcase', { name: `run interrupted by ${stop.signal}`, classname: name, time: seconds(Math.max(0, result.endedAt - stop.at)) })}>`,
    `      ${openTag('error', { type: FAILURE.interrupted, message })}>${escapeXmlText(message)}</error>`,
    '    </testcase>',
    '  </testsuite>',
  ].join('\n');
}

/** The name of the testsuite that carries the run's warnings. */
export const WARNINGS_SUITE_NAME = 'gpu-test [warnings]';

// The run's warnings (a suite that matched no file, a GPU that reported [N/A]) belong to no test file: junit-10.xsd
// allows nothing but testsuites under the root, so they get a testsuite of their own, with no testcase to skew the
// counts, each warning a property and a line of system-err (which most CI pages show).
function renderWarningsSuite(result: RunResult): string | null {
  if (result.warnings.length === 0) return null;
  const lines = [`  ${openTag('testsuite', {
    name: WARNINGS_SUITE_NAME, tests: 0, failures: 0, errors: 0, skipped: 0, time: seconds(0),
    timestamp: timestamp(result.startedAt), hostname: result.host.hostname, package: 'gpu-test',
  })}>`, '    <properties>'];
  const properties: Property[] = [...runProperties(result), ...result.warnings.map((warning, index): Property => [`warning.${index + 1}`, warning])];
  for (const [name, value] of properties) lines.push(`      ${openTag('property', { name, value })}/>`);
  lines.push('    </properties>');
  lines.push(`    <system-err>${escapeXmlText(result.warnings.map((warning) => `[gpu-test] warning: ${warning}\n`).join(''))}</system-err>`);
  lines.push('  </testsuite>');
  return lines.join('\n');
}

function failedHooksBySuite(result: RunResult): Map<string, HookRun[]> {
  const bySuite = new Map<string, HookRun[]>();
  for (const run of result.hooks) if (!run.ok) bySuite.set(run.suite, [...(bySuite.get(run.suite) ?? []), run]);
  return bySuite;
}

/** Renders the run as JUnit XML: counts on every level agree with the testcases, failed = failures + errors. */
export function renderJunit(result: RunResult): string {
  const totals = { tests: 0, failures: 0, errors: 0 };
  for (const file of result.files) {
    const counts = countSuite(file);
    totals.tests += counts.tests;
    totals.failures += counts.failures;
    totals.errors += counts.errors;
  }
  const hookSuites = failedHooksBySuite(result);
  for (const failed of hookSuites.values()) {
    totals.tests += failed.length;
    totals.failures += failed.length;
  }
  if (result.interruption) {
    totals.tests += 1;
    totals.errors += 1;
  }
  // No `skipped` on <testsuites>: junit-10.xsd declares only name, time, tests, failures and errors there, and
  // readers sum the testsuites' own `skipped`.
  const root = openTag('testsuites', { name: 'gpu-test', tests: totals.tests, failures: totals.failures, errors: totals.errors, time: seconds(result.endedAt - result.startedAt) });
  const warnings = renderWarningsSuite(result);
  const run = runProperties(result);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `${root}>`];
  if (result.interruption) lines.push(renderInterruptionSuite(result, result.interruption));
  for (const file of result.files) renderTestsuite(file, result, run, lines);
  for (const [suite, failed] of hookSuites) lines.push(renderHookSuite(suite, failed, result));
  if (warnings !== null) lines.push(warnings);
  lines.push('</testsuites>', '');
  return lines.join('\n');
}
