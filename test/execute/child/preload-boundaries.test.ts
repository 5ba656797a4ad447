// When a test waits for the harness, in a real test process started as the harness starts one: never in a cpu-lane
// file; at every begin and end where the harness reads VRAM (the nvidia-smi stream), so the reading is taken there;
// and where the process reads its own cards through NVML, never at a begin and at an end only when its VRAM moved (for
// the harness to let it settle). The process does not exit before the harness has recorded every boundary.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setupFakeGpu } from '../../../fixtures/fake-gpu/fake-gpu.mjs';
import { buildFakeNvml, fakeNvmlSkipReason } from '../../probe/fake-nvml-build.js';
import { CHILD_NVML_ENV } from '../../../src/execute/child/protocol.js';
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

const FAKE_GPU = JSON.stringify(new URL('../../../fixtures/fake-gpu/fake-gpu.mjs', import.meta.url).href);
const ALLOCATING = `import { test } from 'node:test';
import { allocate, free } from ${FAKE_GPU};
test('reads a tokenizer', () => {});
test('loads 256 MiB and keeps them', () => { allocate(256); });
test('frees them', () => { free(256); });
test('allocates and frees inside the test', () => { allocate(64); free(64); });
`;

const waits = (run: { boundaries: readonly { phase: string; name: string; wait: boolean }[] }) => run.boundaries.map((b) => `${b.phase}:${b.name}:${b.wait}`);

describe('test boundaries in a real test process', { skip: notBuilt }, () => {
  it('where the harness reads VRAM, each test (nested ones too) waits at its begin and its end until the harness answers', async () => {
    const run = await runChild('harness-reads.test.mjs', SOURCE, {}, { vram: { by: 'harness' } });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(waits(run), [
      'begin:loads:true', 'begin:nested:true', 'end:nested:true', 'end:loads:true', 'begin:generates:true', 'end:generates:true',
    ]);
    // The harness answers one event-loop turn after a boundary comes: a body that did not wait would be heard first.
    const seqOf = (name: string) => run.boundaries.find((b) => b.phase === 'begin' && b.name === name)?.seq;
    for (const [test, body] of [['loads', 'body_of_loads'], ['nested', 'body_of_nested'], ['generates', 'body_of_generates']] as const) {
      const answered = run.events.indexOf(`ack:${seqOf(test)}`);
      assert.ok(answered !== -1 && answered < run.events.indexOf(`metric:${body}`), `${test} ran before its begin was answered: ${run.events.join(' ')}`);
    }
  });

  it('where the process reads its own cards through NVML, a test waits only at an end whose VRAM moved, and sends its readings', { skip: fakeNvmlSkipReason() }, async () => {
    const state = setupFakeGpu(mkdtempSync(join(tmpdir(), 'gpu-test-boundaries-gpu-')));
    const nvmlLibrary = buildFakeNvml();
    const run = await runChild('own-cards.test.mjs', ALLOCATING, { FAKE_GPU_STATE: state }, { vram: { by: 'child', nvmlLibrary, gpus: [0] } });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(waits(run), [
      'begin:reads a tokenizer:false', 'end:reads a tokenizer:false',
      'begin:loads 256 MiB and keeps them:false', 'end:loads 256 MiB and keeps them:true',
      'begin:frees them:false', 'end:frees them:true',
      'begin:allocates and frees inside the test:false', 'end:allocates and frees inside the test:false',
    ]);
    const MiB = 1024 * 1024;
    assert.deepEqual(run.boundaries.map((b) => b.vram?.map((gpu) => [gpu.index, (gpu.usedBytes ?? -1) / MiB])), [
      [[0, 0]], [[0, 0]], [[0, 0]], [[0, 256]], [[0, 256]], [[0, 0]], [[0, 0]], [[0, 0]],
    ]);
  });

  it('opens NVML while it waits for its turn where the harness hints at the library, and keeps the hint from the tests', { skip: fakeNvmlSkipReason() }, async () => {
    const state = setupFakeGpu(mkdtempSync(join(tmpdir(), 'gpu-test-boundaries-gpu-')));
    const nvmlLibrary = buildFakeNvml();
    const source = `import assert from 'node:assert/strict';\nimport { test } from 'node:test';\nimport { allocate } from ${FAKE_GPU};\n` +
      `test('does not see the hint', () => { assert.equal(process.env.${CHILD_NVML_ENV}, undefined); allocate(64); });\n`;
    const setting = { by: 'child', nvmlLibrary, gpus: [0] } as const;
    // The hint right, then wrong (a library that does not load): the readings come either way, from the session the
    // process opened early or from one it opened when its turn came.
    for (const hint of [nvmlLibrary, join(state, 'no-such-libnvidia-ml.so.1')]) {
      const run = await runChild('hinted.test.mjs', source, { FAKE_GPU_STATE: state }, { vram: setting, spawnEnv: { [CHILD_NVML_ENV]: hint } });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(run.boundaries.map((b) => [b.phase, b.wait, b.vram !== undefined]), [['begin', false, true], ['end', true, true]], hint);
    }
  });

  it('in a cpu-lane file, no test waits for the harness: the file runs to its end with no boundary answered', async () => {
    const run = await runChild('cpu-lane.test.mjs', SOURCE, {});
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.records.filter((r) => !r.isSuite).map((r) => [r.name, r.status]), [['nested', 'passed'], ['loads', 'passed'], ['generates', 'passed']]);
    assert.ok(run.boundaries.every((b) => b.wait === false && b.vram === undefined), waits(run).join(' '));
    assert.ok(!run.events.some((event) => event.startsWith('ack:')));
  });

  it('does not exit before the harness has answered its flush, sent after the last boundary', async () => {
    const run = await runChild('flush.test.mjs', SOURCE, {});
    assert.equal(run.code, 0, run.stderr);
    const order = ['end:generates', 'flush', 'flush-ack', 'exit'].map((event) => run.events.indexOf(event));
    assert.ok(order.every((at, i) => at !== -1 && (i === 0 || at > (order[i - 1] ?? -1))), run.events.join(' '));
  });
});
