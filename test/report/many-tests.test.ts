// The file reports of a run of 5,000 nested tests are whole: junit.xml has every testcase with its figures and valid
// XML, results.json every test on its own line with every figure, report.md every failure. What the writers were made
// linear for must not cost a test; timing is the bench's (`BENCH_ONLY=reports npm run bench`), not asserted here.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResultsJson } from '../../src/history/results-json.js';
import { runFromJson } from '../../src/history/run-from-json.js';
import { renderJson } from '../../src/report/json.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { computeWindowDeltas } from '../../src/results/window-deltas.js';
import { manyTestsRunResult } from '../helpers/many-tests-run-result.js';
import { validateJunit } from './validate-junit.js';

const TESTS = 5000;
const run = manyTestsRunResult(TESTS, { nested: true });
const tests = run.files.flatMap((file) => file.tests);

describe(`the reports of ${TESTS.toLocaleString('en')} tests`, () => {
  it('junit.xml: a testcase and the figures of every test, counts that agree, valid against the schema', async () => {
    const xml = renderJunit(run);
    const cases = [...xml.matchAll(/<testcase name="([^"]*)"/g)].map((match) => match[1]?.replace(/&gt;/g, '>'));
    assert.deepEqual(cases, tests.map((t) => t.fullName));
    const failed = tests.filter((t) => t.status === 'failed').length;
    assert.match(xml, new RegExp(`<testsuites name="gpu-test" tests="${TESTS}" failures="${failed}" errors="0"`));
    // Every measured test's figures under its own name: host RAM's peak on every lane, VRAM's on the GPU lane.
    const properties = new Map([...xml.matchAll(/<property name="([^"]*)" value="([^"]*)"\/>/g)].map((match) => [match[1]?.replace(/&gt;/g, '>'), match[2]]));
    for (const test of tests) {
      if (test.window === null) continue;
      const { hostUsedPeakBytes, vramPeakBytes } = computeWindowDeltas(test.window);
      assert.equal(properties.get(`${test.fullName} :: host.used.peak.bytes`), String(hostUsedPeakBytes), test.fullName);
      assert.equal(properties.get(`${test.fullName} :: vram.peak.bytes`), vramPeakBytes === null ? undefined : String(vramPeakBytes), test.fullName);
    }
    assert.deepEqual(await validateJunit(xml), []);
  });

  it('results.json: every test on its own line with its figures, read back as the run', () => {
    const text = renderJson(run);
    const lines = text.split('\n').filter((line) => line.trimStart().startsWith('{"name":'));
    assert.equal(lines.length, TESTS);
    const document = JSON.parse(text) as ResultsJson;
    const back = runFromJson(document);
    const figures = (files: typeof run.files): unknown[] => files.flatMap((f) => f.tests.map((t) => [t.fullName, t.status, computeWindowDeltas(t.window)]));
    assert.deepEqual(figures(back.files), figures(run.files));
    assert.deepEqual(document.counts.tests, TESTS);
  });

  it('report.md: every failure, named', () => {
    const markdown = renderMarkdown(run);
    const failed = tests.filter((t) => t.status === 'failed');
    assert.ok(failed.length > 40);
    assert.match(markdown, new RegExp(`## Failures \\(${failed.length}\\)`));
    for (const test of failed) assert.ok(markdown.includes(`handles case ${test.name.split(' ').pop() ?? ''}`), test.fullName);
  });
});
