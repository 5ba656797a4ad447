// metric() inside a real test process started as the harness starts one (the built preload and API from dist/):
// each metric is attributed to the test in flight, subtests included, and to none outside every test.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { childRunner, DIST_API, notBuilt } from './run-child.js';

const { runChild, cleanUp } = childRunner('gpu-test-metrics-child-');
after(cleanUp);

const SOURCE = `import { test } from 'node:test';
import { metric } from ${JSON.stringify(DIST_API)};
metric('at_load', 0);
test('parent', async (t) => {
  metric('before_sub', 1);
  await t.test('child', () => { metric('in_sub', 2); });
  metric('after_sub', 3);
});
test('sibling', () => { metric('in_sibling', 4, { unit: 'ms' }); });
`;

describe('metric() in a real test process', { skip: notBuilt }, () => {
  it('attributes each metric to the test running when it was recorded, and none outside every test', async () => {
    const run = await runChild('metrics.test.mjs', SOURCE, {});
    assert.equal(run.code, 0, run.stderr);
    const owners = Object.fromEntries(run.metrics.map((m) => [m.name, m.test]));
    assert.equal(owners['at_load'], null);
    assert.equal(owners['before_sub'], 'parent');
    assert.equal(owners['in_sub'], 'child');
    const sibling = run.metrics.find((m) => m.name === 'in_sibling');
    assert.deepEqual([sibling?.test, sibling?.value, sibling?.unit], ['sibling', 4, 'ms']);
  });

  it('attributes a metric recorded after a subtest to the parent still running', async () => {
    const run = await runChild('metrics-after-sub.test.mjs', SOURCE, {});
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.metrics.find((m) => m.name === 'after_sub')?.test, 'parent');
  });
});
