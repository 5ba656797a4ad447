// Turns discovered files into jobs: tags from suite and header, the lane, and whether (and why not) each runs.

import type { ResolvedConfig } from '../config/types.js';
import type { DiscoveredFile } from './discover-files.js';
import type { OpenFile } from '../config/read-regular-file.js';
import { parseFileHeader } from './read-file-header.js';
import { readTestFileHeads } from './read-test-files.js';
import type { Job, JobNeeds, Lane, Plan, SkipReason } from '../results/job.js';

/** The tag that makes a file run alone on the whole host. */
export const EXCLUSIVE_TAG = 'exclusive';

/** What the planner needs to know about the host's GPUs. */
export interface GpuAvailability {
  readonly available: boolean;
  readonly reason: string | null;
}

/** The gates of `tags` that are closed: tag and variable, in tag order. */
function closedGates(tags: readonly string[], config: ResolvedConfig, env: NodeJS.ProcessEnv): { tag: string; variable: string }[] {
  const closed: { tag: string; variable: string }[] = [];
  for (const tag of tags) {
    const variable = config.gates[tag];
    if (variable === undefined) continue;
    if (env[variable] === '1' || config.enabledTags.includes(tag)) continue;
    closed.push({ tag, variable });
  }
  return closed;
}

function deselection(tags: readonly string[], config: ResolvedConfig): SkipReason | null {
  const skipped = tags.filter((tag) => config.skipTags.includes(tag));
  if (skipped.length > 0) {
    return { code: 'deselected', message: `deselected by --skip-tags ${skipped.join(',')}`, enableWith: null };
  }
  if (config.onlyTags.length > 0 && !tags.some((tag) => config.onlyTags.includes(tag))) {
    return { code: 'deselected', message: `deselected: --tags ${config.onlyTags.join(',')} names none of its tags (${tags.join(', ') || 'none'})`, enableWith: null };
  }
  return null;
}

/** Why a job does not run, or null: deselection first, then gates, then a missing GPU. */
export function skipReasonFor(tags: readonly string[], lane: Lane, config: ResolvedConfig, env: NodeJS.ProcessEnv, gpu: GpuAvailability): SkipReason | null {
  const deselected = deselection(tags, config);
  if (deselected) return deselected;
  const closed = closedGates(tags, config, env);
  if (closed.length > 0) {
    const variables = closed.map((g) => `${g.variable}=1`).join(' and ');
    const flags = closed.map((g) => `--enable ${g.tag}`).join(' ');
    const tagList = closed.map((g) => g.tag).join(', ');
    return { code: 'gated', message: `gated: set ${variables} (or pass ${flags}) to run files tagged ${tagList}`, enableWith: closed[0]?.variable ?? null };
  }
  if (lane === 'gpu' && !gpu.available) {
    return { code: 'no-gpu', message: `no usable GPU: ${gpu.reason ?? 'none was found'}`, enableWith: null };
  }
  return null;
}

/**
 * Jobs for `files` with their tags (suite's plus header's), lane and timeout, before any skip is decided. Throws
 * `FILE_UNREADABLE` naming every file that cannot be read (`open` stands in for the file system in tests).
 */
export function describeJobs(config: ResolvedConfig, files: readonly DiscoveredFile[], open?: OpenFile): Job[] {
  const heads = readTestFileHeads(config, files, open);
  return files.map((found, index) => {
    const header = parseFileHeader(heads[index] ?? '', found.id, config.knownTags);
    const tags = [...new Set([...found.suite.tags, ...header.tags])].sort();
    const requires = { ...found.suite.requires, ...header.requires };
    // Declaring GPUs or VRAM is asking for a GPU: such a file runs in the gpu lane whatever its tags.
    const lane: Lane = tags.some((tag) => config.gpuTags.includes(tag)) || (requires.gpus ?? 0) > 0 || requires.vram !== undefined ? 'gpu' : 'cpu';
    const needs: JobNeeds = {
      vram: requires.vram ?? null,
      ram: requires.ram ?? null,
      gpus: requires.gpus ?? (lane === 'gpu' ? 1 : 0),
      exclusive: tags.includes(EXCLUSIVE_TAG),
    };
    const repeat = config.repeatFromCli ? config.repeat : found.suite.repeat ?? config.repeat;
    const suiteThreshold = found.suite.leakThreshold;
    const leakThreshold = { ...config.leakThreshold, ...suiteThreshold, metrics: { ...config.leakThreshold.metrics, ...suiteThreshold?.metrics } };
    const leakRepeatMax = found.suite.leakRepeatMax ?? config.leakRepeatMax;
    const timeoutMs = header.timeoutMs ?? found.suite.timeoutMs ?? config.timeoutMs;
    return { id: found.id, file: found.file, suite: found.suite.name, tags, lane, timeoutMs, repeat, leakThreshold, leakRepeatMax, needs, skip: null };
  });
}

/**
 * The plan: each job with its skip reason, and notes for the user. cpu-lane decisions never depend on `gpu`. Whether a
 * job's declared needs fit the host is the scheduler's call (`skipUnfit`), made on this plan once the GPUs are known.
 */
export function decideSkips(config: ResolvedConfig, jobs: readonly Job[], env: NodeJS.ProcessEnv, gpu: GpuAvailability): Plan {
  const planned = jobs.map((job) => ({ ...job, skip: skipReasonFor(job.tags, job.lane, config, env, gpu) }));
  const notes: string[] = [];
  const noGpu = planned.filter((job) => job.skip?.code === 'no-gpu').length;
  if (noGpu > 0) {
    notes.push(config.requireGpu
      ? `no usable GPU (${gpu.reason ?? 'none found'}): ${noGpu} GPU file(s) will fail because of --require-gpu`
      : `no usable GPU (${gpu.reason ?? 'none found'}): ${noGpu} GPU file(s) will be skipped; pass --require-gpu to fail instead`);
  }
  return { rootDir: config.rootDir, jobs: planned, notes };
}
