// End to end: a test file that fails with a 50 MB assertion message, sends a metric with a 1 MB name over IPC and
// writes garbage into its results file. The run still fails that one test, every report stays small (bounds below,
// documented in the README's Reports section) and names the test with the head of its message and the bytes dropped,
// the JUnit file still validates, and the tests after the garbage are still reported.

import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { before, describe, it } from 'node:test';
import { MESSAGE_LIMIT_BYTES, NAME_LIMIT_CHARS, STACK_LIMIT_BYTES } from '../../src/units/cap-text.js';
import { FIXTURES, REPO, runCli, type CliRun } from '../e2e/run-cli.js';
import { splitAtMarker } from '../helpers/split-at-marker.js';
import { validateJunit } from '../report/validate-junit.js';

const PROJECT = relative(FIXTURES, join(REPO, 'test/faults/fixtures/bounded-output'));
const KiB = 1024;
const MiB = 1024 * KiB;
/** The message the fixture fails with: `HEAD`, 50 MiB of `x`, `TAIL`. */
const MESSAGE_BYTES = 50 * MiB + 8;
const FAILED = 'fails with a 50 MB message';

/** Checks a cut message: at most `limit` bytes, its head and tail, and a marker that counts exactly what went. */
function assertCut(message: string, limit: number, where: string): void {
  assert.ok(Buffer.byteLength(message) <= limit, `${where}: ${Buffer.byteLength(message)} bytes`);
  const { head, dropped, tail } = splitAtMarker(message);
  assert.ok(head.startsWith('HEADxxx') && tail.endsWith('xxxTAIL'), `${where}: head and tail`);
  assert.equal(head.length + dropped + tail.length, MESSAGE_BYTES, `${where}: the bytes dropped`);
}

describe('gpu-test run on a test that fails with a 50 MB message', () => {
  let run: CliRun;
  before(async () => {
    run = await runCli({ project: PROJECT, args: ['run'] });
  });

  it('exits 1, the one test failed and the tests after the garbage line still reported', () => {
    assert.equal(run.code, 1, run.stderr.slice(0, 4000));
    const tests = run.json?.files[0]?.tests.map((t) => [t.name, t.status]);
    assert.deepEqual(tests, [
      [FAILED, 'failed'], ['records a metric with a 1 MB name', 'passed'], ['writes garbage into the results file', 'passed'], ['passes after the garbage', 'passed'],
    ]);
  });

  it('keeps every report file small: junit.xml, results.json and report.md each under 1 MB', () => {
    for (const name of ['junit.xml', 'results.json', 'report.md']) {
      const size = statSync(join(run.reportDir, name)).size;
      assert.ok(size < 1_000_000, `${name} is ${size} bytes`);
    }
  });

  it('prints only a few KiB to the console, the failed test named with the head of its message and the bytes dropped', () => {
    assert.ok(run.stderr.length < 16 * KiB, `the console got ${run.stderr.length} characters`);
    const shown = new RegExp(`  ✖ ${FAILED}\\n {4}hostile\\.test\\.mjs:8\\n {4}(HEADx+\\n)\\s*(\\[… [\\d,]+ bytes dropped …\\]\\n)\\s*(x+TAIL)\\n`).exec(run.stderr);
    assertCut((shown ?? assert.fail(run.stderr.slice(0, 2000))).slice(1).join(''), 2 * KiB, 'console');
  });

  it('names the failed test with the head and tail of its message and the bytes dropped, in results.json', () => {
    const failure = run.json?.files[0]?.tests[0]?.failure;
    assert.equal(failure?.type, 'AssertionError');
    assertCut(failure?.message ?? '', MESSAGE_LIMIT_BYTES, 'results.json');
  });

  it('does the same in report.md', () => {
    const failures = run.markdown?.split('## Failures (1)')[1]?.split('\n## ')[0] ?? assert.fail('no Failures section');
    assert.match(failures, new RegExp(`### ❌ ${FAILED}\\n`));
    assertCut(/```text\n([^`]*?)\n\n {4}at /.exec(failures)?.[1] ?? assert.fail('no fenced message'), MESSAGE_LIMIT_BYTES, 'report.md');
  });

  it('does the same in junit.xml, which still validates', async () => {
    const junit = run.junit ?? assert.fail('no junit.xml');
    assert.deepEqual(await validateJunit(junit), []);
    const testcase = junit.split(`<testcase name="${FAILED}"`)[1]?.split('</testcase>')[0] ?? assert.fail('no testcase');
    const [, message = '', stack = ''] = /<failure type="AssertionError" message="([^"]*)">([^<]*)<\/failure>/.exec(testcase) ?? assert.fail('no <failure>');
    // Only `&#10;` is escaped in a message of x's; the stack is text, its line breaks raw.
    assertCut(message.replace(/&#10;/g, '\n'), MESSAGE_LIMIT_BYTES, 'junit.xml message');
    assert.ok(Buffer.byteLength(stack) <= STACK_LIMIT_BYTES && /bytes dropped …\][^]*hostile\.test\.mjs:9:\d+/.test(stack), 'the stack, cut, with its frame');
  });

  it('cuts the metric name and unit a test sent over IPC to 200 characters', () => {
    const json = JSON.parse(JSON.stringify(run.json)) as { files: { tests: { metrics: { name: string; unit: string | null }[] }[] }[] };
    const [metric] = json.files[0]?.tests[1]?.metrics ?? [];
    assert.equal(metric?.name.length, NAME_LIMIT_CHARS);
    assert.ok(metric?.name.startsWith('mnnn'));
    assert.equal(metric?.unit?.length, NAME_LIMIT_CHARS);
  });

  it('says in a warning that a line of the results file was skipped', () => {
    const warnings = (run.json as unknown as { warnings: string[] }).warnings;
    assert.ok(warnings.some((w) => /^hostile\.test\.mjs: skipped a line of the test results file that is not a test record \(line \d+; it reads "not a record"\)/.test(w)), warnings.join('\n'));
  });
});
