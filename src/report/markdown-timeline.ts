// The Timeline section of report.md: VRAM per GPU, host RAM and a limited cgroup's working set over the run as a
// Mermaid line chart (GitHub renders it), then when each test started and ended, so a rise in the chart can be put on a test.

import type { RunResult, TestResult } from '../results/run-result.js';
import type { RunTimeline } from '../results/measurement.js';
import { formatOffset } from '../units/format.js';
import { codeSpan, escapeInline, fencedBlock } from './markdown-escape.js';
import { timelineGrid, type TimelineGrid } from './timeline-grid.js';

/** Points a line gets at most: GitHub's Mermaid draws a few hundred quickly. */
export const MAX_CHART_SLOTS = 240;
/** Test boundaries listed under the chart; the rest are counted. */
export const MAX_BOUNDARIES = 40;

const GiB = 1024 ** 3;
// Fixed line colours, so the legend under the chart can name them: xychart draws no legend of its own on GitHub.
const PALETTE: readonly (readonly [color: string, swatch: string])[] = [
  ['#2563eb', '🔵'], ['#ea580c', '🟠'], ['#16a34a', '🟢'], ['#9333ea', '🟣'],
  ['#dc2626', '🔴'], ['#92400e', '🟤'], ['#ca8a04', '🟡'], ['#1f2937', '⚫'],
];

/** The chart's name for a timeline series; null for a series it does not draw. */
export function seriesLabel(series: string): string | null {
  const gpu = /^gpu(\d+)$/.exec(series);
  if (gpu) return `GPU ${gpu[1]} VRAM`;
  if (series === 'hostUsed') return 'host RAM used';
  if (series === 'swapUsed') return 'swap used';
  if (series === 'cgroupUsed') return 'cgroup working set';
  return null;
}

// VRAM per GPU and host RAM always; swap only when some was used, since a flat zero line says nothing.
function chartedSeries(timeline: RunTimeline): string[] {
  const swapUsed = timeline.points.some((point) => (point.values.swapUsed ?? 0) > 0);
  return timeline.series.filter((series) => seriesLabel(series) !== null && (series !== 'swapUsed' || swapUsed));
}

function gib(bytes: number): string {
  return (bytes / GiB).toFixed(2);
}

/** The Mermaid source of the chart: numbers only in the data, every title quoted. */
export function mermaidChart(grid: TimelineGrid, series: readonly string[]): string {
  const palette = series.map((_, index) => PALETTE[index % PALETTE.length]?.[0] ?? '').join(', ');
  const highest = Math.max(0, ...series.flatMap((name) => grid.values.get(name) ?? []));
  const top = Math.max(1, Math.ceil((highest / GiB) * 1.05));
  return [
    `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "${palette}"}}}}%%`,
    'xychart-beta',
    `  title "${series.some((name) => name.startsWith('gpu')) ? 'VRAM and host RAM' : 'Host RAM'} over the run (GiB)"`,
    `  x-axis "seconds since the run started" ${grid.fromSeconds} --> ${grid.toSeconds}`,
    `  y-axis "GiB" 0 --> ${top}`,
    ...series.map((name) => `  line "${seriesLabel(name) ?? name}" [${(grid.values.get(name) ?? []).map(gib).join(', ')}]`),
  ].join('\n');
}

function legend(grid: TimelineGrid, series: readonly string[]): string {
  const lines = series.map((name, index) => `${PALETTE[index % PALETTE.length]?.[1] ?? ''} ${seriesLabel(name) ?? name}`);
  const width = grid.slots > 1 ? (grid.toSeconds - grid.fromSeconds) / (grid.slots - 1) : 0;
  const text = [`Lines: ${lines.join(', ')}. Each point is the highest reading in a slot of ${formatOffset(width * 1000)}.`];
  if (grid.emptySlots > 0) {
    text.push(`${grid.emptySlots} of ${grid.slots} slots hold no sample (a tick the sampler skipped, or older samples merged into wider buckets) and repeat the point before.`);
  }
  const failed = series.filter((name) => (grid.failedSlots.get(name) ?? 0) > 0)
    .map((name) => `${seriesLabel(name) ?? name} ${grid.failedSlots.get(name) ?? 0} of ${grid.slots}`);
  if (failed.length > 0) text.push(`Failed reads repeat the previous value, 0 before the first reading: ${failed.join(', ')}.`);
  return text.join(' ');
}

interface Boundary {
  readonly at: number;
  readonly fileId: string;
  readonly test: TestResult;
  readonly kind: 'started' | 'ended' | 'ended (its process died)';
}

function boundaries(result: RunResult): Boundary[] {
  const events: Boundary[] = [];
  for (const file of result.files) {
    for (const test of file.tests) {
      if (test.window === null) continue;
      const { before, after } = test.window;
      events.push({ at: before.at, fileId: file.job.id, test, kind: 'started' });
      events.push(after ? { at: after.at, fileId: file.job.id, test, kind: 'ended' }
        : { at: before.at + test.durationMs, fileId: file.job.id, test, kind: 'ended (its process died)' });
    }
  }
  // At the same instant an end comes first: one test's "after" is often the next one's "before".
  return events.sort((a, b) => a.at - b.at || (a.kind === 'started' ? 1 : 0) - (b.kind === 'started' ? 1 : 0));
}

function renderBoundaries(result: RunResult): string | null {
  const events = boundaries(result);
  if (events.length === 0) return null;
  const shown = events.slice(0, MAX_BOUNDARIES).map((event) =>
    `- ${formatOffset(event.at - result.startedAt)} → ${codeSpan(event.fileId)} › ${escapeInline(event.test.fullName)} ${event.kind}`);
  if (events.length > MAX_BOUNDARIES) shown.push(`- … and ${events.length - MAX_BOUNDARIES} more (results.json has every test's window)`);
  return `**Test boundaries** (seconds since the run started):\n\n${shown.join('\n')}`;
}

/** The Timeline section, or null when nothing was sampled over the run. */
export function renderTimeline(result: RunResult): string | null {
  const { timeline } = result;
  if (timeline === null) return null;
  const series = chartedSeries(timeline);
  const grid = series.length > 0 ? timelineGrid(timeline, result.startedAt, series, MAX_CHART_SLOTS) : null;
  const chart = grid === null
    ? 'Too few samples to chart: the run was shorter than two sampling intervals.'
    : `${fencedBlock(mermaidChart(grid, series), 'mermaid')}\n\n${legend(grid, series)}`;
  return ['## Timeline', chart, renderBoundaries(result)].filter((part): part is string => part !== null).join('\n\n');
}
