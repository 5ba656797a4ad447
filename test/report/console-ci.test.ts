// The console in CI: on GitHub Actions an `::error file=,line=` annotation per failing test (escaped, at most ten),
// a `::group::` per file, and off a terminal a heartbeat line for a file running a minute or more, saying what runs,
// for how long and on how much VRAM; the job summary stays under GitHub's 1 MiB for 20,000 tests.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeData, escapeProperty, formatAnnotations } from '../../src/report/console-ci.js';
import { createConsoleReporter } from '../../src/report/console.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { fitStepSummary, STEP_SUMMARY_LIMIT_BYTES, summaryPointer } from '../../src/report/step-summary.js';
import { countResults } from '../../src/results/counts.js';
import type { FileResult, RunResult } from '../../src/results/run-result.js';
import { job, sampleRunResult, test } from '../helpers/sample-run-result.js';

function capture(): NodeJS.WritableStream & { text: () => string } {
  const chunks: string[] = [];
  return { write: (chunk: string) => chunks.push(chunk) > 0, text: () => chunks.join('') } as unknown as NodeJS.WritableStream & { text: () => string };
}

describe('GitHub annotations', () => {
  it('puts an error at each failing test\'s file and line, relative to the workspace, with its message escaped', () => {
    const lines = formatAnnotations(sampleRunResult(), '/project');
    assert.equal(lines.length, 2);
    assert.equal(lines[0], '::error file=suites/unit/math.test.ts,line=9,col=3,title=math > pipe | in <name> & "quotes" ]]> 🚀 \u0007 (AssertionError)::' +
      'Expected values to be strictly equal:%0A%0A1 !== 2%0A<&> ]]>');
    assert.match(lines[1] ?? '', /^::error file=suites\/unit\/crash\.test\.mjs,line=3,col=1,title=segfaults \(crash\)::the test process was killed by SIGSEGV/);
  });

  it('escapes what would end a property or the message; a file outside the workspace is placed by the project root', () => {
    assert.equal(escapeData('50% done\r\nnext'), '50%25 done%0D%0Anext');
    assert.equal(escapeProperty('a: b, c'), 'a%3A b%2C c');
    // A merged run's files ran on other machines: the merge job's workspace is elsewhere.
    assert.match(formatAnnotations(sampleRunResult(), '/elsewhere')[0] ?? '', /^::error file=suites\/unit\/math\.test\.ts,line=9,/);
    const outside = { ...sampleRunResult(), config: { ...sampleRunResult().config, rootDir: '/other' } };
    assert.match(formatAnnotations(outside, '/elsewhere')[0] ?? '', /^::error title=/);
  });

  it('gives at most ten errors, then a notice with how many more', () => {
    const base = sampleRunResult();
    const tests = Array.from({ length: 25 }, (_, i) => test({ name: `t${i}`, line: i + 1, status: 'failed', file: '/project/a.test.ts', failure: { type: 'AssertionError', message: 'no', stack: null } }));
    const file = { ...base.files[0], tests } as FileResult;
    const lines = formatAnnotations({ ...base, files: [file] }, '/project');
    assert.equal(lines.filter((line) => line.startsWith('::error ')).length, 10);
    assert.equal(lines[10], '::notice title=more in report.md::15 more failures, flaky tests or regressions are in report.md');
  });
});

describe('the console reporter in CI logs', () => {
  it('folds each file\'s tests into a group on GitHub and ends with the annotations', () => {
    const stream = capture();
    const reporter = createConsoleReporter({ stream, color: false, github: { workspace: '/project' }, heartbeatMs: 0 });
    const result = sampleRunResult();
    for (const file of result.files) reporter.onFileEnd?.(file);
    reporter.onRunEnd?.(result, []);
    const text = stream.text();
    assert.match(text, /::group::✔ gpu suites\/vlm\/ensemble\.test\.ts \(GPU 0\) {2}2 passed {2}2\.40 s\n {2}✔ ensemble > caption matches reference {2}800 ms {2}VRAM peak 6\.0 GiB\n {2}✔ ensemble > three models agree {2}1\.50 s {2}VRAM peak 7\.0 GiB\n::endgroup::\n/);
    assert.match(text, /::endgroup::\n {2}✖ math > pipe/, 'failures stay outside the folded group');
    assert.match(text, /\n::error file=suites\/unit\/math\.test\.ts,line=9,/);
  });

  it('writes a heartbeat for a file running a minute or more, once a minute, off a terminal', () => {
    const stream = capture();
    let now = 0;
    const timer: { tick: (() => void) | null } = { tick: null };
    const reporter = createConsoleReporter({ stream, color: false, now: () => now, every: (fn) => { timer.tick = fn; return () => { timer.tick = null; }; } });
    const flux = job('suites/flux/gen.test.ts', 'flux', ['gpu'], 'gpu');
    reporter.onReadings?.({ vramUsedBytes: (index) => (index === 0 ? 12.5 * 1024 ** 3 : null) });
    reporter.onFileStart?.(flux, [0]);
    reporter.onTestEnd?.(flux, 'warms up');
    now = 30_000;
    timer.tick?.();
    assert.equal(stream.text(), '', 'nothing before a minute');
    now = 61_000;
    timer.tick?.();
    now = 90_000;
    timer.tick?.();
    now = 125_000;
    timer.tick?.();
    assert.equal(stream.text(), [
      '… still running gpu suites/flux/gen.test.ts (GPU 0): 1:01 elapsed, 1 test done, VRAM 12.5 GiB',
      '… still running gpu suites/flux/gen.test.ts (GPU 0): 2:05 elapsed, 1 test done, VRAM 12.5 GiB', '',
    ].join('\n'));
    reporter.onRunEnd?.({ ...sampleRunResult(), files: [] }, []);
    assert.equal(timer.tick, null, 'the timer stops with the run');
  });
});

/** A run of 20,000 passing tests over 200 files, one failure: report.md well over 1 MiB. */
function hugeRun(): RunResult {
  const base = sampleRunResult();
  const files: FileResult[] = Array.from({ length: 200 }, (_, f) => ({
    ...base.files[0], job: job(`suites/unit/f${f}.test.ts`, 'unit', [], 'cpu'), status: f === 0 ? 'failed' : 'passed', stdout: '', stderr: '',
    tests: Array.from({ length: 100 }, (_, t) => test({ name: `case ${t} of file ${f} with a name long enough to matter`, line: t + 1, status: f === 0 && t === 0 ? 'failed' : 'passed',
      failure: f === 0 && t === 0 ? { type: 'AssertionError', message: 'expected 1\n\nactual 2', stack: 'AssertionError: x\n    at a (/project/x.test.ts:1:1)' } : null })),
  } as FileResult));
  return { ...base, files, counts: countResults(files) };
}

describe('the GitHub job summary', () => {
  it('stays under 1 MiB for 20,000 tests: the top of the report, cut outside any fence, then where the whole one is', () => {
    const markdown = renderMarkdown(hugeRun());
    assert.ok(Buffer.byteLength(markdown) > STEP_SUMMARY_LIMIT_BYTES, `report.md is ${Buffer.byteLength(markdown)} bytes`);
    const pointer = summaryPointer(Buffer.byteLength(markdown), { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/models', GITHUB_RUN_ID: '42' });
    const summary = fitStepSummary(markdown, STEP_SUMMARY_LIMIT_BYTES, pointer);
    assert.ok(Buffer.byteLength(summary) <= STEP_SUMMARY_LIMIT_BYTES);
    assert.ok(summary.startsWith('# gpu-test report\n\n**❌ Failed**: 19999 passed, 1 failed'));
    assert.match(summary, /## Failures \(1\)/);
    assert.ok(summary.endsWith(pointer));
    assert.match(pointer, /\[this run's artifacts\]\(https:\/\/github\.com\/acme\/models\/actions\/runs\/42\)/);
    assert.equal((summary.match(/^```/gm) ?? []).length % 2, 0, 'every fence opened is closed');
    // The cut fell in the folded per-test tables: their <details> is closed before the pointer.
    assert.equal((summary.match(/<details>/g) ?? []).length, (summary.match(/^<\/details>$/gm) ?? []).length, 'every <details> opened is closed');
    assert.ok(summary.lastIndexOf('</details>') < summary.indexOf(pointer));
    assert.equal(fitStepSummary('# small\n', STEP_SUMMARY_LIMIT_BYTES, pointer), '# small\n');
  });
});
