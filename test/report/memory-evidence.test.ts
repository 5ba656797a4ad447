// A failure memory could explain says in every report whether it was re-run alone and on which signs: the console under
// the failed file, report.md in "Ended early", a JUnit property; a file without evidence says nothing of it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Chalk } from 'chalk';
import { formatFailures } from '../../src/report/console-format.js';
import { fileProperties } from '../../src/report/junit-properties.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { MemoryEvidence } from '../../src/results/memory-evidence.js';
import type { FileResult, RunResult } from '../../src/results/run-result.js';
import { sampleRunResult } from '../helpers/sample-run-result.js';

const NO_SIGN = 'not retried alone: SIGKILL with no sign of memory pressure';
const chalk = new Chalk({ level: 0 });

/** The shared sample with its crashed file killed by SIGKILL, with `evidence`. */
function killed(evidence: MemoryEvidence | null): { run: RunResult; file: FileResult } {
  const run = sampleRunResult();
  const files = run.files.map((file) => (file.status === 'crashed'
    ? { ...file, outcome: file.outcome && { ...file.outcome, signal: 'SIGKILL' }, memoryEvidence: evidence }
    : file));
  return { run: { ...run, files }, file: files.find((file) => file.status === 'crashed') as FileResult };
}

describe('memory evidence in the reports', () => {
  it('says a SIGKILL with no sign of memory pressure was not re-run alone, in the console, report.md and JUnit', () => {
    const { run, file } = killed({ signs: [], alone: 'no-sign' });
    assert.ok(formatFailures(file, chalk, '/project').includes(`  ${NO_SIGN}`));
    // Under the failure of the test the crash cut short, beside its process's stderr.
    assert.match(renderMarkdown(run), new RegExp(`### ❌ segfaults\n\n\`suites/unit/crash\\.test\\.mjs:3\`[^#]*${NO_SIGN}`));
    assert.deepEqual(fileProperties(file).find(([name]) => name === 'memory.evidence'), ['memory.evidence', NO_SIGN]);
  });

  it('names the signs when it was re-run alone, and says nothing without evidence', () => {
    const { file } = killed({ signs: [{ source: 'host-oom-kill', resource: 'ram', detail: 'host oom_kill +1' }], alone: 'retried' });
    assert.deepEqual(fileProperties(file).find(([name]) => name === 'memory.evidence'), ['memory.evidence', 'retried alone: host oom_kill +1']);
    const none = killed(null);
    assert.equal(fileProperties(none.file).some(([name]) => name === 'memory.evidence'), false);
    assert.doesNotMatch(renderMarkdown(none.run), /retried alone/);
    assert.equal(formatFailures(none.file, chalk, '/project').some((line) => line.includes('retried alone')), false);
  });
});
