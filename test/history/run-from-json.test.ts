// results.json read back: every sample run written, read and written again gives the same document, so merge, compare
// and trend work on what the run had; a schema version this gpu-test cannot read is refused, naming the file.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
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

describe('readRuns', () => {
  it('refuses a schema version it cannot read, naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpu-test-read-runs-'));
    writeFileSync(join(dir, 'results.json'), JSON.stringify({ ...JSON.parse(renderJson(sampleRunResult())), schemaVersion: 9 }));
    await assert.rejects(readRuns([dir], '/', 'merge'), /merge: .*results\.json has results\.json schema version 9; this gpu-test reads versions 2 and 3/);
  });
});
