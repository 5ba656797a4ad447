// The Pressure section of report.md: how close the run came to running out of VRAM, RAM and swap, whether tasks stalled
// waiting for memory (PSI), the cgroup's limit and OOM kills, and the tests that came nearest a limit.

import type { RunResult } from '../results/run-result.js';
import type { CgroupSummary, PsiSummary } from '../results/measurement.js';
import { hasHealth, windowHealth } from '../results/window-health.js';
import { formatBytes, formatDuration, formatShare, plural } from '../units/format.js';
import { topShareOfCapacity, type MeasuredTest, type ShareOfCapacity } from './growth.js';
import { codeSpan, escapeCell, escapeInline, table } from './markdown-escape.js';
import { location, testNameCell } from './markdown-tests.js';

function capacityTable(result: RunResult): string {
  const { gpus, host, cgroup } = result.pressure;
  // The cgroup's limit is the RAM the run really has: its working set against it, beside the host's.
  const limited = cgroup?.maxBytes !== null && cgroup?.maxBytes !== undefined ? cgroup : null;
  const rows = [
    ...gpus.map((gpu) => [`GPU ${gpu.index} VRAM (${escapeCell(gpu.name)})`, formatBytes(gpu.peakUsedBytes), formatBytes(gpu.totalBytes), formatShare(gpu.peakUsedBytes, gpu.totalBytes)]),
    ['Host RAM', formatBytes(host.peakUsedBytes), formatBytes(host.totalBytes), formatShare(host.peakUsedBytes, host.totalBytes)],
    ...(limited ? [['cgroup memory (working set)', formatBytes(limited.peakWorkingSetBytes), formatBytes(limited.maxBytes), formatShare(limited.peakWorkingSetBytes, limited.maxBytes)]] : []),
    ['Swap', formatBytes(host.peakSwapUsedBytes), formatBytes(host.swapTotalBytes), host.swapTotalBytes === 0 ? 'no swap' : formatShare(host.peakSwapUsedBytes, host.swapTotalBytes)],
  ];
  return table(['Memory', 'Peak used', 'Total', 'Peak of total'], rows, ['l', 'r', 'r', 'r']);
}

// Per card over the whole run: how busy and how hot it ran (NVML only), beside its memory peak above.
function gpuLoadTable(result: RunResult): string | null {
  const { timeline } = result;
  if (timeline === null || timeline.points.length === 0) return null;
  const cards = result.pressure.gpus.filter((gpu) => hasHealth(timeline, gpu.index));
  if (cards.length === 0) return null;
  const from = timeline.points[0]?.at ?? result.startedAt;
  const to = timeline.points[timeline.points.length - 1]?.at ?? result.endedAt;
  const rows = cards.map((gpu) => {
    const health = windowHealth(timeline, gpu.index, from, to);
    return [
      `GPU ${gpu.index}`,
      health.meanUtilizationPercent === null ? 'n/a' : `${health.meanUtilizationPercent.toFixed(0)}%`,
      health.maxTemperatureC === null ? 'n/a' : `${health.maxTemperatureC.toFixed(0)} °C`,
      health.maxPowerWatts === null ? 'n/a' : `${health.maxPowerWatts.toFixed(0)} W`,
    ];
  });
  return `Load per card over the run (NVML):\n\n${table(['GPU', 'Mean utilization', 'Max temperature', 'Max power'], rows, ['l', 'r', 'r', 'r'])}`;
}

function psiLine(psi: PsiSummary | null): string {
  const label = '**Memory stalls (PSI)**';
  if (psi === null) {
    return `${label}: unavailable: this kernel shows no \`/proc/pressure/memory\` (PSI is off, or the container hides it), so time lost waiting for memory is not known.`;
  }
  const full = psi.fullStallMs === null ? 'the kernel gives no figure for every task at once' : `every task at once for ${formatDuration(psi.fullStallMs)}`;
  const worstFull = psi.peakFullAvg10 === null ? '' : `, ${psi.peakFullAvg10.toFixed(2)}% (every task)`;
  return `${label}: some task waited on memory for ${formatDuration(psi.someStallMs)} in all, ${full}; `
    + `worst 10-second average ${psi.peakSomeAvg10.toFixed(2)}% (some task)${worstFull}.`;
}

function cgroupLine(cgroup: CgroupSummary | null): string {
  const label = '**cgroup**';
  if (cgroup === null) return `${label}: not known: the run is not in a memory cgroup (v1 or v2) with a limit or an OOM-kill count, or it could not be read.`;
  const where = cgroup.limitPath === null || cgroup.limitPath === cgroup.path ? '' : ` (set on ${codeSpan(cgroup.limitPath)})`;
  const peak = cgroup.peakWorkingSetBytes === null ? '' : `, peak working set ${formatBytes(cgroup.peakWorkingSetBytes)} (${formatShare(cgroup.peakWorkingSetBytes, cgroup.maxBytes)} of it)`;
  const limit = cgroup.maxBytes === null ? 'no memory limit' : `memory limit ${formatBytes(cgroup.maxBytes)}${where}${peak}`;
  const kills = cgroup.oomKillsDuringRun;
  const oom = kills === null ? 'OOM kills during the run not known (no count to read)'
    : kills === 0 ? 'no OOM kills during the run'
      : `❌ **${plural(kills, 'OOM kill')}** during the run: the kernel ended processes that went over the limit, a likely cause of a crashed file`;
  return `${label} ${codeSpan(cgroup.path)} (v${cgroup.version}): ${limit}; ${oom}.`;
}

// The memory a test's file could use on its GPUs: what the Pressure figures (else the inventory) give as their totals.
function gpuCapacity(result: RunResult, entry: MeasuredTest): number | null {
  if (entry.file.gpuIndices.length === 0) return null;
  let total = 0;
  for (const index of entry.file.gpuIndices) {
    const bytes = result.pressure.gpus.find((gpu) => gpu.index === index)?.totalBytes ?? result.gpu.gpus.find((gpu) => gpu.index === index)?.totalBytes ?? null;
    if (bytes === null) return null;
    total += bytes;
  }
  return total;
}

function nearestTable(result: RunResult, ranked: readonly ShareOfCapacity[], what: string): string {
  const rows = ranked.map(({ entry, peakBytes, capacityBytes }, index) => [
    String(index + 1), testNameCell(entry.test), codeSpan(location(result, entry.test.file, entry.test.line), true),
    formatBytes(peakBytes), `${formatShare(peakBytes, capacityBytes)} of ${formatBytes(capacityBytes)}`,
  ]);
  return table(['#', 'Test', 'Where', `${what} peak`, 'Of total'], rows, ['r', 'l', 'l', 'r', 'r']);
}

function renderNearestLimit(result: RunResult, tests: readonly MeasuredTest[]): string[] {
  const hostTotal = result.pressure.host.totalBytes ?? result.host.memory?.totalBytes ?? null;
  const byVram = result.gpu.available ? topShareOfCapacity(tests, 'vramPeakBytes', (entry) => gpuCapacity(result, entry)) : [];
  const byRam = topShareOfCapacity(tests, 'hostUsedPeakBytes', () => hostTotal);
  if (byVram.length === 0 && byRam.length === 0) return [];
  const parts = ['### Tests nearest the limit',
    'Each test\'s peak against the memory it could use; a repeated test counts once, at its highest iteration, and skipped '
      + 'and todo tests, and tests whose VRAM never rose above its start, are not ranked by what others held. '
      + 'RAM is the host\'s used memory while the test ran, so other processes and files running beside it count too.'];
  if (byVram.length > 0) parts.push(nearestTable(result, byVram, 'VRAM'));
  if (byRam.length > 0) parts.push(nearestTable(result, byRam, 'RAM'));
  return parts;
}

/** The Pressure section: run-wide peaks against capacity, PSI stalls, the cgroup, and the tests nearest a limit. */
export function renderPressure(result: RunResult, tests: readonly MeasuredTest[]): string {
  const noGpu = result.gpu.available ? [] : [`No GPU: ${escapeInline(result.gpu.reason ?? 'no usable GPU was found')}, so there is no VRAM to report.`];
  return [
    '## Pressure',
    'The highest use over the whole run, sampled continuously, against what the host and GPUs have.',
    ...noGpu,
    capacityTable(result),
    ...[gpuLoadTable(result)].filter((part): part is string => part !== null),
    `- ${psiLine(result.pressure.psi)}\n- ${cgroupLine(result.pressure.cgroup)}`,
    ...renderNearestLimit(result, tests),
  ].join('\n\n');
}
