// What a first run shows in the console: the stderr line that says why a process exited, a recap of the failures
// above the summary, the dot style, colours decided on the stream written to, and the glitches a first run ran into
// (the plan line after a result, "0 tests done" after a crash, the crash text twice, an earlier run's reports).

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decideColor } from '../../src/report/console-color.js';
import { createConsoleReporter } from '../../src/report/console.js';
import { RECAP_MAX } from '../../src/report/console-recap.js';
import { formatSummary } from '../../src/report/console-summary.js';
import { writeReports } from '../../src/report/write-reports.js';
import { Chalk } from 'chalk';
import type { FileResult, RunResult, TestResult } from '../../src/results/run-result.js';
import type { ConsoleStyle } from '../../src/report/console-style.js';
import { countResults } from '../../src/results/counts.js';
import { OOM_LINE, oomExitRunResult } from '../helpers/oom-exit-run-result.js';
import { sampleRunResult } from '../helpers/sample-run-result.js';

interface Captured extends NodeJS.WritableStream {
  isTTY?: boolean;
  columns?: number;
  text(): string;
}

function capture(tty = false): Captured {
  const chunks: string[] = [];
  const stream = { write: (chunk: string) => chunks.push(chunk) > 0, text: () => chunks.join('') } as unknown as Captured;
  if (tty) Object.assign(stream, { isTTY: true, columns: 120 });
  return stream;
}

/** Drives a whole run through the reporter: the plan, then each file's start, tests and end, then the run's end. */
function drive(result: RunResult, style: ConsoleStyle = 'spec', stream = capture()): string {
  const reporter = createConsoleReporter({ stream, color: false, now: () => result.startedAt, cwd: '/project', style });
  reporter.onPlan?.({ rootDir: '/project', jobs: result.files.map((file) => file.job), notes: [] });
  for (const file of result.files.filter((each) => each.startedAt !== null)) {
    reporter.onFileStart?.(file.job, file.gpuIndices);
    for (const test of file.tests) reporter.onTestEnd?.(file.job, test.name);
    reporter.onFileEnd?.(file);
  }
  reporter.onRunEnd?.(result, []);
  return stream.text();
}

describe('console: the stderr of a test whose process exited', () => {
  const output = drive(oomExitRunResult());

  it('shows the line that names the error under the file, though it lies 25 lines above the end of stderr', () => {
    const file = output.slice(output.indexOf('suites/vlm/big-model.test.ts'), output.indexOf('\nFailures ('));
    assert.match(file, /the test process exited with code 1 while "loads the big model" was running\n {2}stderr:\n {4}… \(32 lines\)\n/);
    assert.ok(file.includes(`    ${OOM_LINE}\n    … (`), file);
    assert.match(file, /releasing cache block 24\n/);
  });

  it('recaps every failure above the summary, with where it is and the error line from stderr', () => {
    const recap = output.slice(output.indexOf('\nFailures (3):\n'), output.indexOf('\n✖ FAILED'));
    assert.ok(recap.length > 0, output);
    assert.match(recap, /^ {2}1\) math > pipe .* {2}suites\/unit\/math\.test\.ts:9\n {5}Expected values to be strictly equal:\n {5}1 !== 2\n/m);
    assert.match(recap, /^ {2}3\) loads the big model {2}suites\/vlm\/big-model\.test\.ts:4\n {5}the test process exited with code 1 while "loads the big model" was running\n/m);
    assert.ok(recap.includes(`stderr │ ${OOM_LINE}`), recap);
  });

  it('names the first failures and counts the rest past the recap\'s limit', () => {
    const run = sampleRunResult();
    const [math] = run.files;
    assert.ok(math);
    const failing = math.tests.find((test) => test.status === 'failed') as TestResult;
    const tests = Array.from({ length: RECAP_MAX + 5 }, (_, i) => ({ ...failing, fullName: `fails ${i}` }));
    const files: FileResult[] = [{ ...math, tests }];
    const output = drive({ ...run, files, counts: countResults(files) });
    const recap = output.slice(output.indexOf('\nFailures ('));
    assert.match(recap, new RegExp(`\\n {2}${RECAP_MAX}\\) fails ${RECAP_MAX - 1} `));
    assert.doesNotMatch(recap, new RegExp(`fails ${RECAP_MAX}\\b`));
    assert.match(recap, /… and 5 more failures \(report\.md lists them all\)/);
  });
});

describe('console: --console-style dot', () => {
  const output = drive(oomExitRunResult(), 'dot');

  it('prints a character per test, in file order, instead of a line per file, then the recap and the summary', () => {
    const lines = output.split('\n');
    assert.match(lines[0] ?? '', /^Running 4 files/);
    // math: passed, failed, skipped, todo; ensemble: two passed; crash: failed; the big model: failed.
    assert.equal(lines[1], '.X--..XX');
    assert.doesNotMatch(output, /^✖ cpu /m, 'no per-file lines');
    assert.ok(output.indexOf('Failures (3):') < output.indexOf('✖ FAILED'));
  });

  it('keeps dots to 80 a line', () => {
    const run = sampleRunResult();
    const [math] = run.files;
    assert.ok(math);
    const passing = math.tests[0] as TestResult;
    const files: FileResult[] = [{ ...math, status: 'passed', tests: Array.from({ length: 170 }, () => passing) }];
    const dots = drive({ ...run, files, counts: countResults(files) }, 'dot').split('\n').slice(1, 4);
    assert.deepEqual(dots.map((line) => line.length), [80, 80, 10]);
  });
});

describe('console: the glitches of a first run', () => {
  it('says the cpu lane started while the GPUs are listed before a result that comes ahead of the plan, and does not hold it back', () => {
    const run = sampleRunResult();
    const stream = capture();
    const reporter = createConsoleReporter({ stream, color: false, now: () => run.startedAt, cwd: '/project' });
    const [math] = run.files;
    assert.ok(math);
    reporter.onFileStart?.(math.job, []);
    reporter.onFileEnd?.(math);
    assert.match(stream.text(), /^Listing the GPUs; cpu-lane files start meanwhile\n✖ cpu suites\/unit\/math\.test\.ts /);
    reporter.onPlan?.({ rootDir: '/project', jobs: run.files.map((file) => file.job), notes: [] });
    assert.match(stream.text(), /\nRunning 3 files: /);
    reporter.onRunEnd?.(run, []);
    assert.equal(stream.text().match(/Listing the GPUs/g)?.length, 1);
  });

  it('says nothing of the listing when the plan comes before the first result', () => {
    assert.doesNotMatch(drive(sampleRunResult()), /Listing the GPUs/);
  });

  it('counts the tests a crash cut short in the live line\'s "tests done"', () => {
    const run = sampleRunResult();
    const crashed = run.files.find((file) => file.status === 'crashed') as FileResult;
    const stream = capture(true);
    const reporter = createConsoleReporter({ stream, color: false, now: () => run.startedAt, cwd: '/project' });
    reporter.onPlan?.({ rootDir: '/project', jobs: [crashed.job], notes: [] });
    // The process died inside its only test: no end of the test ever came.
    reporter.onFileStart?.(crashed.job, []);
    reporter.onFileEnd?.(crashed);
    assert.match(stream.text(), /1\/1 files, 1 test done, 1 file failed/);
    reporter.onRunEnd?.(run, []);
  });

  it('says the crash once when the file\'s error starts the message of the test it cut short', () => {
    const run = sampleRunResult();
    const files = run.files.map((file) => (file.status === 'crashed' ? { ...file, error: 'the test process was killed by SIGSEGV' } : file));
    const output = drive({ ...run, files });
    const crashLines = output.slice(output.indexOf('✖ cpu suites/unit/crash.test.mjs'), output.indexOf('\nFailures ('));
    assert.equal(crashLines.match(/killed by SIGSEGV/g)?.length, 1, crashLines);
  });

  it('names the earlier run\'s reports it removed, in the summary', () => {
    const lines = formatSummary(sampleRunResult(), [{ format: 'json', path: '/project/reports/results.json' }], new Chalk({ level: 0 }), '/project',
      ['/project/reports/report.md', '/project/reports/junit.xml']);
    assert.ok(lines.includes('Removed:  reports/report.md, reports/junit.xml: an earlier run\'s, not written by this run\'s reporters'), lines.join('\n'));
  });
});

describe('the report directory under --reporter console,json', () => {
  it('removes report.md and junit.xml an earlier run wrote, says which, and keeps a file of that name gpu-test did not write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpu-test-reports-'));
    const run = sampleRunResult();
    await writeReports(run, dir, ['console', 'markdown', 'junit', 'json']);
    assert.deepEqual(readdirSync(dir).sort(), ['junit.xml', 'report.md', 'results.json']);
    const { written, removed } = await writeReports(run, dir, ['console', 'json']);
    assert.deepEqual(written.map((report) => report.format), ['json']);
    assert.deepEqual(removed.sort(), [join(dir, 'junit.xml'), join(dir, 'report.md')]);
    assert.deepEqual(readdirSync(dir).sort(), ['results.json']);
    writeFileSync(join(dir, 'report.md'), '# Our own notes\n');
    assert.deepEqual((await writeReports(run, dir, ['json'])).removed, []);
    assert.deepEqual(readdirSync(dir).sort(), ['report.md', 'results.json']);
  });

  it('writes nothing, and creates no folder, for the console alone where no report folder exists', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'gpu-test-reports-')), 'reports');
    assert.deepEqual(await writeReports(sampleRunResult(), dir, ['console']), { written: [], failures: [], removed: [] });
    assert.equal(existsSync(dir), false);
  });
});

describe('colours, decided on the stream written to', () => {
  const terminal = { isTTY: true, hasColors: () => true };
  const pipe = { isTTY: false };

  it('are off under NO_COLOR on a terminal, and on under FORCE_COLOR on a pipe', () => {
    assert.equal(decideColor(terminal, null, { NO_COLOR: '1' }), false);
    assert.equal(decideColor(pipe, null, { FORCE_COLOR: '1' }), true);
    assert.equal(decideColor(terminal, null, { FORCE_COLOR: '0' }), false);
    assert.equal(decideColor(pipe, null, { FORCE_COLOR: '' }), true, 'set to nothing, FORCE_COLOR still forces, as Node reads it');
    assert.equal(decideColor(terminal, null, { NO_COLOR: '' }), true, 'NO_COLOR set to nothing is not set');
  });

  it('follow the stream, not another one: a terminal on stderr colours, a pipe does not, nor a terminal without colours', () => {
    assert.equal(decideColor(terminal, null, {}), true);
    assert.equal(decideColor(pipe, null, {}), false);
    assert.equal(decideColor({ isTTY: true, hasColors: () => false }, null, {}), false);
  });

  it('follow --color and --no-color over everything else', () => {
    assert.equal(decideColor(pipe, true, { NO_COLOR: '1' }), true);
    assert.equal(decideColor(terminal, false, { FORCE_COLOR: '1' }), false);
  });
});
