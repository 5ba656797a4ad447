// End to end with a simulated GPU: lanes, gating, VRAM deltas in every report, and a valid JUnit file.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fakeGpuEnv, setupFakeGpu } from '../../fixtures/fake-gpu/fake-gpu.mjs';
import { RUN_TAG_ENV } from '../../src/execute/child/protocol.js';
import { NVML_LIBRARY_ENV } from '../../src/probe/nvml.js';
import { findTaggedProcesses } from '../../src/probe/tagged-processes.js';
import { buildFakeNvml, fakeNvmlSkipReason } from '../probe/fake-nvml-build.js';
import { validateJunit } from '../report/validate-junit.js';
import { readSpans, runCli, type CliRun } from './run-cli.js';

const MiB = 1024 * 1024;
const GPU_UUID = 'GPU-d7bc1e4b-81c4-1f5e-ef93-3cc314b2269d';

describe('gpu-test run on a mixed project with one simulated GPU', () => {
  let run: CliRun;
  before(async () => {
    const state = mkdtempSync(join(tmpdir(), 'gpu-test-fake-gpu-'));
    setupFakeGpu(state, [{ name: 'NVIDIA H100 80GB HBM3', uuid: GPU_UUID, totalMiB: 81559 }]);
    // The CPU files a and b and the first GPU file wait for each other (MEET_FILES): they overlap if and only if the
    // scheduler runs them side by side, whatever the machine's load.
    run = await runCli({ project: 'mixed', args: ['run', '--concurrency', '2'], env: { ...fakeGpuEnv(state), MEET_FILES: '1' } });
  });

  it('exits 0: every executed test passed', () => {
    assert.equal(run.code, 0, run.stderr);
  });

  it('never overlaps the two GPU files, while CPU files run beside them', () => {
    const spans = readSpans(run.timelineDir, ['gpu-1', 'gpu-2', 'cpu-a', 'cpu-b', 'cpu-c']);
    assert.equal(spans.size, 5, `recorded spans: ${[...spans.keys()].join(', ')}`);
    const g1 = spans.get('gpu-1')!;
    const g2 = spans.get('gpu-2')!;
    assert.ok(g1.end <= g2.start || g2.end <= g1.start, `GPU files overlapped: ${JSON.stringify([g1, g2])}`);
    const gpuCovered = (t0: number, t1: number) => [g1, g2].some((g) => t0 < g.end && g.start < t1);
    const besideGpu = ['cpu-a', 'cpu-b', 'cpu-c'].filter((name) => { const s = spans.get(name)!; return gpuCovered(s.start, s.end); });
    assert.ok(besideGpu.length >= 2, `only ${besideGpu.join(', ') || 'no CPU file'} ran beside a GPU file`);
  });

  it('gives GPU files the GPU by UUID and CPU files none', () => {
    const spans = readSpans(run.timelineDir, ['gpu-1', 'cpu-a']);
    assert.equal(spans.get('gpu-1')?.cuda, GPU_UUID);
    assert.equal(spans.get('cpu-a')?.cuda, null);
  });

  it('runs the TypeScript file on Node 20', () => {
    const file = run.json?.files.find((f) => f.id === 'cpu/c.test.ts');
    assert.equal(file?.status, 'passed');
    assert.deepEqual(file?.tests.map((t) => t.name), ['typed cpu work']);
  });

  it('reports the gated flux file as skipped, naming the variable, in every report', () => {
    const flux = run.json?.files.find((f) => f.id === 'flux/f.test.mjs');
    assert.equal(flux?.status, 'skipped');
    assert.match(flux?.skipReason ?? '', /ENABLE_FLUX_TESTS=1/);
    assert.match(run.markdown ?? '', /ENABLE_FLUX_TESTS=1/);
    assert.match(run.junit ?? '', /<skipped type="gated" message="gated: set ENABLE_FLUX_TESTS=1/);
    assert.match(run.stderr, /ENABLE_FLUX_TESTS=1/);
  });

  it('shows the 512 MiB the test allocated on the simulated GPU as its VRAM delta', () => {
    const test = run.json?.files.find((f) => f.id === 'gpu/g1.test.mjs')?.tests.find((t) => t.name === 'loads 512 MiB of weights');
    assert.equal((test?.deltas?.vramAfterBytes ?? NaN) - (test?.deltas?.vramBeforeBytes ?? NaN), 512 * MiB);
    // The row in the file's table under Tests (it starts with the status); other sections name the test too.
    const tests = (run.markdown ?? '').slice((run.markdown ?? '').indexOf('\n`gpu/g1.test.mjs` · gpu lane'));
    const row = tests.split('\n').find((line) => line.startsWith('| ✅ ') && line.includes('loads 512 MiB of weights'));
    assert.match(row ?? '', / → [^|]* \(\+512 MiB\) \|/);
    assert.match(run.junit ?? '', new RegExp(`name="model &gt; loads 512 MiB of weights :: vram\\.delta\\.bytes" value="${512 * MiB}"`));
    const unload = run.json?.files.find((f) => f.id === 'gpu/g1.test.mjs')?.tests.find((t) => t.name === 'unloads them');
    assert.equal((unload?.deltas?.vramAfterBytes ?? NaN) - (unload?.deltas?.vramBeforeBytes ?? NaN), -512 * MiB);
  });

  it('writes JUnit XML that passes the schema, with the hostile test name intact', async () => {
    assert.deepEqual(await validateJunit(run.junit ?? ''), []);
    assert.match(run.junit ?? '', /name with \| pipe, &lt;angle&gt; &amp; &quot;quotes&quot; \]\]&gt; 🚀/);
  });
});

describe('gpu-test run booting the next cpu-lane file ahead of its turn', () => {
  // a-waits-for-next.test.mjs runs until the run's next launch has a process, and notes its pid: it ends at once when
  // the next file was booted while it ran, and only after 20 s otherwise.
  it('boots it while every cpu slot is taken, and starts its tests only once a slot frees', async () => {
    const run = await runCli({ project: 'boot-ahead', args: ['run', '--concurrency', '1'] });
    assert.equal(run.code, 0, run.stderr);
    const spans = readSpans(run.timelineDir, ['first', 'next']);
    const first = spans.get('first')!;
    const next = spans.get('next')!;
    const seen = join(run.timelineDir, 'seen-next');
    assert.ok(existsSync(seen), 'no process of the next file existed while the first file ran its test');
    // The next file ran in the process that existed while the first one ran (the second launch), not a later one.
    assert.equal(next.pid, Number(readFileSync(seen, 'utf8')));
    assert.match(next.job ?? '', /\/2-1$/);
    assert.ok(next.start >= first.end, 'the two files ran their tests at once on one cpu slot');
  });

  it('stops the file booted ahead when --bail ends the run, and reports it as not run', async () => {
    const run = await runCli({ project: 'boot-ahead', args: ['run', '--concurrency', '1', '--bail'], env: { FAIL_FIRST: '1' } });
    assert.equal(run.code, 1, run.stderr);
    const next = run.json?.files.find((file) => file.id === 'b-next.test.mjs');
    assert.equal(next?.skipReason, 'not run: --bail stopped the run after `a-waits-for-next.test.mjs` failed');
    assert.equal(readSpans(run.timelineDir, ['next']).size, 0, 'the file booted ahead ran its test');
    const runId = readSpans(run.timelineDir, ['first']).get('first')?.job?.split('/')[0];
    assert.ok(runId, 'the first file recorded no launch tag');
    assert.deepEqual(findTaggedProcesses(RUN_TAG_ENV, runId), [], 'a process of the run outlived it');
  });
});

describe('gpu-test run booting the next GPU file ahead of its turn', () => {
  /** One simulated GPU, with the NVML stand-in's `markers` (file -> content) in its state folder. */
  const simulatedGpu = (markers: Readonly<Record<string, string>> = {}): { state: string; env: NodeJS.ProcessEnv } => {
    const state = mkdtempSync(join(tmpdir(), 'gpu-test-fake-gpu-'));
    setupFakeGpu(state, [{ name: 'NVIDIA H100 80GB HBM3', uuid: GPU_UUID, totalMiB: 81559 }]);
    for (const [name, content] of Object.entries(markers)) writeFileSync(join(state, name), content);
    return { state, env: fakeGpuEnv(state) };
  };
  /** Runs `file` on a simulated GPU read through the NVML stand-in with `markers`; returns the run and the stand-in's init log. */
  const runOnStandIn = async (file: string, markers: Readonly<Record<string, string>>): Promise<{ run: CliRun; log: string[] }> => {
    const { state, env } = simulatedGpu(markers);
    const run = await runCli({ project: 'prewarm', args: ['run', file], env: { ...env, [NVML_LIBRARY_ENV]: buildFakeNvml() } });
    assert.equal(run.code, 0, run.stderr);
    return { run, log: readFileSync(join(state, 'nvml-init.log'), 'utf8').trim().split('\n') };
  };
  /** Runs `first`, then b-next.test.mjs, on one simulated GPU; returns the spans named. */
  const runPair = async (first: string, names: readonly string[]) => {
    const run = await runCli({ project: 'prewarm', args: ['run', first, 'b-next.test.mjs'], env: simulatedGpu().env });
    assert.equal(run.code, 0, run.stderr);
    return readSpans(run.timelineDir, [...names, 'next']);
  };

  it('boots it once the running file has started its tests, not while that file still loads', async () => {
    const spans = await runPair('a-slow-import.test.mjs', ['loaded', 'slow-import']);
    const loaded = spans.get('loaded')!;
    const running = spans.get('slow-import')!;
    const next = spans.get('next')!;
    // On a small machine a boot beside a loading file takes its CPU: the next one waits until the first test begins.
    assert.ok(next.booted >= loaded.end, `the next file booted ${loaded.end - next.booted} ms before the running one had loaded`);
    // And it is still booted while the running file works, so it starts without waiting for node.
    assert.ok(next.booted < running.end, `the next file booted only ${next.booted - running.end} ms after the running one ended`);
    assert.ok(next.start >= running.end, 'the two GPU files overlapped');
  });

  it('keeps the first GPU file booted while the GPUs were being listed, rather than starting it again once they are', async () => {
    const run = await runCli({ project: 'prewarm', args: ['run', 'b-next.test.mjs'], env: simulatedGpu().env });
    assert.equal(run.code, 0, run.stderr);
    // Launches are numbered from 1 in the order the harness starts them: the file ran in the one booted first.
    assert.match(readSpans(run.timelineDir, ['next']).get('next')?.job ?? '', /\/1-1$/);
  });

  it('boots the first GPU file before listing the GPUs, so that its start and its own NVML go on beside the listing', { skip: fakeNvmlSkipReason() }, async () => {
    // The first process to open the NVML stand-in waits until a second one has begun to (see its README).
    const { run, log } = await runOnStandIn('b-next.test.mjs', { 'nvml-init-awaits-second': '' });
    const testPid = String(readSpans(run.timelineDir, ['next']).get('next')?.pid);
    const harnessPid = log.map((line) => line.split(' ')[0]).find((pid) => pid !== testPid);
    assert.ok(harnessPid, `only the test process opened NVML: ${log.join(', ')}`);
    // The test process was running and opening NVML before the harness's own opening returned.
    assert.ok(log.indexOf(`${testPid} begin`) !== -1 && log.indexOf(`${testPid} begin`) < log.indexOf(`${harnessPid} end`), log.join(', '));
  });

  it('loads a GPU file\'s test file before its process has finished opening NVML, and the test still gets its VRAM figures', { skip: fakeNvmlSkipReason() }, async () => {
    // The test process's nvmlInit returns only once the test file has been loaded (see the stand-in's README).
    const { run, log } = await runOnStandIn('c-loads-while-nvml-opens.test.mjs', { 'nvml-init-test-process-waits': 'test-file-loaded' });
    const testPid = log.find((line) => line.endsWith(' imported'))?.split(' ')[0];
    assert.ok(testPid, log.join(', '));
    // Its own nvmlInit had not returned when the test file ran its top level (it may not have begun yet either).
    assert.ok(log.includes(`${testPid} end`) && log.indexOf(`${testPid} imported`) < log.indexOf(`${testPid} end`), log.join(', '));
    assert.equal(run.json?.files[0]?.tests[0]?.deltas?.vramBeforeBytes, 0, 'the test has its VRAM figures');
  });

  it('boots it during a long `before` hook of the running file, without waiting for its first test', async () => {
    const spans = await runPair('a-long-hook.test.mjs', ['hook', 'after-hook']);
    const hook = spans.get('hook')!;
    const next = spans.get('next')!;
    assert.ok(next.booted > hook.start, 'the next file booted before the running one had loaded');
    assert.ok(next.booted < spans.get('after-hook')!.start, `the next file booted only ${next.booted - hook.end} ms after the 3 s hook ended`);
  });
});
