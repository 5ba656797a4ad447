// The parts of results.json a run in CI adds: the shard, the machines of a merged run, the comparison with a baseline,
// a retried file's earlier attempts, and what a file's job declared (so `gpu-test merge` can rebuild the run).

import type { Comparison, FileAttempt, MachineRun, ShardPlan } from '../results/ci-result.js';
import type { Job } from '../results/job.js';
import type { HostMemory } from '../results/machine.js';
import type { RunPressure } from '../results/measurement.js';
import type { Counts } from '../results/run-result.js';
import type { SizeSpec } from '../units/size.js';

/** An epoch time as results.json writes it beside its milliseconds; null when unknown or invalid. */
export function iso(ms: number | null): string | null {
  return ms !== null && Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/** The run's counts as results.json writes them. */
export function countsJson(c: Counts) {
  return { tests: c.tests, passed: c.passed, failed: c.failed, skipped: c.skipped, todo: c.todo, files: c.files, filesSkipped: c.filesSkipped, filesFailed: c.filesFailed, flaky: c.flaky };
}

/** Host memory as results.json writes it. */
export function hostMemory(memory: HostMemory | null) {
  if (!memory) return null;
  const { totalBytes, usedBytes, availableBytes, swapTotalBytes, swapUsedBytes } = memory;
  return { totalBytes, usedBytes, availableBytes, swapTotalBytes, swapUsedBytes };
}

function size(spec: SizeSpec | null) {
  if (spec === null) return null;
  return 'bytes' in spec ? { bytes: spec.bytes, percent: null } : { bytes: null, percent: spec.percent };
}

/** What a file's job declared and how it was run: `gpu-test merge` rebuilds the job from it. */
export function jobJson(job: Job) {
  return {
    needs: { vram: size(job.needs.vram), ram: size(job.needs.ram), gpus: job.needs.gpus, exclusive: job.needs.exclusive },
    repeat: job.repeat,
    leakThreshold: { vramBytes: job.leakThreshold.vramBytes, ramBytes: job.leakThreshold.ramBytes, metrics: { ...job.leakThreshold.metrics } },
    leakRepeatMax: job.leakRepeatMax,
  };
}

/** A retried file's earlier attempts. */
export function attemptsJson(attempts: readonly FileAttempt[] | undefined) {
  return (attempts ?? []).map((a) => ({ status: a.status, failureClass: a.failureClass, error: a.error, durationMs: a.durationMs, failedTests: [...a.failedTests] }));
}

/** The shard a run took. */
export function shardJson(shard: ShardPlan | null) {
  if (shard === null) return null;
  return {
    index: shard.index, total: shard.total, strategy: shard.strategy, fingerprint: shard.fingerprint, suiteFiles: shard.suiteFiles,
    expectedMs: [...shard.expectedMs], gpus: shard.gpus === null ? null : [...shard.gpus],
  };
}

/** One machine of a merged run; `pressure` as the top-level `pressure` writes it. */
export function machineJson(m: MachineRun, pressure: (p: RunPressure) => unknown) {
  const g = m.gpu;
  return {
    runId: m.runId, shard: shardJson(m.shard), verdict: m.verdict, toolVersion: m.toolVersion,
    startedAtMs: m.startedAt, startedAtIso: iso(m.startedAt), endedAtMs: m.endedAt, endedAtIso: iso(m.endedAt),
    counts: countsJson(m.counts),
    host: { hostname: m.host.hostname, platform: m.host.platform, cpus: m.host.cpus, nodeVersion: m.host.nodeVersion, memory: hostMemory(m.host.memory) },
    gpu: {
      available: g.available, reason: g.reason, driverVersion: g.driverVersion, cudaVersion: g.cudaVersion,
      gpus: g.gpus.map((gpu) => ({ index: gpu.index, uuid: gpu.uuid, name: gpu.name, totalBytes: gpu.totalBytes })), warnings: [...g.warnings],
    },
    pressure: pressure(m.pressure),
  };
}

/** The comparison with a baseline. */
export function comparisonJson(c: Comparison | null) {
  if (c === null) return null;
  return {
    baseline: { runIds: [...c.baseline.runIds], fromMs: c.baseline.from, fromIso: iso(c.baseline.from), toMs: c.baseline.to, toIso: iso(c.baseline.to) },
    failOnRegression: c.failOnRegression,
    compared: c.compared,
    changes: c.changes.map((ch) => ({
      kind: ch.kind, suite: ch.suite, fileId: ch.fileId, test: ch.test, line: ch.line, figure: ch.figure, unit: ch.unit,
      base: ch.base, current: ch.current, changePercent: ch.changePercent, note: ch.note,
    })),
    newTests: c.newTests.map((t) => ({ fileId: t.fileId, test: t.test })),
    vanishedTests: c.vanishedTests.map((t) => ({ fileId: t.fileId, test: t.test })),
  };
}
