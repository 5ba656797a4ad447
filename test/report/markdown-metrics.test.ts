// report.md's Metrics section and how iterations of a repeated test read in the tests table.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FileResult } from '../../src/results/run-result.js';
import { formatMetricValue } from '../../src/units/format.js';
import { renderMetrics } from '../../src/report/markdown-metrics.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { plainFullName } from '../../src/results/repeat-names.js';
import { sampleRepeatRunResult } from '../helpers/sample-repeat-run-result.js';
import { sampleRunResult } from '../helpers/sample-run-result.js';

function cells(row: string): string[] {
  return row.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim());
}

function tableRows(markdown: string): string[][] {
  return markdown.split('\n').filter((line) => line.startsWith('| ')).slice(2).map(cells);
}

describe('renderMetrics', () => {
  it('lists every recorded metric with its file, test, name, value and unit, in run order', () => {
    const rows = tableRows(renderMetrics(sampleRepeatRunResult()) ?? assert.fail('no Metrics section'));
    assert.equal(rows.length, 12);
    assert.deepEqual(rows[0], ['`suites/vlm/loader.test.ts`', 'loader > loads model <sub>repeat 1/5</sub>', '`tokens_per_s`', '41.1', 'tok/s']);
    assert.deepEqual(rows[9], ['`suites/vlm/loader.test.ts`', 'loader > loads model <sub>repeat 5/5</sub>', '`load_s`', '0.3', 's']);
    assert.deepEqual(rows.slice(10), [
      ['`suites/vlm/server.test.ts`', 'answers within budget', '`p50_latency_ms`', '12.5', 'ms'],
      ['`suites/vlm/server.test.ts`', 'answers within budget', '`requests`', '1000', '—'],
    ]);
  });

  it('leaves the section out when no test recorded a metric', () => {
    assert.equal(renderMetrics(sampleRunResult()), null);
    assert.doesNotMatch(renderMarkdown(sampleRunResult()), /## Metrics/);
  });

  it('escapes a unit, and prints values without float noise', () => {
    const run = sampleRepeatRunResult();
    const server = run.files[1] as FileResult;
    const tests = server.tests.map((test) => ({ ...test, metrics: [{ name: 'x', value: 1, unit: '<b>|' }] }));
    assert.deepEqual(tableRows(renderMetrics({ ...run, files: [{ ...server, tests }] }) ?? assert.fail())[0]?.[4], '&lt;b>\\|');
    assert.deepEqual([0.1 + 0.2, 41.25, 1e21, -3].map(formatMetricValue), ['0.3', '41.25', '1e+21', '-3']);
  });
});

describe('repeated tests in report.md', () => {
  it('show the test\'s own name with the iteration beside it in the tests table', () => {
    const markdown = renderMarkdown(sampleRepeatRunResult());
    const tests = markdown.slice(markdown.indexOf('\n## Tests\n'), markdown.indexOf('\n## Pressure\n'));
    const names = tableRows(tests).map((row) => row[0]);
    assert.deepEqual(names.slice(0, 2), ['✅ loader > loads model <sub>repeat 1/5</sub>', '✅ loader > loads model <sub>repeat 2/5</sub>']);
    assert.ok(names.includes('❌ loader > loads model \\[leak check: VRAM\\]'));
  });

  it('rank once in the top lists, at their largest iteration', () => {
    const markdown = renderMarkdown(sampleRepeatRunResult());
    const top = markdown.slice(markdown.indexOf('## Top tests by VRAM growth'), markdown.indexOf('## Top tests by RAM'));
    assert.deepEqual(tableRows(top).map((row) => row[1]), ['loader > loads model <sub>repeat 2/5</sub>', 'loader > caches tokenizer <sub>repeat 2/5</sub>']);
  });

  it('get their plain full name back from the suffixed one', () => {
    const [first] = (sampleRepeatRunResult().files[0] as FileResult).tests;
    assert.equal(first?.fullName, 'loader > loads model [repeat 1/5]');
    assert.equal(plainFullName(first ?? assert.fail()), 'loader > loads model');
  });
});
