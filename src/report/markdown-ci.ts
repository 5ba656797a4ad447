// The sections of report.md a run in CI adds: the machines of a merged run (each shard's host, GPUs and figures), the
// shard a run took, and the flaky tests (failed, then passed when their file was retried).

import { capText, MESSAGE_LIMIT_BYTES } from '../units/cap-text.js';
import type { RunResult } from '../results/run-result.js';
import { formatBytes, formatDuration, formatShare, plural } from '../units/format.js';
import { codeSpan, escapeCell, table } from './markdown-escape.js';
import { location } from './markdown-tests.js';

const VERDICT_WORD = { passed: '✅ passed', failed: '❌ failed', interrupted: '⏹️ interrupted' } as const;

/** The Machines section of a merged run, in place of "Host and GPUs"; null for a run on one machine. */
export function renderMachines(result: RunResult): string | null {
  if (result.machines.length === 0) return null;
  const rows = result.machines.map((m, index) => {
    const gpus = m.gpu.available ? m.gpu.gpus.map((gpu) => `${gpu.index}: ${escapeCell(gpu.name)} (${formatBytes(gpu.totalBytes)})`).join('<br>') : `none: ${escapeCell(m.gpu.reason ?? 'no usable GPU')}`;
    const peaks = m.pressure.gpus.map((gpu) => `GPU ${gpu.index} ${formatBytes(gpu.peakUsedBytes)}`).join(', ') || '—';
    const files = result.files.filter((file) => file.machine === index).length;
    // Host with its CPUs and RAM, GPUs with their driver, verdict with its time: seven columns fit a page.
    return [
      m.shard ? `${m.shard.index}/${m.shard.total}` : String(index + 1),
      `${escapeCell(m.host.hostname)}<br>${m.host.cpus} CPUs, ${formatBytes(m.host.memory?.totalBytes ?? null)}`,
      `${gpus}<br>driver ${escapeCell(m.gpu.driverVersion ?? '—')}`, String(files), `${VERDICT_WORD[m.verdict]} in ${formatDuration(m.endedAt - m.startedAt)}`,
      `${peaks}; RAM ${formatShare(m.pressure.host.peakUsedBytes, m.pressure.host.totalBytes)}`, codeSpan(m.runId, true),
    ];
  });
  const expected = result.machines[0]?.shard?.expectedMs;
  const note = expected && expected.length > 0 ? `\n\nExpected per shard from the earlier durations the split was made from: ${expected.map(formatDuration).join(', ')}.` : '';
  return `## Machines\n\nThis report merges ${plural(result.machines.length, 'run')} (\`gpu-test merge\`); each file ran on one of them.${note}\n\n` +
    table(['Shard', 'Host', 'GPUs', 'Files', 'Verdict', 'Peaks', 'Run id'], rows, ['l', 'l', 'l', 'r', 'l', 'l', 'l']);
}

/** One line under the verdict for a run that took a shard of its suite. */
export function renderShardLine(result: RunResult): string | null {
  const shard = result.shard;
  if (shard === null) return null;
  const expected = shard.expectedMs[shard.index - 1];
  return `Shard **${shard.index}/${shard.total}** (${shard.strategy}) of ${plural(shard.suiteFiles, 'file')}: ${plural(result.files.length, 'file')} here` +
    `${expected === undefined ? '' : `, expected ${formatDuration(expected)}`}; \`gpu-test merge\` folds the shards into one report.`;
}

/** The Flaky tests section: each test that failed and passed when its file was retried, with its first failure. */
export function renderFlaky(result: RunResult): string | null {
  const flaky = result.files.flatMap((file) => file.tests.filter((test) => test.status === 'flaky').map((test) => ({ file, test })));
  if (flaky.length === 0) return null;
  const rows = flaky.map(({ file, test }) => {
    const attempts = (file.attempts ?? []).length + 1;
    const first = file.attempts?.[0];
    const failure = test.failure ? `${escapeCell(test.failure.type)}: ${escapeCell(capText(test.failure.message.split('\n')[0] ?? '', MESSAGE_LIMIT_BYTES))}` : '—';
    return [escapeCell(test.fullName), codeSpan(location(result, test.file, test.line), true), `${attempts}`, first?.failureClass ?? '—', failure];
  });
  return `## Flaky tests (${flaky.length})\n\nThese failed, then passed when their file was retried (\`--retries\`); the first failure is kept. ` +
    `A flaky test does not fail the run unless \`failOnFlaky\` is set.\n\n${table(['Test', 'Where', 'Attempts', 'Failed of', 'First failure'], rows, ['l', 'l', 'r', 'l', 'l'])}`;
}
