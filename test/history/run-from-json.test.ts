// results.json read back: every sample run written, read and written again gives the same document, so merge, compare
// and trend work on what the run had; without raw samples (schema 4's default) every test's figures come back from its
// deltas; a file gpu-test wrote in schema 3 reads as it did; a schema version this gpu-test cannot read is refused,
// naming the file.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compareRuns } from '../../src/history/compare-runs.js';
import { testFigures } from '../../src/history/test-figures.js';
import { DEFAULTS } from '../../src/config/defaults.js';
import type { RunResult } from '../../src/results/run-result.js';
import { computeWindowDeltas } from '../../src/results/window-deltas.js';
import { nightRun } from '../helpers/night-runs.js';
import { readRuns } from '../../src/history/read-runs.js';
import type { ResultsJson } from '../../src/history/results-json.js';
import { runFromJson } from '../../src/history/run-from-json.js';
import { renderJson } from '../../src/report/json.js';
import { sampleRunWithBudgets, sampleRunWithHealthBudgets } from '../helpers/sample-budgets.js';
import { sampleRunResultWithHooks } from '../helpers/sample-hook-runs.js';
import { sampleRepeatRunResult } from '../helpers/sample-repeat-run-result.js';
import { sampleRunResult, sampleRunResultWithoutGpu } from '../helpers/sample-run-result.js';

describe('runFromJson', () => {
  const samples = { sampleRunResult, sampleRunResultWithoutGpu, sampleRepeatRunResult, sampleRunResultWithHooks, sampleRunWithBudgets, sampleRunWithHealthBudgets };
  for (const [name, build] of Object.entries(samples)) {
    it(`reads back ${name} as it was written`, () => {
      const written = renderJson(build());
      assert.equal(renderJson(runFromJson(JSON.parse(written) as ResultsJson)), written);
    });
  }

  it('reads a version 2 file, which has no flaky count, shard or needs', () => {
    const document = JSON.parse(renderJson(sampleRunResult())) as Record<string, unknown> & { counts: Record<string, unknown>; files: Record<string, unknown>[] };
    delete document.counts['flaky'];
    delete document['shard'];
    delete document['machines'];
    for (const file of document.files) for (const key of ['needs', 'repeat', 'leakThreshold', 'attempts', 'machine']) delete file[key];
    const run = runFromJson({ ...document, schemaVersion: 2 } as unknown as ResultsJson);
    assert.equal(run.counts.flaky, 0);
    assert.equal(run.shard, null);
    assert.deepEqual(run.files.map((file) => file.job.needs.gpus), [0, 1, 1, 0]);
  });
});

/** `run` written to results.json and read back, as merge, compare and trend see it. */
function readBack(run: RunResult): RunResult {
  return runFromJson(JSON.parse(renderJson(run)) as ResultsJson);
}

describe('runFromJson on the compact layout (schema 4 without --raw-samples)', () => {
  const samples = [sampleRunResult(), sampleRunResultWithoutGpu(), sampleRepeatRunResult(), sampleRunWithBudgets()];

  it('gives every test the figures its raw samples gave: VRAM, RSS and host RAM before, after and peak, swap and stalls', () => {
    for (const run of samples) {
      const back = readBack(run);
      const figures = (r: RunResult): unknown[] => r.files.flatMap((f) => f.tests.map((t) => [t.fullName, t.window === null, computeWindowDeltas(t.window)]));
      assert.deepEqual(figures(back), figures(run));
    }
  });

  it('fills what the line leaves out: the file\'s path, null skip reason, failure and repeat, no metrics', () => {
    const run = sampleRunResult();
    const back = readBack(run);
    const pick = (r: RunResult): unknown[] => r.files.flatMap((f) => f.tests.map((t) => [t.file, t.skipReason, t.failure, t.repeat, t.metrics]));
    assert.deepEqual(pick(back), pick(run));
    assert.equal(back.config.rawSamples, false);
  });

  it('gives compare and trend the memory figures and metrics of the runs themselves', () => {
    // Durations are written to 0.01 ms and leak slopes to whole bytes, as before: those two may differ in the last digits.
    const memory = (r: RunResult): unknown[] => [...testFigures(r)].map(([key, t]) => [key, t.outcome, [...t.figures].filter(([name]) => name !== 'duration' && !name.startsWith('leak.'))]);
    for (const run of samples) assert.deepEqual(memory(readBack(run)), memory(run));
    const peaks = memory(readBack(sampleRunResult())).map((row) => (row as [string, unknown, [string, { value: number }][]])[2].find(([name]) => name === 'peakVram')?.[1].value ?? null);
    assert.deepEqual(peaks, [null, null, null, null, 6 * 1024 ** 3, 7 * 1024 ** 3, null], 'the GPU tests keep their peak VRAM');
  });

  it('finds a planted peak VRAM regression between compact results as between the runs', () => {
    const GiB = 1024 ** 3;
    const nights = Array.from({ length: 5 }, (_, i) => nightRun(i));
    const planted = nightRun(5, { peakVramBytes: 8 * GiB });
    const options = { run: DEFAULTS.compare, suites: new Map(), failOnRegression: false };
    const inMemory = compareRuns(nights, planted, options);
    const fromFiles = compareRuns(nights.map(readBack), readBack(planted), options);
    assert.ok(fromFiles.changes.some((c) => c.kind === 'regression' && c.figure === 'peakVram' && c.test === 'model > loads'));
    const rounded = (c: typeof inMemory): unknown[] => c.changes.map((ch) => [ch.kind, ch.test, ch.figure, ch.base, ch.current]);
    // Durations are written to 0.01 ms: the duration figures may differ in the last digits, the memory ones not at all.
    assert.deepEqual(rounded(fromFiles).filter((row) => (row as unknown[])[2] !== 'duration'), rounded(inMemory).filter((row) => (row as unknown[])[2] !== 'duration'));
  });
});

describe('runFromJson on schema 3', () => {
  it('reads a results.json gpu-test wrote in schema 3 as the run it was written from, raw samples and all', () => {
    const document = JSON.parse(readFileSync(new URL('./fixtures/results-v3.json', import.meta.url), 'utf8')) as ResultsJson;
    assert.equal(document.schemaVersion, 3);
    const run = sampleRunResult();
    const back = runFromJson(document);
    const tests = (r: RunResult): unknown[] => r.files.flatMap((f) => f.tests);
    assert.deepEqual(tests(back), tests(run));
    assert.equal(back.config.rawSamples, false);
  });
});

describe('readRuns', () => {
  it('refuses a schema version it cannot read, naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpu-test-read-runs-'));
    writeFileSync(join(dir, 'results.json'), JSON.stringify({ ...JSON.parse(renderJson(sampleRunResult())), schemaVersion: 9 }));
    await assert.rejects(readRuns([dir], '/', 'merge'), /merge: .*results\.json has results\.json schema version 9; this gpu-test reads versions 2, 3, 4/);
  });
});
