// Budgets in every report: report.md's Budgets section, the breach testcases and their properties in junit.xml (valid
// against the schema), and `budgets` in results.json (checked against docs/results.schema.json in json.test.ts).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderJson } from '../../src/report/json.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { sampleRunWithBudgets, sampleRunWithHealthBudgets } from '../helpers/sample-budgets.js';
import { sampleRunResult } from '../helpers/sample-run-result.js';
import { validateJunit } from './validate-junit.js';

const GiB = 1024 ** 3;
const AGREE = 'ensemble > three models agree';

describe('budgets in report.md', () => {
  const markdown = renderMarkdown(sampleRunWithBudgets());

  it('has a Budgets section with the worst figure per suite and budget, and each breach', () => {
    const section = markdown.slice(markdown.indexOf('## Budgets'), markdown.indexOf('\n## ', markdown.indexOf('## Budgets') + 1));
    assert.ok(markdown.includes('## Budgets'));
    const rows = section.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| Suite') && !line.startsWith('| ---'));
    assert.deepEqual(rows, [
      '| unit | `peakRam` | &lt;= 50% | 60.0 MiB (limit 16.0 GiB) | `suites/unit/math.test.ts` › math > pipe \\| in &lt;name> &amp; "quotes" \\]\\]> 🚀 \\\\x07 | ✅ ok (4 figures) |',
      '| vlm | `peakVram` | &lt;= 6.5 GiB | 7.0 GiB | `suites/vlm/ensemble.test.ts` › ensemble > three models agree | ❌ breached (1 breach) |',
      '| vlm | `tempMax` | &lt;= 85 °C | — | — | ➖ not measured: GPU utilization, temperature and power are sampled through NVML only, and this run read the GPUs without it |',
      '| vlm | `metric.tokens_per_s` | &gt;= 40 | — | — | ❌ breached (1 breach) |',
    ]);
    assert.match(section, /- ❌ `ensemble > three models agree \[budget: peakVram\]`: VRAM peaked at 7\.0 GiB, over the 6\.5 GiB budget of suite vlm/);
    assert.match(section, /- ❌ `vlm \[budget: metric tokens_per_s\]`: no test of suite vlm recorded the metric tokens_per_s/);
  });

  it('lists the breaches under Failures and the missing GPU health under Warnings', () => {
    assert.match(markdown, /### ❌ ensemble > three models agree \\\[budget: peakVram\\\]\n\n`suites\/vlm\/ensemble\.test\.ts:20` · BudgetExceeded\n\n```text\nVRAM peaked at 7\.0 GiB/);
    assert.match(markdown, /## Warnings[\s\S]*GPU health budgets were not checked \(tempMax of suite vlm\)/);
  });

  it('has no Budgets section when no suite declares budgets', () => {
    assert.doesNotMatch(renderMarkdown(sampleRunResult()), /## Budgets/);
  });
});

describe('budgets in junit.xml', () => {
  const xml = renderJunit(sampleRunWithBudgets());

  it('is valid against the schema, with each breach a failed testcase of its file', async () => {
    assert.deepEqual(await validateJunit(xml), []);
    assert.match(xml, /<testcase name="ensemble &gt; three models agree \[budget: peakVram\]" classname="suites\/vlm\/ensemble\.test\.ts"[^>]*>\s*<failure type="BudgetExceeded" message="VRAM peaked at 7\.0 GiB, over the 6\.5 GiB budget of suite vlm">/);
    assert.match(xml, /<testcase name="vlm \[budget: metric tokens_per_s\]"[^>]*>\s*<failure type="BudgetExceeded"/);
    assert.match(xml, /<testsuite name="suites\/vlm\/ensemble\.test\.ts" tests="4" failures="2" errors="0"/);
  });

  it('names the limit and the measured figure of each breach as properties', () => {
    assert.match(xml, new RegExp(`<property name="${AGREE.replace('>', '&gt;')} :: budget\\.peakVram\\.limit" value="${6.5 * GiB}"/>`));
    assert.match(xml, new RegExp(`<property name="${AGREE.replace('>', '&gt;')} :: budget\\.peakVram\\.measured" value="${7 * GiB}"/>`));
    assert.match(xml, /<property name="ensemble &gt; three models agree :: budget\.peakVram\.unit" value="bytes"\/>/);
    assert.match(xml, /<property name="vlm :: budget\.metric\.tokens_per_s\.limit" value="40"\/>/);
    assert.doesNotMatch(xml, /budget\.metric\.tokens_per_s\.measured/, 'a metric never recorded has no measured figure');
    assert.doesNotMatch(renderJunit(sampleRunResult()), /budget\./);
  });

  it('puts a GPU health breach on its file, named after the file', async () => {
    const health = renderJunit(sampleRunWithHealthBudgets());
    assert.deepEqual(await validateJunit(health), []);
    assert.match(health, /<testcase name="suites\/vlm\/ensemble\.test\.ts \[budget: tempMax\]"[^>]*>\s*<failure type="BudgetExceeded" message="GPU 0 reached 91 °C while the file ran \(2\.40 s\), over the 85 °C budget of suite vlm">/);
    assert.match(health, /<property name="suites\/vlm\/ensemble\.test\.ts :: budget\.tempMax\.limit" value="85"\/>\s*<property name="suites\/vlm\/ensemble\.test\.ts :: budget\.tempMax\.measured" value="91"\/>/);
  });
});

describe('budgets in results.json', () => {
  it('lists every check with its bound, worst figure and breaches, and none without budgets', () => {
    const document = JSON.parse(renderJson(sampleRunWithBudgets())) as { budgets: { suite: string; name: string; status: string; breaches: { testName: string }[] }[]; verdict: string };
    assert.deepEqual(document.budgets.map((c) => [c.suite, c.name, c.status, c.breaches.map((b) => b.testName)]), [
      ['unit', 'peakRam', 'ok', []],
      ['vlm', 'peakVram', 'breached', [`${AGREE} [budget: peakVram]`]],
      ['vlm', 'tempMax', 'not-measured', []],
      ['vlm', 'metric.tokens_per_s', 'breached', ['vlm [budget: metric tokens_per_s]']],
    ]);
    const peak = document.budgets[1] as unknown as Record<string, unknown>;
    assert.deepEqual(peak.bound, { op: '<=', value: 6.5 * GiB, percent: null, unit: 'bytes' });
    assert.deepEqual(peak.worst, { fileId: 'suites/vlm/ensemble.test.ts', test: AGREE, line: 20, measured: 7 * GiB, limit: 6.5 * GiB });
    assert.deepEqual((JSON.parse(renderJson(sampleRunResult())) as { budgets: unknown[] }).budgets, []);
  });
});
