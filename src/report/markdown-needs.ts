// The "Declared and measured" section of report.md: each suite's declared VRAM and RAM beside its measured peaks,
// with a suggested `requires:`, and the balance of files that ran on several GPUs.

import type { RunResult } from '../results/run-result.js';
import { formatBytes } from '../units/format.js';
import { codeSpan, escapeCell, table } from './markdown-escape.js';

function verdict(declaredBytes: number | null, measuredBytes: number | null): string {
  if (declaredBytes === null) return 'not declared';
  if (measuredBytes === null) return 'not measured';
  return measuredBytes > declaredBytes ? `❌ over by ${formatBytes(measuredBytes - declaredBytes)}` : '✅ within';
}

function suggestion(row: SuiteNeeds): string {
  const parts: string[] = [];
  if (row.declaredVramBytes === null && row.suggestedVramBytes !== null) parts.push(`vram: ${formatBytes(row.suggestedVramBytes).replace(' ', '')}`);
  if (row.declaredRamBytes === null && row.suggestedRamBytes !== null) parts.push(`ram: ${formatBytes(row.suggestedRamBytes).replace(' ', '')}`);
  return parts.length === 0 ? '—' : codeSpan(`requires: { ${parts.join(', ')} }`, true);
}

type SuiteNeeds = NonNullable<RunResult['suiteNeeds']>[number];

/** The section, or null when no suite declared needs and no file ran on several GPUs. */
export function renderNeeds(result: RunResult): string | null {
  const needs = result.suiteNeeds.filter((row) => row.declaredVramBytes !== null || row.declaredRamBytes !== null || row.suggestedVramBytes !== null);
  const balance = result.gpuBalance.files;
  const limitPercent = result.gpuBalance.limitPercent;
  if (needs.length === 0 && balance.length === 0) return null;
  const lines = ['## Declared and measured', ''];
  if (needs.length > 0) {
    lines.push('What each suite declared in `requires:` against the most one of its files used: VRAM on one card above '
      + 'its use when the file started, RAM as the largest process-tree RSS at a test boundary. A suggestion is the peak '
      + 'plus 20%, for suites that declare nothing.', '');
    // The verdict sits in the peak's cell: seven columns fit a page, nine scrolled sideways.
    lines.push(table(['Suite', 'Files', 'VRAM declared', 'VRAM peak', 'RAM declared', 'RAM peak', 'Suggested'], needs.map((row) => [
      escapeCell(row.suite), String(row.files),
      formatBytes(row.declaredVramBytes), `${formatBytes(row.measuredVramBytes)} · ${verdict(row.declaredVramBytes, row.measuredVramBytes)}`,
      formatBytes(row.declaredRamBytes), `${formatBytes(row.measuredRamBytes)} · ${verdict(row.declaredRamBytes, row.measuredRamBytes)}`,
      suggestion(row),
    ]), ['l', 'r', 'r', 'l', 'r', 'l', 'l']), '');
  }
  if (balance.length > 0) {
    lines.push(`### GPU balance`, '', `Files that ran on several GPUs: each card's peak above its use at the file's start; balanced when the spread between the most and the least loaded card is at most ${limitPercent}% of the most.`, '');
    lines.push(table(['File', 'Per card', 'Spread', 'Balanced'], balance.map((row) => [
      codeSpan(row.file, true),
      row.loads.map((load) => `GPU ${load.gpuIndex}: ${formatBytes(load.bytes)}`).join(', '),
      `${row.spreadPercent.toFixed(1)}%`,
      row.balanced ? '✅ yes' : '❌ no',
    ]), ['l', 'l', 'r', 'l']), '');
  }
  return lines.join('\n').trimEnd();
}
