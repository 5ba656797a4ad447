// report.md: a golden file pinned from the shared sample, plus targeted checks that name what broke.
// After an intended change to the report, rewrite the golden file and review its diff:
//   UPDATE_GOLDEN=1 node --import tsx --test test/report/markdown.test.ts

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { MESSAGE_LIMIT_BYTES } from '../../src/units/cap-text.js';
import { countResults } from '../../src/results/counts.js';
import type { FileResult, RunResult, TestResult } from '../../src/results/run-result.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { codeSpan, escapeCell, escapeInline, fencedBlock } from '../../src/report/markdown-escape.js';
import { HUGE_BYTES, HUGE_HEAD, HUGE_TAIL, hugeFailureRunResult } from '../helpers/huge-failure-run-result.js';
import { splitAtMarker } from '../helpers/split-at-marker.js';
import { OOM_LINE, oomExitRunResult } from '../helpers/oom-exit-run-result.js';
import { sampleRepeatRunResult } from '../helpers/sample-repeat-run-result.js';
import { sample, sampleRunResult, sampleRunResultWithoutGpu } from '../helpers/sample-run-result.js';

const GOLDEN = new URL('./golden/report.md', import.meta.url);
const REPEAT_GOLDEN = new URL('./golden/report-repeat.md', import.meta.url);
const GiB = 1024 ** 3;

/** The lines of the section under `## title`, up to the next `## `. */
function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`\n## ${title}\n`);
  assert.notEqual(start, -1, `no section "## ${title}"`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end === -1 ? undefined : end);
}

/** A table row's cells, split on the pipes GFM sees (not `\|`). */
function cells(row: string): string[] {
  return row.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim());
}

function rowOf(markdown: string, heading: string, needle: string): string[] {
  const row = section(markdown, heading).split('\n').find((line) => line.startsWith('|') && line.includes(needle));
  assert.ok(row, `no row with ${needle} under ${heading}`);
  return cells(row);
}

/** The shared sample with the VLM file's tests replaced by ones of the given VRAM growths (GiB). */
function withVramGrowths(growths: readonly number[]): RunResult {
  const run = sampleRunResult();
  const files: FileResult[] = run.files.map((file) => {
    if (file.lane !== 'gpu' || file.status !== 'passed') return file;
    const tests: TestResult[] = growths.map((growth, index) => ({
      ...(file.tests[0] as TestResult), name: `grows ${growth}`, fullName: `grows ${growth}`, line: index + 1,
      window: { before: sample(1000, GiB, GiB, 9 * GiB), after: sample(2000, GiB + growth * GiB, GiB, 9 * GiB), peak: null },
    }));
    return { ...file, tests };
  });
  return { ...run, files, counts: countResults(files) };
}

describe('renderMarkdown', () => {
  it('matches the golden report for the shared sample', () => {
    const markdown = renderMarkdown(sampleRunResult());
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, markdown);
    assert.equal(markdown, readFileSync(GOLDEN, 'utf8'));
  });

  it('matches the golden report for a run under --repeat (leaks, orphans, metrics, no PSI or cgroup, two GPUs)', () => {
    const markdown = renderMarkdown(sampleRepeatRunResult());
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(REPEAT_GOLDEN, markdown);
    assert.equal(markdown, readFileSync(REPEAT_GOLDEN, 'utf8'));
  });

  it('reads top-down: failures, files, the top lists, what needs a look, then the folded per-test figures and pressure, the timeline, metrics and host', () => {
    const headings = renderMarkdown(sampleRepeatRunResult()).split('\n').filter((line) => line.startsWith('## '));
    assert.deepEqual(headings, ['## Failures (1)', '## Files', '## Top tests by VRAM growth', '## Top tests by RAM (RSS) growth', '## Leaks',
      '## Tests', '## Pressure', '## Timeline', '## Metrics', '## Host and GPUs']);
    // Each folded section keeps its heading (links to it land) with its body in <details> right under it.
    for (const title of ['Tests', 'Pressure', 'Metrics', 'Host and GPUs']) {
      assert.match(section(renderMarkdown(sampleRepeatRunResult()), title), new RegExp(`^\\n## ${title}\\n\\n<details><summary>[^<\\n]+</summary>\\n\\n`));
    }
    // The timeline's chart stays open; the list of when each test ran is folded under it.
    assert.match(section(renderMarkdown(sampleRepeatRunResult()), 'Timeline'), /^\n## Timeline\n\n```mermaid\n[\s\S]*\n<details><summary>When each of the 3 tests ran<\/summary>\n/);
  });

  it('states the verdict with counts equal to result.counts, the duration and the ISO start time', () => {
    const { counts } = sampleRunResult();
    const verdict = renderMarkdown(sampleRunResult()).split('\n')[2] ?? '';
    assert.match(verdict, /^\*\*❌ Failed\*\*/);
    assert.ok(verdict.includes(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped, ${counts.todo} todo (${counts.tests} tests)`), verdict);
    assert.ok(verdict.includes(`${counts.files} files (${counts.filesFailed} failed, ${counts.filesSkipped} skipped)`), verdict);
    assert.match(verdict, /· 2\.50 s · started 2026-11-23T12:00:00\.000Z$/);
  });

  it('escapes `|`, `<`, `&`, `]` and control characters in a hostile test name, and keeps the row to its table\'s 5 cells', () => {
    const markdown = renderMarkdown(sampleRunResult());
    const row = rowOf(markdown, 'Tests', 'pipe');
    assert.equal(row.length, 5);
    assert.equal(row[0], '❌ math > pipe \\| in &lt;name> &amp; "quotes" \\]\\]> 🚀 \\\\x07');
    assert.doesNotMatch(markdown, /[\u0000-\u0009\u000b-\u001f\u007f]/, 'a raw control character reached the report');
    const prose = markdown.replace(/^(`{3,})\w*\n[\s\S]*?\n\1$/gm, '').replace(/<br>|<\/?sub>|<\/?details>|<\/?summary>/g, '');
    assert.doesNotMatch(prose, /<[a-z/!?]/i, 'an HTML tag other than <br>, <sub>, <details> or <summary> reached the report outside a code block');
  });

  it('lists the gated suite with the variable and the flag that enable it', () => {
    const row = rowOf(renderMarkdown(sampleRunResult()), 'Gated and skipped', 'flux.test.ts');
    assert.match(row[3] ?? '', /ENABLE_FLUX_TESTS=1 \(or pass --enable flux\)/);
    assert.equal(row[4], 'set `ENABLE_FLUX_TESTS=1`');
  });

  it('shows VRAM before → after (Δ) and peak of `caption matches reference`, and no VRAM columns for a cpu-lane file', () => {
    const markdown = renderMarkdown(sampleRunResult());
    const caption = rowOf(markdown, 'Tests', 'caption matches reference');
    assert.deepEqual(caption.slice(2, 4), ['0 B → 4.0 GiB (+4.0 GiB)', '6.0 GiB']);
    assert.deepEqual(rowOf(markdown, 'Tests', 'math > adds').slice(1), ['2 ms', '8.0 → 8.0 GiB (+2.0 MiB)', '8.0 GiB', '+2.0 MiB']);
    // Per file, one table: the cpu-lane file's header has no VRAM column, the gpu-lane file's has.
    const headers = section(markdown, 'Tests').split('\n').filter((line) => line.startsWith('| Test |'));
    assert.deepEqual(headers, [
      '| Test | Time | RAM before → after (Δ) | RAM peak | RSS Δ |',
      '| Test | Time | VRAM before → after (Δ) | VRAM peak | RAM before → after (Δ) | RAM peak | RSS Δ | Swap Δ |',
      '| Test | Time | RAM before → after (Δ) | RAM peak | RSS Δ |',
    ]);
  });

  it('shows host RAM before → after (Δ) and its peak, and n/a for a test whose process died in it', () => {
    const markdown = renderMarkdown(sampleRunResult());
    assert.deepEqual(rowOf(markdown, 'Tests', 'caption matches reference').slice(4, 6), ['9.0 → 11.0 GiB (+2.0 GiB)', '12.0 GiB']);
    assert.deepEqual(rowOf(markdown, 'Tests', 'segfaults').slice(2), ['8.0 GiB → n/a', 'n/a', 'n/a']);
  });

  it('ranks the top five tests by VRAM growth, largest first, and omits the list when nothing grew', () => {
    const top = section(renderMarkdown(withVramGrowths([1, 6, 0.5, 3, 2, 4, 5])), 'Top tests by VRAM growth');
    const order = top.split('\n').filter((line) => /^\| \d/.test(line)).map((line) => cells(line)[1]);
    assert.deepEqual(order, ['grows 6', 'grows 5', 'grows 4', 'grows 3', 'grows 2']);
    assert.doesNotMatch(renderMarkdown(withVramGrowths([0, -1])), /Top tests by VRAM growth/);
  });

  it('puts the crash under the failure it caused: the sentence, how the process ended, memory, and the tail of stderr', () => {
    const failure = section(renderMarkdown(sampleRunResult()), 'Failures (2)').split('### ❌ segfaults')[1] ?? '';
    assert.match(failure, /\n\nthe test process was killed by SIGSEGV while "segfaults" was running\. Its process ran 90 ms\.\n\n/);
    assert.match(failure, /\*\*Memory\*\*: host RAM used 8\.0 GiB at its start, n\/a at its end \(its process died\)/);
    assert.match(failure, /\*\*stderr\*\*:\n\n```text\nSegmentation fault\n```/);
  });

  it('brings the stderr line naming the error along when it lies above the tail, with a count of the lines between', () => {
    const failure = section(renderMarkdown(oomExitRunResult()), 'Failures (3)').split('### ❌ loads the big model')[1] ?? '';
    assert.match(failure, /the test process exited with code 1 while "loads the big model" was running\. Its process ran 2\.00 s\./);
    assert.match(failure, /\*\*stderr\*\*, its last 20 of 58 lines, after the line above them that names the error:\n\n````text\n… \(32 lines\)\n/);
    assert.ok(failure.includes(`${OOM_LINE}\n… (5 lines)\nreleasing cache block 5\n`), failure);
  });

  it('shows the stderr of a file that ended early with no failed test to carry it', () => {
    const run = sampleRunResult();
    const files = run.files.map((file) => (file.status === 'crashed' ? { ...file, tests: [] } : file));
    const ended = section(renderMarkdown({ ...run, files }), 'Failures (1)');
    assert.match(ended, /### 💥 crashed: `suites\/unit\/crash\.test\.mjs`\n\nThe file's process ended early: the test process was killed by SIGSEGV/);
    assert.match(ended, /```text\nSegmentation fault\n```/);
  });

  it('puts each failure with file:line, type, message and stack frames in a fenced block', () => {
    const failures = section(renderMarkdown(sampleRunResult()), 'Failures (2)');
    assert.match(failures, /`suites\/unit\/math\.test\.ts:9` · AssertionError\n\n```text\nExpected values to be strictly equal:\n\n1 !== 2\n<&> \]\]>\n\n {4}at TestContext/);
  });

  it('keeps a fence closed when the failure message holds backticks', () => {
    const run = sampleRunResult();
    const first = run.files[0] as FileResult;
    const failing = first.tests[1] as TestResult;
    const tests = [{ ...failing, failure: { type: 'Error', message: 'got ```js\nx\n``` and ````', stack: null } }];
    const markdown = renderMarkdown({ ...run, files: [{ ...first, tests }] });
    assert.match(markdown, /\n`````text\ngot ```js\nx\n``` and ````\n`````\n/);
  });

  it('says "no GPU" with the reason on a host without one, and has no VRAM columns or lists', () => {
    const markdown = renderMarkdown(sampleRunResultWithoutGpu());
    assert.match(markdown, /\*\*No GPU\*\*: nvidia-smi was not found on PATH: no NVIDIA driver is installed\./);
    assert.doesNotMatch(markdown, /\| GPU \| Name \|/);
    assert.doesNotMatch(markdown, /Top tests by VRAM growth/);
    // No GPU file ran: no table has VRAM columns to fill.
    assert.ok(section(markdown, 'Tests').split('\n').filter((line) => line.startsWith('| Test |')).every((line) => !line.includes('VRAM')));
  });
});

describe('markdown escaping', () => {
  it('neutralises emphasis, links, code, HTML and entities, and leaves snake_case and emoji alone', () => {
    assert.equal(escapeInline('*a* [l](u) `c` <b>&amp; ~s~ #1 \\'), '\\*a\\* \\[l\\](u) \\`c\\` &lt;b>&amp;amp; \\~s\\~ \\#1 \\\\');
    assert.equal(escapeInline('ENABLE_FLUX_TESTS=1 _x_ 🚀'), 'ENABLE_FLUX_TESTS=1 \\_x\\_ 🚀');
  });

  it('escapes block markers only at the start, and flattens newlines', () => {
    assert.equal(escapeInline('- item'), '\\- item');
    assert.equal(escapeInline('> quote'), '&gt; quote');
    assert.equal(escapeInline('1. one'), '1\\. one');
    assert.equal(escapeInline('1.5 s, a > b, --flag'), '1.5 s, a > b, --flag');
    assert.equal(escapeInline('a\r\nb\nc'), 'a b c');
    assert.equal(escapeCell('a\nb|c'), 'a<br>b\\|c');
  });

  it('breaks autolinks, whose text would otherwise keep the escaping backslashes', () => {
    assert.equal(escapeInline('see http://x.io/a_b_, www.x.io and a@b.co; 1.5 at 12:30'), 'see http\\://x.io/a_b\\_, www\\.x.io and a\\@b.co; 1.5 at 12:30');
  });

  it('shows control and bidi characters as escapes', () => {
    assert.equal(escapeInline('a\u0007b\u202ec\td'), 'a\\\\x07b\\\\u202ec\\\\td');
    assert.equal(fencedBlock('x\u001b[31m\ty'), '```text\nx\\x1b[31m\ty\n```');
  });

  it('makes code spans that survive backticks and table pipes', () => {
    assert.equal(codeSpan('a`b'), '``a`b``');
    assert.equal(codeSpan('`x`'), '`` `x` ``');
    assert.equal(codeSpan('a|b', true), '`a\\|b`');
    assert.equal(codeSpan(' a '), '`  a  `');
    assert.equal(codeSpan('  '), '`  `');
  });
});

describe('renderMarkdown given huge failure texts', () => {
  const markdown = renderMarkdown(hugeFailureRunResult());

  it('stays small: the message, stack, skip reason and stderr tail are each capped', () => {
    assert.ok(markdown.length < 512 * 1024, `report.md is ${markdown.length} characters`);
  });

  it('names the failed test with the head and tail of its message, the bytes dropped and the stack frame', () => {
    const failure = section(markdown, 'Failures (2)').split('### ❌ ')[1] ?? assert.fail('no failure');
    assert.ok(failure.startsWith('math > pipe'), failure.slice(0, 80));
    const block = /```text\n([^`]*)\n\n {4}at TestContext/.exec(failure)?.[1] ?? assert.fail('no fenced message');
    assert.ok(Buffer.byteLength(block) <= MESSAGE_LIMIT_BYTES);
    const { head, dropped, tail } = splitAtMarker(block);
    assert.ok(head.startsWith(HUGE_HEAD) && tail.endsWith(HUGE_TAIL), 'head and tail of the message');
    assert.equal(head.length + dropped + tail.length, HUGE_BYTES + 8, 'the exact bytes dropped');
  });

  it('cuts a skip reason and a crashed file\'s stderr tail', () => {
    // Inline text has its brackets escaped: `\[… 1,024 bytes dropped …\]` renders as the marker.
    assert.match(section(markdown, 'Gated and skipped'), /: whyyy[^\n]*\\\[… [\d,]+ bytes dropped …\\\]/);
    assert.match(section(markdown, 'Failures (2)'), /```text\ns+\n\[… [\d,]+ bytes dropped …\]\ns+\nSegmentation fault\n```/);
  });
});
