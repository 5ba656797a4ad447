// The child side of --repeat, for real: a node process started as the harness starts it (the built preload and
// reporter, IPC, a `go` message, every boundary acknowledged) with GPU_TEST_REPEAT=3 runs each test of an ES module
// and of a CommonJS file three times, skipped tests once, only the listed tests under GPU_TEST_REPEAT_ONLY, and
// the reporter points every iteration at the test's own line. Runs the compiled preload in dist/ (`npm test` builds
// it first), as test/e2e does: the resolve hook serves a .js facade that exists only there.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPEAT_ENV, REPEAT_ONLY_ENV } from '../../../src/execute/child/repeat-tests.js';
import { childRunner, notBuilt, type ChildRun } from './run-child.js';

const { dir, runChild, cleanUp } = childRunner('gpu-test-repeat-child-');
after(cleanUp);

const lineOf = (source: string, text: string): number => source.split('\n').findIndex((line) => line.includes(text)) + 1;

const ESM = `import { describe, it, test } from 'node:test';
import nodeTest from 'node:test';

test('adds', () => {});
describe('group', () => {
  it('nested', () => {});
});
test.skip('skipped once', () => {});
test('todo once', { todo: true }, () => {});
nodeTest('default export', () => {});
`;

const CJS = `const { test } = require('node:test');
const nodeTest = require('node:test');
test('required', () => {});
nodeTest('required default', () => {});
`;

describe('--repeat in a real test process', { skip: notBuilt }, () => {
  it('runs each test of an ES module three times, skipped and todo tests once, iterations at the test\'s own line', async () => {
    const run = await runChild('esm.test.mjs', ESM, { [REPEAT_ENV]: '3' });
    assert.equal(run.code, 0, run.stderr);
    const tests = run.records.filter((record) => !record.isSuite);
    const iterations = (name: string): string[] => [1, 2, 3].map((i) => `${name} [repeat ${i}/3]`);
    assert.deepEqual(tests.map((record) => record.fullName).sort(), [
      ...iterations('adds'), ...iterations('default export'), ...iterations('group > nested'), 'skipped once', 'todo once',
    ].sort());
    for (const record of tests) {
      const plain = record.name.replace(/ \[repeat \d\/3\]$/, '');
      assert.equal(record.line, lineOf(ESM, `'${plain}'`), `${record.fullName} is reported at its own line, not the wrapper's`);
      assert.equal(record.file, join(dir, 'esm.test.mjs'));
    }
    assert.equal(tests.find((record) => record.name === 'todo once')?.status, 'todo');
    assert.equal(tests.find((record) => record.name === 'skipped once')?.status, 'skipped');
    // Each iteration is a test of its own to the boundary hooks, so the harness samples memory after each.
    assert.equal(run.begun.filter((name) => name.startsWith('adds [repeat ')).length, 3);
  });

  it('repeats tests of a CommonJS file that requires node:test', async () => {
    const run = await runChild('cjs.test.cjs', CJS, { [REPEAT_ENV]: '3' });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.records.map((record) => record.name).sort(), [
      'required [repeat 1/3]', 'required [repeat 2/3]', 'required [repeat 3/3]',
      'required default [repeat 1/3]', 'required default [repeat 2/3]', 'required default [repeat 3/3]',
    ]);
    assert.ok(run.records.every((record) => record.line === lineOf(CJS, `'${record.name.replace(/ \[repeat \d\/3\]$/, '')}'`)));
  });

  it('repeats only the tests a re-check names, and skips the others with the reason', async () => {
    const run = await runChild('recheck.test.mjs', ESM, { [REPEAT_ENV]: '2', [REPEAT_ONLY_ENV]: JSON.stringify(['adds']) });
    assert.equal(run.code, 0, run.stderr);
    const byName = new Map(run.records.filter((record) => !record.isSuite).map((record) => [record.fullName, record]));
    assert.deepEqual([...byName.keys()].sort(), ['adds [repeat 1/2]', 'adds [repeat 2/2]', 'default export', 'group > nested', 'skipped once', 'todo once']);
    assert.equal(byName.get('default export')?.status, 'skipped');
    assert.equal(byName.get('default export')?.skipReason, 'not part of the leak re-check');
    assert.equal(byName.get('group > nested')?.skipReason, 'not part of the leak re-check');
  });

  it('runs every test once without GPU_TEST_REPEAT', async () => {
    const run = await runChild('once.test.mjs', ESM, {});
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.records.filter((record) => !record.isSuite).map((record) => record.fullName).sort(), ['adds', 'default export', 'group > nested', 'skipped once', 'todo once']);
  });

  it('reports tests skipped or todo through their options, and those a re-check skips, at their own line', async () => {
    const first = await runChild('options.test.mjs', ESM, { [REPEAT_ENV]: '2' });
    const recheck = await runChild('options-recheck.test.mjs', ESM, { [REPEAT_ENV]: '2', [REPEAT_ONLY_ENV]: JSON.stringify(['adds']) });
    const at = (run: ChildRun, name: string): [string | null, number | null] | undefined => {
      const record = run.records.find((r) => r.name === name);
      return record && [record.file, record.line];
    };
    assert.deepEqual(at(first, 'todo once'), [join(dir, 'options.test.mjs'), lineOf(ESM, "'todo once'")]);
    assert.deepEqual(at(recheck, 'default export'), [join(dir, 'options-recheck.test.mjs'), lineOf(ESM, "'default export'")]);
  });

  it('reports each of two same-named tests in different suites at its own line', async () => {
    const source = `import { describe, it } from 'node:test';
describe('first', () => {
  it('same', () => {}); // FIRST
});
describe('second', () => {
  it('same', () => {}); // SECOND
});
`;
    const run = await runChild('same-name.test.mjs', source, { [REPEAT_ENV]: '2' });
    assert.equal(run.code, 0, run.stderr);
    const lines = (suite: string): (number | null)[] => run.records.filter((record) => record.fullName.startsWith(`${suite} > `)).map((record) => record.line);
    assert.deepEqual(lines('first'), [lineOf(source, '// FIRST'), lineOf(source, '// FIRST')]);
    assert.deepEqual(lines('second'), [lineOf(source, '// SECOND'), lineOf(source, '// SECOND')]);
  });
});
