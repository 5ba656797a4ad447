// `gpu-test merge`, `compare` and `trend`: commands over earlier runs' results.json. Each reads its inputs through
// src/history, and returns what the CLI prints or writes; the exit code is decided in src/results/verdict.ts.

import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { resolveConfig } from '../config/resolve-config.js';
import type { ResolvedConfig } from '../config/types.js';
import { compareRuns, suiteSettings } from '../history/compare-runs.js';
import { mergeRuns } from '../history/merge-runs.js';
import { readRuns } from '../history/read-runs.js';
import { buildTrend } from '../history/trend.js';
import type { RunResult } from '../results/run-result.js';
import { exitCodeOfComparison } from '../results/verdict.js';
import type { ParsedArgs } from './parse-args.js';

/** How many moved tests `gpu-test trend` lists. */
const TREND_MOVERS = 15;

function configOf(args: ParsedArgs, cwd: string, env: NodeJS.ProcessEnv): Promise<ResolvedConfig> {
  return resolveConfig({ cwd, cli: args.options, env });
}

/** The merged run of the inputs, and the config whose report directory and reporters it is written with. */
export async function mergeInputs(args: ParsedArgs, cwd: string, env: NodeJS.ProcessEnv): Promise<{ result: RunResult; config: ResolvedConfig }> {
  const config = await configOf(args, cwd, env);
  return { result: mergeRuns(await readRuns(args.inputs, cwd, 'merge'), randomUUID()), config };
}

/** `compare BASE [CURRENT]`: the comparison as Markdown, and its exit code. */
export async function compareInputs(args: ParsedArgs, cwd: string, env: NodeJS.ProcessEnv): Promise<{ markdown: string; code: number }> {
  const config = await configOf(args, cwd, env);
  const [base = '', current] = args.inputs;
  const baselines = (await readRuns([base], cwd, 'compare BASE')).map((read) => read.run);
  const currentRuns = await readRuns([current ?? join(config.reportDir, 'results.json')], cwd, 'compare CURRENT');
  // A folder of several runs as CURRENT: the newest is the one compared.
  const now = currentRuns.map((read) => read.run).sort((a, b) => a.startedAt - b.startedAt).pop();
  if (!now) throw new Error('unreachable: readRuns returns at least one run');
  const comparison = compareRuns(baselines, now, { run: config.compare, suites: suiteSettings(config.suites), failOnRegression: config.failOnRegression });
  const { renderComparisonReport } = await import('../report/markdown-compare.js');
  return { markdown: renderComparisonReport(comparison, now), code: exitCodeOfComparison(comparison) };
}

/** `trend DIR`: the trend report as Markdown. */
export async function trendInputs(args: ParsedArgs, cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const config = await configOf(args, cwd, env);
  const runs = (await readRuns(args.inputs, cwd, 'trend')).map((read) => read.run);
  const trend = buildTrend(runs, { metrics: args.metrics, movers: TREND_MOVERS, compare: config.compare });
  const { renderTrend } = await import('../report/markdown-trend.js');
  return renderTrend(trend);
}
