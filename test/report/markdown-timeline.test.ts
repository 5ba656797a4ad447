// report.md's Timeline section: a Mermaid xychart whose lines carry the timeline's values on a time axis Mermaid walks
// without losing a point, gaps carried and said so, and the test boundaries capped.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FileResult, RunResult, TestResult } from '../../src/results/run-result.js';
import type { RunTimeline } from '../../src/results/measurement.js';
import { MAX_BOUNDARIES, MAX_CHART_SLOTS, renderTimeline } from '../../src/report/markdown-timeline.js';
import { timelineGrid } from '../../src/report/timeline-grid.js';
import { sampleRepeatRunResult } from '../helpers/sample-repeat-run-result.js';
import { sample, sampleRunResult, sampleTimeline, test } from '../helpers/sample-run-result.js';

const GiB = 1024 ** 3;

interface Chart {
  readonly source: string;
  readonly xMin: number;
  readonly xMax: number;
  readonly lines: ReadonlyMap<string, number[]>;
}

/** The chart's Mermaid source, checked line by line against the xychart grammar the report relies on. */
function chartOf(markdown: string): Chart {
  const source = /```mermaid\n([\s\S]*?)\n```/.exec(markdown)?.[1] ?? assert.fail('no mermaid block');
  const [init, kind, title, xAxis, yAxis, ...plots] = source.split('\n');
  assert.match(init ?? '', /^%%\{init: \{"themeVariables": \{"xyChart": \{"plotColorPalette": "#[0-9a-f]{6}(, #[0-9a-f]{6})*"\}\}\}\}%%$/);
  assert.equal(kind, 'xychart-beta');
  assert.match(title ?? '', /^ {2}title "[^"]+"$/);
  // The lexer's numbers: no exponent, no sign needed.
  const axis = /^ {2}x-axis "[^"]+" (\d+(?:\.\d+)?) --> (\d+(?:\.\d+)?)$/.exec(xAxis ?? '') ?? assert.fail(`bad x-axis: ${xAxis}`);
  assert.match(yAxis ?? '', /^ {2}y-axis "GiB" 0 --> \d+$/);
  const lines = new Map<string, number[]>();
  for (const plot of plots) {
    const match = /^ {2}line "([^"]+)" \[((?:\d+\.\d{2}, )*\d+\.\d{2})\]$/.exec(plot) ?? assert.fail(`bad line: ${plot}`);
    lines.set(match[1] ?? '', (match[2] ?? '').split(', ').map(Number));
  }
  return { source, xMin: Number(axis[1]), xMax: Number(axis[2]), lines };
}

/** The x positions Mermaid gives a line of `count` values on a numeric axis (xychartDb's transformDataWithoutCategory). */
function mermaidCategories(min: number, max: number, count: number): number[] {
  const step = (max - min) / (count - 1);
  const categories: number[] = [];
  for (let i = min; i <= max; i += step) categories.push(i);
  return categories;
}

function gib(bytes: number): number {
  return Number((bytes / GiB).toFixed(2));
}

function withTimeline(timeline: RunTimeline | null, base: RunResult = sampleRunResult()): RunResult {
  return { ...base, timeline };
}

describe('renderTimeline', () => {
  it('draws a line per GPU, host RAM and swap whose values are the timeline\'s points, in GiB', () => {
    const run = sampleRunResult();
    const chart = chartOf(renderTimeline(run) ?? assert.fail());
    assert.deepEqual([...chart.lines.keys()], ['GPU 0 VRAM', 'host RAM used', 'swap used']);
    const points = run.timeline?.points ?? [];
    // GPU 0's one failed read (index 7) carries the reading before it.
    const vram = points.map((point, index) => gib(point.values.gpu0 ?? points[index - 1]?.values.gpu0 ?? 0));
    assert.deepEqual(chart.lines.get('GPU 0 VRAM'), vram);
    assert.deepEqual(chart.lines.get('host RAM used'), points.map((point) => gib(point.values.hostUsed ?? 0)));
    assert.deepEqual([chart.xMin, chart.xMax], [0, 2.5]);
    assert.match(chart.source, /y-axis "GiB" 0 --> 13$/m);
  });

  it('says which line is which and how many points a failed read carried', () => {
    const markdown = renderTimeline(sampleRunResult()) ?? assert.fail();
    assert.match(markdown, /Lines: 🔵 GPU 0 VRAM, 🟠 host RAM used, 🟢 swap used\. Each point is the highest reading in a slot of 0\.25 s\. /);
    assert.match(markdown, / Failed reads repeat the previous value, 0 before the first reading: GPU 0 VRAM 1 of 11\.$/m);
    assert.doesNotMatch(markdown, /hold no sample/, 'evenly spaced points fill every slot');
  });

  it('draws a limited cgroup\'s working set as a line of its own', () => {
    const run = sampleRunResult();
    const base = run.timeline ?? assert.fail();
    const timeline: RunTimeline = {
      ...base, series: [...base.series, 'cgroupUsed'],
      points: base.points.map((point, i) => ({ ...point, values: { ...point.values, cgroupUsed: (i + 1) * GiB } })),
    };
    const markdown = renderTimeline(withTimeline(timeline, run)) ?? assert.fail();
    assert.deepEqual(chartOf(markdown).lines.get('cgroup working set'), base.points.map((_, i) => i + 1));
    assert.match(markdown, /Lines: .*, 🟣 cgroup working set\./);
  });

  it('starts a series whose first reads failed at 0, says so, and leaves out swap that was never used', () => {
    const markdown = renderTimeline(sampleRepeatRunResult()) ?? assert.fail();
    const chart = chartOf(markdown);
    assert.deepEqual([...chart.lines.keys()], ['GPU 0 VRAM', 'GPU 1 VRAM', 'host RAM used']);
    assert.deepEqual(chart.lines.get('GPU 1 VRAM'), [0, 0, 0, 0.75, 0.75, 0, 0]);
    assert.match(markdown, /GPU 1 VRAM 2 of 7\./);
    assert.doesNotMatch(markdown, /GPU 0 VRAM \d+ of/);
  });

  it('puts uneven points on an even time axis that Mermaid walks to the last point', () => {
    const start = Date.UTC(2026, 0, 1);
    // 300 samples: the first 100 merged into 400 ms buckets, then every 50 ms with jitter; 37 ms after the start.
    const ats = [...Array.from({ length: 100 }, (_, i) => 37 + i * 400), ...Array.from({ length: 200 }, (_, i) => 40_037 + i * 50 + (i % 3))];
    const timeline: RunTimeline = { intervalMs: 50, series: ['gpu0', 'hostUsed', 'swapUsed'], points: ats.map((at, i) => ({ at: start + at, values: { gpu0: i * GiB / 100, hostUsed: 8 * GiB, swapUsed: 0 } })) };
    const run = { ...withTimeline(timeline), startedAt: start, endedAt: start + 50_100 };
    const chart = chartOf(renderTimeline(run) ?? assert.fail());
    const vram = chart.lines.get('GPU 0 VRAM') ?? assert.fail();
    assert.ok(vram.length <= MAX_CHART_SLOTS);
    assert.equal(mermaidCategories(chart.xMin, chart.xMax, vram.length).length, vram.length, 'Mermaid would drop points off the axis');
    // Round bounds around the first and the last sample (37 ms and 49.989 s), on slots of a quarter second.
    assert.deepEqual([chart.xMin, chart.xMax, vram.length], [0, 50, 201]);
    // Rising readings: each point is its slot's highest, so the line never falls and ends at the last reading.
    assert.deepEqual([...vram].sort((a, b) => a - b), vram);
    assert.equal(vram.at(-1), gib(299 * GiB / 100));
    // The 400 ms buckets leave slots between them, which carry the point before and are counted.
    assert.match(renderTimeline(run) ?? '', / \d+ of 201 slots hold no sample \(a tick the sampler skipped, or older samples merged into wider buckets\) and repeat the point before\./);
    assert.doesNotMatch(renderTimeline(run) ?? '', /Failed reads/);
  });

  it('puts the axis on round numbers: a run sampled from 4.126953125 s to 24.1000595 s reads 4 --> 24', () => {
    const start = Date.UTC(2026, 0, 1);
    const ats = Array.from({ length: 100 }, (_, i) => 4126.953125 + i * ((24_100.0595 - 4126.953125) / 99));
    const timeline: RunTimeline = { intervalMs: 200, series: ['gpu0', 'hostUsed'], points: ats.map((at) => ({ at: start + at, values: { gpu0: GiB, hostUsed: 8 * GiB } })) };
    const chart = chartOf(renderTimeline({ ...withTimeline(timeline), startedAt: start, endedAt: start + 25_000 }) ?? assert.fail());
    assert.match(chart.source, /x-axis "seconds since the run started" 4 --> 24\n/);
    const points = chart.lines.get('GPU 0 VRAM')?.length ?? 0;
    assert.equal(mermaidCategories(chart.xMin, chart.xMax, points).length, points, 'Mermaid would drop points off the axis');
    assert.match(renderTimeline({ ...withTimeline(timeline), startedAt: start, endedAt: start + 25_000 }) ?? '', /in a slot of 0\.25 s\./);
  });

  it('keeps one slot per point when the points are evenly spaced', () => {
    const timeline = sampleTimeline();
    const grid = timelineGrid(timeline, Date.UTC(2026, 10, 23, 12, 0, 0), ['hostUsed'], MAX_CHART_SLOTS) ?? assert.fail();
    assert.equal(grid.slots, timeline.points.length);
    assert.deepEqual(grid.values.get('hostUsed'), timeline.points.map((point) => point.values.hostUsed));
    assert.deepEqual([grid.emptySlots, grid.failedSlots.get('hostUsed')], [0, 0]);
  });

  it('lists when each test ran, one line a test in order of start, and marks a test its process died in', () => {
    const markdown = renderTimeline(sampleRunResult()) ?? assert.fail();
    const list = markdown.split('\n').filter((line) => line.startsWith('- '));
    assert.equal(list[0], '- 0.01 s – 0.01 s · `suites/unit/math.test.ts` › math > adds');
    assert.deepEqual(list.slice(3), [
      '- 0.10 s – 0.90 s · `suites/vlm/ensemble.test.ts` › ensemble > caption matches reference',
      '- 0.33 s – 0.41 s · `suites/unit/crash.test.mjs` › segfaults (its process died)',
      '- 0.90 s – 2.40 s · `suites/vlm/ensemble.test.ts` › ensemble > three models agree',
    ]);
  });

  it('gives a repeated test one line from its first iteration\'s start to its last one\'s end, with the count', () => {
    const list = (renderTimeline(sampleRepeatRunResult()) ?? assert.fail()).split('\n').filter((line) => line.startsWith('- '));
    assert.deepEqual(list, [
      '- 0.20 s – 2.15 s · `suites/vlm/loader.test.ts` › loader > loads model (5 iterations)',
      '- 2.10 s – 4.60 s · `suites/vlm/server.test.ts` › answers within budget',
      '- 2.20 s – 4.15 s · `suites/vlm/loader.test.ts` › loader > caches tokenizer (5 iterations)',
    ]);
  });

  it('caps the boundaries and says how many more there are', () => {
    const run = sampleRunResult();
    const vlm = run.files[1] as FileResult;
    const tests: TestResult[] = Array.from({ length: MAX_BOUNDARIES + 10 }, (_, i) => test({
      name: `t${i}`, status: 'passed', window: { before: sample(run.startedAt + i * 10, 0, 1, 1), after: sample(run.startedAt + i * 10 + 5, 0, 1, 1), peak: null },
    }));
    const markdown = renderTimeline({ ...run, files: [{ ...vlm, tests }] }) ?? assert.fail();
    const list = markdown.split('\n').filter((line) => line.startsWith('- '));
    assert.equal(list.length, MAX_BOUNDARIES + 1);
    assert.equal(list.at(-1), '- … and 10 more (results.json has every test\'s window)');
  });

  it('leaves the section out without a timeline, and says so instead of drawing one point', () => {
    assert.equal(renderTimeline(withTimeline(null)), null);
    const one = sampleTimeline();
    const markdown = renderTimeline(withTimeline({ ...one, points: one.points.slice(0, 1) })) ?? assert.fail();
    assert.match(markdown, /Too few samples to chart/);
    assert.doesNotMatch(markdown, /```mermaid/);
  });
});
