// report.md as GitHub shows it: rendered by a GFM renderer (marked, with GFM tables), then checked for the structure a
// reader relies on. The golden files pin the text; these catch a report whose text changed into one that renders wrong:
// a table row with a cell too many, a <details> left open that swallows the rest, a fence closed early, a table too wide.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Lexer, marked, type Token, type Tokens } from 'marked';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { RunResult } from '../../src/results/run-result.js';
import { OOM_LINE, oomExitRunResult } from '../helpers/oom-exit-run-result.js';
import { sampleRepeatRunResult } from '../helpers/sample-repeat-run-result.js';
import { sampleRunResult, sampleRunResultWithoutGpu } from '../helpers/sample-run-result.js';

/** The widest table report.md may hold: wider ones scroll sideways on GitHub's page. */
const MAX_TABLE_COLUMNS = 8;

const GiB = 1024 ** 3;

/** The shared sample merged from two machines, with a suite's declared needs against its peaks. */
function mergedRunWithNeeds(): RunResult {
  const run = sampleRunResult();
  const machine = (index: number): RunResult['machines'][number] => ({
    runId: `run-${index}`, shard: { index, total: 2, strategy: 'balanced', fingerprint: 'f00d', suiteFiles: 4, expectedMs: [1000, 1200], gpus: null }, host: run.host, gpu: run.gpu,
    startedAt: run.startedAt, endedAt: run.endedAt, verdict: 'passed', counts: run.counts, pressure: run.pressure, toolVersion: run.toolVersion,
  });
  const needs = { suite: 'vlm', files: 1, declaredVramBytes: 4 * GiB, declaredRamBytes: null, measuredVramBytes: 6 * GiB, measuredRamBytes: 2 * GiB, suggestedVramBytes: null, suggestedRamBytes: null };
  return { ...run, machines: [machine(1), machine(2)], suiteNeeds: [needs] };
}

const SAMPLES: readonly (readonly [string, () => RunResult])[] = [
  ['the shared sample', sampleRunResult], ['a run under --repeat', sampleRepeatRunResult],
  ['a run without a GPU', sampleRunResultWithoutGpu], ['a run whose test exited 1 out of memory', oomExitRunResult],
  ['a merged run with declared needs', mergedRunWithNeeds],
];

function html(markdown: string): string {
  return marked.parse(markdown, { gfm: true, async: false });
}

/** Every token, nested ones too (a table inside a list item, a heading anywhere). */
function allTokens(tokens: readonly Token[]): Token[] {
  return tokens.flatMap((token) => {
    const children = 'tokens' in token && Array.isArray(token.tokens) ? allTokens(token.tokens) : [];
    return [token, ...children];
  });
}

/** Cells of one raw table row, split on the pipes GFM splits on (not `\|`, not the outer ones). */
function rawCells(row: string): number {
  return row.trim().replace(/^\||\|$/g, '').split(/(?<!\\)\|/).length;
}

describe('report.md rendered by a GFM renderer', () => {
  for (const [label, make] of SAMPLES) {
    const markdown = renderMarkdown(make());
    const tokens = allTokens(new Lexer({ gfm: true }).lex(markdown));

    it(`${label}: every table parses, each row with as many cells as its header, none wider than ${MAX_TABLE_COLUMNS} columns`, () => {
      const tables = tokens.filter((token): token is Tokens.Table => token.type === 'table');
      assert.ok(tables.length > 0);
      // Every line of the file that looks like a table row belongs to a table the renderer found.
      const rowsInText = markdown.split('\n').filter((line) => /^\| .* \|$/.test(line)).length;
      assert.equal(tables.reduce((sum, table) => sum + table.rows.length + 2, 0), rowsInText, 'a table row was not read as part of a table');
      for (const table of tables) {
        const columns = table.header.length;
        assert.ok(columns <= MAX_TABLE_COLUMNS, `a table of ${columns} columns: ${table.header.map((cell) => cell.text).join(' | ')}`);
        for (const row of table.raw.trim().split('\n')) assert.equal(rawCells(row), columns, `a row with a cell too many or too few: ${row}`);
      }
    });

    it(`${label}: <details> blocks are balanced and their bodies render as Markdown`, () => {
      let depth = 0;
      for (const tag of markdown.match(/<\/?details>/g) ?? []) {
        depth += tag === '<details>' ? 1 : -1;
        assert.ok(depth >= 0 && depth <= 1, 'a </details> without its <details>, or one inside another');
      }
      assert.equal(depth, 0, 'a <details> left open folds the rest of the report away');
      // GitHub sizes a Mermaid chart's frame when the page loads: one in a closed <details> can come out empty.
      for (const chart of markdown.matchAll(/```mermaid/g)) {
        const before = markdown.slice(0, chart.index);
        assert.equal((before.match(/<details>/g) ?? []).length, (before.match(/<\/details>/g) ?? []).length, 'a Mermaid chart inside <details>');
      }
      const rendered = html(markdown);
      for (const body of rendered.split('<details>').slice(1).map((part) => part.split('</details>')[0] ?? '')) {
        assert.doesNotMatch(body, /^\| ---|^```/m, 'Markdown inside <details> was left as text');
      }
    });

    it(`${label}: the verdict comes first, then failures, the files, and the folded sections last`, () => {
      const headings = tokens.filter((token): token is Tokens.Heading => token.type === 'heading' && token.depth === 2).map((token) => token.text.replace(/ \(\d+\)$/, ''));
      const order = ['Failures', 'What changed since the baseline', 'Files', 'Top tests by VRAM growth', 'Top tests by RAM (RSS) growth', 'Warnings',
        'Gated and skipped', 'Leaks', 'Tests', 'Pressure', 'Timeline', 'Metrics', 'Declared and measured', 'Machines', 'Host and GPUs'];
      const known = headings.filter((heading) => order.includes(heading));
      assert.deepEqual(known, [...known].sort((a, b) => order.indexOf(a) - order.indexOf(b)), headings.join(' / '));
      assert.equal(headings[0], make().counts.failed > 0 ? 'Failures' : 'Files');
      // Nothing a reader needs first is folded: each <details> comes after the Files table.
      assert.ok(markdown.indexOf('<details>') > markdown.indexOf('## Files'));
    });
  }

  it('shows the stderr line that names the error of a test that exited 1 unfolded under its failure, the fence holding the whole excerpt', () => {
    const rendered = html(renderMarkdown(oomExitRunResult()));
    const failure = rendered.slice(rendered.indexOf('loads the big model'), rendered.indexOf('<h2', rendered.indexOf('loads the big model')));
    assert.ok(!failure.includes('<details>'), 'the stderr is folded away');
    const code = /<pre><code class="language-text">([\s\S]*?)<\/code><\/pre>/.exec(failure)?.[1] ?? assert.fail(`no code block under the failure: ${failure}`);
    assert.ok(code.includes(OOM_LINE), code);
    // The line holding ``` did not close the fence: the lines after it are in the same block.
    assert.ok(code.includes('a fence in the output: ```') && code.includes('releasing cache block 24'), code);
    assert.match(failure, /<strong>Memory<\/strong>: VRAM on GPU 0 4\.0 GiB at its start, peak 78\.0 GiB of 79\.6 GiB, n\/a at its end \(its process died\)/);
  });
});
