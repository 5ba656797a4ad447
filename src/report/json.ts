// results.json: the whole run as data for scripts and nightly comparisons, documented in docs/results-schema.md.
// Every object is built field by field, so key order is fixed by this file, not by whoever built the RunResult.

import { capFailure, capText, cutText, MESSAGE_LIMIT_BYTES } from '../units/cap-text.js';
import { describeCoScheduled } from '../results/co-scheduled.js';
import { describeMemoryEvidence } from '../results/memory-evidence.js';
import type { FileResidue, FileResult, HookRun, RunResult, TestFailure, TestResult } from '../results/run-result.js';
import type { BudgetCheck, BudgetFigure, MemorySample, RunPressure, RunTimeline, WindowDeltas } from '../results/measurement.js';
import { computeWindowDeltas } from '../results/window-deltas.js';
import { isHealthSeries } from '../results/window-health.js';
import type { GpuMemory } from '../results/machine.js';
import { measureTests, topGrowth, type MeasuredTest } from './growth.js';
import { attemptsJson, comparisonJson, countsJson, hostMemory, iso, jobJson, machineJson, shardJson } from './json-ci.js';
import { memoryLeak, metricLeak } from './json-leaks.js';

/** The results.json schema version; bumped on any change that can break a reader (see docs/results-schema.md). */
export const RESULTS_SCHEMA_VERSION = 3;

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

function deltas(d: WindowDeltas) {
  return {
    vramBeforeBytes: d.vramBeforeBytes, vramAfterBytes: d.vramAfterBytes, vramDeltaBytes: d.vramDeltaBytes,
    rssBeforeBytes: d.rssBeforeBytes, rssAfterBytes: d.rssAfterBytes, rssDeltaBytes: d.rssDeltaBytes,
    hostUsedBeforeBytes: d.hostUsedBeforeBytes, hostUsedAfterBytes: d.hostUsedAfterBytes, hostUsedDeltaBytes: d.hostUsedDeltaBytes,
    swapDeltaBytes: d.swapDeltaBytes,
    // Added in 0.1 without a schema bump: new fields go last, so readers that ignore unknown keys are unaffected.
    vramPeakBytes: d.vramPeakBytes, hostUsedPeakBytes: d.hostUsedPeakBytes,
    memoryStallSomeMs: d.memoryStallSomeMs, memoryStallFullMs: d.memoryStallFullMs,
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

function test(t: TestResult) {
  return {
    name: t.name, fullName: t.fullName, nesting: t.nesting, file: t.file, line: t.line, column: t.column,
    status: t.status, durationMs: t.durationMs, skipReason: t.skipReason === null ? null : capText(t.skipReason, MESSAGE_LIMIT_BYTES),
    failure: t.failure ? failure(t.failure) : null,
    window: t.window ? {
      before: sample(t.window.before), after: t.window.after ? sample(t.window.after) : null,
      peak: t.window.peak ? { vramBytes: t.window.peak.vramBytes, hostUsedBytes: t.window.peak.hostUsedBytes, swapUsedBytes: t.window.peak.swapUsedBytes } : null,
    } : null,
    deltas: deltas(computeWindowDeltas(t.window)),
    repeat: t.repeat ? { name: t.repeat.name, iteration: t.repeat.iteration, count: t.repeat.count } : null,
    metrics: t.metrics.map((m) => ({ name: m.name, value: m.value, unit: m.unit })),
  };
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

function file(f: FileResult) {
  const count = (status: TestResult['status']): number => f.tests.filter((t) => t.status === status).length;
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
    counts: { tests: f.tests.length, passed: count('passed'), failed: count('failed'), skipped: count('skipped'), todo: count('todo') },
    stdout: embedOutput(f.stdout), stderr: embedOutput(f.stderr),
    tests: f.tests.map(test),
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

/** Renders the whole run as results.json (schema version RESULTS_SCHEMA_VERSION, two-space indent, trailing newline); pure. */
export function renderJson(result: RunResult): string {
  const { counts: c, host: h, gpu: g, config: cfg } = result;
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
    config: { rootDir: cfg.rootDir, configFile: cfg.configFile, reportDir: cfg.reportDir, concurrency: cfg.concurrency, gpuConcurrency: cfg.gpuConcurrency, timeoutMs: cfg.timeoutMs, repeat: cfg.repeat, leaks: cfg.leaks },
    host: { hostname: h.hostname, platform: h.platform, cpus: h.cpus, nodeVersion: h.nodeVersion, memory: hostMemory(h.memory) },
    gpu: {
      available: g.available, reason: g.reason, driverVersion: g.driverVersion, cudaVersion: g.cudaVersion,
      gpus: g.gpus.map((gpu) => ({ index: gpu.index, uuid: gpu.uuid, name: gpu.name, totalBytes: gpu.totalBytes })),
      warnings: [...g.warnings],
    },
    warnings: [...result.warnings],
    top: { vramGrowth: ranked(measured, 'vramDeltaBytes', 'vramAfterBytes'), rssGrowth: ranked(measured, 'rssDeltaBytes', 'rssAfterBytes') },
    files: result.files.map(file),
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
  return `${JSON.stringify(document, null, 2)}\n`;
}
