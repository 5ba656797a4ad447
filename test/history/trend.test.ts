// gpu-test trend over five synthetic nights: a series per suite and figure in night order, the test that moved most
// (VRAM growing 2 GiB over the nights) listed and the steady ones not, and Mermaid charts GitHub can render.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULTS } from '../../src/config/defaults.js';
import { buildTrend } from '../../src/history/trend.js';
import { renderTrend } from '../../src/report/markdown-trend.js';
import { nightRun } from '../helpers/night-runs.js';

const GiB = 1024 ** 3;
// VRAM creeps up half a GiB a night; the rest stays within its noise.
const nights = [0, 1, 2, 3, 4].map((i) => nightRun(i, { peakVramBytes: (6 + 0.5 * i) * GiB, noise: 0 }));
const options = { metrics: [], movers: 10, compare: DEFAULTS.compare };

describe('buildTrend', () => {
  it('gives a series per suite and figure, one value per night, oldest first', () => {
    const trend = buildTrend([...nights].reverse(), options);
    assert.deepEqual(trend.runs.map((run) => run.label), ['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05']);
    assert.deepEqual(trend.series.map((s) => `${s.suite} ${s.figure}`), ['unit duration', 'vlm peakVram', 'vlm duration', 'vlm metric.tokens_per_s']);
    // The suite's peak is its highest test's: "generates" at 7 GiB until "loads" passes it.
    assert.deepEqual(trend.series.find((s) => s.figure === 'peakVram')?.values.map((v) => (v ?? 0) / GiB), [7, 7, 7, 7.5, 8]);
    assert.deepEqual(trend.series.find((s) => s.figure === 'metric.tokens_per_s')?.values, [42, 42, 42, 42, 42]);
  });

  it('lists the test that moved most, from the median of the first nights to that of the last, and not the steady ones', () => {
    const { movers } = buildTrend(nights, options);
    assert.deepEqual(movers.map((m) => `${m.test} ${m.figure}`), ['model > loads peakVram']);
    assert.equal(movers[0]?.first, 6.25 * GiB);
    assert.equal(movers[0]?.last, 7.75 * GiB);
  });

  it('counts confirmed leaks per night in a series of their own', () => {
    const leaky = [0, 1, 2].map((i) => nightRun(i, { leakPerIteration: i === 2 ? 50 * 1024 ** 2 : 1024, noise: 0 }));
    assert.deepEqual(buildTrend(leaky, options).series.find((s) => s.figure === 'leaks')?.values, [0, 0, 1]);
  });
});

describe('renderTrend', () => {
  it('draws each series as a Mermaid line chart with the nights on the x axis', () => {
    const markdown = renderTrend(buildTrend(nights, options));
    const charts = markdown.match(/```mermaid\nxychart-beta\n[\s\S]*?```/g) ?? [];
    assert.equal(charts.length, 4);
    assert.match(markdown, /title "vlm: peak VRAM of a test"\n {2}x-axis \["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"\]\n {2}y-axis "GiB" 0 --> 8\.8\n {2}line \[7, 7, 7, 7\.5, 8\]/);
    assert.match(markdown, /## Tests that moved most[\s\S]*model &gt; loads|## Tests that moved most[\s\S]*model > loads/);
  });
});
