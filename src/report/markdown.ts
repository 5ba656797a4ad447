// report.md: the run as a person reads it on GitHub, top-down. Every piece of text that came from a test or
// the machine goes through markdown-escape, so a hostile name cannot break a table or inject HTML.

import { capText, MESSAGE_LIMIT_BYTES } from '../units/cap-text.js';
import { failingRegressions } from '../results/verdict.js';
import type { FileResult, RunResult } from '../results/run-result.js';
import { formatBytes, formatDuration, plural } from '../units/format.js';
import { measureTests, type MeasuredTest } from './growth.js';
import { renderBudgets } from './markdown-budgets.js';
import { renderFlaky, renderMachines, renderShardLine } from './markdown-ci.js';
import { renderComparison } from './markdown-compare.js';
import { codeSpan, details, escapeCell, escapeInline, foldedSection, htmlText, table } from './markdown-escape.js';
import { renderFailures } from './markdown-failures.js';
import { renderHooks } from './markdown-hooks.js';
import { renderNeeds } from './markdown-needs.js';
import { renderLeaks } from './markdown-leaks.js';
import { renderMetrics } from './markdown-metrics.js';
import { renderPressure } from './markdown-pressure.js';
import { location, renderFileTable, renderTestTables, renderTopGrowth, testStatusLabel } from './markdown-tests.js';
import { renderTimeline } from './markdown-timeline.js';

const VERDICT = { passed: '✅ Passed', failed: '❌ Failed', interrupted: '⏹️ Interrupted' } as const;
const SIGNAL_SOURCE = { SIGINT: 'Ctrl-C or `kill -INT`', SIGTERM: 'a CI cancel or `kill`', SIGHUP: 'the terminal closed' } as const;

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

// What a folded section says while folded: the figures a reader would open it for.
function pressureSummary(result: RunResult): string {
  const { gpus, host } = result.pressure;
  const peaks = [
    ...gpus.map((gpu) => `GPU ${gpu.index} VRAM ${formatBytes(gpu.peakUsedBytes)} of ${formatBytes(gpu.totalBytes)}`),
    `host RAM ${formatBytes(host.peakUsedBytes)} of ${formatBytes(host.totalBytes)}`,
  ];
  return htmlText(`Peak use: ${peaks.join(', ')}; memory stalls, the cgroup, and the tests nearest a limit`);
}

function hostSummary(result: RunResult): string {
  if (result.machines.length > 0) return htmlText(`${plural(result.machines.length, 'machine')}: their hosts, GPUs, verdicts and peaks`);
  const gpus = result.gpu.available ? `${plural(result.gpu.gpus.length, 'GPU')} (${[...new Set(result.gpu.gpus.map((gpu) => gpu.name))].join(', ')}), driver ${result.gpu.driverVersion ?? 'unknown'}` : 'no GPU';
  return htmlText(`${result.host.hostname}, ${plural(result.host.cpus, 'CPU')}, ${formatBytes(result.host.memory?.totalBytes ?? null)} RAM, ${gpus}; the run's settings`);
}

function testsSection(result: RunResult, tests: readonly MeasuredTest[]): string | null {
  if (tests.length === 0) return null;
  const files = new Set(tests.map((entry) => entry.file)).size;
  const intro = 'Per file, each test\'s time, VRAM and host RAM used before → after (Δ) and peak, and the change in its process tree\'s RSS. '
    + 'RAM is the host\'s used memory, so what runs beside the test counts too; a peak is the highest reading from the test\'s start to its end, sampled continuously.';
  return `## Tests\n\n${details(htmlText(`${plural(tests.length, 'test')} in ${plural(files, 'file')}: memory before, after and at peak`), `${intro}\n\n${renderTestTables(result, tests)}`)}`;
}

/**
 * Renders the whole run as report.md (GitHub-flavoured Markdown); pure, so golden files can pin it. In the order a
 * person reads it: the verdict, what failed and why, what changed, the files, the biggest memory users, what needs a
 * look; then, folded, the per-test figures and pressure; the timeline chart (open: GitHub may draw a Mermaid chart in a
 * closed <details> empty) with its list of tests folded; metrics, declared needs and the host folded.
 */
export function renderMarkdown(result: RunResult): string {
  const tests = measureTests(result);
  const sections = [
    `# gpu-test report\n\n${renderVerdict(result)}`,
    renderFailures(result),
    renderFlaky(result),
    renderComparison(result.comparison),
    `## Files\n\n${renderFileTable(result)}`,
    ...renderTopGrowth(result, tests),
    renderWarnings(result),
    renderHooks(result),
    renderSkipped(result),
    renderBudgets(result),
    renderLeaks(result),
    testsSection(result, tests),
    foldedSection(renderPressure(result, tests), pressureSummary(result)),
    renderTimeline(result),
    foldedSection(renderMetrics(result), htmlText('The figures the tests recorded with metric()')),
    foldedSection(renderNeeds(result), htmlText('Each suite\'s declared needs beside its measured peaks')),
    foldedSection(renderMachines(result) ?? renderHost(result), hostSummary(result)),
    `<sub>Generated by gpu-test ${escapeInline(result.toolVersion)} · run ${codeSpan(result.runId)}${result.harnessCpuMs === null ? '' : ` · harness CPU ${formatDuration(result.harnessCpuMs)}`}</sub>`,
  ];
  return `${sections.filter((section): section is string => section !== null).join('\n\n')}\n`;
}
