// results.json: the whole run as data for scripts and nightly comparisons, documented in docs/results-schema.md.
// Every object is built field by field, so key order is fixed by this file, not by whoever built the RunResult.

import { capFailure, capText, cutText, MESSAGE_LIMIT_BYTES } from '../units/cap-text.js';
import { describeCoScheduled } from '../results/co-scheduled.js';
import { describeMemoryEvidence } from '../results/memory-evidence.js';
import type { FileResidue, FileResult, HookRun, RunResult, TestFailure, TestResult } from '../results/run-result.js';
import type { BudgetCheck, BudgetFigure, MemorySample, RunPressure, RunTimeline, TestWindow, WindowDeltas } from '../results/measurement.js';
import { computeWindowDeltas } from '../results/window-deltas.js';
import { isHealthSeries } from '../results/window-health.js';
import type { GpuMemory } from '../results/machine.js';
import { measureTests, topGrowth, type MeasuredTest } from './growth.js';
import { attemptsJson, comparisonJson, countsJson, hostMemory, iso, jobJson, machineJson, shardJson } from './json-ci.js';
import { memoryLeak, metricLeak } from './json-leaks.js';
import { layoutJson, OneLine } from './json-layout.js';

/** The results.json schema version; bumped on any change that can break a reader (see docs/results-schema.md). */
export const RESULTS_SCHEMA_VERSION = 4;

/** Per stream, the most stdout/stderr bytes results.json embeds (its start and its end around a marker). */
export const OUTPUT_LIMIT_BYTES = 64 * 1024;

function gpuMemory(gpu: GpuMemory) {
  return { index: gpu.index, uuid: gpu.uuid, usedBytes: gpu.usedBytes, totalBytes: gpu.totalBytes };
}

function sample(s: MemorySample) {
  return {
    atMs: s.at, atIso: iso(s.at), host: hostMemory(s.host), processRssBytes: s.processRssBytes,
    gpus: s.gpus ? s.gpus.map(gpuMemory) : null, errors: [...s.errors],
    memoryStallUs: s.memoryStallUs ? { some: s.memoryStallUs.some, full: s.memoryStallUs.full } : null,
    processVramBytes: s.processVramBytes ?? null,
  };
}

// A test's memory figures: before, after and peak, swap's growth and the stalls. Unknown figures are left out (most tests
// have no VRAM figure, and 20,000 tests would carry 20,000 copies of each null), and so are the growths that are after
// minus before (`vramDeltaBytes`, `rssDeltaBytes`, `hostUsedDeltaBytes`): a reader subtracts, as the reports do.
function deltas(d: WindowDeltas) {
  const known = (value: number | null): number | undefined => (value === null ? undefined : value);
  return {
    vramBeforeBytes: known(d.vramBeforeBytes), vramAfterBytes: known(d.vramAfterBytes), vramPeakBytes: known(d.vramPeakBytes),
    rssBeforeBytes: known(d.rssBeforeBytes), rssAfterBytes: known(d.rssAfterBytes),
    hostUsedBeforeBytes: known(d.hostUsedBeforeBytes), hostUsedAfterBytes: known(d.hostUsedAfterBytes), hostUsedPeakBytes: known(d.hostUsedPeakBytes),
    swapDeltaBytes: known(d.swapDeltaBytes), memoryStallSomeMs: known(d.memoryStallSomeMs), memoryStallFullMs: known(d.memoryStallFullMs),
  };
}

/** stdout or stderr as results.json embeds it. */
export interface EmbeddedOutput {
  readonly text: string;
  /** UTF-8 length of the whole stream as the harness kept it. */
  readonly bytes: number;
  readonly truncated: boolean;
  readonly omittedBytes: number;
}

/** A stream's text as embedded: whole up to OUTPUT_LIMIT_BYTES, else its head and tail around a marker. */
export function embedOutput(text: string, limitBytes = OUTPUT_LIMIT_BYTES): EmbeddedOutput {
  const cut = cutText(text, limitBytes);
  return { text: cut.text, bytes: cut.bytes, truncated: cut.cutBytes > 0, omittedBytes: cut.cutBytes };
}

// Capped as in every report (MESSAGE_LIMIT_BYTES, STACK_LIMIT_BYTES), the cut said in place.
function failure(f: TestFailure) {
  const capped = capFailure(f);
  return { type: capped.type, message: capped.message, stack: capped.stack };
}

// A test's duration to 0.01 ms: the figure node:test reports has nanosecond digits nobody reads, 8 bytes a test.
function roundDuration(ms: number): number {
  return Math.round(ms * 100) / 100;
}

function window(w: TestWindow) {
  return {
    before: sample(w.before), after: w.after ? sample(w.after) : null,
    peak: w.peak ? { vramBytes: w.peak.vramBytes, hostUsedBytes: w.peak.hostUsedBytes, swapUsedBytes: w.peak.swapUsedBytes } : null,
  };
}

// One line a test. Keys with nothing to say are left out (undefined: JSON.stringify drops them): `file` when it is the
// file's own, `skipReason`, `failure`, `repeat` when null, `metrics` when empty, `deltas` when the test was not measured;
// the raw samples (`window`) only with `--raw-samples`.
function test(t: TestResult, f: FileResult, rawSamples: boolean): OneLine {
  return new OneLine({
    name: t.name, fullName: t.fullName, nesting: t.nesting, file: t.file === f.job.file ? undefined : t.file, line: t.line, column: t.column,
    status: t.status, durationMs: roundDuration(t.durationMs),
    skipReason: t.skipReason === null ? undefined : capText(t.skipReason, MESSAGE_LIMIT_BYTES),
    failure: t.failure ? failure(t.failure) : undefined,
    window: rawSamples && t.window ? window(t.window) : undefined,
    deltas: t.window ? deltas(computeWindowDeltas(t.window)) : undefined,
    repeat: t.repeat ? { name: t.repeat.name, iteration: t.repeat.iteration, count: t.repeat.count } : undefined,
    metrics: t.metrics.length === 0 ? undefined : t.metrics.map((m) => ({ name: m.name, value: m.value, unit: m.unit })),
  });
}

function residue(r: FileResidue | null) {
  if (!r) return null;
  return {
    vramBeforeBytes: r.vramBeforeBytes, vramAfterBytes: r.vramAfterBytes,
    orphans: r.orphans.map((o) => ({ pid: o.pid, command: o.command, gpuIndex: o.gpuIndex, vramBytes: o.vramBytes, rssBytes: o.rssBytes, killed: o.killed })),
  };
}

function pressure(p: RunPressure) {
  const { host, psi, cgroup } = p;
  return {
    gpus: p.gpus.map((g) => ({ index: g.index, name: g.name, totalBytes: g.totalBytes, peakUsedBytes: g.peakUsedBytes })),
    host: { totalBytes: host.totalBytes, peakUsedBytes: host.peakUsedBytes, swapTotalBytes: host.swapTotalBytes, peakSwapUsedBytes: host.peakSwapUsedBytes },
    psi: psi ? {
      someStallMs: psi.someStallMs, fullStallMs: psi.fullStallMs, peakSomeAvg10Percent: psi.peakSomeAvg10, peakFullAvg10Percent: psi.peakFullAvg10,
    } : null,
    cgroup: cgroup ? {
      version: cgroup.version, path: cgroup.path, maxBytes: cgroup.maxBytes, limitPath: cgroup.limitPath,
      peakWorkingSetBytes: cgroup.peakWorkingSetBytes, oomKillsDuringRun: cgroup.oomKillsDuringRun,
    } : null,
  };
}

// Memory series in `bytes`; GPU health series (NVML only), whose values are not bytes, under `health`.
function timeline(t: RunTimeline | null) {
  if (!t) return null;
  const memory = t.series.filter((name) => !isHealthSeries(name));
  const health = t.series.filter(isHealthSeries);
  return {
    intervalMs: t.intervalMs,
    series: memory,
    points: t.points.map((point) => ({
      atMs: point.at, atIso: iso(point.at),
      bytes: Object.fromEntries(memory.map((name) => [name, point.values[name] ?? null])),
    })),
    health: health.length === 0 ? null : {
      series: health,
      points: t.points.map((point) => ({ atMs: point.at, values: Object.fromEntries(health.map((name) => [name, point.values[name] ?? null])) })),
    },
  };
}

function budgetFigure(f: BudgetFigure) {
  return { fileId: f.fileId, test: f.test, line: f.line, measured: f.measured, limit: f.limit };
}

function budget(c: BudgetCheck) {
  return {
    suite: c.suite, name: c.name, kind: c.kind, metric: c.metric,
    bound: { op: c.bound.op, value: c.bound.value, percent: c.bound.percent, unit: c.bound.unit },
    status: c.status, checked: c.checked, worst: c.worst ? budgetFigure(c.worst) : null,
    breaches: c.breaches.map((b) => ({ ...budgetFigure(b), testName: b.testName, message: b.message })),
    note: c.note,
  };
}

function file(f: FileResult, rawSamples: boolean) {
  const counts = { tests: f.tests.length, passed: 0, failed: 0, skipped: 0, todo: 0 };
  for (const t of f.tests) if (t.status !== 'flaky') counts[t.status] += 1;
  const skip = f.job.skip;
  const o = f.outcome;
  return {
    id: f.job.id, file: f.job.file, suite: f.job.suite, tags: [...f.job.tags], lane: f.lane, timeoutMs: f.job.timeoutMs,
    status: f.status,
    skip: skip ? { code: skip.code, message: skip.message, enableWith: skip.enableWith } : null,
    skipReason: f.skipReason, error: f.error,
    outcome: o ? { exitCode: o.exitCode, signal: o.signal, timedOut: o.timedOut, isCanceled: o.isCanceled, durationMs: o.durationMs } : null,
    startedAtMs: f.startedAt, startedAtIso: iso(f.startedAt), endedAtMs: f.endedAt, endedAtIso: iso(f.endedAt),
    durationMs: f.startedAt !== null && f.endedAt !== null ? f.endedAt - f.startedAt : null,
    gpuIndices: [...f.gpuIndices],
    counts,
    stdout: embedOutput(f.stdout), stderr: embedOutput(f.stderr),
    tests: f.tests.map((t) => test(t, f, rawSamples)),
    leaks: f.leaks.filter((l) => l.resource !== 'metric').map(memoryLeak),
    residue: residue(f.residue),
    gpuLoad: f.gpuLoad.map((load) => ({ gpuIndex: load.gpuIndex, peakAboveStartBytes: load.peakAboveStartBytes })),
    coScheduled: f.coScheduled ? { ...f.coScheduled, neighbours: [...f.coScheduled.neighbours], sentence: describeCoScheduled(f.coScheduled) } : null,
    // Added without a schema bump, last, as new keys go.
    ...jobJson(f.job),
    attempts: attemptsJson(f.attempts),
    machine: f.machine ?? null,
    metricLeaks: f.leaks.filter((l) => l.resource === 'metric').map(metricLeak),
    memoryEvidence: f.memoryEvidence ? { signs: f.memoryEvidence.signs.map((sign) => ({ ...sign })), alone: f.memoryEvidence.alone, sentence: describeMemoryEvidence(f.memoryEvidence) } : null,
  };
}

function hook(h: HookRun) {
  return {
    suite: h.suite, phase: h.phase, step: h.step, ok: h.ok, startedAtMs: h.startedAt, startedAtIso: iso(h.startedAt),
    durationMs: h.durationMs, attempts: h.attempts, error: h.error, output: h.output,
  };
}

function ranked(entries: readonly MeasuredTest[], key: 'vramDeltaBytes' | 'rssDeltaBytes', after: 'vramAfterBytes' | 'rssAfterBytes') {
  return topGrowth(entries, key).map((e) => ({
    fileId: e.file.job.id, fullName: e.test.fullName, line: e.test.line, deltaBytes: e.deltas[key], afterBytes: e.deltas[after],
  }));
}

/**
 * Renders the whole run as results.json (schema version RESULTS_SCHEMA_VERSION, two-space indent with one line a test,
 * trailing newline); the tests' raw samples only when the run asked for them (`config.rawSamples`). Pure.
 */
export function renderJson(result: RunResult): string {
  const { counts: c, host: h, gpu: g, config: cfg } = result;
  const rawSamples = cfg.rawSamples;
  const measured = measureTests(result);
  const document = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    generatedBy: `gpu-test ${result.toolVersion}`,
    runId: result.runId,
    verdict: result.verdict,
    interrupted: result.interrupted,
    interruption: result.interruption === null ? null : {
      signal: result.interruption.signal, atMs: result.interruption.at, atIso: iso(result.interruption.at), forced: result.interruption.forced,
    },
    startedAtMs: result.startedAt, startedAtIso: iso(result.startedAt),
    endedAtMs: result.endedAt, endedAtIso: iso(result.endedAt),
    durationMs: result.endedAt - result.startedAt,
    harnessCpuMs: result.harnessCpuMs,
    counts: countsJson(c),
    config: { rootDir: cfg.rootDir, configFile: cfg.configFile, reportDir: cfg.reportDir, concurrency: cfg.concurrency, gpuConcurrency: cfg.gpuConcurrency, timeoutMs: cfg.timeoutMs, repeat: cfg.repeat, leaks: cfg.leaks, rawSamples },
    host: { hostname: h.hostname, platform: h.platform, cpus: h.cpus, nodeVersion: h.nodeVersion, memory: hostMemory(h.memory) },
    gpu: {
      available: g.available, reason: g.reason, driverVersion: g.driverVersion, cudaVersion: g.cudaVersion,
      gpus: g.gpus.map((gpu) => ({ index: gpu.index, uuid: gpu.uuid, name: gpu.name, totalBytes: gpu.totalBytes })),
      warnings: [...g.warnings],
    },
    warnings: [...result.warnings],
    top: { vramGrowth: ranked(measured, 'vramDeltaBytes', 'vramAfterBytes'), rssGrowth: ranked(measured, 'rssDeltaBytes', 'rssAfterBytes') },
    files: result.files.map((f) => file(f, rawSamples)),
    pressure: pressure(result.pressure),
    timeline: timeline(result.timeline),
    // Added in 0.1 without a schema bump, last, as new keys go.
    budgets: result.budgets.map(budget),
    hooks: result.hooks.map(hook),
    suiteNeeds: result.suiteNeeds.map((row) => ({ ...row })),
    gpuBalance: {
      limitPercent: result.gpuBalance.limitPercent,
      files: result.gpuBalance.files.map((row) => ({ ...row, loads: row.loads.map((load) => ({ ...load })) })),
    },
    shard: shardJson(result.shard),
    machines: result.machines.map((m) => machineJson(m, pressure)),
    comparison: comparisonJson(result.comparison),
  };
  return `${layoutJson(document)}\n`;
}
