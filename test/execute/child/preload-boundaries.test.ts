// When a test waits for the harness, in a real test process started as the harness starts one: at each begin where
// the harness reads VRAM (so the card is read before the body runs), never at an end, never in a cpu-lane file; and
// the process does not exit before the harness has recorded every boundary (its flush is answered).

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { childRunner, DIST_API, notBuilt } from './run-child.js';

const { runChild, cleanUp } = childRunner('gpu-test-boundaries-child-');
after(cleanUp);

const SOURCE = `import { test } from 'node:test';
import { metric } from ${JSON.stringify(DIST_API)};
test('loads', async (t) => {
  metric('body_of_loads', 1);
  await t.test('nested', () => { metric('body_of_nested', 2); });
});
test('generates', () => { metric('body_of_generates', 3); });
`;

describe('test boundaries in a real test process', { skip: notBuilt }, () => {
  it('in a file whose VRAM is read, each test (nested ones too) waits at its begin until the harness answers, and never at its end', async () => {
    const run = await runChild('gpu-lane.test.mjs', SOURCE, {}, { readsVram: true });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.boundaries.map((b) => `${b.phase}:${b.name}:${b.wait}`), [
      'begin:loads:true', 'begin:nested:true', 'end:nested:false', 'end:loads:false', 'begin:generates:true', 'end:generates:false',
    ]);
    // The harness answers one event-loop turn after a begin comes: a body that did not wait would be heard first.
    const seqOf = (name: string) => run.boundaries.find((b) => b.phase === 'begin' && b.name === name)?.seq;
    for (const [test, body] of [['loads', 'body_of_loads'], ['nested', 'body_of_nested'], ['generates', 'body_of_generates']] as const) {
      const answered = run.events.indexOf(`ack:${seqOf(test)}`);
      assert.ok(answered !== -1 && answered < run.events.indexOf(`metric:${body}`), `${test} ran before its begin was answered: ${run.events.join(' ')}`);
    }
  });

  it('in a cpu-lane file, no test waits for the harness: the file runs to its end with no begin answered', async () => {
    const run = await runChild('cpu-lane.test.mjs', SOURCE, {}, { readsVram: false });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.records.filter((r) => !r.isSuite).map((r) => [r.name, r.status]), [['nested', 'passed'], ['loads', 'passed'], ['generates', 'passed']]);
    assert.ok(run.boundaries.every((b) => b.wait === false), run.boundaries.map((b) => `${b.phase}:${b.name}:${b.wait}`).join(' '));
    assert.ok(!run.events.some((event) => event.startsWith('ack:')));
  });

  it('does not exit before the harness has answered its flush, sent after the last boundary', async () => {
    const run = await runChild('flush.test.mjs', SOURCE, {}, { readsVram: false });
    assert.equal(run.code, 0, run.stderr);
    const order = ['end:generates', 'flush', 'flush-ack', 'exit'].map((event) => run.events.indexOf(event));
    assert.ok(order.every((at, i) => at !== -1 && (i === 0 || at > (order[i - 1] ?? -1))), run.events.join(' '));
  });
});
