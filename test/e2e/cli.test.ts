// End to end: the commands, exit codes and error messages a user meets first.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fakeGpuEnv, setupFakeGpu } from '../../fixtures/fake-gpu/fake-gpu.mjs';
import { readSpans, runCli } from './run-cli.js';

/** A simulated host whose driver is broken: nvidia-smi prints the real error and exits 9. */
function brokenDriverEnv(): NodeJS.ProcessEnv {
  const state = mkdtempSync(join(tmpdir(), 'gpu-test-broken-gpu-'));
  setupFakeGpu(state, [{ name: 'NVIDIA GeForce RTX 4090', uuid: 'GPU-00000000-0000-0000-0000-000000000001', totalMiB: 24564 }]);
  writeFileSync(join(state, 'fail.txt'), "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n");
  return fakeGpuEnv(state) as NodeJS.ProcessEnv;
}

describe('gpu-test CLI', () => {
  it('prints help and version', async () => {
    const help = await runCli({ project: 'mixed', args: ['--help'] });
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: gpu-test <command>/);
    const version = await runCli({ project: 'mixed', args: ['--version'] });
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  it('lists the plan without running anything: suite, tags, lane, and why a file would be skipped', async () => {
    const list = await runCli({ project: 'mixed', args: ['list'], env: brokenDriverEnv() });
    assert.equal(list.code, 0, list.stderr);
    // Columns: FILE SUITE TAGS NEEDS LANE STATUS; these files declare no needs (`-`).
    assert.match(list.stdout, /cpu\/a\.test\.mjs\s+cpu\s+-\s+-\s+cpu\s+run/);
    assert.match(list.stdout, /flux\/f\.test\.mjs\s+flux\s+flux,gpu\s+-\s+gpu\s+skip: gated: set ENABLE_FLUX_TESTS=1 \(or pass --enable flux\)/);
    assert.match(list.stdout, /gpu\/g2\.test\.mjs\s+gpu\s+gpu\s+-\s+gpu\s+skip: no usable GPU: .*couldn't communicate with the NVIDIA driver/);
    assert.equal(list.json, null, 'list writes no report');
  });

  it('skips GPU files with the reason when the driver is broken, and still passes the CPU files', async () => {
    const run = await runCli({ project: 'mixed', args: ['run'], env: brokenDriverEnv() });
    assert.equal(run.code, 0, run.stderr);
    const g1 = run.json?.files.find((f) => f.id === 'gpu/g1.test.mjs');
    assert.equal(g1?.status, 'skipped');
    assert.match(g1?.skipReason ?? '', /no usable GPU: .*NVIDIA driver/);
    // A GPU file may boot while the GPUs are listed, but its tests never run once none is found.
    assert.equal(readSpans(run.timelineDir, ['gpu-1', 'gpu-2']).size, 0);
    assert.match(run.markdown ?? '', /NVIDIA driver/);
  });

  it('fails GPU files instead under --require-gpu, so a broken runner cannot pass by skipping', async () => {
    const run = await runCli({ project: 'mixed', args: ['run', '--require-gpu'], env: brokenDriverEnv() });
    assert.equal(run.code, 1);
    assert.equal(run.json?.files.find((f) => f.id === 'gpu/g1.test.mjs')?.status, 'failed');
    assert.match(run.junit ?? '', /--require-gpu makes a missing GPU a failure/);
  });

  it('exits 2 on a malformed config, naming file, line, column and the fix', async () => {
    const run = await runCli({ project: 'bad-config', args: ['run'] });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /gpu-test\.config\.yaml:4:\d+: `suites\[0\]\.timeout` must be a positive number of milliseconds/);
    assert.match(run.stderr, /15 min/);
    assert.equal(run.json, null);
  });

  it('exits 2 on an unknown tag, a missing path and a bad flag', async () => {
    const tag = await runCli({ project: 'mixed', args: ['run', '--enable', 'fluxx'] });
    assert.equal(tag.code, 2);
    assert.match(tag.stderr, /unknown tag `fluxx`.*did you mean `flux`/);
    const path = await runCli({ project: 'mixed', args: ['run', 'nope/x.test.mjs'] });
    assert.equal(path.code, 2);
    assert.match(path.stderr, /nope\/x\.test\.mjs/);
    const flag = await runCli({ project: 'mixed', args: ['run', '--concurrency', 'many'] });
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--concurrency must be a positive whole number, got `many`/);
  });

  it('runs only the given path, and exits 1 when a test fails', async () => {
    const run = await runCli({ project: 'broken', args: ['run', 'ok.test.mjs'] });
    assert.equal(run.code, 1);
    assert.deepEqual(run.json?.files.map((f) => f.id), ['ok.test.mjs']);
  });
});
