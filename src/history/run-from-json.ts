// Reads a results.json back into the RunResult it was written from, so that merge, compare and trend work on the same
// model every report is rendered from. What results.json cuts (stdout and stderr past 64 KiB, leak slopes rounded to
// whole bytes) stays cut; so do a test's raw samples, written only with `--raw-samples` since schema 4: its window is
// then rebuilt from the figures kept (window-from-deltas.ts). Everything else comes back as it was. Pure.

import type { MachineRun, ShardPlan } from '../results/ci-result.js';
import type { FailureClass } from '../results/failures.js';
import type { Job } from '../results/job.js';
import type { GpuInventory, HostInfo } from '../results/machine.js';
import type { BudgetCheck, GpuBalance, LeakPattern, LeakSteps, MemorySample, RunPressure, RunTimeline, SuiteNeeds, TestWindow } from '../results/measurement.js';
import type { Counts, FileResult, FileStatus, LeakFinding, LeakRecheck, LeakSource, RunResult, TestResult } from '../results/run-result.js';
import type { SizeSpec } from '../units/size.js';
import type {
  CountsJson, FileJson, GpuJson, HostJson, LeakJson, LeakRecheckJson, LeakStepsJson, MetricLeakJson, PressureJson, ResultsJson, SampleJson, ShardJson, SizeJson, TestJson,
} from './results-json.js';
import { windowFromDeltas, type WindowContext } from './window-from-deltas.js';

/** The leak threshold of a file written before results.json carried it: the default, 100 MiB. */
const DEFAULT_LEAK_BYTES = 100 * 1024 ** 2;
/** The cap on a leak re-check of a file written before results.json carried it: the default. */
const DEFAULT_LEAK_REPEAT_MAX = 40;

function sample(s: SampleJson): MemorySample {
  return {
    at: s.atMs, host: s.host ? { ...s.host } : null, processRssBytes: s.processRssBytes,
    gpus: s.gpus ? s.gpus.map((gpu) => ({ ...gpu })) : null,
    memoryStallUs: s.memoryStallUs ? { some: s.memoryStallUs.some, full: s.memoryStallUs.full } : null, errors: [...s.errors],
  };
}

// The raw samples when the file has them (always up to schema 3, with `--raw-samples` since 4), else a window rebuilt
// from the test's figures; none for a test that was not measured (`window: null` up to 3, no `deltas` since 4).
function testWindow(t: TestJson, context: Omit<WindowContext, 'durationMs'>): TestWindow | null {
  if (t.window !== undefined) {
    return t.window ? { before: sample(t.window.before), after: t.window.after ? sample(t.window.after) : null, peak: t.window.peak ? { ...t.window.peak } : null } : null;
  }
  return t.deltas ? windowFromDeltas(t.deltas, { ...context, durationMs: t.durationMs }) : null;
}

// Keys schema 4 leaves out when they say nothing read back as the null or empty value they stand for.
function test(t: TestJson, f: FileJson, context: Omit<WindowContext, 'durationMs'>): TestResult {
  return {
    name: t.name, fullName: t.fullName, nesting: t.nesting, file: t.file ?? f.file, line: t.line, column: t.column, status: t.status,
    durationMs: t.durationMs, skipReason: t.skipReason ?? null, failure: t.failure ? { ...t.failure } : null,
    window: testWindow(t, context),
    repeat: t.repeat ? { ...t.repeat } : null,
    metrics: (t.metrics ?? []).map((m) => ({ ...m })),
  };
}

function windowContext(f: FileJson, doc: ResultsJson): Omit<WindowContext, 'durationMs'> {
  const index = f.gpuIndices[0];
  const gpu = index === undefined ? null : { index, uuid: doc.gpu.gpus.find((card) => card.index === index)?.uuid ?? '' };
  const memory = doc.host.memory;
  return { at: f.startedAtMs ?? doc.startedAtMs, gpu, hostTotalBytes: memory?.totalBytes ?? 0, swapTotalBytes: memory?.swapTotalBytes ?? 0 };
}

function steps(s: LeakStepsJson | null | undefined): LeakSteps | null {
  if (!s) return null;
  return { count: s.count, height: s.stepBytes ?? s.step ?? 0, period: s.periodIterations, flatAfter: s.flatAfterIterations };
}

function recheck(r: LeakRecheckJson | null | undefined): LeakRecheck | null {
  if (!r) return null;
  const series = r.seriesBytes ?? r.series ?? null;
  return { purpose: r.purpose, iterations: r.iterations, why: r.why, series: series === null ? null : [...series] };
}

// Files written before the staircase rule have no pattern: the verdict alone says whether the growth was a leak.
function pattern(p: string | undefined, leaking: boolean): LeakPattern {
  return (p as LeakPattern | undefined) ?? (leaking ? 'steady' : 'within');
}

function memoryLeak(l: LeakJson): LeakFinding {
  const v = l.verdict;
  return {
    test: l.test, line: l.line, resource: l.resource, metric: null, source: (l.source as LeakSource | undefined) ?? (l.resource === 'vram' ? 'card' : 'process-tree'),
    rechecked: l.rechecked, recheck: recheck(l.recheck), series: [...l.seriesBytes],
    verdict: {
      leaking: v.leaking, iterations: v.iterations, perIteration: v.perIterationBytes, totalGrowth: v.totalGrowthBytes, rSquared: v.rSquared,
      threshold: v.thresholdBytes, reason: v.reason, pattern: pattern(v.pattern, v.leaking), steps: steps(v.steps),
    },
  };
}

function metricLeak(l: MetricLeakJson): LeakFinding {
  const v = l.verdict;
  return {
    test: l.test, line: l.line, resource: 'metric', metric: { name: l.metric, unit: l.unit }, source: 'metric',
    rechecked: l.rechecked, recheck: recheck(l.recheck), series: [...l.series],
    verdict: {
      leaking: v.leaking, iterations: v.iterations, perIteration: v.perIteration, totalGrowth: v.totalGrowth, rSquared: v.rSquared,
      threshold: v.threshold, reason: v.reason, pattern: pattern(v.pattern, v.leaking), steps: steps(v.steps),
    },
  };
}

function size(s: SizeJson | null | undefined): SizeSpec | null {
  if (!s) return null;
  return s.bytes !== null ? { bytes: s.bytes } : { percent: s.percent ?? 0 };
}

function job(f: FileJson, runRepeat: number): Job {
  return {
    id: f.id, file: f.file, suite: f.suite, tags: [...f.tags], lane: f.lane, timeoutMs: f.timeoutMs, repeat: f.repeat ?? runRepeat,
    leakThreshold: f.leakThreshold
      ? { vramBytes: f.leakThreshold.vramBytes, ramBytes: f.leakThreshold.ramBytes, metrics: { ...(f.leakThreshold.metrics ?? {}) } }
      : { vramBytes: DEFAULT_LEAK_BYTES, ramBytes: DEFAULT_LEAK_BYTES, metrics: {} },
    leakRepeatMax: f.leakRepeatMax ?? Math.max(DEFAULT_LEAK_REPEAT_MAX, f.repeat ?? runRepeat),
    needs: f.needs
      ? { vram: size(f.needs.vram), ram: size(f.needs.ram), gpus: f.needs.gpus, exclusive: f.needs.exclusive }
      : { vram: null, ram: null, gpus: f.lane === 'gpu' ? 1 : 0, exclusive: f.tags.includes('exclusive') },
    skip: f.skip ? { ...f.skip } : null,
  };
}

function file(f: FileJson, doc: ResultsJson, runRepeat: number): FileResult {
  const context = windowContext(f, doc);
  const result: FileResult = {
    job: job(f, runRepeat), status: f.status as FileStatus, skipReason: f.skipReason, error: f.error, outcome: f.outcome ? { ...f.outcome } : null,
    startedAt: f.startedAtMs, endedAt: f.endedAtMs, lane: f.lane, gpuIndices: [...f.gpuIndices],
    tests: f.tests.map((t) => test(t, f, context)),
    leaks: [...(f.leaks ?? []).map(memoryLeak), ...(f.metricLeaks ?? []).map(metricLeak)],
    residue: f.residue ? { vramBeforeBytes: f.residue.vramBeforeBytes, vramAfterBytes: f.residue.vramAfterBytes, orphans: f.residue.orphans.map((o) => ({ ...o })) } : null,
    gpuLoad: (f.gpuLoad ?? []).map((load) => ({ ...load })),
    memoryEvidence: f.memoryEvidence ? { signs: f.memoryEvidence.signs.map((sign) => ({ ...sign })), alone: f.memoryEvidence.alone } : null,
    coScheduled: f.coScheduled ? { neighbours: [...f.coScheduled.neighbours], vramPercent: f.coScheduled.vramPercent, reason: f.coScheduled.reason, passedAlone: f.coScheduled.passedAlone } : null,
    stdout: f.stdout.text, stderr: f.stderr.text,
  };
  const attempts = (f.attempts ?? []).map((a) => ({ ...a, status: a.status as FileStatus, failureClass: a.failureClass as FailureClass | null, failedTests: [...a.failedTests] }));
  return { ...result, ...(attempts.length > 0 ? { attempts } : {}), ...(typeof f.machine === 'number' ? { machine: f.machine } : {}) };
}

/** The counts of a document (`flaky` is 0 in files written before it). */
export function countsFrom(c: CountsJson): Counts {
  return { tests: c.tests, passed: c.passed, failed: c.failed, skipped: c.skipped, todo: c.todo, flaky: c.flaky ?? 0, files: c.files, filesSkipped: c.filesSkipped, filesFailed: c.filesFailed };
}

/** The host as a document describes it. */
export function hostFrom(h: HostJson): HostInfo {
  return { hostname: h.hostname, platform: h.platform, cpus: h.cpus, nodeVersion: h.nodeVersion, memory: h.memory ? { ...h.memory } : null };
}

/** The GPU inventory as a document describes it. */
export function gpuFrom(g: GpuJson): GpuInventory {
  return { available: g.available, reason: g.reason, driverVersion: g.driverVersion, cudaVersion: g.cudaVersion, gpus: g.gpus.map((gpu) => ({ ...gpu })), warnings: [...g.warnings] };
}

/** The run's pressure as a document describes it. */
export function pressureFrom(p: PressureJson): RunPressure {
  const { psi, cgroup } = p;
  return {
    gpus: p.gpus.map((gpu) => ({ ...gpu })), host: { ...p.host },
    psi: psi ? { someStallMs: psi.someStallMs, fullStallMs: psi.fullStallMs, peakSomeAvg10: psi.peakSomeAvg10Percent, peakFullAvg10: psi.peakFullAvg10Percent } : null,
    cgroup: cgroup ? {
      version: cgroup.version ?? 2, path: cgroup.path, maxBytes: cgroup.maxBytes, limitPath: cgroup.limitPath ?? (cgroup.maxBytes === null ? null : cgroup.path),
      peakWorkingSetBytes: cgroup.peakWorkingSetBytes ?? null, oomKillsDuringRun: cgroup.oomKillsDuringRun,
    } : null,
  };
}

function timeline(t: ResultsJson['timeline']): RunTimeline | null {
  if (!t) return null;
  const health = t.health ?? null;
  return {
    intervalMs: t.intervalMs,
    series: [...t.series, ...(health?.series ?? [])],
    points: t.points.map((point, index) => ({ at: point.atMs, values: { ...point.bytes, ...(health?.points[index]?.values ?? {}) } })),
  };
}

/** A shard plan as a document describes it. */
export function shardFrom(s: ShardJson | null | undefined): ShardPlan | null {
  return s ? { ...s, expectedMs: [...s.expectedMs], gpus: s.gpus === null ? null : [...s.gpus] } : null;
}

function machine(m: NonNullable<ResultsJson['machines']>[number]): MachineRun {
  return {
    runId: m.runId, shard: shardFrom(m.shard), host: hostFrom(m.host), gpu: gpuFrom(m.gpu), startedAt: m.startedAtMs, endedAt: m.endedAtMs,
    verdict: m.verdict, counts: countsFrom(m.counts), pressure: pressureFrom(m.pressure), toolVersion: m.toolVersion,
  };
}

/** The RunResult a results.json (schema 2 to 4, checked by the caller) was written from. */
export function runFromJson(doc: ResultsJson): RunResult {
  const repeat = doc.config.repeat ?? 1;
  return {
    runId: doc.runId, startedAt: doc.startedAtMs, endedAt: doc.endedAtMs, verdict: doc.verdict, interrupted: doc.interrupted,
    interruption: doc.interruption ? { signal: doc.interruption.signal, at: doc.interruption.atMs, forced: doc.interruption.forced } : null,
    counts: countsFrom(doc.counts), host: hostFrom(doc.host), gpu: gpuFrom(doc.gpu),
    files: doc.files.map((f) => file(f, doc, repeat)),
    pressure: pressureFrom(doc.pressure), timeline: timeline(doc.timeline), warnings: [...doc.warnings],
    hooks: (doc.hooks ?? []).map((h) => ({
      suite: h.suite, phase: h.phase, step: h.step, ok: h.ok, startedAt: h.startedAtMs, durationMs: h.durationMs, attempts: h.attempts, output: h.output, error: h.error,
    })),
    config: { ...doc.config, repeat, leaks: doc.config.leaks ?? 'fail', rawSamples: doc.config.rawSamples ?? false },
    toolVersion: doc.generatedBy.replace(/^gpu-test /, ''),
    harnessCpuMs: doc.harnessCpuMs ?? null,
    budgets: (doc.budgets ?? []) as BudgetCheck[],
    suiteNeeds: (doc.suiteNeeds ?? []) as SuiteNeeds[],
    gpuBalance: { limitPercent: doc.gpuBalance?.limitPercent ?? 10, files: (doc.gpuBalance?.files ?? []) as GpuBalance[] },
    shard: shardFrom(doc.shard),
    machines: (doc.machines ?? []).map(machine),
    comparison: null,
  };
}
