// The child's reporter in a real test process started as the harness starts one (the built preload and reporter from
// dist/): a test that fails with a 50 MB message, or skips with a 50 MB reason, leaves a small record in the results
// file, its message cut to its head and tail with the bytes dropped said in place.

import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MESSAGE_LIMIT_BYTES, STACK_LIMIT_BYTES } from '../../../src/units/cap-text.js';
import { childRunner, notBuilt } from './run-child.js';
import { splitAtMarker } from '../../helpers/split-at-marker.js';

const { dir, runChild, cleanUp } = childRunner('gpu-test-reporter-child-');
after(cleanUp);

const MiB = 1024 * 1024;
const SOURCE = `import assert from 'node:assert/strict';
import { test } from 'node:test';
test('fails with 50 MB', () => { assert.fail('HEAD' + 'x'.repeat(50 * ${MiB}) + 'TAIL'); });
test('skips with 50 MB', (t) => { t.skip('why' + 'y'.repeat(50 * ${MiB})); });
test('passes after them', () => {});
`;

describe('the reporter in a real test process', { skip: notBuilt }, () => {
  it('caps a failure message, its stack and a skip reason before they reach the results file', async () => {
    const run = await runChild('huge.test.mjs', SOURCE, {});
    assert.equal(run.code, 1, run.stderr);
    assert.ok(statSync(join(dir, 'huge.test.mjs.jsonl')).size < 4 * (MESSAGE_LIMIT_BYTES + STACK_LIMIT_BYTES), 'the results file stays small');
    assert.deepEqual(run.records.map((r) => [r.name, r.status]), [['fails with 50 MB', 'failed'], ['skips with 50 MB', 'skipped'], ['passes after them', 'passed']]);
    const failure = run.records[0]?.failure;
    assert.equal(failure?.type, 'AssertionError');
    assert.ok(Buffer.byteLength(failure?.message ?? '') <= MESSAGE_LIMIT_BYTES);
    const { head, dropped, tail } = splitAtMarker(failure?.message ?? '');
    assert.ok(head.startsWith('HEADxxx') && tail.endsWith('xxxTAIL'), 'head and tail kept');
    assert.equal(head.length + dropped + tail.length, 50 * MiB + 8, 'the exact bytes dropped');
    assert.ok(Buffer.byteLength(failure?.stack ?? '') <= STACK_LIMIT_BYTES);
    assert.match(failure?.stack ?? '', /bytes dropped …\]\n[^]*huge\.test\.mjs:3:\d+/, 'the stack keeps its frames after the cut');
    assert.ok(run.records[1]?.skipReason?.startsWith('whyyyy'));
    assert.match(run.records[1]?.skipReason ?? '', /bytes dropped …\]/);
  });
});
