// `gpu-test merge`: folds the runs of several shards (or machines) into one run, as if one machine had run them all:
// every file once, in plan order, counts and verdict over all of them, budgets, declared needs and hooks combined, and
// each machine's host, GPUs and pressure kept. Refuses what would give a wrong report: mixed schema versions, a shard
// twice or missing, shards split from different inputs, a file run twice. Pure.

import { GpuTestError } from '../errors.js';
import type { MachineRun } from '../results/ci-result.js';
import { countResults } from '../results/counts.js';
import type { BudgetCheck, BudgetFigure, RunPressure, SuiteNeeds } from '../results/measurement.js';
import type { FileResult, RunResult } from '../results/run-result.js';
import { decideVerdict } from '../results/verdict.js';
import type { ReadRun } from './read-runs.js';

const name = (input: ReadRun): string => input.path;

function checkInputs(inputs: readonly ReadRun[]): void {
  const versions = [...new Set(inputs.map((input) => input.schemaVersion))];
  if (versions.length > 1) {
    const each = inputs.map((input) => `${name(input)} (${input.schemaVersion})`).join(', ');
    throw new GpuTestError('USAGE', `merge: the inputs have different results.json schema versions: ${each}; merge results written by one gpu-test version`);
  }
  const sharded = inputs.filter((input) => input.run.shard !== null);
  const [first] = sharded;
  if (!first?.run.shard) return;
  const plan = first.run.shard;
  for (const input of sharded) {
    const shard = input.run.shard;
    if (shard && (shard.total !== plan.total || shard.fingerprint !== plan.fingerprint)) {
      throw new GpuTestError('USAGE', `merge: ${name(input)} is shard ${shard.index}/${shard.total} of another split than ${name(first)} (shard ${plan.index}/${plan.total}; ` +
        `split fingerprints ${shard.fingerprint} and ${plan.fingerprint}): every shard of a run must be given the same files, --shard-strategy, shard.gpus and --durations`);
    }
  }
  const byIndex = new Map<number, ReadRun>();
  for (const input of sharded) {
    const index = input.run.shard?.index ?? 0;
    const seen = byIndex.get(index);
    if (seen) throw new GpuTestError('USAGE', `merge: shard ${index}/${plan.total} is there twice: ${name(seen)} and ${name(input)}; pass each shard's results once`);
    byIndex.set(index, input);
  }
  const missing = Array.from({ length: plan.total }, (_, i) => i + 1).filter((index) => !byIndex.has(index));
  if (missing.length > 0) {
    const have = [...byIndex.keys()].sort((a, b) => a - b).join(', ');
    throw new GpuTestError('USAGE', `merge: shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${plan.total} missing (have ${have}); pass the results of every shard, or find why a shard wrote none (its job's log)`);
  }
}

function mergeFiles(inputs: readonly ReadRun[]): FileResult[] {
  const owner = new Map<string, ReadRun>();
  const files: FileResult[] = [];
  inputs.forEach((input, machine) => {
    for (const file of input.run.files) {
      const seen = owner.get(file.job.id);
      if (seen) throw new GpuTestError('USAGE', `merge: ${file.job.id} is in ${name(seen)} and in ${name(input)}; a file must run on one shard or machine only`);
      owner.set(file.job.id, input);
      files.push({ ...file, machine });
    }
  });
  // Plan order, as one machine would have reported them.
  return files.sort((a, b) => a.job.id.localeCompare(b.job.id));
}

// Which of two figures is further past (or nearer) its limit, by the bound's direction.
function worse(a: BudgetFigure | null, b: BudgetFigure | null, op: string): BudgetFigure | null {
  if (a === null || a.measured === null) return a ?? b;
  if (b === null || b.measured === null) return b ?? a;
  const over = (f: BudgetFigure): number => (op.startsWith('<') ? (f.measured ?? 0) - f.limit : op.startsWith('>') ? f.limit - (f.measured ?? 0) : Math.abs((f.measured ?? 0) - f.limit));
  return over(b) > over(a) ? b : a;
}

/** One check per suite and budget over every machine's: the figures checked, the breaches and the worst, together. */
export function mergeBudgets(lists: readonly (readonly BudgetCheck[])[]): BudgetCheck[] {
  const merged = new Map<string, BudgetCheck>();
  for (const check of lists.flat()) {
    const key = `${check.suite}\u0000${check.name}`;
    const seen = merged.get(key);
    if (!seen) {
      merged.set(key, check);
      continue;
    }
    const statuses = [seen.status, check.status];
    const status = statuses.includes('breached') ? 'breached' : statuses.includes('ok') ? 'ok' : 'not-measured';
    const measuredNote = [seen, check].find((c) => c.status !== 'not-measured' && c.note !== null)?.note ?? null;
    merged.set(key, {
      ...seen, status, checked: seen.checked + check.checked, breaches: [...seen.breaches, ...check.breaches],
      worst: worse(seen.worst, check.worst, seen.bound.op), note: status === 'not-measured' ? seen.note : measuredNote,
    });
  }
  return [...merged.values()];
}

/** Each suite's declared needs against the most any machine measured (the suggestion grows with the measured peak). */
export function mergeSuiteNeeds(lists: readonly (readonly SuiteNeeds[])[]): SuiteNeeds[] {
  const merged = new Map<string, SuiteNeeds>();
  const max = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));
  for (const row of lists.flat()) {
    const seen = merged.get(row.suite);
    merged.set(row.suite, !seen ? row : {
      ...seen, files: seen.files + row.files, declaredVramBytes: seen.declaredVramBytes ?? row.declaredVramBytes, declaredRamBytes: seen.declaredRamBytes ?? row.declaredRamBytes,
      measuredVramBytes: max(seen.measuredVramBytes, row.measuredVramBytes), measuredRamBytes: max(seen.measuredRamBytes, row.measuredRamBytes),
      suggestedVramBytes: max(seen.suggestedVramBytes, row.suggestedVramBytes), suggestedRamBytes: max(seen.suggestedRamBytes, row.suggestedRamBytes),
    });
  }
  return [...merged.values()];
}

// Every machine's GPUs, named with their host; the host RAM of the machine that came nearest its total.
function mergePressure(machines: readonly MachineRun[]): RunPressure {
  const share = (p: RunPressure): number => (p.host.totalBytes ? (p.host.peakUsedBytes ?? 0) / p.host.totalBytes : 0);
  const fullest = [...machines].sort((a, b) => share(b.pressure) - share(a.pressure))[0];
  return {
    gpus: machines.flatMap((m) => m.pressure.gpus.map((gpu) => ({ ...gpu, name: `${m.host.hostname}: ${gpu.name}` }))),
    host: fullest ? { ...fullest.pressure.host } : { totalBytes: null, peakUsedBytes: null, swapTotalBytes: null, peakSwapUsedBytes: null },
    psi: null, cgroup: null,
  };
}

function machineOf(run: RunResult): MachineRun {
  return {
    runId: run.runId, shard: run.shard, host: run.host, gpu: run.gpu, startedAt: run.startedAt, endedAt: run.endedAt,
    verdict: run.verdict, counts: run.counts, pressure: run.pressure, toolVersion: run.toolVersion,
  };
}

/** The merged run of `inputs` (at least one), with a new `runId`; throws GpuTestError for inputs that do not fold. */
export function mergeRuns(given: readonly ReadRun[], runId: string): RunResult {
  checkInputs(given);
  // Shards in shard order, then the other machines in the order given.
  const inputs = [...given].sort((a, b) => (a.run.shard?.index ?? Infinity) - (b.run.shard?.index ?? Infinity));
  const runs = inputs.map((input) => input.run);
  const [first] = runs;
  if (!first) throw new GpuTestError('USAGE', 'merge: no results to merge; pass the folders (or results.json files) of the shards');
  const files = mergeFiles(inputs);
  const machines = runs.map(machineOf);
  const versions = [...new Set(runs.map((run) => run.toolVersion))];
  const warnings = [...new Set(runs.flatMap((run) => run.warnings))];
  if (versions.length > 1) warnings.push(`the merged runs were made by different gpu-test versions (${versions.join(', ')})`);
  const interruption = runs.find((run) => run.interruption !== null)?.interruption ?? null;
  const merged = {
    ...first, runId, files, counts: countResults(files), machines, warnings, interruption, interrupted: runs.some((run) => run.interrupted),
    startedAt: Math.min(...runs.map((run) => run.startedAt)), endedAt: Math.max(...runs.map((run) => run.endedAt)),
    hooks: runs.flatMap((run) => run.hooks).sort((a, b) => a.startedAt - b.startedAt),
    pressure: mergePressure(machines), timeline: null,
    budgets: mergeBudgets(runs.map((run) => run.budgets)), suiteNeeds: mergeSuiteNeeds(runs.map((run) => run.suiteNeeds)),
    gpuBalance: { limitPercent: first.gpuBalance.limitPercent, files: runs.flatMap((run) => run.gpuBalance.files) },
    shard: null, comparison: null,
    // Each machine's harness ran on its own cores: no one figure stands for the merged run.
    harnessCpuMs: null,
  };
  return { ...merged, verdict: decideVerdict({ ...merged, machines }) };
}
