// The console reporter, driven through a whole run of the shared sample on fake streams.
// Golden output: test/report/golden/console.txt. After an intended change, rewrite it with
//   UPDATE_GOLDEN=1 node --import tsx --test test/report/console.test.ts
// and review the diff.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { NAME_LIMIT_CHARS } from '../../src/units/cap-text.js';
import type { RunResult } from '../../src/results/run-result.js';
import type { Plan } from '../../src/results/job.js';
import { formatClock, formatLiveLine, printable, truncateToWidth } from '../../src/report/console-live-line.js';
import { CONSOLE_MESSAGE_LIMIT_BYTES, createConsoleReporter } from '../../src/report/console.js';
import type { WrittenReport } from '../../src/results/observer.js';
import { HUGE_BYTES, HUGE_HEAD, HUGE_TAIL, HUGE_TEST, hugeFailureRunResult } from '../helpers/huge-failure-run-result.js';
import { splitAtMarker } from '../helpers/split-at-marker.js';
import { sampleRepeatRunResult } from '../helpers/sample-repeat-run-result.js';
import { sampleRunResult, sampleRunResultWithoutGpu } from '../helpers/sample-run-result.js';

const GOLDEN = new URL('./golden/console.txt', import.meta.url);
const WRITTEN: WrittenReport[] = [
  { format: 'markdown', path: '/project/reports/report.md' },
  { format: 'junit', path: '/project/reports/junit.xml' },
  { format: 'json', path: '/elsewhere/results.json' },
];
const ANSI = /\x1b\[[0-9;]*m/;
const CLEAR_LINE = '\r\x1b[2K';

interface FakeStream extends NodeJS.WritableStream {
  isTTY?: boolean;
  columns?: number;
  chunks: string[];
}

function fakeStream(tty: { columns: number } | null): FakeStream {
  const chunks: string[] = [];
  const stream = { chunks, write: (chunk: string) => chunks.push(chunk) > 0 } as unknown as FakeStream;
  if (tty) Object.assign(stream, { isTTY: true, columns: tty.columns });
  return stream;
}

function planOf(result: RunResult, notes: readonly string[] = []): Plan {
  return { rootDir: result.config.rootDir, jobs: result.files.map((file) => file.job), notes };
}

/** Calls the hooks as the executor would: files start and end in time order, tests end just before their file. */
function driveRun(result: RunResult, stream: FakeStream, color = false, notes: readonly string[] = []): string {
  let clock = result.startedAt;
  const reporter = createConsoleReporter({ stream, color, now: () => clock, cwd: '/project' });
  reporter.onPlan?.(planOf(result, notes));
  const events = result.files
    .filter((file) => file.startedAt !== null && file.endedAt !== null)
    .flatMap((file) => [{ at: file.startedAt ?? 0, file, start: true }, { at: file.endedAt ?? 0, file, start: false }])
    .sort((a, b) => a.at - b.at);
  for (const { at, file, start } of events) {
    clock = at;
    if (start) {
      reporter.onFileStart?.(file.job, file.gpuIndices);
      continue;
    }
    for (const test of file.tests) reporter.onTestEnd?.(file.job, test.name);
    reporter.onFileEnd?.(file);
  }
  clock = result.endedAt;
  reporter.onRunEnd?.(result, WRITTEN);
  return stream.chunks.join('');
}

describe('console reporter, not a TTY', () => {
  const output = driveRun(sampleRunResult(), fakeStream(null));

  it('matches the golden text', () => {
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, output);
    assert.equal(output, readFileSync(GOLDEN, 'utf8'));
  });

  it('writes no carriage returns and no escape codes', () => {
    assert.ok(!output.includes('\r'));
    assert.ok(!output.includes('\x1b'));
  });

  it('prints the plan and one line per finished file', () => {
    assert.match(output, /^Running 3 files: 1 in the gpu lane, 2 in the cpu lane; 1 skipped \(1 gated\)\n/);
    assert.match(output, /^✖ cpu suites\/unit\/math\.test\.ts {2}1 passed, 1 failed, 1 skipped, 1 todo {2}310 ms$/m);
    assert.match(output, /^✔ gpu suites\/vlm\/ensemble\.test\.ts \(GPU 0\) {2}2 passed {2}2\.40 s$/m);
    assert.match(output, /^✖ cpu suites\/unit\/crash\.test\.mjs {2}crashed: 1 failed {2}90 ms$/m);
  });

  it('details each failed test with its location and message, control characters escaped', () => {
    assert.ok(output.includes('  ✖ math > pipe | in <name> & "quotes" ]]> 🚀 \\x07\n    suites/unit/math.test.ts:9\n    Expected values to be strictly equal:\n\n    1 !== 2\n'));
    assert.ok(output.includes('  ✖ segfaults\n    suites/unit/crash.test.mjs:3\n    the test process was killed by SIGSEGV'));
    assert.ok(output.includes('  stderr:\n    Segmentation fault\n'));
    assert.ok(!output.includes('\u0007'));
  });

  it('summarizes with the way to enable gated suites, the top VRAM test and the report paths', () => {
    assert.match(output, /^✖ FAILED in 2\.50 s$/m);
    assert.match(output, /^Tests: {4}3 passed, 2 failed, 2 skipped, 1 todo \(8 in all\)$/m);
    // Said once: the label, then the reason without its own `gated:`.
    assert.match(output, /^Gated: {4}set ENABLE_FLUX_TESTS=1 \(or pass --enable flux\) to run suites tagged flux \(suites\/flux\/flux\.test\.ts\)$/m);
    assert.match(output, /^Top VRAM: \+4\.0 GiB in ensemble > caption matches reference \(suites\/vlm\/ensemble\.test\.ts:8\) on GPU 0/m);
    assert.match(output, /^Reports: {2}markdown {2}reports\/report\.md\n {10}junit {5}reports\/junit\.xml\n {10}json {6}\/elsewhere\/results\.json$/m);
  });
});

describe('console reporter, on a TTY', () => {
  const columns = 60;
  const stream = fakeStream({ columns });
  const output = driveRun(sampleRunResult(), stream);
  // Every redraw starts by clearing the line; what follows up to the next newline is the live line.
  const liveLines = output.split(CLEAR_LINE).slice(1).map((part) => part.split('\n')).filter((lines) => lines.length === 1).map(([line]) => line ?? '');

  it('redraws the live line in place, cut to the terminal width', () => {
    const drawn = liveLines.filter((line) => line !== '');
    assert.ok(drawn.length >= 2, `expected several redraws, got ${drawn.length}`);
    for (const line of drawn) assert.ok([...line].length <= columns, `too wide: ${line}`);
    // Cut lines give up file names, not the progress and the clock.
    assert.ok(drawn.some((line) => line.startsWith('gpu ▸ suites/vlm/') && line.includes('… │ 0/3 files, ') && / │ 0:00$/.test(line)), drawn.join('\n'));
  });

  it('prints finished files above the live line and clears it before the summary', () => {
    assert.ok(output.includes(`${CLEAR_LINE}✖ cpu suites/unit/math.test.ts  1 passed`));
    // The live line is cleared once, before the recap of failures; the summary follows it with no redraw between.
    assert.ok(output.includes(`${CLEAR_LINE}\nFailures (2):\n`));
    assert.ok(!output.slice(output.indexOf('Failures (2):')).includes(CLEAR_LINE));
    assert.ok(output.indexOf('\n✖ FAILED in 2.50 s') > output.indexOf('Failures (2):'));
  });

  it('throttles redraws that arrive together', () => {
    const stream = fakeStream({ columns: 200 });
    const reporter = createConsoleReporter({ stream, color: false, now: () => 1000, cwd: '/project' });
    const { files } = sampleRunResult();
    const [unit] = files;
    assert.ok(unit);
    reporter.onFileStart?.(unit.job, []);
    for (let i = 0; i < 50; i += 1) reporter.onTestEnd?.(unit.job, `test ${i}`);
    assert.equal(stream.chunks.length, 1);
    assert.match(stream.chunks[0] ?? '', /cpu ▸ suites\/unit\/math\.test\.ts │ 0\/1 files, 0 tests done │ 0:00$/);
    reporter.onRunEnd?.(sampleRunResult(), []);
  });
});

describe('console reporter, leaks and orphans', () => {
  it('prints one line for confirmed leaks and one for processes left running, with the fix', () => {
    const output = driveRun(sampleRepeatRunResult(), fakeStream(null));
    assert.match(output, /^Leaks: {4}1 confirmed \(suites\/vlm\/loader\.test\.ts › loader > loads model: VRAM \+52\.0 MiB\/iteration\)$/m);
    assert.match(output, /^Orphans: {2}2 left running after their file \(pid 4242 on GPU 0, 1\.5 GiB, still running; pid 5151 on GPU 1, killed\): kill 4242 or run with --kill-orphans$/m);
    assert.doesNotMatch(output, /caches tokenizer/, 'a call the re-run did not confirm is not a leak');
  });

  it('prints neither line when there is nothing to say', () => {
    const output = driveRun(sampleRunResult(), fakeStream(null));
    assert.doesNotMatch(output, /^(Leaks|Orphans):/m);
  });

  it('names three leaks and counts the rest, and leaves out the fix once every orphan was killed', () => {
    const run = sampleRepeatRunResult();
    const [loader, server] = run.files;
    assert.ok(loader && server);
    const [confirmed] = loader.leaks;
    assert.ok(confirmed);
    const leaks = ['a', 'b', 'c', 'd', 'e'].map((test) => ({ ...confirmed, test }));
    const residue = { vramBeforeBytes: 0, vramAfterBytes: 0, orphans: [] };
    const output = driveRun({ ...run, files: [{ ...loader, leaks, residue }, server] }, fakeStream(null));
    assert.match(output, /^Leaks: {4}5 confirmed \(.* › a: VRAM \+52\.0 MiB\/iteration; .* › b: .*; .* › c: .*; 2 more\)$/m);
    assert.match(output, /^Orphans: {2}1 left running after their file \(pid 5151 on GPU 1, killed\)$/m);
  });
});

describe('console reporter, other events', () => {
  it('says why GPU files are skipped when there is no GPU', () => {
    const result = sampleRunResultWithoutGpu();
    const jobs = result.files.map((file) => file.job);
    const [first] = jobs;
    assert.ok(first);
    const stream = fakeStream(null);
    const reporter = createConsoleReporter({ stream, color: false, cwd: '/project' });
    reporter.onPlan?.({ rootDir: '/project', notes: ['no usable GPU (nvidia-smi was not found on PATH): 1 GPU file(s) will be skipped; pass --require-gpu to fail instead'],
      jobs: [...jobs, { ...first, id: 'suites/vlm/a.test.ts', lane: 'gpu', skip: { code: 'no-gpu', message: 'needs a GPU', enableWith: null } }] });
    assert.equal(stream.chunks.join(''), 'Running 2 files: 0 in the gpu lane, 2 in the cpu lane; 2 skipped (1 gated, 1 no GPU)\n'
      + 'note: no usable GPU (nvidia-smi was not found on PATH): 1 GPU file(s) will be skipped; pass --require-gpu to fail instead\n');
  });

  it('announces an interrupt with the number of running files', () => {
    const stream = fakeStream(null);
    const reporter = createConsoleReporter({ stream, color: false });
    const [unit, vlm] = sampleRunResult().files;
    assert.ok(unit && vlm);
    reporter.onFileStart?.(unit.job, []);
    reporter.onFileStart?.(vlm.job, [0]);
    reporter.onInterrupt?.('SIGINT', false);
    assert.equal(stream.chunks.join(''), 'Interrupted (SIGINT): stopping 2 running files, writing reports… (again to kill at once)\n');
    reporter.onInterrupt?.('SIGINT', true);
    assert.match(stream.chunks.join(''), /\nSIGINT again: killing every test process now, writing reports…\n$/);
  });

  it('colors the output when asked to', () => {
    const output = driveRun(sampleRunResult(), fakeStream(null), true);
    assert.match(output, ANSI);
    assert.ok(output.includes('\x1b[31m✖\x1b[39m cpu suites/unit/math.test.ts'));
  });

  it('formats the clock, truncation and control characters', () => {
    assert.equal(formatClock(42_000), '0:42');
    assert.equal(formatClock(3_723_000), '1:02:03');
    assert.equal(truncateToWidth('abcdef', 4), 'abc…');
    assert.equal(truncateToWidth('abc', 4), 'abc');
    assert.equal(printable('a\x1b[2Jb\nc'), 'a\\x1b[2Jb\\nc');
  });

  it('shows each lane, idle or busy, then the progress and the clock', () => {
    const [unit, vlm] = sampleRunResult().files;
    assert.ok(unit && vlm);
    const state = { lanes: ['gpu', 'cpu'] as const, running: [{ job: vlm.job, gpuIndices: [0] }, { job: unit.job, gpuIndices: [] }, { job: { ...unit.job, id: 'suites/io.test.ts' }, gpuIndices: [] }],
      filesDone: 3, filesToRun: 9, filesFailed: 2, testsDone: 14, elapsedMs: 42_000 };
    assert.equal(formatLiveLine(state, 200), 'gpu ▸ suites/vlm/ensemble.test.ts (GPU 0) │ cpu ▸ 2 running: math.test.ts, io.test.ts │ 3/9 files, 14 tests done, 2 files failed │ 0:42');
    assert.equal(formatLiveLine({ ...state, running: [] }, 200), 'gpu ▸ idle │ cpu ▸ idle │ 3/9 files, 14 tests done, 2 files failed │ 0:42');
    assert.equal(formatLiveLine(state, 30), 'gpu ▸ suites/vlm/ensemble.tes…');
  });
});

describe('console reporter, huge failure texts', () => {
  // The failing test also gets a 1 MB name: the console cuts names too.
  const run = hugeFailureRunResult();
  const longName = `${'n'.repeat(1024 * 1024)} ends here`;
  const files = run.files.map((file) => ({ ...file, tests: file.tests.map((t) => (t.fullName === HUGE_TEST ? { ...t, fullName: longName } : t)) }));
  const output = driveRun({ ...run, files }, fakeStream(null));

  it('prints a few KiB, not megabytes', () => {
    assert.ok(output.length < 16 * 1024, `the console got ${output.length} characters`);
  });

  it('still names the failed test and shows the head of its message and how many bytes were dropped', () => {
    // 200 characters: the first 149, `…`, and the last 50.
    assert.equal(NAME_LIMIT_CHARS, 200);
    const named = `  ✖ ${'n'.repeat(149)}…${'n'.repeat(40)} ends here\n    suites/unit/math.test.ts:9\n    ${HUGE_HEAD}`;
    assert.ok(output.includes(named), 'the capped name, its location and the head of its message');
    const shown = /\n {4}(HEADx+)\n {4}(\[… [\d,]+ bytes dropped …\])\n {4}(x+TAIL)\n/.exec(output) ?? assert.fail('no cut message');
    const { head, dropped, tail } = splitAtMarker(`${shown[1]}\n${shown[2]}\n${shown[3]}`);
    assert.equal(head.length + dropped + tail.length, HUGE_BYTES + 8, 'the exact bytes dropped');
    assert.ok(head.length + tail.length <= CONSOLE_MESSAGE_LIMIT_BYTES);
    assert.ok(tail.endsWith(HUGE_TAIL));
  });

  it('cuts a crashed file\'s stderr tail as well', () => {
    assert.match(output, /  stderr:\n    s+\n    \[… [\d,]+ bytes dropped …\]\n    s+\n    Segmentation fault\n/);
  });
});
