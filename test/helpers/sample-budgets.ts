// Runs with suite budgets applied, for the report tests: the shared sample with a VRAM breach, a metric no test
// recorded and GPU health that was not sampled; and the same run with GPU health in its timeline, breaching tempMax.

import type { Budgets, SuiteConfig } from '../../src/config/types.js';
import type { RunResult } from '../../src/results/run-result.js';
import { applyBudgets } from '../../src/measure/budgets.js';
import type { RunTimeline } from '../../src/results/measurement.js';
import { sampleRunResult, sampleTimeline } from './sample-run-result.js';

const GiB = 1024 ** 3;

/** A resolved suite with only a name and budgets. */
export function budgetSuite(name: string, budgets: Budgets | null): SuiteConfig {
  return { name, files: [], allowEmpty: false, tags: [], timeoutMs: null, repeat: null, leakThreshold: null, leakRepeatMax: null, requires: null, hooks: null, budgets, source: null, filesSource: null, retries: null, retryOn: null, compare: null };
}

/** The budgets of the samples: `unit` within its peakRam share; `vlm` over peakVram, tempMax and a metric. */
export const SAMPLE_BUDGET_SUITES: readonly SuiteConfig[] = [
  budgetSuite('unit', { peakRam: { percent: 50 } }),
  budgetSuite('vlm', { peakVram: { bytes: 6.5 * GiB }, tempMax: 85, metrics: { tokens_per_s: { op: '>=', value: 40 } } }),
];

/** The shared sample with SAMPLE_BUDGET_SUITES applied: GPU health was not sampled, so tempMax is not measured. */
export function sampleRunWithBudgets(): RunResult {
  return applyBudgets(sampleRunResult(), SAMPLE_BUDGET_SUITES);
}

/** The shared timeline with GPU 0's health as NVML gives it: busy, 91 °C at its hottest, 312.5 W. */
export function sampleHealthTimeline(): RunTimeline {
  const base = sampleTimeline();
  let acc = 0;
  return {
    ...base,
    series: [...base.series, 'util0', 'utilAcc0', 'utilMs0', 'temp0', 'power0'],
    points: base.points.map((point, index) => {
      acc += index === 0 ? 0 : 80 * 250;
      return { at: point.at, values: { ...point.values, util0: 80, utilAcc0: acc, utilMs0: index * 250, temp0: index === 5 ? 91 : 60, power0: 312.5 } };
    }),
  };
}

/** SAMPLE_BUDGET_SUITES over the shared sample with GPU health sampled: tempMax breached by the VLM file. */
export function sampleRunWithHealthBudgets(): RunResult {
  return applyBudgets({ ...sampleRunResult(), timeline: sampleHealthTimeline() }, SAMPLE_BUDGET_SUITES);
}
