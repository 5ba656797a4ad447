// The GitHub Actions job summary: report.md written into `$GITHUB_STEP_SUMMARY`, whole when it fits GitHub's 1 MiB
// per step, else its top (verdict, comparison, machines, failures come first) cut between two blocks, never inside a
// fenced block, a <details> cut open closed again, and a pointer to the whole report among the run's artifacts.

import { appendFileSync, statSync } from 'node:fs';
import type { RunResult } from '../results/run-result.js';
import { formatBytes } from '../units/format.js';
import { renderMarkdown } from './markdown.js';

/** GitHub refuses a step's summary over 1 MiB (and shows an error instead of it). */
export const STEP_SUMMARY_LIMIT_BYTES = 1024 * 1024;

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');
const FENCE = /^(\s*)(`{3,}|~{3,})/;

const DETAILS_CLOSE = '\n\n</details>';

/** Where the text may be cut: after each line outside a fenced block, as byte offsets, with the <details> left open there. */
function cutPoints(markdown: string): { offset: number; openDetails: number }[] {
  const points: { offset: number; openDetails: number }[] = [];
  let fence: string | null = null;
  let openDetails = 0;
  let offset = 0;
  for (const line of markdown.split('\n')) {
    offset += bytes(line) + 1;
    const marker = FENCE.exec(line)?.[2];
    if (marker && fence === null) fence = marker;
    else if (marker && fence !== null && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = null;
    if (fence !== null) continue;
    if (line.startsWith('<details>')) openDetails += 1;
    if (line === '</details>') openDetails = Math.max(0, openDetails - 1);
    points.push({ offset, openDetails });
  }
  return points;
}

/** `markdown` whole when it fits `limitBytes`; else its longest head that fits with `pointer` after it. */
export function fitStepSummary(markdown: string, limitBytes: number, pointer: string): string {
  if (bytes(markdown) <= limitBytes) return markdown;
  const room = limitBytes - bytes(pointer) - 2;
  // A <details> cut open would fold the pointer, and whatever GitHub shows after the summary, away: it is closed again.
  const cut = cutPoints(markdown).filter((point) => point.offset + point.openDetails * bytes(DETAILS_CLOSE) <= room).pop() ?? { offset: 0, openDetails: 0 };
  const head = Buffer.from(markdown, 'utf8').subarray(0, cut.offset).toString('utf8').trimEnd();
  return `${head}${DETAILS_CLOSE.repeat(cut.openDetails)}\n\n${pointer}`;
}

/** The line after a cut summary: how big the whole report is and where it is (the run's page lists its artifacts). */
export function summaryPointer(reportBytes: number, env: NodeJS.ProcessEnv): string {
  const server = env['GITHUB_SERVER_URL'];
  const repository = env['GITHUB_REPOSITORY'];
  const runId = env['GITHUB_RUN_ID'];
  const where = server && repository && runId ? `[this run's artifacts](${server}/${repository}/actions/runs/${runId})` : "this run's artifacts";
  return `> ✂️ The summary stops here: GitHub takes at most 1 MiB. The whole report.md (${formatBytes(reportBytes)}) is among ${where}, if the workflow uploads the report directory.\n`;
}

/**
 * Appends the run's report to `$GITHUB_STEP_SUMMARY` within what is left of the step's 1 MiB; returns the bytes
 * written, or null when not on GitHub Actions (or `GPU_TEST_STEP_SUMMARY=0`).
 */
export function writeStepSummary(result: RunResult, env: NodeJS.ProcessEnv): number | null {
  const path = env['GITHUB_STEP_SUMMARY'];
  if (env['GITHUB_ACTIONS'] !== 'true' || !path || env['GPU_TEST_STEP_SUMMARY'] === '0') return null;
  let used = 0;
  try {
    used = statSync(path).size;
  } catch {
    // Not there yet: the runner creates it on the first write.
  }
  const markdown = renderMarkdown(result);
  const text = fitStepSummary(markdown, STEP_SUMMARY_LIMIT_BYTES - used, summaryPointer(bytes(markdown), env));
  appendFileSync(path, text, 'utf8');
  return bytes(text);
}
