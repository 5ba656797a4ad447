// Test support for the fault matrix: what every faulted run must leave, asserted in one place. All three reports
// written, parseable and from one run (one run id, valid JUnit), nothing half-written beside them, and no process of
// the run left anywhere.

import assert from 'node:assert/strict';
import { readCommandLine } from '../../src/probe/process-tree.js';
import { validateJunit } from '../report/validate-junit.js';
import { EXIT_OF, leftoversAfter, SIGNAL_OF, type Delivery, type FaultResult, type FaultResults, type FaultRun } from './fault-run.js';

type ResultFile = FaultResults['files'][number];

/** The file `id` of the run's results.json; fails the test when it is missing. */
export function fileOf(json: FaultResults, id: string): ResultFile {
  const file = json.files.find((candidate) => candidate.id === id);
  assert.ok(file, `${id} is in results.json (files: ${json.files.map((f) => f.id).join(', ')})`);
  return file;
}

/** report.md, junit.xml and results.json are all there, parse, come from one run, and nothing else was left beside them. */
export async function assertCompleteReports(result: FaultResult): Promise<FaultResults> {
  assert.ok(result.json, `results.json was written; stderr:\n${result.stderr}`);
  assert.ok(result.markdown !== null, 'report.md was written');
  assert.ok(result.junit !== null, 'junit.xml was written');
  assert.deepEqual(await validateJunit(result.junit), [], 'junit.xml is valid JUnit');
  const { runId } = result.json;
  assert.ok(result.markdown.includes(runId), 'report.md names the run id of results.json');
  assert.ok(result.junit.includes(`name="gpu-test.run.id" value="${runId}"`), 'junit.xml names the run id of results.json');
  assert.deepEqual(result.strayFiles, [], 'no temp file or other stray is left in the report directory');
  return result.json;
}

/** Waits (bounded) for every process of the run to be gone, and fails naming those that are not. */
export async function assertNothingLeft(run: FaultRun): Promise<void> {
  const left = await leftoversAfter(run);
  assert.deepEqual(left.map((pid) => `${pid} ${readCommandLine(pid) ?? '(gone)'}`), [], 'no process of the run is left running');
}

/** The run was interrupted by `delivery`: its exit code, reports marked interrupted, and nothing left running. */
export async function assertInterruptedRun(run: FaultRun, result: FaultResult, delivery: Delivery): Promise<FaultResults> {
  assert.equal(result.code, EXIT_OF[delivery], `exit code for ${delivery}; stderr:\n${result.stderr}`);
  const json = await assertCompleteReports(result);
  const signal = SIGNAL_OF[delivery];
  assert.equal(json.verdict, 'interrupted');
  assert.equal(json.interruption?.signal, signal);
  assert.match(result.markdown ?? '', new RegExp(`Interrupted by \\*\\*${signal}\\*\\*`));
  assert.match(result.junit ?? '', new RegExp(`<testcase name="run interrupted by ${signal}"`));
  await assertNothingLeft(run);
  return json;
}
