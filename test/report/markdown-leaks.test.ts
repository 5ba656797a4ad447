// report.md's Leaks section: the call on each repeated test (confirmed, cleared, not confirmed), how it grew (a
// staircase with its period), how many iterations ran and why a re-run ran as long as it did, metrics beside memory,
// what files left behind, and the plain sentence when nothing was repeated.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FileResult, LeakFinding, RunResult } from '../../src/results/run-result.js';
import { leakCall, leakCallLabel } from '../../src/report/leak-calls.js';
import { renderLeaks } from '../../src/report/markdown-leaks.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { loaderLeaks, sampleRepeatRunResult } from '../helpers/sample-repeat-run-result.js';
import { sampleRunResult } from '../helpers/sample-run-result.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

function cells(row: string): string[] {
  return row.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim());
}

/** The table rows (past the header and rule) of `markdown` whose text contains `needle`. */
function rowsWith(markdown: string, needle: string): string[][] {
  return markdown.split('\n').filter((line) => line.startsWith('| ') && line.includes(needle)).map(cells);
}

function leaksOf(result: RunResult): string {
  return renderLeaks(result) ?? assert.fail('no Leaks section');
}

/** The shared sample (run once) with the VLM file's residue replaced. */
function withVlmResidue(residue: FileResult['residue']): RunResult {
  const run = sampleRunResult();
  return { ...run, files: run.files.map((file) => (file.lane === 'gpu' && file.status === 'passed' ? { ...file, residue } : file)) };
}

describe('leak calls', () => {
  it('tells a confirmed leak, a leak the re-run cleared and a clear test apart', () => {
    const [confirmed, clear, cleared] = loaderLeaks() as [LeakFinding, LeakFinding, LeakFinding];
    assert.deepEqual([leakCall(confirmed), leakCall(clear), leakCall(cleared)], ['leak', 'no-leak', 'not-confirmed']);
    assert.deepEqual([leakCallLabel(confirmed), leakCallLabel(clear), leakCallLabel(cleared)], ['leak (confirmed by a re-run)', 'no leak', 'not confirmed']);
    assert.equal(leakCallLabel({ ...confirmed, rechecked: false }), 'leak');
  });
});

describe('renderLeaks', () => {
  const markdown = leaksOf(sampleRepeatRunResult());

  it('counts the calls and says what a leak does under --leaks fail', () => {
    assert.match(markdown, /^## Leaks\n\n\*\*1 leak\*\*, 1 flagged once but not confirmed by the re-run, 2 clear \(4 calls: one per repeated test and resource\)\./);
    assert.match(markdown, /A leak fails its test as `<test> \[leak check: VRAM\]` \(or `RAM`, or `metric <name>`\), listed under Failures/);
    const warned = leaksOf({ ...sampleRepeatRunResult(), config: { ...sampleRepeatRunResult().config, leaks: 'warn' } });
    assert.match(warned, /With `--leaks warn`, leaks are reported here and do not fail the run\./);
  });

  it('shows the confirmed leak with where it is, its growth per iteration (R²), total, threshold, pattern, iterations, verdict, and its reason below', () => {
    const [row] = rowsWith(markdown, '| VRAM (own processes) | +52.0 MiB');
    assert.deepEqual(row, [
      'loader > loads model<br><sub>`suites/vlm/loader.test.ts:6`</sub>', 'VRAM (own processes)', '+52.0 MiB (R² 1.00)', '+208 MiB in 5', '100 MiB',
      'steady', '5 + 5 re-run', '❌ leak (confirmed by a re-run)',
    ]);
    assert.ok(markdown.includes('\n- loader > loads model, VRAM (own processes): VRAM grew 52.0 MiB per iteration (R² 1.00), 208 MiB over 5 iterations, above the 100 MiB threshold, confirmed by a re-run (208 MiB there)\n'));
  });

  it('says why each re-run ran as long as it did', () => {
    assert.match(markdown, /\*\*Re-runs\*\*, and why each ran as long as it did:\n- loader > loads model, VRAM \(own processes\): to confirm the leak: repeated 5 times\.\n- loader > caches tokenizer, VRAM: to confirm/);
  });

  it('shows a staircase with its step and period, the longer re-run that read it, and why it was that long', () => {
    const run = sampleRepeatRunResult();
    const [loader, ...rest] = run.files as [FileResult, ...FileResult[]];
    const confirmed = loader.leaks[0] as LeakFinding;
    const staircase: LeakFinding = {
      ...confirmed, test: 'loader > serves requests', source: 'card', series: Array.from({ length: 20 }, () => GiB),
      verdict: {
        ...confirmed.verdict, perIteration: 2 * MiB, totalGrowth: 76 * MiB, iterations: 39, pattern: 'staircase',
        steps: { count: 4, height: 20 * MiB, period: 10, flatAfter: 2 }, reason: 'VRAM stepped 20.0 MiB every 10 iterations (4 steps)',
      },
      recheck: { purpose: 'settle', iterations: 40, why: 'its growth came in 2 steps of 20.0 MiB, 10 iterations apart', series: null },
    };
    const metric: LeakFinding = {
      ...confirmed, test: 'loader > serves requests', resource: 'metric', metric: { name: 'torch_allocated_mib', unit: 'MiB' }, source: 'metric',
      verdict: { ...confirmed.verdict, perIteration: 2, totalGrowth: 36, threshold: 8 },
    };
    const text = leaksOf({ ...run, files: [{ ...loader, leaks: [staircase, metric] }, ...rest] });
    const [row] = rowsWith(text, 'staircase');
    assert.deepEqual(row?.slice(1), ['VRAM', '+2.0 MiB (R² 1.00)', '+76.0 MiB in 39', '100 MiB', 'staircase: 20.0 MiB every 10 iterations', '20 + 40 re-run', '❌ leak (confirmed by a re-run)']);
    assert.match(text, /- loader > serves requests, VRAM: its growth came in 2 steps of 20\.0 MiB, 10 iterations apart\./);
    const [metricRow] = rowsWith(text, 'torch_allocated_mib');
    assert.deepEqual(metricRow?.slice(1, 5), ['metric torch_allocated_mib', '+2 MiB (R² 1.00)', '+36 MiB in 5', '8 MiB']);
  });

  it('shows a clear call as "no leak" and a call the re-run did not confirm as "not confirmed", with the reason', () => {
    const clear = rowsWith(markdown, '✅ no leak');
    assert.deepEqual(clear.map((row) => [row[0]?.split('<br>')[0], row[1]]), [['loader > loads model', 'RAM'], ['loader > caches tokenizer', 'RAM']]);
    const [notConfirmed] = rowsWith(markdown, '⚠️ not confirmed');
    assert.equal(notConfirmed?.[0]?.split('<br>')[0], 'loader > caches tokenizer');
    assert.match(markdown, /\n- loader > caches tokenizer, VRAM: Not confirmed, so not a leak: flagged in the first run but not the re-run \(VRAM grew 30\.0 MiB per iteration/);
  });

  it('lists VRAM still held after the file exited, before → after', () => {
    assert.match(markdown, /### Left behind after the process exited/);
    assert.deepEqual(rowsWith(markdown, '`suites/vlm/loader.test.ts` | 0 | 0 B')[0], ['`suites/vlm/loader.test.ts`', '0', '0 B', '1.5 GiB', '+1.5 GiB', '1']);
    assert.deepEqual(rowsWith(markdown, '`suites/vlm/server.test.ts` | 1 |')[0], ['`suites/vlm/server.test.ts`', '1', '0 B', '0 B', '0 B', '1 (1 killed)']);
  });

  it('names each process left running with the command that frees it, and one --kill-orphans killed as such', () => {
    const [running] = rowsWith(markdown, '| 4242 |');
    assert.deepEqual(running, [
      '`suites/vlm/loader.test.ts`', '4242', '`` python3 -m vllm.entrypoints.openai.api_server --model /models/llama-3-8b \\| tee `server.log` ``',
      '0', '1.5 GiB', '2.0 GiB', '⚠️ still running', '`kill 4242`, or run with `--kill-orphans`',
    ]);
    const [killed] = rowsWith(markdown, '| 5151 |');
    assert.deepEqual(killed, ['`suites/vlm/server.test.ts`', '5151', '`node worker.js`', '1', 'n/a', '80.0 MiB', 'killed by `--kill-orphans`', '—']);
  });

  it('shows an orphan on no GPU with dashes for GPU and VRAM, and cuts a long command', () => {
    const long = `python3 ${'x'.repeat(300)}`;
    const markdown = leaksOf(withVlmResidue({ vramBeforeBytes: 0, vramAfterBytes: 0, orphans: [{ pid: 77, command: long, gpuIndex: null, vramBytes: null, rssBytes: null, killed: false }] }));
    const [row] = rowsWith(markdown, '| 77 |');
    assert.deepEqual(row?.slice(3, 6), ['—', '—', 'n/a']);
    assert.equal([...(row?.[2] ?? '')].length, 120 + 2, 'a 120-character command in a code span');
    assert.match(row?.[2] ?? '', /…`$/);
  });

  it('says plainly that leak fitting needs --repeat N when only residue brought the section up', () => {
    const markdown = leaksOf(withVlmResidue({ vramBeforeBytes: 0, vramAfterBytes: 2 * GiB, orphans: [] }));
    assert.match(markdown, /No test was repeated, so no leak was fitted: leak fitting needs `--repeat N`/);
    assert.doesNotMatch(markdown, /\| PID \|/, 'no orphans table without orphans');
  });

  it('leaves the section out when nothing was fitted and nothing was left behind, and ignores VRAM below the threshold', () => {
    assert.equal(renderLeaks(sampleRunResult()), null);
    assert.equal(renderLeaks(withVlmResidue({ vramBeforeBytes: 0, vramAfterBytes: 64 * MiB, orphans: [] })), null);
    assert.doesNotMatch(renderMarkdown(sampleRunResult()), /## Leaks/);
  });

  it('escapes a hostile test name in the findings table', () => {
    const run = sampleRepeatRunResult();
    const [loader, ...rest] = run.files as [FileResult, ...FileResult[]];
    const leaks = loader.leaks.map((leak) => ({ ...leak, test: 'a | <b> & `c`' }));
    const markdown = leaksOf({ ...run, files: [{ ...loader, leaks }, ...rest] });
    assert.equal(rowsWith(markdown, 'processes) | +52.0 MiB')[0]?.[0]?.split('<br>')[0], 'a \\| &lt;b> &amp; \\`c\\`');
  });
});
