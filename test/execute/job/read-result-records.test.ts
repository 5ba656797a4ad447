// Reading the results file a test process's reporter wrote: the process can write anything there, so a bad line is
// skipped (with a warning) and the records after it kept, a record's shape is checked, and its text capped again.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MESSAGE_LIMIT_BYTES } from '../../../src/units/cap-text.js';
import type { ResultRecord } from '../../../src/execute/child/protocol.js';
import { readResultRecords } from '../../../src/execute/job/read-result-records.js';
import { splitAtMarker } from '../../helpers/split-at-marker.js';

const dir = mkdtempSync(join(tmpdir(), 'gpu-test-records-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function record(name: string, partial: Partial<ResultRecord> = {}): ResultRecord {
  return {
    name, fullName: name, nesting: 0, file: '/p/a.test.mjs', line: 3, column: 1, isSuite: false, status: 'passed',
    durationMs: 1.5, skipReason: null, failure: null, ...partial,
  };
}

function writeLines(name: string, lines: readonly string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join(''));
  return path;
}

const line = (value: unknown): string => `${JSON.stringify(value)}\n`;

describe('readResultRecords', () => {
  it('reads every record of a well-formed file, unchanged, with no warning', async () => {
    const records = [record('one'), record('two', { status: 'failed', failure: { type: 'AssertionError', message: 'no', stack: 'Error: no\n    at x' } })];
    assert.deepEqual(await readResultRecords(writeLines('good.jsonl', records.map(line))), { records, warnings: [] });
  });

  it('returns nothing for a missing file', async () => {
    assert.deepEqual(await readResultRecords(join(dir, 'missing.jsonl')), { records: [], warnings: [] });
  });

  it('skips a bad line in the middle, keeps the records after it and says so', async () => {
    const path = writeLines('bad-middle.jsonl', [
      line(record('first')), 'Hello from a test that wrote here\n', line(record('after garbage')), '{"name":"cut\n', '42\n',
      line({ name: 'no status' }), line(record('last')),
    ]);
    const { records, warnings } = await readResultRecords(path);
    assert.deepEqual(records.map((r) => r.name), ['first', 'after garbage', 'last']);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /^skipped 4 lines of the test results file that are not a test record \(line 2, 4, 5, 6; the first reads "Hello from a test that wrote here"\) and kept the records after them/);
  });

  it('skips without a warning a last line cut short by the process\'s end', async () => {
    const path = writeLines('cut-last.jsonl', [line(record('finished')), '{"name":"half-writ']);
    assert.deepEqual(await readResultRecords(path), { records: [record('finished')], warnings: [] });
  });

  it('caps a failure message, stack and skip reason a test process wrote whole', async () => {
    const huge = 'z'.repeat(5 * 1024 * 1024);
    const path = writeLines('huge.jsonl', [
      line(record('fails', { status: 'failed', failure: { type: 'Error', message: huge, stack: `Error: ${huge}\n    at t (/p/a.test.mjs:3:1)` } })),
      line(record('skips', { status: 'skipped', skipReason: huge })),
    ]);
    const { records } = await readResultRecords(path);
    const failure = records[0]?.failure;
    assert.ok(Buffer.byteLength(failure?.message ?? '') <= MESSAGE_LIMIT_BYTES);
    const { head, dropped, tail } = splitAtMarker(failure?.message ?? '');
    assert.equal(head.length + dropped + tail.length, huge.length);
    assert.ok(failure?.stack?.endsWith('    at t (/p/a.test.mjs:3:1)'));
    assert.ok(Buffer.byteLength(records[1]?.skipReason ?? '') <= MESSAGE_LIMIT_BYTES);
  });

  it('fills what a hand-written record leaves out, so the rest of the harness can trust every field', async () => {
    const path = writeLines('sparse.jsonl', [line({ name: 'bare', status: 'failed', line: 'seven', failure: 'not an object' })]);
    assert.deepEqual((await readResultRecords(path)).records, [{
      name: 'bare', fullName: 'bare', nesting: 0, file: null, line: null, column: null, isSuite: false, status: 'failed',
      durationMs: 0, skipReason: null, failure: { type: 'Error', message: 'test failed', stack: null },
    }]);
  });
});
