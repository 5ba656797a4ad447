// The Hooks section of report.md: every coordination hook step that ran (`hooks:` of a suite), whether it succeeded
// and how long it took, and for each failure its sentence and the end of its output.

import type { HookRun, RunResult } from '../results/run-result.js';
import { formatDuration, plural } from '../units/format.js';
import { codeSpan, escapeCell, escapeInline, fencedBlock, table } from './markdown-escape.js';

// A step's command can be a whole script; the table shows its start, the failure heading and the JSON have it all.
const STEP_CHARS = 100;

function stepCell(run: HookRun): string {
  const step = run.step.length > STEP_CHARS ? `${run.step.slice(0, STEP_CHARS)}…` : run.step;
  return codeSpan(step, true);
}

function resultCell(run: HookRun): string {
  const tries = run.attempts > 1 ? ` after ${plural(run.attempts, 'try', 'tries')}` : '';
  return run.ok ? `✅ ok${tries}` : `❌ ${escapeCell(run.error ?? 'failed')}`;
}

function renderHookFailure(run: HookRun): string {
  const heading = `### ❌ ${escapeInline(run.suite)} · ${run.phase}: ${codeSpan(run.step)}`;
  const output = run.output.trim() === '' ? '_It printed nothing._' : `Its output ended with:\n\n${fencedBlock(run.output)}`;
  return [heading, `${escapeInline(run.error ?? 'failed')} (${formatDuration(run.durationMs)}).`, output].join('\n\n');
}

/** The Hooks section, or null when no suite's hook ran. */
export function renderHooks(result: RunResult): string | null {
  if (result.hooks.length === 0) return null;
  const rows = result.hooks.map((run) => [escapeCell(run.suite), run.phase, stepCell(run), resultCell(run), formatDuration(run.durationMs)]);
  const failed = result.hooks.filter((run) => !run.ok);
  const intro = failed.length === 0
    ? 'Steps of the suites\' `hooks:`, in the order they started.'
    : `Steps of the suites' \`hooks:\`, in the order they started; ${plural(failed.length, 'step')} failed, which fails the run.`;
  return [`## Hooks`, intro, table(['Suite', 'Hook', 'Step', 'Result', 'Duration'], rows, ['l', 'l', 'l', 'l', 'r']), ...failed.map(renderHookFailure)].join('\n\n');
}
