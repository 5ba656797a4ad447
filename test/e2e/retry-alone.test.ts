// End to end: a file that runs out of memory beside a neighbour that took more than it declared is re-run alone,
// passes, and is reported as "fails when co-scheduled" naming the neighbour and the CUDA message as its evidence, in
// every report; --no-retry-alone leaves it a plain failure. A cpu file that SIGKILLs itself on a host with free memory
// is not re-run alone, says so, and the GPU lane's next file does not wait for it.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fakeGpuEnv, setupFakeGpu } from '../../fixtures/fake-gpu/fake-gpu.mjs';
import { runCli } from './run-cli.js';

function card(): NodeJS.ProcessEnv {
  const state = mkdtempSync(join(tmpdir(), 'gpu-test-retry-gpu-'));
  setupFakeGpu(state, [{ name: 'NVIDIA GeForce RTX 4090', uuid: 'GPU-aaaaaaaa-1111-2222-3333-444444444444', totalMiB: 24564 }]);
  return fakeGpuEnv(state) as NodeJS.ProcessEnv;
}

describe('--retry-alone', () => {
  it('re-runs alone a file that ran out of VRAM beside another, and reports that it fails co-scheduled', async () => {
    // The guard is off so that the greedy file is not stopped before it crowds its neighbour out.
    const run = await runCli({ project: 'retry-alone', args: ['run', '--guard', 'off'], env: card() });
    assert.equal(run.code, 0, run.stderr);
    const victim = run.json?.files.find((f) => f.id === 'victim.test.mjs') as { status: string; tests: { status: string }[] } | undefined;
    assert.equal(victim?.status, 'passed-alone');
    assert.deepEqual(victim?.tests.map((t) => t.status), ['passed']);
    const sentence = /victim\.test\.mjs: fails when co-scheduled with greedy\.test\.mjs at 75% VRAM \(CUDA out of memory\. Tried to allocate 8192 MiB\..*\); passes alone/;
    assert.match(run.stderr, sentence);
    assert.match(run.markdown ?? '', /⚠️ passed alone, fails co-scheduled/);
    assert.match(run.junit ?? '', /fails when co-scheduled with greedy\.test\.mjs/);
    // The evidence: CUDA's message, in results.json, JUnit and the console's retry line.
    const evidence = (victim as { memoryEvidence?: { signs: { source: string; resource: string }[]; alone: string; sentence: string } } | undefined)?.memoryEvidence;
    assert.deepEqual([evidence?.alone, evidence?.signs.map((sign) => `${sign.source} ${sign.resource}`)], ['retried', ['oom-message vram']]);
    assert.match(evidence?.sentence ?? '', /^retried alone: CUDA out of memory\. Tried to allocate 8192 MiB/);
    assert.match(run.junit ?? '', /name="memory\.evidence" value="retried alone: CUDA out of memory/);
    assert.match(run.stderr, /victim\.test\.mjs failed: ran out of memory beside other files \(CUDA out of memory\. Tried to allocate 8192 MiB.*\): running it again alone/);
  });

  it('leaves it a plain failure with --no-retry-alone', async () => {
    const run = await runCli({ project: 'retry-alone', args: ['run', '--guard', 'off', '--no-retry-alone'], env: card() });
    assert.equal(run.code, 1, run.stderr);
    const victim = run.json?.files.find((f) => f.id === 'victim.test.mjs');
    assert.equal(victim?.status, 'failed');
    assert.match(victim?.tests[0]?.failure?.message ?? '', /CUDA out of memory/);
  });
});

/** The marks a fixture left in the timeline folder, by name prefix: `killed-<pid>.json` per run, `gpu-*.json` spans. */
function marks(dir: string, prefix: string): { pid?: number; start: number; end?: number }[] {
  return readdirSync(dir).filter((name) => name.startsWith(prefix)).map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as { start: number });
}

describe('--retry-alone only on evidence of memory pressure', () => {
  it('does not re-run alone a cpu file SIGKILLed with memory free, says so, and the GPU lane\'s next file does not wait', async () => {
    const run = await runCli({ project: 'retry-evidence', args: ['run', '--concurrency', '1'], env: { ...card(), MEET_FILES: '1' } });
    assert.equal(run.code, 1, run.stderr);
    const files = run.json?.files as unknown as { id: string; status: string; coScheduled: unknown; memoryEvidence: { signs: unknown[]; alone: string; sentence: string } | null }[];
    const killed = files.find((f) => f.id === 'cpu/killed.test.mjs');
    assert.equal(killed?.status, 'crashed');
    assert.equal(killed?.coScheduled, null);
    assert.deepEqual(killed?.memoryEvidence, { signs: [], alone: 'no-sign', sentence: 'not retried alone: SIGKILL with no sign of memory pressure' });
        assert.match(run.markdown ?? '', /crashed: `cpu\/killed\.test\.mjs`[^#]*not retried alone: SIGKILL with no sign of memory pressure/);
    assert.match(run.stderr, /not retried alone: SIGKILL with no sign of memory pressure/);
    assert.doesNotMatch(run.stderr, /running it again alone/);
    // It ran once: one mark, left while the first GPU file ran beside it (so it had a neighbour to be re-run alone
    // from). The first GPU file held the card until the killed file was dead; no run of the killed file came between
    // that file's end and the start of the GPU lane's next file.
    const runs = marks(run.timelineDir, 'killed-');
    const [first, second] = [marks(run.timelineDir, 'gpu-first')[0], marks(run.timelineDir, 'gpu-second')[0]];
    assert.ok(first && second, 'both GPU files ran');
    assert.equal(runs.length, 1);
    assert.ok(runs.every((mark) => first.start <= mark.start && mark.start <= (first.end ?? 0)), 'the cpu file was killed while the first GPU file ran');
    assert.ok((first.end ?? Infinity) <= second.start);
    assert.ok(!runs.some((mark) => mark.start >= (first.end ?? 0) && mark.start <= second.start), 'nothing ran alone between the two GPU files');
  });
});
