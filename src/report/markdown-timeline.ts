// The Timeline section of report.md: VRAM per GPU, host RAM and a limited cgroup's working set over the run as a
// Mermaid line chart (GitHub renders it), then when each test started and ended, so a rise in the chart can be put on a test.

import type { RunResult } from '../results/run-result.js';
import { plainFullName } from '../results/repeat-names.js';
import type { RunTimeline } from '../results/measurement.js';
import { formatOffset } from '../units/format.js';
import { codeSpan, details, escapeInline, fencedBlock, htmlText } from './markdown-escape.js';
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

/** When one test ran, or all iterations of one repeated test: from the first start to the last end. */
interface Span {
  readonly from: number;
  readonly to: number;
  readonly fileId: string;
  readonly name: string;
  /** Iterations of `--repeat` folded into this span; 1 for a test run once. */
  readonly iterations: number;
  readonly died: boolean;
}

// One line per test: a start and an end each would double the list, and ten iterations of a repeated test are one
// stretch of the chart, so they are one line.
function spans(result: RunResult): Span[] {
  const byKey = new Map<string, Span>();
  const list: Span[] = [];
  for (const file of result.files) {
    for (const test of file.tests) {
      if (test.window === null) continue;
      const { before, after } = test.window;
      const span: Span = {
        from: before.at, to: after ? after.at : before.at + test.durationMs, fileId: file.job.id,
        name: test.repeat === null ? test.fullName : plainFullName(test), iterations: 1, died: after === null,
      };
      if (test.repeat === null) {
        list.push(span);
        continue;
      }
      const key = `${file.job.id}\u0000${span.name}`;
      const seen = byKey.get(key);
      if (seen === undefined) {
        byKey.set(key, span);
        list.push(span);
        continue;
      }
      const merged: Span = { ...seen, from: Math.min(seen.from, span.from), to: Math.max(seen.to, span.to), iterations: seen.iterations + 1, died: seen.died || span.died };
      byKey.set(key, merged);
      list[list.indexOf(seen)] = merged;
    }
  }
  return list.sort((a, b) => a.from - b.from || a.to - b.to);
}

function renderBoundaries(result: RunResult): string | null {
  const all = spans(result);
  if (all.length === 0) return null;
  const shown = all.slice(0, MAX_BOUNDARIES).map((span) => {
    const repeated = span.iterations > 1 ? ` (${span.iterations} iterations)` : '';
    const died = span.died ? ' (its process died)' : '';
    return `- ${formatOffset(span.from - result.startedAt)} – ${formatOffset(span.to - result.startedAt)} · ${codeSpan(span.fileId)} › ${escapeInline(span.name)}${repeated}${died}`;
  });
  if (all.length > MAX_BOUNDARIES) shown.push(`- … and ${all.length - MAX_BOUNDARIES} more (results.json has every test's window)`);
  // Folded: a long list between the chart and the rest; the chart itself stays open (see renderTimeline).
  return details(htmlText(`When each of the ${all.length} tests ran`),
    `Seconds since the run started; a repeated test once, from its first iteration's start to its last one's end:\n\n${shown.join('\n')}`);
}

/**
 * The Timeline section, or null when nothing was sampled over the run. The chart is not folded: GitHub draws a Mermaid
 * chart in a frame sized when the page loads, and one inside a closed <details> can come out empty.
 */
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
