// report.md: the pressure and leak report a person reads on GitHub. Every piece of text that came from a test or
// the machine goes through markdown-escape, so a hostile name cannot break a table or inject HTML.

import { capFailure, capText, MESSAGE_LIMIT_BYTES } from '../units/cap-text.js';
import { CUT_SHORT_FAILURES } from '../results/failures.js';
import { failingRegressions } from '../results/verdict.js';
import type { FileResult, RunResult, TestFailure, TestResult } from '../results/run-result.js';
import { formatBytes, formatDuration, plural } from '../units/format.js';
import { describeMemoryEvidence } from '../results/memory-evidence.js';
import { measureTests } from './growth.js';
import { renderBudgets } from './markdown-budgets.js';
import { renderFlaky, renderMachines, renderShardLine } from './markdown-ci.js';
import { renderComparison } from './markdown-compare.js';
import { codeSpan, escapeCell, escapeInline, fencedBlock, table } from './markdown-escape.js';
import { renderHooks } from './markdown-hooks.js';
import { renderNeeds } from './markdown-needs.js';
import { renderLeaks } from './markdown-leaks.js';
import { renderMetrics } from './markdown-metrics.js';
import { renderPressure } from './markdown-pressure.js';
import { fileDurationMs, fileStatusLabel, location, renderFileTable, renderTestTable, renderTopGrowth, testStatusLabel } from './markdown-tests.js';
import { renderTimeline } from './markdown-timeline.js';

const MESSAGE_LINES = 40;
const STACK_FRAMES = 8;
const STDERR_TAIL_LINES = 20;
const VERDICT = { passed: '✅ Passed', failed: '❌ Failed', interrupted: '⏹️ Interrupted' } as const;
const SIGNAL_SOURCE = { SIGINT: 'Ctrl-C or `kill -INT`', SIGTERM: 'a CI cancel or `kill`', SIGHUP: 'the terminal closed' } as const;
const ENDED_EARLY = new Set<FileResult['status']>(['crashed', 'timed-out', 'interrupted']);
const ENDED_EARLY_TITLE = 'Crashed, timed-out and interrupted files';
const ENDED_EARLY_ANCHOR = 'crashed-timed-out-and-interrupted-files';

function renderVerdict(result: RunResult): string {
  const c = result.counts;
  const flaky = c.flaky > 0 ? `, [${c.flaky} flaky](#flaky-tests-${c.flaky})` : '';
  const tests = `${c.passed} passed, ${c.failed} failed${flaky}, ${c.skipped} skipped, ${c.todo} todo (${plural(c.tests, 'test')})`;
  const files = `${plural(c.files, 'file')} (${c.filesFailed} failed, ${c.filesSkipped} skipped)`;
  const started = new Date(result.startedAt).toISOString();
  const hooksFailed = result.hooks.filter((run) => !run.ok).length;
  const hooks = hooksFailed > 0 ? ` · [${plural(hooksFailed, 'hook step')} failed](#hooks)` : '';
  const regressions = failingRegressions(result.comparison);
  const regressed = regressions > 0 ? ` · [${plural(regressions, 'regression')}](#what-changed-since-the-baseline)` : '';
  const verdict = `**${VERDICT[result.verdict]}**: ${tests} in ${files}${hooks}${regressed} · ${formatDuration(result.endedAt - result.startedAt)} · started ${started}`;
  const lines = [verdict, renderShardLine(result), result.interruption ? describeInterruption(result) : null];
  return lines.filter((line): line is string => line !== null).join('\n\n');
}

/** What a signal did to the run: which, when, and what became of the files it found running or waiting. */
function describeInterruption(result: RunResult): string {
  const stop = result.interruption;
  if (!stop) return '';
  const stopped = result.files.filter((file) => file.status === 'interrupted').length;
  const notStarted = result.files.filter((file) => file.status === 'skipped' && (file.skipReason ?? '').startsWith('not started: the run was interrupted')).length;
  const how = stop.forced ? 'a second signal killed every test process at once' : 'running files were stopped (SIGTERM, then SIGKILL after a grace period)';
  return `> Interrupted by **${stop.signal}** (${SIGNAL_SOURCE[stop.signal]}) ${formatDuration(Math.max(0, stop.at - result.startedAt))} into the run: ` +
    `${how}; ${plural(stopped, 'file')} stopped, ${plural(notStarted, 'file')} not started. Everything that ran is reported below.`;
}

function renderHost(result: RunResult): string {
  const { host } = result;
  const memory = host.memory;
  const lines = [
    '## Host and GPUs',
    '',
    `- **Host**: ${escapeInline(host.hostname)} (${escapeInline(host.platform)}), ${plural(host.cpus, 'CPU')}`,
    `- **RAM**: ${memory ? `${formatBytes(memory.totalBytes)} total` : 'unknown'}; **swap**: ${memory ? `${formatBytes(memory.swapTotalBytes)} total` : 'unknown'}`,
    `- **Node**: ${escapeInline(host.nodeVersion)}`,
    `- **Settings**: ${result.config.concurrency} cpu-lane and ${result.config.gpuConcurrency} gpu-lane files at once, ${formatDuration(result.config.timeoutMs)} per-file timeout`,
    '',
  ];
  if (!result.gpu.available) {
    lines.push(`**No GPU**: ${escapeInline(result.gpu.reason ?? 'no usable GPU was found')}. GPU suites were skipped, and VRAM columns read "no GPU".`);
    return lines.join('\n');
  }
  const rows = result.gpu.gpus.map((gpu) => [String(gpu.index), escapeCell(gpu.name), formatBytes(gpu.totalBytes), codeSpan(gpu.uuid, true)]);
  lines.push(table(['GPU', 'Name', 'Memory', 'UUID'], rows, ['r', 'l', 'r', 'l']), '');
  lines.push(`Driver ${escapeInline(result.gpu.driverVersion ?? 'unknown')} · CUDA ${escapeInline(result.gpu.cudaVersion ?? 'unknown')}`);
  return lines.join('\n');
}

function renderWarnings(result: RunResult): string | null {
  const warnings = [...result.gpu.warnings, ...result.warnings];
  if (warnings.length === 0) return null;
  return ['## Warnings', '', ...warnings.map((warning) => `- ${escapeInline(warning)}`)].join('\n');
}

function firstLines(text: string, max: number): string {
  const lines = text.split('\n');
  return lines.length <= max ? text : [...lines.slice(0, max), `… ${plural(lines.length - max, 'more line')}`].join('\n');
}

// The message first, then only the stack's frames: node repeats the message as the stack's first lines. Both are
// capped first (MESSAGE_LIMIT_BYTES, STACK_LIMIT_BYTES): a 50 MB message on one line is one line.
function failureText(failure: TestFailure | null): string {
  const message = firstLines(failure?.message ?? 'failed without a message', MESSAGE_LINES);
  const frames = (failure?.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  const shown = frames.slice(0, STACK_FRAMES).map((line) => `    ${line.trim()}`);
  if (frames.length > STACK_FRAMES) shown.push(`    … ${plural(frames.length - STACK_FRAMES, 'more frame')}`);
  return shown.length > 0 ? `${message}\n\n${shown.join('\n')}` : message;
}

function renderFailure(result: RunResult, file: FileResult, test: TestResult): string[] {
  const failure = test.failure === null ? null : capFailure(test.failure);
  const type = failure ? ` · ${escapeInline(failure.type)}` : '';
  const heading = [`### ❌ ${escapeInline(test.fullName)}`, `${codeSpan(location(result, test.file, test.line))}${type}`];
  // A test cut short by its process's end carries the harness's sentence and stderr, which the ended-early section shows once.
  if (ENDED_EARLY.has(file.status) && CUT_SHORT_FAILURES.has(failure?.type ?? '')) {
    // The first line only, less a trailing clause that introduces the stderr shown below (`…; its stderr ended with:`).
    const sentence = (failure?.message.split('\n')[0] ?? '').replace(/(?:[;,][^;,]*)?:\s*$/, '');
    return [...heading, `${escapeInline(sentence)}. The process's stderr is under [${ENDED_EARLY_TITLE}](#${ENDED_EARLY_ANCHOR}).`];
  }
  return [...heading, fencedBlock(failureText(failure))];
}

function renderFailures(result: RunResult): string | null {
  const parts = result.files.flatMap((file) => file.tests.filter((test) => test.status === 'failed').map((test) => renderFailure(result, file, test)));
  if (parts.length === 0) return null;
  return [`## Failures (${parts.length})`, ...parts.flat()].join('\n\n');
}

function outcomeLine(file: FileResult): string {
  const outcome = file.outcome;
  if (!outcome) return 'The process never reported how it ended.';
  const duration = fileDurationMs(file);
  return [
    `Exit code: ${outcome.exitCode ?? '—'}`, `signal: ${outcome.signal === null ? '—' : escapeInline(outcome.signal)}`,
    `timed out: ${outcome.timedOut ? 'yes' : 'no'}`, `interrupted: ${outcome.isCanceled ? 'yes' : 'no'}`,
    `after ${duration === null ? '—' : formatDuration(duration)}`,
  ].join(' · ');
}

// A crash or a timeout seldom says why in a test's message; the end of stderr usually does.
function stderrTail(stderr: string): string {
  const lines = stderr.replace(/\s+$/, '').split(/\r\n|\r|\n/);
  if (lines.length === 1 && lines[0] === '') return '_stderr was empty._';
  const tail = lines.slice(-STDERR_TAIL_LINES);
  const cut = lines.length > tail.length ? ` (last ${tail.length} of ${lines.length} lines)` : '';
  // Twenty lines can still be megabytes: nothing bounds a line's length.
  return `stderr${cut}:\n\n${fencedBlock(capText(tail.join('\n'), MESSAGE_LIMIT_BYTES))}`;
}

function renderEndedEarly(result: RunResult): string | null {
  const files = result.files.filter((file) => ENDED_EARLY.has(file.status));
  if (files.length === 0) return null;
  const parts = [`## ${ENDED_EARLY_TITLE}`];
  for (const file of files) {
    parts.push(`### ${fileStatusLabel(file.status)}: ${codeSpan(file.job.id)}`);
    if (file.error) parts.push(escapeInline(file.error));
    if (file.memoryEvidence) parts.push(escapeInline(capText(describeMemoryEvidence(file.memoryEvidence), MESSAGE_LIMIT_BYTES)));
    parts.push(outcomeLine(file), stderrTail(file.stderr));
  }
  return parts.join('\n\n');
}

function howToEnable(file: FileResult): string {
  const skip = file.job.skip;
  if (skip?.code === 'gated') return skip.enableWith ? `set ${codeSpan(`${skip.enableWith}=1`, true)}` : 'see the reason';
  if (skip?.code === 'no-gpu') return 'run on a host with a usable NVIDIA GPU';
  if (skip?.code === 'deselected') return 'change `--tags` / `--skip-tags`';
  return '—';
}

function renderSkipped(result: RunResult): string | null {
  const files = result.files.filter((file) => file.status === 'skipped');
  const tests = result.files.flatMap((file) => file.tests.filter((test) => test.status === 'skipped' || test.status === 'todo'));
  if (files.length === 0 && tests.length === 0) return null;
  const parts = ['## Gated and skipped'];
  if (files.length > 0) {
    const rows = files.map((file) => [
      codeSpan(file.job.id, true), escapeCell(file.job.suite), escapeCell(file.job.tags.join(', ') || '—'),
      escapeCell(file.skipReason ?? 'skipped'), howToEnable(file),
    ]);
    parts.push(table(['File', 'Suite', 'Tags', 'Why', 'To enable'], rows));
  }
  if (tests.length > 0) {
    parts.push(tests.map((test) => {
      const reason = test.skipReason ? `: ${escapeInline(capText(test.skipReason, MESSAGE_LIMIT_BYTES))}` : '';
      return `- ${testStatusLabel(test.status)} ${escapeInline(test.fullName)} (${codeSpan(location(result, test.file, test.line))})${reason}`;
    }).join('\n'));
  }
  return parts.join('\n\n');
}

/** Renders the whole run as report.md (GitHub-flavoured Markdown); pure, so golden files can pin it. */
export function renderMarkdown(result: RunResult): string {
  const tests = measureTests(result);
  const sections = [
    `# gpu-test report\n\n${renderVerdict(result)}`,
    renderComparison(result.comparison),
    renderMachines(result) ?? renderHost(result),
    renderWarnings(result),
    renderFailures(result),
    renderFlaky(result),
    renderEndedEarly(result),
    renderHooks(result),
    renderSkipped(result),
    renderBudgets(result),
    renderLeaks(result),
    renderPressure(result, tests),
    renderNeeds(result),
    renderTimeline(result),
    ...renderTopGrowth(result, tests),
    renderMetrics(result),
    `## Files\n\n${renderFileTable(result)}`,
    tests.length > 0 ? `## Tests\n\nRSS is the test's whole process tree; RAM is the host's used memory. A peak is the highest reading from the test's start to its end, sampled continuously.\n\n${renderTestTable(result, tests)}` : null,
    `<sub>Generated by gpu-test ${escapeInline(result.toolVersion)} · run ${codeSpan(result.runId)}</sub>`,
  ];
  return `${sections.filter((section): section is string => section !== null).join('\n\n')}\n`;
}
