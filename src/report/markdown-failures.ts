// The Failures section of report.md: each failed test with where it is, its message and stack, the memory it held, and,
// when its process's end cut it short (a crash, an exit code, a timeout), how long the process ran and the end of its
// stderr with the lines that name the error. A file that ended early with no failed test to carry it gets the same.

import { capFailure, capText, MESSAGE_LIMIT_BYTES } from '../units/cap-text.js';
import type { FileResult, RunResult, TestFailure, TestResult } from '../results/run-result.js';
import { computeWindowDeltas } from '../results/window-deltas.js';
import { formatBytes, formatDuration, plural } from '../units/format.js';
import { codeSpan, escapeInline, fencedBlock } from './markdown-escape.js';
import { fileDurationMs, fileStatusLabel, location } from './markdown-tests.js';
import { cutShortSentence, excerptStderr, failureStderr } from './stderr-excerpt.js';
import { describeMemoryEvidence } from '../results/memory-evidence.js';

const MESSAGE_LINES = 40;
const STACK_FRAMES = 8;
const STDERR_TAIL_LINES = 20;
const ENDED_EARLY = new Set<FileResult['status']>(['crashed', 'timed-out', 'interrupted']);

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

// What memory the test held when it failed: where it started, its peak, where it ended; a figure not read is left out.
function memoryAtFailure(result: RunResult, file: FileResult, test: TestResult): string | null {
  if (test.window === null) return null;
  const d = computeWindowDeltas(test.window);
  const died = test.window.after === null;
  const figures = (start: number | null, peak: number | null, end: number | null, of: number | null): string | null => {
    const said = [
      start === null ? null : `${formatBytes(start)} at its start`,
      peak === null ? null : `peak ${formatBytes(peak)}${of === null || of === 0 ? '' : ` of ${formatBytes(of)}`}`,
      died ? 'n/a at its end (its process died)' : end === null ? null : `${formatBytes(end)} at its end`,
    ].filter((part): part is string => part !== null);
    return said.length === 0 ? null : said.join(', ');
  };
  const parts: string[] = [];
  if (result.gpu.available && file.lane === 'gpu' && file.gpuIndices.length > 0) {
    const total = file.gpuIndices.reduce<number | null>((sum, index) => {
      const bytes = result.gpu.gpus.find((gpu) => gpu.index === index)?.totalBytes ?? null;
      return sum === null || bytes === null ? null : sum + bytes;
    }, 0);
    const vram = figures(d.vramBeforeBytes, d.vramPeakBytes, d.vramAfterBytes, total);
    if (vram !== null) parts.push(`VRAM on GPU ${file.gpuIndices.join(', ')} ${vram}`);
  }
  const host = figures(d.hostUsedBeforeBytes, d.hostUsedPeakBytes, d.hostUsedAfterBytes, result.host.memory?.totalBytes ?? null);
  if (host !== null) parts.push(`host RAM used ${host}`);
  const rss = figures(d.rssBeforeBytes, null, d.rssAfterBytes, null);
  if (rss !== null) parts.push(`process tree RSS ${rss}`);
  return parts.length === 0 ? null : `**Memory**: ${parts.join('; ')}.`;
}

// The lines of the process's stderr that say why it ended, then its last lines; bounded, in a fence nothing closes.
function renderStderr(stderr: string): string {
  const excerpt = excerptStderr(stderr, STDERR_TAIL_LINES);
  if (excerpt.lines.length === 0) return '_stderr was empty._';
  const cut = excerpt.totalLines > excerpt.tailLines ? `, its last ${excerpt.tailLines} of ${excerpt.totalLines} lines` : '';
  const telling = excerpt.tellingAbove > 0 ? `, after ${excerpt.tellingAbove === 1 ? 'the line above them that names' : 'the lines above them that name'} the error` : '';
  // Twenty lines can still be megabytes: nothing bounds a line's length.
  return `**stderr**${cut}${telling}:\n\n${fencedBlock(capText(excerpt.lines.join('\n'), MESSAGE_LIMIT_BYTES))}`;
}

function renderFailure(result: RunResult, file: FileResult, test: TestResult, stderrShown: Set<FileResult>): string[] {
  const failure = test.failure === null ? null : capFailure(test.failure);
  const type = failure ? ` · ${escapeInline(failure.type)}` : '';
  const heading = [`### ❌ ${escapeInline(test.fullName)}`, `${codeSpan(location(result, test.file, test.line))}${type}`];
  const memory = memoryAtFailure(result, file, test);
  const stderr = failureStderr(file, test);
  if (stderr === null) return [...heading, fencedBlock(failureText(failure)), ...(memory ? [memory] : [])];
  // A test cut short by its process's end: the harness's sentence (it says how the process ended), how long the process
  // ran, and what it printed last.
  const duration = fileDurationMs(file);
  const ran = duration === null ? '' : ` Its process ran ${formatDuration(duration)}.`;
  const parts = [...heading, `${escapeInline(cutShortSentence(failure?.message ?? ''))}.${ran}`, ...(memory ? [memory] : [])];
  if (stderrShown.has(file)) parts.push('Its process\'s stderr is shown under the failure above.');
  else parts.push(...evidenceOf(file), renderStderr(stderr));
  stderrShown.add(file);
  return parts;
}

// Per file: its failed tests, then, for a file that crashed, timed out or was interrupted without a test to carry it,
// how its process ended and its stderr. A crash seldom says why in a test's message; the end of stderr usually does.
/** The Failures section, or null when no test failed and no file ended early. */
export function renderFailures(result: RunResult): string | null {
  const stderrShown = new Set<FileResult>();
  let failed = 0;
  const parts: string[] = [];
  for (const file of result.files) {
    for (const test of file.tests.filter((each) => each.status === 'failed')) {
      failed += 1;
      parts.push(...renderFailure(result, file, test, stderrShown));
    }
    if (!ENDED_EARLY.has(file.status) || stderrShown.has(file)) continue;
    const error = file.error ? `: ${escapeInline(file.error)}` : '';
    parts.push(`### ${fileStatusLabel(file.status)}: ${codeSpan(file.job.id)}`, `The file's process ended early${error}. ${outcomeLine(file)}`, ...evidenceOf(file), renderStderr(file.stderr));
  }
  if (parts.length === 0) return null;
  return [failed > 0 ? `## Failures (${failed})` : '## Files that ended early', ...parts].join('\n\n');
}

// Whether a failure memory could explain was re-run alone, and the signs of memory pressure that decided it.
function evidenceOf(file: FileResult): string[] {
  return file.memoryEvidence ? [escapeInline(capText(describeMemoryEvidence(file.memoryEvidence), MESSAGE_LIMIT_BYTES))] : [];
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
